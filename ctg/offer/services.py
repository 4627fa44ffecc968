"""Writes on the offer of services. Each function is keyword-only, atomic, validates before saving and leaves
history (django-simple-history records who changed what)."""

from typing import Any, TypedDict, Unpack

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ctg.accounts.models import User
from ctg.conventions.models import Convention
from ctg.core.history import set_history_author
from ctg.core.saving import model_save
from ctg.core.services import model_update
from ctg.offer.enums import OfferKind, OfferTotalIndicator
from ctg.offer.models import (
    OPENING_YEAR_MESSAGE,
    OPENING_YEAR_MIN,
    REFERENCE_YEAR_MESSAGE,
    REFERENCE_YEAR_MIN,
    OfferItem,
    OfferTotal,
)
from ctg.territories.models import Commune

EDITABLE_FIELDS = [
    "kind",
    "name",
    "commune",
    "capacity",
    "manager_name",
    "opening_year",
    "source",
    "reference_year",
]
# What an offer form edits: the item's own fields and, for a relais, the communes it covers.
ITEM_FIELDS = [*EDITABLE_FIELDS, "covered_communes"]


class ItemFields(TypedDict):
    """The item's own fields, as the create and update services take them."""

    kind: str
    name: str
    commune: Commune
    source: str
    reference_year: int
    capacity: int | None
    manager_name: str
    opening_year: int | None


def _validate_item(
    *,
    convention: Convention,
    kind: str,
    name: str,
    commune: Commune | None,
    opening_year: int | None,
    reference_year: int | None,
    source: str,
    covered_communes: list[Commune],
) -> None:
    errors: dict[str, str] = {}
    if kind not in OfferKind.values:
        errors["kind"] = f"Type d'équipement inconnu : « {kind} »."
    if not name.strip():
        errors["name"] = "Le nom est obligatoire."
    if commune is None:
        errors["commune"] = "La commune d'implantation est obligatoire."
    elif commune.epci_id != convention.epci_id:
        errors["commune"] = (
            f"La commune {commune.name} ({commune.code}) n'appartient pas à l'EPCI {convention.epci.name}."
        )
    this_year = timezone.localdate().year
    if opening_year is not None and opening_year > this_year:
        errors["opening_year"] = f"L'année d'ouverture ne peut pas dépasser {this_year}."
    elif opening_year is not None and opening_year < OPENING_YEAR_MIN:
        errors["opening_year"] = OPENING_YEAR_MESSAGE
    if reference_year is None:
        errors["reference_year"] = "L'année de référence des informations est obligatoire."
    elif reference_year > this_year:
        errors["reference_year"] = f"L'année de référence ne peut pas dépasser {this_year}."
    elif reference_year < REFERENCE_YEAR_MIN:
        errors["reference_year"] = REFERENCE_YEAR_MESSAGE
    if not source.strip():
        errors["source"] = "La source de l'information est obligatoire."
    if covered_communes and kind != OfferKind.RPE:
        errors["covered_communes"] = "Seul un relais petite enfance couvre une liste de communes."
    outside = sorted((c for c in covered_communes if c.epci_id != convention.epci_id), key=lambda c: c.code)
    if outside:
        names = ", ".join(f"{c.name} ({c.code})" for c in outside)
        errors["covered_communes"] = f"Ces communes n'appartiennent pas à l'EPCI {convention.epci.name} : {names}."
    if errors:
        raise ValidationError(errors)


def _item_values(
    *, convention: Convention, covered_communes: list[Commune] | None, **fields: Unpack[ItemFields]
) -> dict[str, Any]:
    """The item's fields validated and trimmed, covered communes included, for a creation or an update."""
    covered = list(covered_communes or [])
    _validate_item(
        convention=convention,
        kind=fields["kind"],
        name=fields["name"],
        commune=fields["commune"],
        opening_year=fields["opening_year"],
        reference_year=fields["reference_year"],
        source=fields["source"],
        covered_communes=covered,
    )
    trimmed = {
        "name": fields["name"].strip(),
        "manager_name": fields["manager_name"].strip(),
        "source": fields["source"].strip(),
    }
    return {**fields, **trimmed, "covered_communes": covered}


@transaction.atomic
def offer_item_create(
    *,
    convention: Convention,
    kind: str,
    name: str,
    commune: Commune,
    source: str,
    reference_year: int,
    capacity: int | None = None,
    manager_name: str = "",
    opening_year: int | None = None,
    covered_communes: list[Commune] | None = None,
    by: User | None = None,
) -> OfferItem:
    values = _item_values(
        convention=convention,
        covered_communes=covered_communes,
        kind=kind,
        name=name,
        commune=commune,
        source=source,
        reference_year=reference_year,
        capacity=capacity,
        manager_name=manager_name,
        opening_year=opening_year,
    )
    covered = values.pop("covered_communes")
    item = model_save(OfferItem(convention=convention, **values), by=by)
    if covered:
        item.covered_communes.set(covered)
    return item


@transaction.atomic
def offer_item_update(
    *,
    item: OfferItem,
    expected_version: int,
    kind: str,
    name: str,
    commune: Commune,
    source: str,
    reference_year: int,
    capacity: int | None = None,
    manager_name: str = "",
    opening_year: int | None = None,
    covered_communes: list[Commune] | None = None,
    by: User | None = None,
) -> OfferItem:
    """Change an item; refused when someone else saved it since `expected_version` was read.

    The version is required: a caller without one (a form posted without its hidden field) cannot overwrite."""
    # Only the item's row is locked: its convention and EPCI are read, and other items stay editable meanwhile.
    locked = OfferItem.objects.select_for_update(of=("self",)).select_related("convention__epci").get(pk=item.pk)
    if locked.version != expected_version:
        raise ValidationError(
            "Cet équipement a été modifié par une autre personne pendant votre saisie : "
            "rechargez la page pour repartir de sa dernière version."
        )
    values = _item_values(
        convention=locked.convention,
        covered_communes=covered_communes,
        kind=kind,
        name=name,
        commune=commune,
        source=source,
        reference_year=reference_year,
        capacity=capacity,
        manager_name=manager_name,
        opening_year=opening_year,
    )
    locked, _ = model_update(instance=locked, fields=ITEM_FIELDS, data=values, by=by)
    return locked


@transaction.atomic
def offer_item_delete(*, item: OfferItem, by: User | None = None) -> None:
    set_history_author(item, by)
    item.delete()


@transaction.atomic
def offer_total_record(
    *, convention: Convention, indicator: str, year: int, quantity: int, source: str, by: User | None = None
) -> tuple[OfferTotal, bool]:
    """Record an EPCI-level published total; the same figure twice changes nothing. Returns (total, changed)."""
    errors: dict[str, str] = {}
    if indicator not in OfferTotalIndicator.values:
        errors["indicator"] = f"Indicateur inconnu : « {indicator} »."
    if quantity is None or quantity < 0:
        errors["quantity"] = "Le nombre doit être un entier positif ou nul."
    if not source.strip():
        errors["source"] = "La source du total est obligatoire."
    if errors:
        raise ValidationError(errors)
    total = (
        OfferTotal.objects.select_for_update().filter(convention=convention, indicator=indicator, year=year).first()
    )
    if total is not None:
        data = {"quantity": quantity, "source": source.strip()}
        return model_update(instance=total, fields=["quantity", "source"], data=data, by=by)
    total = OfferTotal(convention=convention, indicator=indicator, year=year, quantity=quantity, source=source.strip())
    return model_save(total, by=by), True
