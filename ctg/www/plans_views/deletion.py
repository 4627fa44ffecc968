"""Deleting safely: every delete is confirmed on a page (GET) naming what goes with it, then done by its form
(POST), without any script. A fiche goes to the trash, from which an administrator restores it."""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import capfirst
from django.views.decorators.http import require_POST

from ctg.core.formatting import format_date
from ctg.plans import models as plan
from ctg.plans import services
from ctg.plans.models import TRASH_DAYS
from ctg.plans.perms import can_restore_action
from ctg.plans.trash import count_label, held_by_fiches, held_by_indicator, trash
from ctg.www.plans_views.views import get_action, get_editable_action, require_plan_editor
from ctg.www.utils import get_convention_for as get_convention

# kind → (model, lookup from the item to its fiche, delete service, the service's keyword for the item)
DELETABLE: dict[str, tuple[type[Model], str, Callable[..., None], str]] = {
    "milestone": (plan.Milestone, "action", services.milestone_delete, "milestone"),
    "note": (plan.FollowUpNote, "action", services.note_delete, "note"),
    "link": (plan.ActionLink, "action", services.link_delete, "link"),
    "funding": (plan.FundingLine, "action", services.funding_line_delete, "line"),
    "indicator": (plan.FollowUpIndicator, "action", services.indicator_delete, "indicator"),
    "target": (plan.IndicatorTarget, "indicator__action", services.target_delete, "target"),
    "measure": (plan.IndicatorMeasure, "indicator__action", services.measure_delete, "measure"),
}


def _describe(item: Model) -> str:
    name = capfirst(str(item._meta.verbose_name))
    if isinstance(item, plan.FundingLine):
        return f"{name} : {item.funder}, {item.year}, {item.get_nature_display()}"
    return f"{name} « {item} »"


def _confirm(request, convention, *, title, subject, held, consequence, cancel_url, button, status=200):
    context = {
        "convention": convention,
        "title": title,
        "subject": subject,
        "held": held,
        "consequence": consequence,
        "cancel_url": cancel_url,
        "button": button,
    }
    return render(request, "plans_views/confirm_delete.html", context, status=status)


def child_delete(request, convention_pk, pk, kind, item_pk):
    """Delete a milestone, note, link, funding line, indicator, target or measure of a fiche: GET asks for
    confirmation, POST deletes."""
    if kind not in DELETABLE:
        raise PermissionDenied("Suppression non prévue.")
    model, path, delete, argument = DELETABLE[kind]
    action = get_editable_action(request, convention_pk, pk)
    convention = action.convention
    item = get_object_or_404(model._default_manager.filter(**{path: action}), pk=item_pk)
    fiche_url = reverse("plans_views:action_detail", args=[convention.pk, action.pk])
    subject = _describe(item)
    if request.method == "POST":
        delete(**{argument: item, "by": request.user})
        messages.success(request, f"Supprimé : {subject[0].lower()}{subject[1:]}.")
        return redirect(fiche_url)
    return _confirm(
        request,
        convention,
        title=f"Supprimer – fiche {action.code}",
        subject=subject,
        held=held_by_indicator(item) if isinstance(item, plan.FollowUpIndicator) else [],
        consequence="Cette suppression est définitive.",
        cancel_url=fiche_url,
        button="Supprimer définitivement",
    )


def action_delete(request, convention_pk, pk):
    """Put a fiche in the trash: GET asks for confirmation, naming what it holds; POST deletes."""
    convention = get_convention(request, convention_pk)
    action = get_action(convention, pk)
    require_plan_editor(request, convention)
    if request.method == "POST":
        trashed = services.action_delete(action=action, by=request.user)
        extra = f" avec {count_label(len(trashed) - 1, 'sous-action', 'sous-actions')}" if len(trashed) > 1 else ""
        messages.success(
            request,
            f"La fiche {action.code} a été mise à la corbeille{extra} : un administrateur de la convention peut la "
            f"restaurer jusqu'au {format_date(action.purge_on)}.",
        )
        return redirect("plans_views:index", convention_pk=convention.pk)
    return _confirm(
        request,
        convention,
        title=f"Supprimer la fiche {action.code}",
        subject=f"Fiche {action.code} « {action.title} »",
        held=held_by_fiches([action.pk])[action.pk],
        consequence=(
            f"La fiche et tout ce qu'elle contient disparaissent du plan, des exports et des tableaux de bord. "
            f"Elles restent dans la corbeille {TRASH_DAYS} jours, pendant lesquels un administrateur de la "
            "convention peut les restaurer ; elles sont ensuite supprimées définitivement."
        ),
        cancel_url=reverse("plans_views:action_detail", args=[convention.pk, action.pk]),
        button="Mettre la fiche à la corbeille",
    )


def _require_restorer(request, convention):
    if not can_restore_action(request.user, convention):
        raise PermissionDenied("Seuls les administrateurs de la convention ouvrent la corbeille du plan.")


def trash_view(request, convention_pk):
    convention = get_convention(request, convention_pk)
    _require_restorer(request, convention)
    context = {"convention": convention, "fiches": trash(convention), "trash_days": TRASH_DAYS}
    return render(request, "plans_views/trash.html", context)


@require_POST
def action_restore(request, convention_pk, pk):
    convention = get_convention(request, convention_pk)
    _require_restorer(request, convention)
    action = get_object_or_404(plan.Action.all_objects.filter(convention=convention).in_trash(), pk=pk)
    try:
        restored = services.action_restore(action=action, by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("plans_views:trash", convention_pk=convention.pk)
    extra = f" avec {count_label(len(restored) - 1, 'sous-action', 'sous-actions')}" if len(restored) > 1 else ""
    messages.success(request, f"La fiche {action.code} a été restaurée{extra}.")
    return redirect("plans_views:action_detail", convention_pk=convention.pk, pk=action.pk)
