from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from ctg.charts.render import render_svg_markup
from ctg.conventions.models import Convention
from ctg.offer.selectors import offer_for_commune
from ctg.plans.selectors import actions_for_commune
from ctg.territories.maps import commune_in_epci_map_spec, epci_population_map_spec
from ctg.territories.models import EPCI, Commune
from ctg.territories.selectors import epci_detail, territory_search


def search(request):
    query = request.GET.get("q", "")
    return render(request, "territories_views/search.html", {"query": query, **territory_search(query)})


def epci(request, siren):
    epci = get_object_or_404(EPCI, siren=siren)
    data = epci_detail(epci)
    spec = epci_population_map_spec(epci=epci, communes=data["communes"])
    context = {
        "epci": epci,
        "map_svg": render_svg_markup(spec),
        "map_description": spec["description"] if spec else "",
        **data,
    }
    return render(request, "territories_views/epci.html", context)


def _in_conventions(request, commune) -> list[dict]:
    """The conventions of the commune's EPCI that the user may read, each with its actions concerning the commune
    and its offer located in or covering it."""
    if not commune.epci_id:
        return []
    conventions = list(Convention.objects.for_user(request.user).filter(epci_id=commune.epci_id))
    actions = actions_for_commune(conventions, commune, timezone.localdate())
    offer = offer_for_commune(conventions=conventions, commune=commune)
    return [{"convention": c, "actions": actions.get(c.pk, []), "offer": offer.get(c.pk, [])} for c in conventions]


def commune(request, code):
    commune = get_object_or_404(Commune.objects.select_related("departement__region", "epci"), code=code)
    if commune.epci_id:
        neighbours = list(Commune.objects.filter(epci_id=commune.epci_id).only("code", "name", "geometry"))
    else:
        neighbours = [commune]
    spec = commune_in_epci_map_spec(commune=commune, neighbours=neighbours)
    context = {
        "commune": commune,
        "map_svg": render_svg_markup(spec),
        "map_description": spec["description"] if spec else "",
        "in_conventions": _in_conventions(request, commune),
    }
    return render(request, "territories_views/commune.html", context)
