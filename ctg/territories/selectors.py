"""Reads for territory pages, and the referential's own figures summed over any territory."""

from django.db.models import Aggregate, Count, Q, Sum

from ctg.territories.enums import Level
from ctg.territories.importers import EPCI_POPULATION_SOURCE, EPCI_POPULATION_YEAR
from ctg.territories.models import EPCI, Commune

POPULATION_SOURCE_EPCI = "INSEE, recensement de la population 2022 (population municipale), via DGCL 2026"


def territory_search(query: str, limit: int = 30) -> dict:
    query = (query or "").strip()
    if len(query) < 2:
        return {"communes": [], "epcis": []}
    communes = Commune.objects.select_related("departement", "epci").filter(
        Q(name__icontains=query) | Q(code=query) | Q(siren=query)
    )[:limit]
    epcis = EPCI.objects.filter(Q(name__icontains=query) | Q(siren=query))[:limit]
    return {"communes": list(communes), "epcis": list(epcis)}


def epci_detail(epci: EPCI) -> dict:
    communes = list(epci.communes.select_related("departement__region").order_by("name"))
    departements = sorted({c.departement for c in communes}, key=lambda d: d.code)
    return {"communes": communes, "departements": departements, "has_boundaries": any(c.geometry for c in communes)}


# The census population municipale the referential holds for the communes of an EPCI (every commune of France
# but a few islands and the overseas collectivities): its vintage and source.
REFERENTIAL_POPULATION_YEAR = EPCI_POPULATION_YEAR
REFERENTIAL_POPULATION_SOURCE = EPCI_POPULATION_SOURCE


def _scope(level: str, code: str) -> Q | None:
    """The communes of a territory (None: every commune, France)."""
    if level == Level.COMMUNE:
        return Q(code=code)
    if level == Level.EPCI:
        return Q(epci_id=code)
    if level == Level.DEPARTEMENT:
        return Q(departement_id=code)
    if level == Level.REGION:
        return Q(departement__region_id=code)
    return None


def population_totals(territories: list[dict]) -> dict[tuple[str, str], dict]:
    """(level, code) -> {"value", "present", "expected"} for each territory (dicts with level and code): the sum of
    the communes' census population of `REFERENTIAL_POPULATION_YEAR`, the communes that have it and the communes of
    the territory. A territory is complete only when present == expected; an undated figure of the referential is
    not summed with dated ones. One aggregate query over the communes, whatever the number of territories."""
    aggregates: dict[str, Aggregate] = {}
    for index, territory in enumerate(territories):
        scope = _scope(territory["level"], territory["code"])
        dated = Q(population__isnull=False, population_year=REFERENTIAL_POPULATION_YEAR)
        aggregates[f"value_{index}"] = Sum("population", filter=dated if scope is None else scope & dated)
        aggregates[f"present_{index}"] = Count("code", filter=dated if scope is None else scope & dated)
        aggregates[f"expected_{index}"] = Count("code") if scope is None else Count("code", filter=scope)
    if not aggregates:
        return {}
    totals = Commune.objects.aggregate(**aggregates)
    return {
        (territory["level"], territory["code"]): {
            "value": totals[f"value_{index}"],
            "present": totals[f"present_{index}"],
            "expected": totals[f"expected_{index}"],
        }
        for index, territory in enumerate(territories)
    }
