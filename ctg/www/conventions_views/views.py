from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from ctg.charts.render import render_png, render_svg
from ctg.conventions.enums import ALLOWED_TRANSITIONS, Phase
from ctg.conventions.maps import engaged_communes_map_spec
from ctg.conventions.models import Convention
from ctg.conventions.perms import can_edit_convention, role_on
from ctg.conventions.selectors import convention_detail, conventions_for_home
from ctg.conventions.services import convention_change_phase


def get_convention_for(request, pk) -> Convention:
    """The convention if the user may read it, else 404 (never reveal that it exists)."""
    return get_object_or_404(Convention.objects.for_user(request.user).select_related("epci", "caf"), pk=pk)


def home(request):
    return render(request, "conventions_views/home.html", {"conventions": conventions_for_home(request.user)})


def detail(request, pk):
    convention = get_convention_for(request, pk)
    data = convention_detail(convention)
    spec = engaged_communes_map_spec(
        convention=convention, communes=data["communes"], engaged_codes=data["engaged_codes"]
    )
    context = {
        "convention": convention,
        "map_svg": mark_safe(render_svg(spec)) if spec else None,
        "map_description": spec["description"] if spec else "",
        "role": role_on(request.user, convention),
        "can_edit": can_edit_convention(request.user, convention),
        "next_phases": [Phase(p) for p in sorted(ALLOWED_TRANSITIONS[Phase(convention.phase)], key=list(Phase).index)],
        **data,
    }
    return render(request, "conventions_views/detail.html", context)


def territory_map(request, pk, fmt):
    convention = get_convention_for(request, pk)
    data = convention_detail(convention)
    spec = engaged_communes_map_spec(
        convention=convention, communes=data["communes"], engaged_codes=data["engaged_codes"]
    )
    if spec is None:
        return HttpResponse("Aucun contour communal n'est disponible pour ce territoire.", status=404)
    filename = f"carte-communes-engagees-{convention.pk}.{fmt}"
    if fmt == "svg":
        response = HttpResponse(render_svg(spec), content_type="image/svg+xml")
    else:
        response = HttpResponse(render_png(spec), content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_POST
def change_phase(request, pk):
    convention = get_convention_for(request, pk)
    if not can_edit_convention(request.user, convention):
        raise PermissionDenied("Seuls les administrateurs de la convention changent sa phase.")
    try:
        convention_change_phase(convention=convention, phase=request.POST.get("phase", ""), by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        convention.refresh_from_db()
        messages.success(request, f"La convention est passée en phase « {convention.get_phase_display()} ».")
    return redirect("conventions_views:detail", pk=convention.pk)
