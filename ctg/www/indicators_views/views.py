"""Diagnostic pages of a convention: figures by theme, commune profiles and indicator maps.

Any reader of the convention may see them; lookups outside the user's conventions answer 404.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404, render

from ctg.indicators import catalogue
from ctg.indicators.maps import indicator_map_data, indicator_map_spec, map_summaries
from ctg.indicators.selectors import commune_profile, convention_diagnostic
from ctg.opendata.perms import can_manage_official_data
from ctg.territories.models import Commune
from ctg.www.downloads import chart_response
from ctg.www.utils import get_convention_for

DEFAULT_THEME = catalogue.THEMES[0][0]


def index(request, convention_pk):
    convention = get_convention_for(request, convention_pk)
    theme = request.GET.get("theme", DEFAULT_THEME)
    if theme not in catalogue.THEME_LABELS:
        theme = DEFAULT_THEME
    sort = request.GET.get("tri", "")
    descending = request.GET.get("ordre") == "desc"
    data = convention_diagnostic(convention=convention, theme=theme, sort=sort, descending=descending)
    context = {
        "convention": convention,
        "themes": catalogue.THEMES,
        "sort": sort,
        "descending": descending,
        # The table's note links to the import page for those who may import official files.
        "can_import_data": can_manage_official_data(request.user),
        # What each map shows, or why it is replaced by its table.
        "maps": map_summaries(indicators=data["indicators"], territories=data["territories"], communes=data["rows"]),
        **data,
    }
    return render(request, "indicators_views/index.html", context)


def commune(request, convention_pk, code):
    convention = get_convention_for(request, convention_pk)
    communes = Commune.objects.select_related("epci").defer("geometry", "epci__geometry")
    commune = get_object_or_404(communes, code=code, epci_id=convention.epci_id)
    context = {
        "convention": convention,
        "commune": commune,
        "engaged": convention.communes.filter(code=commune.code).exists(),
        "can_import_data": can_manage_official_data(request.user),
        **commune_profile(commune=commune),
    }
    return render(request, "indicators_views/commune.html", context)


def indicator_map(request, convention_pk, indicator, fmt):
    convention = get_convention_for(request, convention_pk)
    definition = catalogue.BY_CODE.get(indicator)
    if definition is None:
        raise Http404("Indicateur inconnu.")
    spec = indicator_map_spec(
        epci=convention.epci, data=indicator_map_data(epci=convention.epci, indicator=definition)
    )
    return chart_response(
        spec,
        fmt=fmt,
        filename=f"carte-{indicator}-{convention.pk}",
        missing="Aucune valeur communale ou aucun contour n'est disponible pour cette carte.",
        inline=True,
    )
