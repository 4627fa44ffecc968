"""Diagnostic pages of a convention: figures by theme, commune profiles and indicator maps.

Any reader of the convention may see them; lookups outside the user's conventions answer 404.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render

from ctg.charts.render import render_png, render_svg
from ctg.conventions.models import Convention
from ctg.conventions.perms import can_view_convention
from ctg.indicators import catalogue
from ctg.indicators.maps import indicator_map_spec
from ctg.indicators.selectors import commune_profile, convention_diagnostic, indicator_commune_values
from ctg.territories.models import Commune

DEFAULT_THEME = catalogue.THEMES[0][0]


def get_convention_for(request, convention_pk) -> Convention:
    """The convention if the user may read it, else 404 (never reveal that it exists)."""
    convention = get_object_or_404(
        Convention.objects.for_user(request.user).select_related("epci", "caf"), pk=convention_pk
    )
    if not can_view_convention(request.user, convention):
        raise PermissionDenied("Vous n'avez pas accès au diagnostic de cette convention.")
    return convention


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
        **commune_profile(commune=commune),
    }
    return render(request, "indicators_views/commune.html", context)


def indicator_map(request, convention_pk, indicator, fmt):
    convention = get_convention_for(request, convention_pk)
    definition = catalogue.BY_CODE.get(indicator)
    if definition is None:
        raise Http404("Indicateur inconnu.")
    spec = indicator_map_spec(
        epci=convention.epci, data=indicator_commune_values(epci=convention.epci, indicator=definition)
    )
    if spec is None:
        return HttpResponse(
            "Aucune valeur communale ou aucun contour n'est disponible pour cette carte.",
            status=404,
            content_type="text/plain; charset=utf-8",
        )
    if fmt == "svg":
        response = HttpResponse(render_svg(spec), content_type="image/svg+xml")
    else:
        response = HttpResponse(render_png(spec), content_type="image/png")
    response["Content-Disposition"] = f'inline; filename="carte-{indicator}-{convention.pk}.{fmt}"'
    return response
