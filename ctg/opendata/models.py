"""Provenance of every imported file (Dataset) and the raw variables it carries (Observation).

An Observation is one published cell: a variable of one territory for one year, with its status. Secret and
missing cells are stored with status and no value: they are never 0.

Official datasets (producers' files: INSEE, CAF) are national reference data shared by every convention; only
data administrators import or withdraw them. A local dataset belongs to one convention: its figures are
`LocalObservation`s, seen only in that convention, and never feed the official series nor the indicators.
"""

from django.conf import settings
from django.db import models
from django.db.models import F

from ctg.core.fields import RowidAutoField
from ctg.opendata.enums import GeoLevel, ObservationStatus


class DatasetQuerySet(models.QuerySet):
    def official(self):
        return self.filter(convention__isnull=True)

    def local_to(self, convention):
        return self.filter(convention=convention)


class Dataset(models.Model):
    producer = models.CharField("producteur", max_length=120)
    title = models.CharField("titre", max_length=255)
    format = models.CharField("format", max_length=40)
    vintage = models.CharField("millésime", max_length=40)
    # The year of the communes' geography (COG) the file is published on; empty when each year of the file has its
    # own (multi-year files) or the file is not territorial. See docs/data.md, « Géographie des fichiers ».
    geography_year = models.PositiveSmallIntegerField("géographie (année du COG)", null=True, blank=True)
    licence = models.CharField("licence", max_length=120, default="Licence Ouverte / Open Licence 2.0")
    file_name = models.CharField("fichier", max_length=255)
    sha256 = models.CharField("empreinte SHA-256", max_length=64)
    # Empty for an official dataset; the convention that owns a local dataset.
    convention = models.ForeignKey(
        "conventions.Convention",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="local_datasets",
        verbose_name="convention (donnée locale)",
    )
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

    objects = DatasetQuerySet.as_manager()

    class Meta:
        verbose_name = "jeu de données"
        verbose_name_plural = "jeux de données"
        ordering = ["-imported_at"]
        permissions = [("manage_official_data", "Importer et retirer les données officielles (INSEE, CAF)")]
        constraints = [
            models.UniqueConstraint(
                fields=["sha256"],
                condition=models.Q(convention__isnull=True),
                name="dataset_official_file_once",
                violation_error_message="Ce fichier officiel est déjà importé.",
            ),
            models.UniqueConstraint(
                fields=["convention", "sha256"],
                condition=models.Q(convention__isnull=False),
                name="dataset_local_file_once_per_convention",
                violation_error_message="Ce fichier de données locales est déjà importé dans cette convention.",
            ),
        ]

    def __str__(self):
        return f"{self.producer} – {self.title} ({self.vintage})"

    @property
    def is_local(self):
        return self.convention_id is not None

    @property
    def source_label(self):
        return f"{self.producer}, {self.title}, millésime {self.vintage}"


class Observation(models.Model):
    id = RowidAutoField(primary_key=True)
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
    # Why a cell has no value when the status alone does not say it: e.g. "non publié pour ce périmètre (fusion au
    # 1er janvier 2025)", or the parts missing from a commune rebuilt from former communes (ctg.opendata.geography).
    note = models.CharField("note", max_length=255, blank=True, default="", db_default="")

    class Meta:
        verbose_name = "observation"
        constraints = [
            # Variable first: the engine and the import read a variable's cells through this index, the only one
            # beside the dataset's (a national load makes a second index of millions of keys again, which costs
            # as much as the load itself). Written with column expressions so that it is a unique index of its own
            # on SQLite too, not part of the table: a first large load drops it and makes it again after the rows
            # (ctg.core.bulk.indexes_dropped), a third faster than checking each row as it comes.
            models.UniqueConstraint(
                F("variable"),
                F("year"),
                F("level"),
                F("code"),
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

    def __str__(self):
        shown = self.value if self.value is not None else self.status
        return f"{self.variable} {self.year} {self.level}:{self.code} = {shown}"


class LocalObservation(models.Model):
    """A figure brought by a convention's partners (tidy CSV): shown only in that convention, labelled as local."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="local_observations")
    convention = models.ForeignKey(
        "conventions.Convention", on_delete=models.CASCADE, related_name="local_observations"
    )
    level = models.CharField("niveau", max_length=12, choices=GeoLevel.choices)
    code = models.CharField("code géographique", max_length=12)
    variable = models.CharField("variable", max_length=60)
    year = models.PositiveSmallIntegerField("année")
    value = models.DecimalField("valeur", max_digits=20, decimal_places=6, null=True, blank=True)
    status = models.CharField("statut", max_length=8, choices=ObservationStatus.choices, default=ObservationStatus.OK)

    class Meta:
        verbose_name = "donnée locale"
        verbose_name_plural = "données locales"
        ordering = ["variable", "year", "level", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["convention", "level", "code", "variable", "year"],
                name="local_observation_unique_cell",
                violation_error_message="Cette donnée locale existe déjà (même territoire, variable et année).",
            ),
            models.CheckConstraint(
                condition=models.Q(status="ok", value__isnull=False)
                | (~models.Q(status="ok") & models.Q(value__isnull=True)),
                name="local_observation_value_matches_status",
                violation_error_message="Une valeur disponible a un nombre ; une valeur secrète ou absente, aucun.",
            ),
        ]

    def __str__(self):
        shown = self.value if self.value is not None else self.status
        return f"{self.variable} {self.year} {self.level}:{self.code} = {shown} (donnée locale)"


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
