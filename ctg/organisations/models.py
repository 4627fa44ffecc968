"""Organisations that take part in a CTG: the CAF, the EPCI, communes, partners, consultancies."""

from django.db import models
from simple_history.models import HistoricalRecords

from ctg.organisations.enums import OrganisationKind
from ctg.territories.models import EPCI, Commune, Departement


class Organisation(models.Model):
    name = models.CharField("nom", max_length=200)
    kind = models.CharField("type", max_length=20, choices=OrganisationKind.choices)
    siren = models.CharField("SIREN", max_length=9, blank=True)
    # The establishment's SIRET, compared with the one ProConnect declares for the organisation's members.
    siret = models.CharField("SIRET", max_length=14, blank=True)
    proconnect_required = models.BooleanField(
        "connexion ProConnect obligatoire",
        default=False,
        help_text="Ses membres se connectent par ProConnect seulement (quand ProConnect est configuré).",
    )
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, null=True, blank=True, related_name="organisations")
    epci = models.ForeignKey(
        EPCI, on_delete=models.PROTECT, null=True, blank=True, related_name="organisations", verbose_name="EPCI"
    )
    departement = models.ForeignKey(
        Departement,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations",
        verbose_name="département",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "organisation"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "name"],
                name="organisation_unique_kind_name",
                violation_error_message="Une organisation de ce type porte déjà ce nom.",
            ),
            models.CheckConstraint(
                condition=models.Q(siren="") | models.Q(siren__regex=r"^[0-9]{9}$"),
                name="organisation_siren_nine_digits",
                violation_error_message="Le SIREN compte exactement 9 chiffres.",
            ),
            models.CheckConstraint(
                condition=models.Q(siret="") | models.Q(siret__regex=r"^[0-9]{14}$"),
                name="organisation_siret_fourteen_digits",
                violation_error_message="Le SIRET compte exactement 14 chiffres.",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def territory(self):
        return self.commune or self.epci or self.departement
