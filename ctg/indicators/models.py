"""Computed indicator values at every territorial level, and the provenance of each computed series.

A value is stored with its numerator and denominator so that any higher level is the ratio of summed parts.
Secret, missing and incomplete aggregates are explicit statuses; a value that is not known is never 0.
"""

from django.db import models
from django.db.models import F

from ctg.core.fields import RowidAutoField
from ctg.indicators.enums import ValueStatus
from ctg.territories.enums import Level


class IndicatorValue(models.Model):
    id = RowidAutoField(primary_key=True)
    indicator = models.CharField("indicateur", max_length=60)
    level = models.CharField("niveau", max_length=12, choices=Level.choices)
    code = models.CharField("code géographique", max_length=12)
    year = models.PositiveSmallIntegerField("millésime")
    value = models.FloatField("valeur", null=True, blank=True)
    numerator = models.FloatField("numérateur", null=True, blank=True)
    denominator = models.FloatField("dénominateur", null=True, blank=True)
    status = models.CharField("statut", max_length=10, choices=ValueStatus.choices)
    parts_present = models.PositiveIntegerField("communes renseignées", null=True, blank=True)
    parts_expected = models.PositiveIntegerField("communes du territoire", null=True, blank=True)
    # What the figure's source cell said beyond its status (Observation.note): a commune merged since the file
    # ("non publié pour ce périmètre (fusion …)"), an EPCI published on another perimeter ("périmètre de l'année
    # N"), or an EPCI count taken from the CAF's file by EPCI where the sum of its communes is incomplete.
    note = models.CharField("note", max_length=255, blank=True, default="", db_default="")

    class Meta:
        verbose_name = "valeur d'indicateur"
        verbose_name_plural = "valeurs d'indicateurs"
        constraints = [
            # Column expressions: a unique index of its own on SQLite too, which a first computation makes again
            # after the rows (see Observation's).
            models.UniqueConstraint(
                F("indicator"),
                F("level"),
                F("code"),
                F("year"),
                name="indicator_value_unique",
                violation_error_message="Cet indicateur a déjà une valeur pour ce territoire et ce millésime.",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=["secret", "missing"]) | models.Q(value__isnull=True),
                name="indicator_value_unknown_has_no_value",
                violation_error_message="Une valeur secrète ou non disponible ne porte aucun nombre.",
            ),
        ]
        # The unique constraint's index (indicator, level, code, year) serves every read; no other index, so that
        # a national refresh (millions of rows) writes fast.

    def __str__(self):
        return f"{self.indicator} {self.year} {self.level}:{self.code} = {self.value} ({self.status})"


class IndicatorSeries(models.Model):
    """One computed series (indicator × millésime): where its figures come from and when they were computed."""

    indicator = models.CharField("indicateur", max_length=60)
    year = models.PositiveSmallIntegerField("millésime")
    source = models.CharField("source", max_length=500)
    computed_at = models.DateTimeField("calculé le")
    # Fingerprint of the series' stored values as last written by a refresh of every territory (empty otherwise):
    # a later refresh whose computed values have the same fingerprint for every series of an indicator neither
    # reads nor writes that indicator's values.
    digest = models.CharField("empreinte des valeurs", max_length=64, blank=True, default="")

    class Meta:
        verbose_name = "série calculée"
        verbose_name_plural = "séries calculées"
        ordering = ["indicator", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "year"],
                name="indicator_series_unique",
                violation_error_message="Cette série existe déjà pour ce millésime.",
            )
        ]

    def __str__(self):
        return f"{self.indicator} {self.year}"
