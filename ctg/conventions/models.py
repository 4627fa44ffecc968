"""The convention itself: parties, signatories, engaged communes, themes and lifecycle phase."""

import datetime
import uuid

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from ctg.conventions.enums import DocumentKind, Phase, SignatoryRole
from ctg.organisations.models import Organisation
from ctg.territories.models import EPCI, Commune


class ThemeQuerySet(models.QuerySet):
    def reference(self):
        return self.filter(convention__isnull=True)

    def for_convention(self, convention):
        return self.filter(models.Q(convention__isnull=True) | models.Q(convention=convention))


class Theme(models.Model):
    """A CAF field of action (reference, shared by all conventions) or a local theme of one convention."""

    code = models.SlugField("code", max_length=40)
    label = models.CharField("libellé", max_length=120)
    description = models.TextField("description", blank=True)
    order = models.PositiveSmallIntegerField("ordre", default=100)
    convention = models.ForeignKey(
        "Convention",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="local_themes",
        help_text="Vide pour les thématiques de référence de la CAF.",
    )

    objects = ThemeQuerySet.as_manager()

    class Meta:
        verbose_name = "thématique"
        ordering = ["order", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                condition=models.Q(convention__isnull=True),
                name="theme_reference_code_unique",
                violation_error_message="Une thématique de référence porte déjà ce code.",
            ),
            models.UniqueConstraint(
                fields=["convention", "code"],
                name="theme_local_code_unique",
                violation_error_message="Cette convention a déjà une thématique avec ce code.",
            ),
        ]

    def __str__(self):
        return self.label

    @property
    def is_reference(self):
        return self.convention_id is None


class ConventionQuerySet(models.QuerySet):
    def for_user(self, user):
        """Conventions the user may read: through a membership, or a département-wide read access."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(
            models.Q(memberships__user=user)
            | models.Q(epci__communes__departement__in=user.departement_accesses.values("departement"))
        ).distinct()

    def public(self):
        return self.filter(is_public=True)


class Convention(models.Model):
    title = models.CharField("intitulé", max_length=255)
    epci = models.ForeignKey(EPCI, on_delete=models.PROTECT, related_name="conventions", verbose_name="EPCI")
    caf = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="caf_conventions",
        verbose_name="CAF",
        limit_choices_to={"kind": "caf"},
    )
    start_date = models.DateField("début")
    end_date = models.DateField("fin")
    signed_on = models.DateField("date de signature", null=True, blank=True)
    phase = models.CharField("phase", max_length=20, choices=Phase.choices, default=Phase.PREPARATION)
    previous = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="renewal",
        verbose_name="convention précédente",
    )
    communes = models.ManyToManyField(Commune, blank=True, related_name="engaged_in", verbose_name="communes engagées")
    themes = models.ManyToManyField(Theme, blank=True, related_name="conventions", verbose_name="thématiques")
    is_public = models.BooleanField("page publique", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ConventionQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[communes])

    class Meta:
        verbose_name = "convention"
        ordering = ["-start_date", "title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gt=models.F("start_date")),
                name="convention_end_after_start",
                violation_error_message="La date de fin doit suivre la date de début.",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def period_label(self):
        return f"{self.start_date.year}-{self.end_date.year}"

    def is_over(self, today: datetime.date) -> bool:
        """The convention's period has ended (its last day is before `today`)."""
        return self.end_date < today

    def period_overrun(self, *, start: datetime.date | None, end: datetime.date | None) -> str | None:
        """What a period planned inside this convention does past its end, in French; None when it stays inside."""
        last_day = self.end_date.strftime("%d/%m/%Y")
        if start and start > self.end_date:
            return f"Prévue à partir du {start:%d/%m/%Y}, après la fin de la convention ({last_day})."
        if end and end > self.end_date:
            return f"Prévue jusqu'au {end:%d/%m/%Y}, au-delà de la fin de la convention ({last_day})."
        return None


class PhaseChange(models.Model):
    """One move of a convention from a phase to another: who, when, and why when it went backwards."""

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="phase_changes")
    from_phase = models.CharField("phase quittée", max_length=20, choices=Phase.choices)
    to_phase = models.CharField("nouvelle phase", max_length=20, choices=Phase.choices)
    reason = models.TextField("motif", blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField("date", auto_now_add=True)

    class Meta:
        verbose_name = "changement de phase"
        verbose_name_plural = "changements de phase"
        ordering = ["-changed_at", "-pk"]

    def __str__(self):
        return f"{self.convention} : {self.get_from_phase_display()} → {self.get_to_phase_display()}"

    @property
    def is_backwards(self):
        return list(Phase).index(Phase(self.to_phase)) < list(Phase).index(Phase(self.from_phase))


def document_upload_to(document, filename) -> str:
    # A random name: the stored path reveals nothing and never collides; the user's file name is kept in a field.
    return f"conventions/{document.convention_id}/{uuid.uuid4().hex}.pdf"


class ConventionDocument(models.Model):
    """The signed convention (one per convention) or one of its amendments (avenants), as a PDF."""

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField("type", max_length=20, choices=DocumentKind.choices)
    dated = models.DateField("date")
    summary = models.TextField("ce qu'il change", blank=True)
    file = models.FileField("fichier PDF", upload_to=document_upload_to, max_length=200)
    original_name = models.CharField("nom du fichier déposé", max_length=255)
    size = models.PositiveIntegerField("taille (octets)")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField("déposé le", auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "document de la convention"
        verbose_name_plural = "documents de la convention"
        ordering = ["kind", "dated", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["convention"],
                condition=models.Q(kind="signee"),
                name="convention_one_signed_document",
                violation_error_message="La convention a déjà son exemplaire signé.",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="signee") | ~models.Q(summary=""),
                name="avenant_says_what_it_changes",
                violation_error_message="Un avenant dit ce qu'il change.",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} du {self.dated:%d/%m/%Y}"

    @property
    def download_name(self) -> str:
        prefix = "convention-signee" if self.kind == DocumentKind.SIGNED else f"avenant-{self.dated:%Y-%m-%d}"
        return f"{prefix}-{self.convention_id}.pdf"


class Signatory(models.Model):
    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="signatories")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="signatures")
    role = models.CharField("rôle", max_length=20, choices=SignatoryRole.choices)
    signed_on = models.DateField("date de signature", null=True, blank=True)
    represented_by = models.CharField("représentée par (fonction)", max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "signataire"
        ordering = ["role", "organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["convention", "organisation"],
                name="signatory_unique_per_convention",
                violation_error_message="Cette organisation est déjà signataire de la convention.",
            )
        ]

    def __str__(self):
        return f"{self.organisation} ({self.get_role_display()})"
