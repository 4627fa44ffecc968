"""The action plan of a convention: objectives, fiches actions, milestones, co-financing, follow-up indicators.

Every model keeps its history (django-simple-history): the activity log of an action and of a convention is
built from it. Writes go through ctg.plans.services.
"""

import datetime
from decimal import Decimal
from typing import TypedDict

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThanOrEqual
from django.utils import timezone
from simple_history.models import HistoricalRecords

from ctg.conventions.models import Convention, Theme
from ctg.core.formatting import format_date
from ctg.organisations.models import Organisation
from ctg.plans.enums import (
    CLOSED_STATUSES,
    ActionStatus,
    BaselineState,
    FundingNature,
    FundingScheme,
    ObjectiveLevel,
    Priority,
)
from ctg.territories.models import Commune

CODE_VALIDATOR = RegexValidator(
    r"^[A-Z0-9][A-Z0-9.\-]{0,19}$",
    "Le code s'écrit en majuscules, chiffres, points et tirets (20 caractères au plus), par exemple PE-03.",
)
FUNDING_YEAR_MIN, FUNDING_YEAR_MAX = 2000, 2100
# How long a deleted fiche stays restorable.
TRASH_DAYS = 30


class Versioned(models.Model):
    """An object of the plan edited from forms and exported rows (see ctg.plans.services)."""

    # Grows at every save: an edit form or an exported row carries it, so that a stale copy is refused.
    version = models.PositiveIntegerField("version", default=1)

    class Meta:
        abstract = True


class ObjectiveQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(convention__in=Convention.objects.for_user(user))


class Objective(Versioned):
    """A strategic objective (no parent) or an operational objective (parent = a strategic one), under a theme."""

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="objectives")
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="objectives", verbose_name="thématique")
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name="objectif stratégique",
    )
    code = models.CharField("code", max_length=20, validators=[CODE_VALIDATOR])
    title = models.CharField("intitulé", max_length=300)
    description = models.TextField("description", blank=True)
    order = models.PositiveSmallIntegerField("ordre", default=100)
    enjeux = models.ManyToManyField(
        "diagnostic.Enjeu",
        blank=True,
        related_name="objectives",
        verbose_name="enjeux auxquels il répond",
    )

    objects = ObjectiveQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[enjeux])

    class Meta:
        verbose_name = "objectif"
        ordering = ["order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["convention", "code"],
                name="objective_code_unique_in_convention",
                violation_error_message="Un objectif de cette convention porte déjà ce code.",
            ),
        ]

    def __str__(self):
        return f"{self.code} – {self.title}"

    @property
    def level(self):
        return ObjectiveLevel.OPERATIONNEL if self.parent_id else ObjectiveLevel.STRATEGIQUE


def late_condition(today: datetime.date) -> models.Q:
    """Late: the planned end has passed and the action is neither done nor abandoned."""
    return models.Q(planned_end__lt=today) & ~models.Q(status__in=CLOSED_STATUSES)


def whole_percent(part, whole):
    """`100 * part / whole` rounded half up (12.5 % reads 13 %, like every figure of the product), in integers only:
    the database divides without any float, so SQLite and PostgreSQL agree to the unit."""
    scaled = part * 100
    quotient = scaled / whole  # integers: the division truncates, and nothing here is negative
    twice_rest = (scaled - quotient * whole) * 2
    return models.Case(
        models.When(GreaterThanOrEqual(twice_rest, whole), then=quotient + 1),
        default=quotient,
        output_field=models.IntegerField(),
    )


class ActionFigures(TypedDict):
    """What `ActionQuerySet.with_progress()` and `.with_lateness()` add to each action, for type checking."""

    late: bool
    progress: int | None
    progress_source: str


class ActionQuerySet(models.QuerySet):
    def in_trash(self):
        """The fiches deleted and still restorable (see ctg.plans.services.action_delete)."""
        return self.filter(deleted_at__isnull=False)

    def for_user(self, user):
        return self.filter(convention__in=Convention.objects.for_user(user))

    def late(self, today: datetime.date):
        return self.filter(late_condition(today))

    def with_lateness(self, today: datetime.date):
        """`late`: whether the action is late on `today` (see `late_condition`)."""
        return self.annotate(
            late=models.Case(
                models.When(late_condition(today), then=models.Value(True)),
                default=models.Value(False),
                output_field=models.BooleanField(),
            )
        )

    def with_progress(self):
        """`progress` in whole percent and where it comes from (`progress_source`).

        An action with milestones progresses by the weighted share of its done milestones ("jalons"); without
        milestones, by the figure entered on the fiche ("saisie"); otherwise it is not known (None, "")."""
        weights = (
            Milestone.objects.filter(action=models.OuterRef("pk"))
            .order_by()
            .values("action")
            .annotate(
                share=whole_percent(
                    models.Sum("weight", filter=models.Q(done_date__isnull=False), default=0), models.Sum("weight")
                )
            )
            .values("share")
        )
        has_milestones = models.Exists(Milestone.objects.filter(action=models.OuterRef("pk")))
        return self.annotate(
            progress=Coalesce(
                models.Subquery(weights), models.F("progress_manual"), output_field=models.IntegerField()
            ),
            progress_source=models.Case(
                models.When(has_milestones, then=models.Value("jalons")),
                models.When(progress_manual__isnull=False, then=models.Value("saisie")),
                default=models.Value(""),
                output_field=models.CharField(),
            ),
        )


class LiveActionManager(models.Manager.from_queryset(ActionQuerySet)):  # type: ignore[misc]
    """The fiches that are not in the trash: the default manager, so that every page, export, count and
    selector leaves a deleted fiche out without having to remember it."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


class OfLiveActionManager(models.Manager):
    """Objects of a fiche, without those of a fiche in the trash. `path` leads from the object to its fiche;
    `optional` when an object may belong to an objective instead, with no fiche. (Class attributes, not arguments:
    Django builds the related managers, `action.milestones`, from this class without arguments.)"""

    path = "action"
    optional = False

    def get_queryset(self):
        live = models.Q(**{f"{self.path}__deleted_at__isnull": True})
        if self.optional:
            live |= models.Q(**{f"{self.path}__isnull": True})
        return super().get_queryset().filter(live)


class EveryObjectManager(models.Manager):
    """Every object, those of a fiche in the trash included (the trash, its purge, uniqueness checks)."""


class OfLiveOptionalActionManager(OfLiveActionManager):
    optional = True


class OfLiveIndicatorManager(OfLiveActionManager):
    path = "indicator__action"
    optional = True


class Action(Versioned):
    """A fiche action. `version` grows at every save of the fiche: a form carries it so that a second editor
    working on a stale copy is refused instead of silently overwriting the first one.

    A deleted fiche goes to the trash (`deleted_at`), with everything it holds: `Action.objects` and the default
    managers of its objects leave it out; an administrator restores it within TRASH_DAYS, after which
    `purge_plan_trash` deletes it for good. `Action.all_objects` sees every fiche."""

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="actions")
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sub_actions",
        verbose_name="action parente",
    )
    code = models.CharField("code", max_length=20, validators=[CODE_VALIDATOR])
    title = models.CharField("intitulé", max_length=300)
    description = models.TextField("description", blank=True)
    expected_results = models.TextField("résultats attendus", blank=True)
    themes = models.ManyToManyField(Theme, blank=True, related_name="actions", verbose_name="thématiques")
    objectives = models.ManyToManyField(Objective, blank=True, related_name="actions", verbose_name="objectifs")
    target_public = models.TextField("public visé", blank=True)
    all_communes = models.BooleanField("toutes les communes du territoire", default=False)
    communes = models.ManyToManyField(Commune, blank=True, related_name="plan_actions", verbose_name="communes")
    lead_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_actions",
        verbose_name="structure porteuse",
    )
    pilot_name = models.CharField("pilote", max_length=200, blank=True)
    pilot_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="piloted_actions",
        verbose_name="pilote (compte)",
    )
    partners = models.ManyToManyField(
        Organisation, blank=True, related_name="partner_actions", verbose_name="partenaires"
    )
    elected_referent = models.CharField("élu·e référent·e", max_length=200, blank=True)
    planned_start = models.DateField("début prévu", null=True, blank=True)
    planned_end = models.DateField("fin prévue", null=True, blank=True)
    actual_start = models.DateField("début effectif", null=True, blank=True)
    actual_end = models.DateField("fin effective", null=True, blank=True)
    status = models.CharField("statut", max_length=20, choices=ActionStatus.choices, default=ActionStatus.A_VENIR)
    priority = models.CharField("priorité", max_length=20, choices=Priority.choices, default=Priority.MOYENNE)
    progress_manual = models.PositiveSmallIntegerField(
        "avancement saisi (%)",
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
        help_text="Ignoré dès que l'action a des jalons : l'avancement se déduit alors des jalons pondérés.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField("supprimée le", null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name="supprimée par",
    )

    objects = LiveActionManager()
    all_objects = ActionQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[themes, objectives, communes, partners], excluded_fields=["updated_at"])

    class Meta:
        verbose_name = "fiche action"
        verbose_name_plural = "fiches actions"
        ordering = ["code"]
        constraints = [
            # A fiche in the trash frees its code; restoring it checks that the code is still free.
            models.UniqueConstraint(
                fields=["convention", "code"],
                condition=models.Q(deleted_at__isnull=True),
                name="action_code_unique_in_convention",
                violation_error_message="Une fiche action de cette convention porte déjà ce code.",
            ),
            models.CheckConstraint(
                condition=models.Q(planned_end__isnull=True)
                | models.Q(planned_start__isnull=True)
                | models.Q(planned_end__gte=models.F("planned_start")),
                name="action_planned_end_after_start",
                violation_error_message="La fin prévue ne peut précéder le début prévu.",
            ),
            models.CheckConstraint(
                condition=models.Q(actual_end__isnull=True)
                | models.Q(actual_start__isnull=True)
                | models.Q(actual_end__gte=models.F("actual_start")),
                name="action_actual_end_after_start",
                violation_error_message="La fin effective ne peut précéder le début effectif.",
            ),
            models.CheckConstraint(
                condition=models.Q(progress_manual__isnull=True) | models.Q(progress_manual__lte=100),
                name="action_progress_at_most_100",
                violation_error_message="L'avancement est un pourcentage entre 0 et 100.",
            ),
        ]

    def __str__(self):
        return f"{self.code} – {self.title}"

    @property
    def pilot_label(self):
        if self.pilot_user_id:
            return str(self.pilot_user)
        return self.pilot_name

    @property
    def purge_on(self) -> datetime.date | None:
        """The day a fiche in the trash is deleted for good."""
        if self.deleted_at is None:
            return None
        return timezone.localdate(self.deleted_at) + datetime.timedelta(days=TRASH_DAYS)


class Milestone(Versioned):
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField("intitulé", max_length=300)
    due_date = models.DateField("échéance", null=True, blank=True)
    done_date = models.DateField("réalisé le", null=True, blank=True)
    weight = models.PositiveSmallIntegerField(
        "poids", default=1, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )

    objects = OfLiveActionManager()
    all_objects = EveryObjectManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "jalon"
        ordering = ["due_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weight__gte=1),
                name="milestone_weight_positive",
                violation_error_message="Le poids d'un jalon est un entier d'au moins 1.",
            ),
        ]

    def __str__(self):
        return self.title


class FollowUpNote(models.Model):
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="notes")
    date = models.DateField("date")
    text = models.TextField("note")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = OfLiveActionManager()
    all_objects = EveryObjectManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "note de suivi"
        verbose_name_plural = "notes de suivi"
        ordering = ["-date", "-pk"]

    def __str__(self):
        return f"{format_date(self.date)}"


class ActionLink(models.Model):
    """A link to a document or a page about the action (files are kept in the partners' own tools)."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="links")
    label = models.CharField("libellé", max_length=200)
    url = models.URLField("adresse", max_length=500)

    objects = OfLiveActionManager()
    all_objects = EveryObjectManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "lien ou document"
        verbose_name_plural = "liens et documents"
        ordering = ["label"]

    def __str__(self):
        return self.label


class FundingLine(Versioned):
    """One line of the co-financing ledger: an action, a funder, a year, a nature and a scheme.

    An empty amount means "not known", never zero; totals say how many lines they cover.
    """

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="funding_lines")
    funder = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="funding_lines", verbose_name="financeur"
    )
    year = models.PositiveSmallIntegerField(
        "année", validators=[MinValueValidator(FUNDING_YEAR_MIN), MaxValueValidator(FUNDING_YEAR_MAX)]
    )
    nature = models.CharField("nature", max_length=20, choices=FundingNature.choices)
    scheme = models.CharField("dispositif", max_length=30, choices=FundingScheme.choices)
    scheme_detail = models.CharField("précision sur le dispositif", max_length=200, blank=True)
    amount_planned = models.DecimalField("montant prévu (€)", max_digits=12, decimal_places=2, null=True, blank=True)
    amount_requested = models.DecimalField(
        "montant demandé (€)", max_digits=12, decimal_places=2, null=True, blank=True
    )
    amount_granted = models.DecimalField("montant accordé (€)", max_digits=12, decimal_places=2, null=True, blank=True)
    amount_paid = models.DecimalField("montant versé (€)", max_digits=12, decimal_places=2, null=True, blank=True)
    requested_on = models.DateField("demandé le", null=True, blank=True)
    granted_on = models.DateField("accordé le", null=True, blank=True)
    paid_on = models.DateField("versé le", null=True, blank=True)
    comment = models.CharField("commentaire", max_length=500, blank=True)

    objects = OfLiveActionManager()
    all_objects = EveryObjectManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "ligne de financement"
        verbose_name_plural = "lignes de financement"
        ordering = ["year", "funder__name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    (models.Q(amount_planned__isnull=True) | models.Q(amount_planned__gte=0))
                    & (models.Q(amount_requested__isnull=True) | models.Q(amount_requested__gte=0))
                    & (models.Q(amount_granted__isnull=True) | models.Q(amount_granted__gte=0))
                    & (models.Q(amount_paid__isnull=True) | models.Q(amount_paid__gte=0))
                ),
                name="funding_amounts_not_negative",
                violation_error_message="Un montant ne peut pas être négatif.",
            ),
            # Without `amount_granted__isnull=False`, SQL would let a paid amount through when nothing is granted.
            models.CheckConstraint(
                condition=models.Q(amount_paid__isnull=True)
                | models.Q(amount_granted__isnull=False, amount_paid__lte=models.F("amount_granted")),
                name="funding_paid_within_granted",
                violation_error_message="Le montant versé ne peut dépasser le montant accordé "
                "(un montant versé suppose un montant accordé).",
            ),
            models.CheckConstraint(
                condition=models.Q(year__gte=FUNDING_YEAR_MIN, year__lte=FUNDING_YEAR_MAX),
                name="funding_year_in_range",
                violation_error_message=f"L'année d'un financement est comprise entre {FUNDING_YEAR_MIN} "
                f"et {FUNDING_YEAR_MAX}.",
            ),
        ]

    def __str__(self):
        return f"{self.action.code} – {self.funder} – {self.year}"


class FollowUpIndicator(Versioned):
    """A follow-up indicator of an action or of an objective (exactly one of them).

    It is either linked to a diagnostic indicator (`diagnostic_code`, a code of the ctg.indicators catalogue,
    kept as a string so the plan does not depend on that app) or defined locally (label, unit, source).

    The baseline is mandatory for the trajectory, but a plan often starts before anyone has measured it (the
    Caux Seine relais coverage, for instance). So the baseline has an explicit state: "renseignée" requires a
    value and a date (database constraint); "à renseigner" keeps both empty and blocks the trajectory, which
    then reads "ligne de base à renseigner" instead of a guess. The web form always requires the baseline when
    a user creates an indicator; only the demo loader and the XLSX import may record it as "à renseigner".
    """

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="follow_up_indicators")
    action = models.ForeignKey(
        Action, on_delete=models.CASCADE, null=True, blank=True, related_name="indicators", verbose_name="action"
    )
    objective = models.ForeignKey(
        Objective,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="indicators",
        verbose_name="objectif",
    )
    code = models.CharField("code", max_length=20, validators=[CODE_VALIDATOR])
    diagnostic_code = models.CharField(
        "indicateur du diagnostic",
        max_length=80,
        blank=True,
        help_text="Code de l'indicateur du catalogue du diagnostic ; vide pour un indicateur défini localement.",
    )
    label = models.CharField("libellé", max_length=300)
    unit = models.CharField("unité", max_length=50, blank=True)
    source = models.CharField("source", max_length=300, blank=True)
    baseline_state = models.CharField(
        "ligne de base", max_length=20, choices=BaselineState.choices, default=BaselineState.RENSEIGNEE
    )
    baseline_value = models.DecimalField("valeur de référence", max_digits=14, decimal_places=3, null=True, blank=True)
    baseline_date = models.DateField("date de la valeur de référence", null=True, blank=True)

    objects = OfLiveOptionalActionManager()
    all_objects = EveryObjectManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "indicateur de suivi"
        verbose_name_plural = "indicateurs de suivi"
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["convention", "code"],
                name="indicator_code_unique_in_convention",
                violation_error_message="Un indicateur de cette convention porte déjà ce code.",
            ),
            models.CheckConstraint(
                condition=models.Q(action__isnull=False, objective__isnull=True)
                | models.Q(action__isnull=True, objective__isnull=False),
                name="indicator_action_xor_objective",
                violation_error_message="Un indicateur suit soit une action, soit un objectif.",
            ),
            models.CheckConstraint(
                condition=models.Q(baseline_state="a_renseigner", baseline_value__isnull=True)
                | models.Q(baseline_state="renseignee", baseline_value__isnull=False, baseline_date__isnull=False),
                name="indicator_baseline_consistent",
                violation_error_message="Une ligne de base renseignée a une valeur et une date ; "
                "une ligne de base à renseigner n'a pas de valeur.",
            ),
        ]

    def __str__(self):
        return f"{self.code} – {self.label}"


class IndicatorValue(Versioned):
    """A dated value of a follow-up indicator: a target or a measure, one of each per date."""

    # Declared by each kind, with its own label.
    date: datetime.date
    value: Decimal

    class Meta:
        abstract = True
        ordering = ["date"]

    def __str__(self):
        return f"{self.value} au {format_date(self.date)}"


class IndicatorTarget(IndicatorValue):
    indicator = models.ForeignKey(FollowUpIndicator, on_delete=models.CASCADE, related_name="targets")
    date = models.DateField("échéance")
    value = models.DecimalField("valeur cible", max_digits=14, decimal_places=3)

    objects = OfLiveIndicatorManager()
    all_objects = EveryObjectManager()
    history = HistoricalRecords()

    class Meta(IndicatorValue.Meta):
        verbose_name = "cible"
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "date"],
                name="target_one_per_date",
                violation_error_message="Cet indicateur a déjà une cible à cette date.",
            ),
        ]


class IndicatorMeasure(IndicatorValue):
    indicator = models.ForeignKey(FollowUpIndicator, on_delete=models.CASCADE, related_name="measures")
    date = models.DateField("date")
    value = models.DecimalField("valeur mesurée", max_digits=14, decimal_places=3)
    comment = models.CharField("commentaire", max_length=500, blank=True)
    source = models.CharField("source", max_length=300)

    objects = OfLiveIndicatorManager()
    all_objects = EveryObjectManager()
    history = HistoricalRecords()

    class Meta(IndicatorValue.Meta):
        verbose_name = "mesure"
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "date"],
                name="measure_one_per_date",
                violation_error_message="Cet indicateur a déjà une mesure à cette date.",
            ),
        ]
