from django.shortcuts import get_object_or_404, render

from ctg.charts.render import render_svg_markup
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
    }
    return render(request, "territories_views/commune.html", context)
