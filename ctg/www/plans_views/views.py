"""Pages of the action plan: the tree with filters, "mes actions", the fiche, edit forms, timeline, activity."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from ctg.charts.render import render_svg_markup
from ctg.core.formatting import format_date, format_number
from ctg.plans import models as plan
from ctg.plans import services
from ctg.plans.charts import timeline_spec
from ctg.plans.enums import Trajectory
from ctg.plans.funding import granted_above_requested
from ctg.plans.history import activity as plan_activity
from ctg.plans.perms import can_edit_action, can_edit_plan
from ctg.plans.selectors import (
    PlanFilters,
    action_detail,
    actions_for_pilot,
    actions_queryset,
    filter_choices,
    next_milestones,
    plan_themes,
    plan_tree,
    timeline_rows,
)
from ctg.www.downloads import chart_response
from ctg.www.form_recovery import form_data
from ctg.www.plans_views import forms
from ctg.www.plans_views.conflicts import resolve as resolve_conflict
from ctg.www.plans_views.presenters import FollowUp, present_plan_rows
from ctg.www.utils import add_service_errors
from ctg.www.utils import get_convention_for as get_convention

TRAJECTORY_BADGES = {
    Trajectory.ACHIEVED: "badge-ok",
    Trajectory.ON_TRACK: "badge-ok",
    Trajectory.BEHIND: "badge-danger",
    Trajectory.BASELINE_MISSING: "badge-warn",
}


def get_action(convention, pk) -> plan.Action:
    action = get_object_or_404(plan.Action.objects.filter(convention=convention), pk=pk)
    action.convention = convention
    return action


def require_plan_editor(request, convention):
    if not can_edit_plan(request.user, convention):
        raise PermissionDenied("Seuls les administrateurs et contributeurs de la convention modifient le plan.")


def get_editable_plan(request, convention_pk):
    """The convention whose plan the user edits: 404 when they may not read it, 403 when they may not edit it."""
    convention = get_convention(request, convention_pk)
    require_plan_editor(request, convention)
    return convention


def require_action_editor(request, action):
    if not can_edit_action(request.user, action):
        raise PermissionDenied("Vous ne pouvez pas modifier cette fiche action.")


def get_editable_action(request, convention_pk, pk) -> plan.Action:
    """The fiche the user edits, its convention attached: 404 when they may not read it, 403 when they may not
    edit it."""
    action = get_action(get_convention(request, convention_pk), pk)
    require_action_editor(request, action)
    return action


def today():
    return timezone.localdate()


# Pages


def index(request, convention_pk):
    convention = get_convention(request, convention_pk)
    themes = plan_themes(convention)
    choices = filter_choices(convention, themes)
    form = forms.PlanFilterForm(request.GET or None, choices=choices)
    filters = PlanFilters()
    if form.is_bound and form.is_valid():
        filters = PlanFilters(**{k: v for k, v in form.cleaned_data.items() if v not in (None, "")})
    data = plan_tree(convention, filters, today(), themes=themes)
    present_plan_rows(data["rows"], convention.pk)
    context = {
        "convention": convention,
        "form": form,
        "filters": filters,
        "can_edit": can_edit_plan(request.user, convention),
        **data,
    }
    partial = request.headers.get("HX-Request") and not request.headers.get("HX-History-Restore-Request")
    template = "plans_views/includes/tree.html" if partial else "plans_views/index.html"
    response = render(request, template, {**context, "swap_count": bool(partial)})
    patch_vary_headers(response, ["HX-Request"])  # the same URL answers a partial to htmx, a full page otherwise
    return response


def mine(request, convention_pk):
    convention = get_convention(request, convention_pk)
    actions = actions_for_pilot(convention, request.user, today())
    milestones = next_milestones(action.pk for action in actions)
    follow_ups = []
    for action in actions:
        action.convention = convention
        follow_ups.append(FollowUp(action, milestones.get(action.pk), can_edit=can_edit_action(request.user, action)))
    return render(request, "plans_views/mine.html", {"convention": convention, "follow_ups": follow_ups})


def _timeline(convention):
    rows = timeline_rows(convention, today())
    spec = timeline_spec(convention=convention, actions=rows["actions"], milestones=rows["milestones"], today=today())
    return rows, spec


def timeline(request, convention_pk):
    convention = get_convention(request, convention_pk)
    rows, spec = _timeline(convention)
    context = {
        "convention": convention,
        "chart_svg": render_svg_markup(spec),
        "chart_description": spec["description"] if spec else "",
        **rows,
    }
    return render(request, "plans_views/timeline.html", context)


def timeline_image(request, convention_pk, fmt):
    convention = get_convention(request, convention_pk)
    _, spec = _timeline(convention)
    return chart_response(
        spec,
        fmt=fmt,
        filename=f"calendrier-plan-{convention.pk}",
        missing="Aucune action n'a de dates prévues : le calendrier est vide.",
    )


def activity(request, convention_pk):
    convention = get_convention(request, convention_pk)
    entries = plan_activity(convention_id=convention.pk, limit=100)
    return render(request, "plans_views/activity.html", {"convention": convention, "entries": entries})


def action_detail_view(request, convention_pk, pk):
    convention = get_convention(request, convention_pk)
    action = get_action(convention, pk)
    data = action_detail(action, today())
    # The milestones come ordered by due date, undated last (as next_milestones orders them).
    upcoming = next((m for m in data["milestones"] if m.done_date is None), None)
    context = {
        "follow_up": FollowUp(data["action"], upcoming, can_edit=can_edit_action(request.user, action)),
        "convention": convention,
        "can_edit": can_edit_action(request.user, action),
        "can_edit_plan": can_edit_plan(request.user, convention),
        "entries": plan_activity(action_id=action.pk, limit=30),
        "trajectory_badges": TRAJECTORY_BADGES,
        **data,
    }
    return render(request, "plans_views/action_detail.html", context)


def _render_form(request, convention, form, *, title, cancel_url, action=None, intro="", conflict=None):
    context = {
        "convention": convention,
        "form": form,
        "title": title,
        "cancel_url": cancel_url,
        "action": action,
        "intro": intro,
        "conflict": conflict,
    }
    status = 409 if conflict else 400 if form.is_bound and request.method == "POST" else 200
    return render(request, "plans_views/form.html", context, status=status)


def _form_page(request, convention, form, *, write, saved, next_url, title, cancel_url, action=None):
    """The page of a plan form. On a valid POST, `write(data)` hands the form's data to the service; the user then
    goes to `next_url(obj)` with the message `saved(obj)`, `obj` being what the service returned. A refusal of the
    service (ValidationError, a stale version included) shows on the form, rendered again."""
    if request.method == "POST" and form.is_valid():
        try:
            obj = write(dict(form.cleaned_data))
        except services.ConcurrentEditError as exc:
            # Saved meanwhile: the form comes back with the editor's changes on top of the stored version.
            conflict = resolve_conflict(form, exc.stored, expected_version=exc.expected_version, changes=exc.changes)
            return _render_form(
                request, convention, form, title=title, cancel_url=cancel_url, action=action, conflict=conflict
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, saved(obj))
            return redirect(next_url(obj))
    return _render_form(request, convention, form, title=title, cancel_url=cancel_url, action=action)


def _updating(service, by, **target):
    """The write of an edit form: `service` updates `target` from the version the form was opened at."""
    return lambda data: service(**target, expected_version=data.pop("version"), by=by, **data)


def _plan_url(convention) -> str:
    return reverse("plans_views:index", args=[convention.pk])


def _action_url(convention, action) -> str:
    return reverse("plans_views:action_detail", args=[convention.pk, action.pk])


def action_create(request, convention_pk):
    convention = get_editable_plan(request, convention_pk)

    def write(data):
        data.pop("version", None)
        code, title = data.pop("code"), data.pop("title")
        return services.action_create(convention=convention, code=code, title=title, by=request.user, **data)

    return _form_page(
        request,
        convention,
        forms.ActionForm(form_data(request), convention=convention),
        write=write,
        saved=lambda action: f"La fiche {action.code} a été créée.",
        next_url=lambda action: _action_url(convention, action),
        title="Nouvelle fiche action",
        cancel_url=_plan_url(convention),
    )


def action_edit(request, convention_pk, pk):
    """The whole fiche for the plan's editors; its follow-up only for its pilot (the service refuses the rest)."""
    action = get_editable_action(request, convention_pk, pk)
    convention = action.convention
    whole = can_edit_plan(request.user, convention)
    form: forms.PlanForm
    if whole:
        form = forms.ActionForm(form_data(request), instance=action, convention=convention)
    else:
        form = forms.ActionFollowUpForm(form_data(request), instance=action)
    return _form_page(
        request,
        convention,
        form,
        write=_updating(services.action_update, request.user, action=action),
        saved=lambda _: f"La fiche {action.code} a été enregistrée.",
        next_url=lambda _: _action_url(convention, action),
        title=f"Modifier la fiche {action.code}" if whole else f"Mettre à jour le suivi de la fiche {action.code}",
        cancel_url=_action_url(convention, action),
        action=action,
    )


def _follow_up_of(action) -> FollowUp:
    """What the follow-up fragment of an action its user may edit shows, read again from the database."""
    shown = actions_queryset(action.convention, today()).get(pk=action.pk)
    shown.convention = action.convention
    return FollowUp(shown, next_milestones([action.pk]).get(action.pk), can_edit=True)


def _safe_next(request, default: str) -> str:
    """Where to go back after a follow-up posted without JavaScript: the page it came from, on this site only."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def action_follow_up(request, convention_pk, pk):
    """Change an action's status, progress and next milestone in place (htmx), or on a small page without
    JavaScript. Its pilot and the plan's editors may; the service checks both again, and every version."""
    action = get_editable_action(request, convention_pk, pk)
    convention = action.convention
    follow_up = _follow_up_of(action)
    milestone = follow_up.next_milestone
    is_htmx = bool(request.headers.get("HX-Request"))
    back = _safe_next(request, _action_url(convention, action))
    form = forms.FollowUpForm(request.POST or None, follow_up=follow_up)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.action_follow_up_update(
                action=action,
                expected_version=data["version"],
                status=data["status"],
                progress_manual=data.get("progress_manual"),
                milestone=milestone,
                milestone_version=data.get("milestone_version"),
                milestone_due_date=data.get("milestone_due_date"),
                milestone_done_date=data.get("milestone_done_date"),
                by=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            saved = f"Suivi de la fiche {action.code} enregistré."
            if not is_htmx:
                messages.success(request, saved)
                return redirect(back)
            context = {
                "convention": convention,
                "follow_up": _follow_up_of(action),
                "follow_up_saved": saved,
                "next": back,
            }
            return render(request, "plans_views/includes/follow_up.html", context)
    context = {"convention": convention, "follow_up": follow_up, "form": form, "next": back}
    if is_htmx:
        # htmx swaps only successful answers: a refused form comes back as 200 with its errors.
        return render(request, "plans_views/includes/follow_up_form.html", context)
    status = 400 if form.is_bound else 200
    return render(request, "plans_views/follow_up.html", context, status=status)


# Objectives


def _objective_page(request, convention, form, *, write, saved, title):
    """An objective's form: objectives are shown in the plan's tree, where the user goes back."""
    return _form_page(
        request,
        convention,
        form,
        write=write,
        saved=saved,
        next_url=lambda _: _plan_url(convention),
        title=title,
        cancel_url=_plan_url(convention),
    )


def _get_objective(convention, pk) -> plan.Objective:
    return get_object_or_404(plan.Objective.objects.filter(convention=convention), pk=pk)


def objective_create(request, convention_pk):
    convention = get_editable_plan(request, convention_pk)
    return _objective_page(
        request,
        convention,
        forms.ObjectiveForm(form_data(request), convention=convention),
        write=lambda data: services.objective_create(convention=convention, by=request.user, **data),
        saved=lambda objective: f"L'objectif {objective.code} a été créé.",
        title="Nouvel objectif",
    )


def objective_edit(request, convention_pk, pk):
    convention = get_editable_plan(request, convention_pk)
    objective = _get_objective(convention, pk)
    return _objective_page(
        request,
        convention,
        forms.ObjectiveForm(form_data(request), instance=objective, convention=convention),
        write=_updating(services.objective_update, request.user, objective=objective),
        saved=lambda _: f"L'objectif {objective.code} a été enregistré.",
        title=f"Modifier l'objectif {objective.code}",
    )


def objective_indicator_create(request, convention_pk, pk):
    convention = get_editable_plan(request, convention_pk)
    objective = _get_objective(convention, pk)
    return _objective_page(
        request,
        convention,
        forms.IndicatorForm(form_data(request)),
        write=lambda data: services.indicator_create(
            convention=convention, objective=objective, by=request.user, **data
        ),
        saved=lambda _: f"L'indicateur de l'objectif {objective.code} a été créé.",
        title=f"Nouvel indicateur de l'objectif {objective.code}",
    )


def objective_measure_create(request, convention_pk, pk, item_pk):
    """Add a measure (or, with ?cible, a target) to an indicator of an objective."""
    convention = get_editable_plan(request, convention_pk)
    indicator = get_object_or_404(
        plan.FollowUpIndicator, pk=item_pk, objective_id=pk, objective__convention=convention, convention=convention
    )
    is_target = "cible" in request.GET
    service = services.target_set if is_target else services.measure_create
    return _objective_page(
        request,
        convention,
        (forms.TargetForm if is_target else forms.MeasureForm)(form_data(request)),
        write=lambda data: service(indicator=indicator, by=request.user, **data),
        saved=lambda _: "Enregistré.",
        title=f"{'Cible' if is_target else 'Mesure'} de l'indicateur {indicator.code}",
    )


@require_POST
def objective_delete(request, convention_pk, pk):
    convention = get_editable_plan(request, convention_pk)
    objective = _get_objective(convention, pk)
    services.objective_delete(objective=objective, by=request.user)
    messages.success(request, "L'objectif a été supprimé.")
    return redirect("plans_views:index", convention_pk=convention.pk)


# Objects of a fiche: milestones, notes, links, funding lines, indicators, targets, measures


def _fiche_form(form_class, title: str, write, *, items: str = "", edit: bool = False, anchor: str = "", saved=None):
    """The view of a form creating or editing an object of the fiche `pk`, for whoever may edit that fiche.

    With `items` (a related name of the fiche), the page concerns the object `item_pk` among them, looked up
    through the fiche: the object edited when `edit`, otherwise the one the new object belongs to (an indicator's
    target or measure). `title` may name it as `{item}`. `write(data, by=, action=, item=)` calls the service.
    Once saved, the user goes back to the fiche's section `anchor` (`{item}` and `{obj}`, what the service
    returned, may be named in it), with the message `saved(obj, item)` naming what was added."""

    def view(request, convention_pk, pk, item_pk=None):
        convention = get_convention(request, convention_pk)
        action = get_action(convention, pk)
        item = get_object_or_404(getattr(action, items).all(), pk=item_pk) if items else None
        require_action_editor(request, action)
        return _form_page(
            request,
            convention,
            form_class(form_data(request), instance=item if edit else None),
            write=lambda data: write(data, by=request.user, action=action, item=item),
            saved=lambda obj: saved(obj, item) if saved else "Enregistré.",
            next_url=lambda obj: _action_url(convention, action) + _anchor(anchor, obj=obj, item=item),
            title=f"{title.format(item=item)} – fiche {action.code}",
            cancel_url=_action_url(convention, action),
            action=action,
        )

    return view


def _anchor(anchor: str, **objects) -> str:
    return "#" + anchor.format(**objects) if anchor else ""


def _value(value) -> str:
    """A decimal as typed: 12,5 rather than 12,500."""
    text = format_number(value)
    return text.rstrip("0").rstrip(",") if "," in text else text


def _added_funding(line, _item) -> str:
    added = f"Ligne de financement ajoutée : {line.funder}, {line.year}, {line.get_scheme_display()}."
    return " ".join(filter(None, [added, granted_above_requested(line)]))


def _saved_funding(line, _item) -> str:
    return " ".join(filter(None, ["Ligne de financement enregistrée.", granted_above_requested(line)]))


def _added_note(note, _item) -> str:
    return f"Note de suivi du {format_date(note.date)} ajoutée."


def _added_target(target, indicator) -> str:
    return (
        f"Cible de l'indicateur « {indicator.label} » enregistrée : {_value(target.value)} au "
        f"{format_date(target.date)}."
    )


def _added_measure(measure, indicator) -> str:
    return (
        f"Mesure de l'indicateur « {indicator.label} » ajoutée : {_value(measure.value)} au "
        f"{format_date(measure.date)}."
    )


def _add_to_fiche(service):
    return lambda data, *, by, action, item: service(action=action, by=by, **data)


def _add_to_item(service):
    return lambda data, *, by, action, item: service(indicator=item, by=by, **data)


def _fiche_edit(form_class, title: str, service, *, argument: str, items: str, saved=None, **fixed):
    """The view of a form editing the object `item_pk` among the fiche's `items`, passed to the service as
    `argument`, from the version the form was opened at."""

    def write(data, *, by, action, item):
        return _updating(service, by, **{argument: item}, **fixed)(data)

    return _fiche_form(form_class, title, write, items=items, edit=True, saved=saved)


def _add_indicator(data, *, by, action, item):
    return services.indicator_create(convention=action.convention, action=action, by=by, **data)


milestone_create = _fiche_form(
    forms.MilestoneForm,
    "Nouveau jalon",
    _add_to_fiche(services.milestone_create),
    anchor="jalons",
    saved=lambda milestone, _: f"Jalon « {milestone.title} » ajouté.",
)
note_create = _fiche_form(
    forms.NoteForm, "Nouvelle note de suivi", _add_to_fiche(services.note_create), anchor="notes", saved=_added_note
)
link_create = _fiche_form(
    forms.LinkForm,
    "Nouveau lien ou document",
    _add_to_fiche(services.link_create),
    anchor="liens",
    saved=lambda link, _: f"Lien « {link.label} » ajouté.",
)
funding_create = _fiche_form(
    forms.FundingLineForm,
    "Nouvelle ligne de financement",
    _add_to_fiche(services.funding_line_create),
    anchor="financements",
    saved=_added_funding,
)
indicator_create = _fiche_form(
    forms.IndicatorForm,
    "Nouvel indicateur de suivi",
    _add_indicator,
    anchor="indicateur-{obj.pk}",
    saved=lambda indicator, _: f"Indicateur « {indicator.label} » ajouté.",
)
milestone_edit = _fiche_edit(
    forms.MilestoneForm, "Modifier le jalon", services.milestone_update, argument="milestone", items="milestones"
)
funding_edit = _fiche_edit(
    forms.FundingLineForm,
    "Modifier la ligne de financement",
    services.funding_line_update,
    argument="line",
    items="funding_lines",
    saved=_saved_funding,
)
# A user who edits an indicator gives its baseline (the form requires it): it is no longer "à renseigner".
indicator_edit = _fiche_edit(
    forms.IndicatorForm,
    "Modifier l'indicateur {item.code}",
    services.indicator_update,
    argument="indicator",
    items="indicators",
    baseline_state="renseignee",
)
target_create = _fiche_form(
    forms.TargetForm,
    "Cible de l'indicateur {item.code}",
    _add_to_item(services.target_set),
    items="indicators",
    anchor="indicateur-{item.pk}",
    saved=_added_target,
)
measure_create = _fiche_form(
    forms.MeasureForm,
    "Mesure de l'indicateur {item.code}",
    _add_to_item(services.measure_create),
    items="indicators",
    anchor="indicateur-{item.pk}",
    saved=_added_measure,
)
