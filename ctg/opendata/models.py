"""Provenance of every imported file (Dataset) and the raw variables it carries (Observation).

An Observation is one published cell: a variable of one territory for one year, with its status. Secret and
missing cells are stored with status and no value: they are never 0.
"""

from django.conf import settings
from django.db import models

from ctg.opendata.enums import GeoLevel, ObservationStatus


class Dataset(models.Model):
    producer = models.CharField("producteur", max_length=120)
    title = models.CharField("titre", max_length=255)
    format = models.CharField("format", max_length=40)
    vintage = models.CharField("millésime", max_length=40)
    licence = models.CharField("licence", max_length=120, default="Licence Ouverte / Open Licence 2.0")
    file_name = models.CharField("fichier", max_length=255)
    sha256 = models.CharField("empreinte SHA-256", max_length=64, unique=True)
    row_count = models.PositiveIntegerField("lignes lues", default=0)
    observation_count = models.PositiveIntegerField("valeurs importées", default=0)
    imported_at = models.DateTimeField("importé le", auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="importé par",
    )

    class Meta:
        verbose_name = "jeu de données"
        verbose_name_plural = "jeux de données"
        ordering = ["-imported_at"]

    def __str__(self):
        return f"{self.producer} – {self.title} ({self.vintage})"

    @property
    def source_label(self):
        return f"{self.producer}, {self.title}, millésime {self.vintage}"


class Observation(models.Model):
    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="observations")
    level = models.CharField("niveau", max_length=12, choices=GeoLevel.choices)
    code = models.CharField("code géographique", max_length=12)
    variable = models.CharField("variable", max_length=60)
    year = models.PositiveSmallIntegerField("année")
    value = models.DecimalField("valeur", max_digits=20, decimal_places=6, null=True, blank=True)
    status = models.CharField("statut", max_length=8, choices=ObservationStatus.choices, default=ObservationStatus.OK)
    # Set on an aggregate the importer could not build from all its parts (e.g. a commune with an IRIS missing
    # or secret in a CAF file): the cell then has status missing and no value.
    incomplete = models.BooleanField("agrégat incomplet", default=False)

    class Meta:
        verbose_name = "observation"
        constraints = [
            models.UniqueConstraint(
                fields=["level", "code", "variable", "year"],
                name="observation_unique_cell",
                violation_error_message="Cette valeur existe déjà pour ce territoire, cette variable et cette année.",
            ),
            models.CheckConstraint(
                condition=models.Q(status="ok", value__isnull=False)
                | (~models.Q(status="ok") & models.Q(value__isnull=True)),
                name="observation_value_matches_status",
                violation_error_message="Une valeur disponible a un nombre ; une valeur secrète ou absente, aucun.",
            ),
            models.CheckConstraint(
                condition=models.Q(incomplete=False) | ~models.Q(status="ok"),
                name="observation_incomplete_has_no_value",
                violation_error_message="Un agrégat incomplet n'est jamais présenté comme une valeur disponible.",
            ),
        ]
        indexes = [models.Index(fields=["variable", "year", "level"])]

    def __str__(self):
        shown = self.value if self.value is not None else self.status
        return f"{self.variable} {self.year} {self.level}:{self.code} = {shown}"


class IrisZone(models.Model):
    """An IRIS of the INSEE reference: the sub-commune unit, and the commune it belongs to."""

    code = models.CharField("code IRIS", max_length=9, primary_key=True)
    commune_code = models.CharField("code commune", max_length=5, db_index=True)
    name = models.CharField("nom", max_length=200)
    kind = models.CharField("type d'IRIS", max_length=1)
    vintage = models.PositiveSmallIntegerField("millésime du référentiel")

    class Meta:
        verbose_name = "IRIS"
        verbose_name_plural = "IRIS"
        ordering = ["code"]

    def __str__(self):
        return f"{self.name} ({self.code})"
