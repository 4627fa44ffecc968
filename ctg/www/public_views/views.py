"""The public, read-only page of a published convention: no login, no personal data, no internal notes."""

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from ctg.charts.render import render_svg_markup
from ctg.conventions.maps import engaged_communes_map_spec
from ctg.conventions.models import Convention
from ctg.conventions.selectors import convention_detail
from ctg.www.public_views.sections import public_sections


@login_not_required
@require_safe
def convention(request, pk):
    convention = get_object_or_404(Convention.objects.public().select_related("epci", "caf"), pk=pk)
    data = convention_detail(convention)
    spec = engaged_communes_map_spec(
        convention=convention, communes=data["communes"], engaged_codes=data["engaged_codes"]
    )
    context = {
        "convention": convention,
        "signatories": data["signatories"],
        "themes": data["themes"],
        "communes": data["communes"],
        "engaged": data["engaged"],
        "epci_population": data["epci_population"],
        "engaged_population": data["engaged_population"],
        "phases": data["phases"],
        "map_svg": render_svg_markup(spec),
        "map_description": spec["description"] if spec else "",
        "sections": public_sections(convention),
    }
    return render(request, "public_views/convention.html", context)
