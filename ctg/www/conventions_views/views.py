from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from ctg.charts.render import render_svg_markup
from ctg.conventions.enums import next_phase, previous_phase
from ctg.conventions.maps import engaged_communes_map_spec
from ctg.conventions.perms import can_create_convention, can_edit_convention, role_on
from ctg.conventions.selectors import convention_detail, convention_lineage, convention_records, conventions_for_home
from ctg.conventions.services import convention_change_phase
from ctg.steering.portfolio import portfolio_departements
from ctg.steering.reminders import todo_for_user
from ctg.www.downloads import chart_response
from ctg.www.utils import get_convention_for, run_service


def home(request):
    context = {
        "conventions": conventions_for_home(request.user),
        "can_create": can_create_convention(request.user),
        "todo": todo_for_user(user=request.user, today=timezone.localdate()),
        "portfolio_departements": list(portfolio_departements(request.user)),
    }
    return render(request, "conventions_views/home.html", context)


def detail(request, pk):
    convention = get_convention_for(request, pk)
    data = convention_detail(convention)
    spec = engaged_communes_map_spec(
        convention=convention, communes=data["communes"], engaged_codes=data["engaged_codes"]
    )
    context = {
        "convention": convention,
        "map_svg": render_svg_markup(spec),
        "map_description": spec["description"] if spec else "",
        "role": role_on(request.user, convention),
        "can_edit": can_edit_convention(request.user, convention),
        "next_phase": next_phase(convention.phase),
        "previous_phase": previous_phase(convention.phase),
        **convention_lineage(convention, request.user),
        **data,
        **convention_records(convention),
    }
    return render(request, "conventions_views/detail.html", context)


def territory_map(request, pk, fmt):
    convention = get_convention_for(request, pk)
    data = convention_detail(convention)
    spec = engaged_communes_map_spec(
        convention=convention, communes=data["communes"], engaged_codes=data["engaged_codes"]
    )
    return chart_response(
        spec,
        fmt=fmt,
        filename=f"carte-communes-engagees-{convention.pk}",
        missing="Aucun contour communal n'est disponible pour ce territoire.",
    )


@require_POST
def change_phase(request, pk):
    convention = get_convention_for(request, pk)
    if not can_edit_convention(request.user, convention):
        raise PermissionDenied("Seuls les administrateurs de la convention changent sa phase.")
    # The form names its target phase: a page opened before someone else moved the convention cannot skip a phase.
    if run_service(
        request,
        convention_change_phase,
        convention=convention,
        phase=request.POST.get("phase", ""),
        reason=request.POST.get("reason", ""),
    ):
        convention.refresh_from_db()
        messages.success(request, f"La convention est passée en phase « {convention.get_phase_display()} ».")
    return redirect("conventions_views:detail", pk=convention.pk)
