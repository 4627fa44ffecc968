"""The national territorial referential (COG): régions, départements, EPCI and communes.

Codes are strings (leading zeros matter, Corsica uses 2A/2B). Boundaries are GeoJSON geometries in WGS84
stored as JSON; they are only used to draw maps, never for spatial queries.
"""

from django.db import models

from ctg.territories.enums import CommuneChangeKind, EpciKind, Level

FRANCE_CODE = "FR"
FRANCE_NAME = "France"


class Region(models.Model):
    code = models.CharField("code INSEE", max_length=3, primary_key=True)
    name = models.CharField("nom", max_length=120)

    class Meta:
        verbose_name = "région"
        ordering = ["code"]

    def __str__(self):
        return self.name


class Departement(models.Model):
    code = models.CharField("code INSEE", max_length=3, primary_key=True)
    name = models.CharField("nom", max_length=120)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="departements", verbose_name="région")
    geometry = models.JSONField("contour (GeoJSON)", null=True, blank=True)

    class Meta:
        verbose_name = "département"
        ordering = ["code"]

    def __str__(self):
        return f"{self.name} ({self.code})"


class EpciQuerySet(models.QuerySet):
    def with_counts(self):
        return self.annotate(commune_count=models.Count("communes"))


class EPCI(models.Model):
    siren = models.CharField("SIREN", max_length=9, primary_key=True)
    name = models.CharField("nom", max_length=200)
    kind = models.CharField("nature juridique", max_length=2, choices=EpciKind.choices)
    financing = models.CharField("régime fiscal", max_length=10, blank=True)
    population = models.PositiveIntegerField("population municipale", null=True, blank=True)
    population_year = models.PositiveSmallIntegerField("millésime de la population", null=True, blank=True)
    geometry = models.JSONField("contour (GeoJSON)", null=True, blank=True)

    objects = EpciQuerySet.as_manager()

    class Meta:
        verbose_name = "EPCI"
        verbose_name_plural = "EPCI"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(siren__regex=r"^[0-9]{9}$"),
                name="epci_siren_nine_digits",
                violation_error_message="Le SIREN d'un EPCI compte exactement 9 chiffres.",
            )
        ]

    def __str__(self):
        return self.name

    @property
    def code(self):
        return self.siren

    level = Level.EPCI


class Commune(models.Model):
    code = models.CharField("code INSEE", max_length=5, primary_key=True)
    name = models.CharField("nom", max_length=200)
    siren = models.CharField("SIREN", max_length=9, blank=True)
    departement = models.ForeignKey(
        Departement, on_delete=models.PROTECT, related_name="communes", verbose_name="département"
    )
    epci = models.ForeignKey(
        EPCI, on_delete=models.SET_NULL, null=True, blank=True, related_name="communes", verbose_name="EPCI"
    )
    postal_codes = models.JSONField("codes postaux", default=list, blank=True)
    population = models.PositiveIntegerField("population municipale", null=True, blank=True)
    population_year = models.PositiveSmallIntegerField("millésime de la population", null=True, blank=True)
    population_source = models.CharField("source de la population", max_length=200, blank=True)
    geometry = models.JSONField("contour (GeoJSON)", null=True, blank=True)

    class Meta:
        verbose_name = "commune"
        ordering = ["name"]
        indexes = [models.Index(fields=["epci", "name"])]

    def __str__(self):
        return f"{self.name} ({self.code})"

    level = Level.COMMUNE


class FormerCommune(models.Model):
    """A commune of an earlier geography and the current commune its territory now belongs to.

    Filled from the referential's history: each current commune's `anciensCodes` and the delegated and associated
    communes (`chefLieu`). A commune nouvelle that kept the code of its chef-lieu also lists that code as a former
    commune (the old, smaller perimeter under the same code). The découpage administratif gives no date: `effective`
    stays empty unless a dated source says when the change took effect.
    """

    code = models.CharField("code INSEE de l'ancienne commune", max_length=5)
    name = models.CharField("nom de l'ancienne commune", max_length=200, blank=True)
    commune = models.ForeignKey(
        Commune, on_delete=models.CASCADE, related_name="former_communes", verbose_name="commune actuelle"
    )
    kind = models.CharField("nature du changement", max_length=8, choices=CommuneChangeKind.choices)
    effective = models.DateField("date d'effet", null=True, blank=True)

    class Meta:
        verbose_name = "ancienne commune"
        verbose_name_plural = "anciennes communes"
        ordering = ["commune", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "commune"],
                name="former_commune_once_per_commune",
                violation_error_message="Cette ancienne commune est déjà rattachée à cette commune actuelle.",
            )
        ]
        indexes = [models.Index(fields=["code"])]

    def __str__(self):
        return f"{self.name or self.code} ({self.code}) → {self.commune_id}"

    @property
    def label(self) -> str:
        """E.g. "Pierrefitte-sur-Seine (93059)", or the code alone when the referential gives no name."""
        return f"{self.name} ({self.code})" if self.name else self.code
