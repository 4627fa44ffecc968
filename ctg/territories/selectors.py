"""Reads for territory pages."""

from django.db.models import Q

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
