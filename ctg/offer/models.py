"""The offer of services of a convention's territory.

Two kinds of records, never mixed:
- OfferItem: one equipment or service located in a commune of the convention's EPCI (a crèche, an ALSH…),
  with its capacity, manager, opening year and source. A relais petite enfance (RPE) lists the communes it
  covers; that list is the only basis of the relais coverage map.
- OfferTotal: a figure published for the whole EPCI (e.g. "167 places d'accueil collectif in 2022") with its
  source. It says nothing about any commune and is never spread over communes.
Both belong to a convention so that every read is scoped through `Convention.objects.for_user`.
"""

from django.db import models
from simple_history.models import HistoricalRecords

from ctg.conventions.models import Convention
from ctg.core.text import reject_control_characters
from ctg.offer.enums import OfferKind, OfferTotalIndicator
from ctg.territories.models import Commune

# Plausibility of the years of an item: held by the database and checked field by field by the services.
OPENING_YEAR_MIN = 1850
REFERENCE_YEAR_MIN = 1990
OPENING_YEAR_MESSAGE = f"L'année d'ouverture doit être postérieure à {OPENING_YEAR_MIN}."
REFERENCE_YEAR_MESSAGE = f"L'année de référence doit être postérieure à {REFERENCE_YEAR_MIN}."


class OfferItemQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(convention__in=Convention.objects.for_user(user))

    def relais(self):
        return self.filter(kind=OfferKind.RPE)


class OfferItem(models.Model):
    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="offer_items")
    kind = models.CharField("type", max_length=30, choices=OfferKind.choices)
    name = models.CharField("nom", max_length=200, validators=[reject_control_characters])
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="offer_items", verbose_name="commune d'implantation"
    )
    # Empty when not known: never 0 by default.
    capacity = models.PositiveIntegerField("capacité (places)", null=True, blank=True)
    manager_name = models.CharField(
        "organisation gestionnaire", max_length=200, blank=True, validators=[reject_control_characters]
    )
    opening_year = models.PositiveSmallIntegerField("année d'ouverture", null=True, blank=True)
    source = models.CharField("source", max_length=300, validators=[reject_control_characters])
    reference_year = models.PositiveSmallIntegerField("année de référence des informations")
    covered_communes = models.ManyToManyField(
        Commune, blank=True, related_name="covering_relais", verbose_name="communes couvertes (relais)"
    )
    # Incremented on each change so that two people editing the same item never silently overwrite each other.
    version = models.PositiveIntegerField("version", default=1)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    objects = OfferItemQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[covered_communes])

    class Meta:
        verbose_name = "équipement ou service"
        verbose_name_plural = "équipements et services"
        ordering = ["kind", "commune__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["convention", "kind", "commune", "name"],
                name="offer_item_unique_per_commune",
                violation_error_message="Un équipement de ce type porte déjà ce nom dans cette commune.",
            ),
            models.CheckConstraint(
                condition=models.Q(opening_year__isnull=True) | models.Q(opening_year__gte=OPENING_YEAR_MIN),
                name="offer_item_opening_year_plausible",
                violation_error_message=OPENING_YEAR_MESSAGE,
            ),
            models.CheckConstraint(
                condition=models.Q(reference_year__gte=REFERENCE_YEAR_MIN),
                name="offer_item_reference_year_plausible",
                violation_error_message=REFERENCE_YEAR_MESSAGE,
            ),
            models.CheckConstraint(
                condition=~models.Q(source=""),
                name="offer_item_source_required",
                violation_error_message="La source de l'information est obligatoire.",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()}, {self.commune.name})"

    @property
    def is_relais(self):
        return self.kind == OfferKind.RPE


class OfferTotal(models.Model):
    """A figure published at EPCI level only (territory level « EPCI »), kept with its source and year."""

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="offer_totals")
    indicator = models.CharField("indicateur", max_length=40, choices=OfferTotalIndicator.choices)
    year = models.PositiveSmallIntegerField("année")
    quantity = models.PositiveIntegerField("nombre")
    source = models.CharField("source", max_length=300, validators=[reject_control_characters])
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "total publié pour l'EPCI"
        verbose_name_plural = "totaux publiés pour l'EPCI"
        ordering = ["indicator", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["convention", "indicator", "year"],
                name="offer_total_unique_per_year",
                violation_error_message="Ce total est déjà enregistré pour cette année.",
            ),
            models.CheckConstraint(
                condition=~models.Q(source=""),
                name="offer_total_source_required",
                violation_error_message="La source du total est obligatoire.",
            ),
        ]

    def __str__(self):
        return f"{self.get_indicator_display()} {self.year} : {self.quantity}"

    level_label = "EPCI (total publié, sans détail par commune)"
