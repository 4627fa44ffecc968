"""Reads for convention pages: plain data, a bounded number of queries."""

from django.db.models import Count, Sum

from ctg.conventions.enums import PHASE_ORDER, Phase
from ctg.conventions.models import Convention, Signatory
from ctg.territories.models import Commune


def conventions_for_home(user):
    return (
        Convention.objects.for_user(user)
        .select_related("epci", "caf")
        .annotate(engaged_count=Count("communes", distinct=True))
        .order_by("-start_date", "title")
    )


def convention_detail(convention: Convention) -> dict:
    signatories = list(
        Signatory.objects.filter(convention=convention)
        .select_related("organisation")
        .order_by("role", "organisation__name")
    )
    themes = list(convention.themes.all())
    communes = list(
        Commune.objects.filter(epci_id=convention.epci_id).only(
            "code", "name", "population", "population_year", "geometry"
        )
    )
    engaged_codes = set(convention.communes.values_list("code", flat=True))
    totals = Commune.objects.filter(epci_id=convention.epci_id).aggregate(population=Sum("population"))
    engaged_population = sum(c.population or 0 for c in communes if c.code in engaged_codes)
    phase_index = PHASE_ORDER.index(Phase(convention.phase))
    return {
        "signatories": signatories,
        "themes": themes,
        "communes": communes,
        "engaged": [c for c in communes if c.code in engaged_codes],
        "engaged_codes": engaged_codes,
        "epci_population": totals["population"],
        "engaged_population": engaged_population,
        "phases": [
            {
                "value": p.value,
                "label": p.label,
                "state": "done" if i < phase_index else "current" if i == phase_index else "todo",
            }
            for i, p in enumerate(PHASE_ORDER)
        ],
    }
