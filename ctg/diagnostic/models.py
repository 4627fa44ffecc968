"""Enjeux: the findings of the shared diagnostic that the partners agree on, theme by theme.

An enjeu is proposed, then validated by the COPIL on a given date. Indicators are linked by their catalogue code
(strings), so that this app does not depend on the indicator engine. Every change is kept in the history.
"""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from ctg.conventions.models import Convention, Theme
from ctg.diagnostic.enums import EnjeuPriority, EnjeuStatus


class EnjeuQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(convention__in=Convention.objects.for_user(user))

    def validated(self):
        return self.filter(status=EnjeuStatus.VALIDE)


class Enjeu(models.Model):
    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="enjeux")
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="enjeux", verbose_name="thématique")
    title = models.CharField("intitulé", max_length=200)
    text = models.TextField("constat et enjeu")
    priority = models.CharField(
        "priorité", max_length=10, choices=EnjeuPriority.choices, default=EnjeuPriority.MOYENNE
    )
    indicator_codes = models.JSONField("indicateurs liés (codes)", default=list, blank=True)
    status = models.CharField("statut", max_length=10, choices=EnjeuStatus.choices, default=EnjeuStatus.PROPOSE)
    validated_on = models.DateField("date de validation par le COPIL", null=True, blank=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="validation enregistrée par",
    )
    # Incremented on each change so that two people editing the same enjeu never silently overwrite each other.
    version = models.PositiveIntegerField("version", default=1)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    objects = EnjeuQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "enjeu"
        ordering = ["theme__order", "title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="valide", validated_on__isnull=False)
                | models.Q(status="propose", validated_on__isnull=True),
                name="enjeu_validation_date_matches_status",
                violation_error_message="Un enjeu validé porte la date du COPIL ; un enjeu proposé n'en a pas.",
            ),
            models.UniqueConstraint(
                fields=["convention", "title"],
                name="enjeu_unique_title_per_convention",
                violation_error_message="Un enjeu porte déjà cet intitulé dans cette convention.",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_validated(self):
        return self.status == EnjeuStatus.VALIDE
