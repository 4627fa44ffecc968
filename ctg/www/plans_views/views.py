"""Pages of the action plan: the tree with filters, "mes actions", the fiche, edit forms, timeline, activity."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from ctg.charts.render import render_svg_markup
from ctg.plans import services
from ctg.plans.charts import timeline_spec
from ctg.plans.enums import Trajectory
from ctg.plans.history import activity as plan_activity
from ctg.plans.models import (
    Action,
    ActionLink,
    FollowUpIndicator,
    FollowUpNote,
    FundingLine,
    IndicatorMeasure,
    IndicatorTarget,
    Milestone,
    Objective,
)
from ctg.plans.perms import can_edit_action, can_edit_plan
from ctg.plans.selectors import (
    PlanFilters,
    action_detail,
    actions_for_pilot,
    filter_choices,
    plan_themes,
    plan_tree,
    timeline_rows,
)
from ctg.www.downloads import chart_response
from ctg.www.plans_views import forms
from ctg.www.plans_views.presenters import present_plan_rows
from ctg.www.utils import get_convention_for as get_convention

TRAJECTORY_BADGES = {
    Trajectory.ACHIEVED: "badge-ok",
    Trajectory.ON_TRACK: "badge-ok",
    Trajectory.BEHIND: "badge-danger",
    Trajectory.BASELINE_MISSING: "badge-warn",
}


def get_action(convention, pk) -> Action:
    action = get_object_or_404(Action.objects.filter(convention=convention), pk=pk)
    action.convention = convention
    return action


def require_plan_editor(request, convention):
    if not can_edit_plan(request.user, convention):
        raise PermissionDenied("Seuls les administrateurs et contributeurs de la convention modifient le plan.")


def require_action_editor(request, action):
    if not can_edit_action(request.user, action):
        raise PermissionDenied("Vous ne pouvez pas modifier cette fiche action.")


def add_errors(form, exc: ValidationError):
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


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
    template = "plans_views/includes/tree.html" if request.headers.get("HX-Request") else "plans_views/index.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])  # the same URL answers a partial to htmx, a full page otherwise
    return response


def mine(request, convention_pk):
    convention = get_convention(request, convention_pk)
    actions = actions_for_pilot(convention, request.user, today())
    return render(request, "plans_views/mine.html", {"convention": convention, "actions": actions})


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
    context = {
        "convention": convention,
        "can_edit": can_edit_action(request.user, action),
        "can_edit_plan": can_edit_plan(request.user, convention),
        "entries": plan_activity(action_id=action.pk, limit=30),
        "trajectory_badges": TRAJECTORY_BADGES,
        **data,
    }
    return render(request, "plans_views/action_detail.html", context)


def _render_form(request, convention, form, *, title, cancel_url, action=None, intro=""):
    context = {
        "convention": convention,
        "form": form,
        "title": title,
        "cancel_url": cancel_url,
        "action": action,
        "intro": intro,
    }
    return render(request, "plans_views/form.html", context, status=400 if form.is_bound else 200)


def action_create(request, convention_pk):
    convention = get_convention(request, convention_pk)
    require_plan_editor(request, convention)
    form = forms.ActionForm(request.POST or None, convention=convention)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            action = services.action_create(
                convention=convention, code=data.pop("code"), title=data.pop("title"), by=request.user, **data
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"La fiche {action.code} a été créée.")
            return redirect("plans_views:action_detail", convention_pk=convention.pk, pk=action.pk)
    return _render_form(
        request,
        convention,
        form,
        title="Nouvelle fiche action",
        cancel_url=reverse("plans_views:index", args=[convention.pk]),
    )


def action_edit(request, convention_pk, pk):
    convention = get_convention(request, convention_pk)
    action = get_action(convention, pk)
    require_action_editor(request, action)
    form = forms.ActionForm(request.POST or None, instance=action, convention=convention)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.action_update(action=action, expected_version=version, by=request.user, **data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"La fiche {action.code} a été enregistrée.")
            return redirect("plans_views:action_detail", convention_pk=convention.pk, pk=action.pk)
    return _render_form(
        request,
        convention,
        form,
        title=f"Modifier la fiche {action.code}",
        cancel_url=reverse("plans_views:action_detail", args=[convention.pk, action.pk]),
        action=action,
    )


@require_POST
def action_delete(request, convention_pk, pk):
    convention = get_convention(request, convention_pk)
    action = get_action(convention, pk)
    require_plan_editor(request, convention)
    code = action.code
    services.action_delete(action=action, by=request.user)
    messages.success(request, f"La fiche {code} a été supprimée.")
    return redirect("plans_views:index", convention_pk=convention.pk)


# Objectives


def objective_create(request, convention_pk):
    convention = get_convention(request, convention_pk)
    require_plan_editor(request, convention)
    form = forms.ObjectiveForm(request.POST or None, convention=convention)
    if request.method == "POST" and form.is_valid():
        try:
            objective = services.objective_create(convention=convention, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"L'objectif {objective.code} a été créé.")
            return redirect("plans_views:index", convention_pk=convention.pk)
    return _render_form(
        request,
        convention,
        form,
        title="Nouvel objectif",
        cancel_url=reverse("plans_views:index", args=[convention.pk]),
    )


def objective_edit(request, convention_pk, pk):
    convention = get_convention(request, convention_pk)
    require_plan_editor(request, convention)
    objective = get_object_or_404(Objective.objects.filter(convention=convention), pk=pk)
    form = forms.ObjectiveForm(request.POST or None, instance=objective, convention=convention)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.objective_update(
                objective=objective, expected_version=data.pop("version"), by=request.user, **data
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"L'objectif {objective.code} a été enregistré.")
            return redirect("plans_views:index", convention_pk=convention.pk)
    return _render_form(
        request,
        convention,
        form,
        title=f"Modifier l'objectif {objective.code}",
        cancel_url=reverse("plans_views:index", args=[convention.pk]),
    )


def objective_indicator_create(request, convention_pk, pk):
    convention = get_convention(request, convention_pk)
    require_plan_editor(request, convention)
    objective = get_object_or_404(Objective.objects.filter(convention=convention), pk=pk)
    form = forms.IndicatorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.indicator_create(convention=convention, objective=objective, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"L'indicateur de l'objectif {objective.code} a été créé.")
            return redirect("plans_views:index", convention_pk=convention.pk)
    return _render_form(
        request,
        convention,
        form,
        title=f"Nouvel indicateur de l'objectif {objective.code}",
        cancel_url=reverse("plans_views:index", args=[convention.pk]),
    )


def objective_measure_create(request, convention_pk, pk, item_pk):
    """Add a measure (or, with ?cible, a target) to an indicator of an objective."""
    convention = get_convention(request, convention_pk)
    require_plan_editor(request, convention)
    indicator = get_object_or_404(
        FollowUpIndicator, pk=item_pk, objective_id=pk, objective__convention=convention, convention=convention
    )
    is_target = "cible" in request.GET
    form = (forms.TargetForm if is_target else forms.MeasureForm)(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if is_target:
                services.target_set(indicator=indicator, by=request.user, **form.cleaned_data)
            else:
                services.measure_create(indicator=indicator, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Enregistré.")
            return redirect("plans_views:index", convention_pk=convention.pk)
    return _render_form(
        request,
        convention,
        form,
        title=f"{'Cible' if is_target else 'Mesure'} de l'indicateur {indicator.code}",
        cancel_url=reverse("plans_views:index", args=[convention.pk]),
    )


@require_POST
def objective_delete(request, convention_pk, pk):
    convention = get_convention(request, convention_pk)
    require_plan_editor(request, convention)
    objective = get_object_or_404(Objective.objects.filter(convention=convention), pk=pk)
    services.objective_delete(objective=objective, by=request.user)
    messages.success(request, "L'objectif a été supprimé.")
    return redirect("plans_views:index", convention_pk=convention.pk)


# Objects of a fiche: milestones, notes, links, funding lines, indicators, targets, measures


def _child_form(request, convention_pk, pk, *, form_class, create, title, instance=None):
    """Create or edit an object belonging to the action `pk`, for whoever may edit that action."""
    convention = get_convention(request, convention_pk)
    action = get_action(convention, pk)
    require_action_editor(request, action)
    form = form_class(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            create(action, dict(form.cleaned_data))
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Enregistré.")
            return redirect("plans_views:action_detail", convention_pk=convention.pk, pk=action.pk)
    return _render_form(
        request,
        convention,
        form,
        title=f"{title} – fiche {action.code}",
        cancel_url=reverse("plans_views:action_detail", args=[convention.pk, action.pk]),
        action=action,
    )


def milestone_create(request, convention_pk, pk):
    return _child_form(
        request,
        convention_pk,
        pk,
        form_class=forms.MilestoneForm,
        title="Nouveau jalon",
        create=lambda action, data: services.milestone_create(action=action, by=request.user, **data),
    )


def milestone_edit(request, convention_pk, pk, item_pk):
    milestone = get_object_or_404(Milestone, pk=item_pk, action_id=pk, action__convention_id=convention_pk)
    return _child_form(
        request,
        convention_pk,
        pk,
        form_class=forms.MilestoneForm,
        instance=milestone,
        title="Modifier le jalon",
        create=lambda action, data: services.milestone_update(
            milestone=milestone, expected_version=data.pop("version"), by=request.user, **data
        ),
    )


def note_create(request, convention_pk, pk):
    return _child_form(
        request,
        convention_pk,
        pk,
        form_class=forms.NoteForm,
        title="Nouvelle note de suivi",
        create=lambda action, data: services.note_create(action=action, by=request.user, **data),
    )


def link_create(request, convention_pk, pk):
    return _child_form(
        request,
        convention_pk,
        pk,
        form_class=forms.LinkForm,
        title="Nouveau lien ou document",
        create=lambda action, data: services.link_create(action=action, by=request.user, **data),
    )


def funding_create(request, convention_pk, pk):
    return _child_form(
        request,
        convention_pk,
        pk,
        form_class=forms.FundingLineForm,
        title="Nouvelle ligne de financement",
        create=lambda action, data: services.funding_line_create(action=action, by=request.user, **data),
    )


def funding_edit(request, convention_pk, pk, item_pk):
    line = get_object_or_404(FundingLine, pk=item_pk, action_id=pk, action__convention_id=convention_pk)
    return _child_form(
        request,
        convention_pk,
        pk,
        form_class=forms.FundingLineForm,
        instance=line,
        title="Modifier la ligne de financement",
        create=lambda action, data: services.funding_line_update(
            line=line, expected_version=data.pop("version"), by=request.user, **data
        ),
    )


def indicator_create(request, convention_pk, pk):
    return _child_form(
        request,
        convention_pk,
        pk,
        form_class=forms.IndicatorForm,
        title="Nouvel indicateur de suivi",
        create=lambda action, data: services.indicator_create(
            convention=action.convention, action=action, by=request.user, **data
        ),
    )


def indicator_edit(request, convention_pk, pk, item_pk):
    indicator = get_object_or_404(FollowUpIndicator, pk=item_pk, action_id=pk, convention_id=convention_pk)
    return _child_form(
        request,
        convention_pk,
        pk,
        form_class=forms.IndicatorForm,
        instance=indicator,
        title=f"Modifier l'indicateur {indicator.code}",
        create=lambda action, data: services.indicator_update(
            indicator=indicator,
            expected_version=data.pop("version"),
            by=request.user,
            baseline_state="renseignee",
            **data,
        ),
    )


def target_create(request, convention_pk, pk, item_pk):
    indicator = get_object_or_404(FollowUpIndicator, pk=item_pk, action_id=pk, convention_id=convention_pk)
    return _child_form(
        request,
        convention_pk,
        pk,
        form_class=forms.TargetForm,
        title=f"Cible de l'indicateur {indicator.code}",
        create=lambda action, data: services.target_set(indicator=indicator, by=request.user, **data),
    )


def measure_create(request, convention_pk, pk, item_pk):
    indicator = get_object_or_404(FollowUpIndicator, pk=item_pk, action_id=pk, convention_id=convention_pk)
    return _child_form(
        request,
        convention_pk,
        pk,
        form_class=forms.MeasureForm,
        title=f"Mesure de l'indicateur {indicator.code}",
        create=lambda action, data: services.measure_create(indicator=indicator, by=request.user, **data),
    )


DELETABLE = {
    "milestone": (Milestone, "action", services.milestone_delete, "milestone"),
    "note": (FollowUpNote, "action", services.note_delete, "note"),
    "link": (ActionLink, "action", services.link_delete, "link"),
    "funding": (FundingLine, "action", services.funding_line_delete, "line"),
    "indicator": (FollowUpIndicator, "action", services.indicator_delete, "indicator"),
    "target": (IndicatorTarget, "indicator__action", services.target_delete, "target"),
    "measure": (IndicatorMeasure, "indicator__action", services.measure_delete, "measure"),
}


@require_POST
def child_delete(request, convention_pk, pk, kind, item_pk):
    """Delete a milestone, note, link, funding line, indicator, target or measure of a fiche."""
    if kind not in DELETABLE:
        raise PermissionDenied("Suppression non prévue.")
    model, path, delete, argument = DELETABLE[kind]
    convention = get_convention(request, convention_pk)
    action = get_action(convention, pk)
    require_action_editor(request, action)
    item = get_object_or_404(model.objects.filter(**{path: action}), pk=item_pk)
    delete(**{argument: item, "by": request.user})
    messages.success(request, "Supprimé.")
    return redirect("plans_views:action_detail", convention_pk=convention.pk, pk=action.pk)
