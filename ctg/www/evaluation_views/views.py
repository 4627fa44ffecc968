"""Pages of a convention's evaluation: its snapshots of the diagnostic, the follow-up indicators' baselines, what
changed since the signature (page, XLSX, CSV), the action grids and their roll-ups, the record per commune (page,
XLSX, CSV), the partners' questionnaire, the conclusions and the final report (DOCX, PDF), the preparation of the next
convention.

Any reader of the convention sees them; only its administrators take a snapshot. Lookups outside the user's
conventions answer 404.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from ctg.core.formatting import counted
from ctg.evaluation.commune_exports import build_communes_csv, build_communes_xlsx
from ctg.evaluation.communes import commune_results
from ctg.evaluation.enums import SURVEY_QUESTIONS, SnapshotKind
from ctg.evaluation.exports import snapshot_description
from ctg.evaluation.jobs import changes_export_request, final_report_request
from ctg.evaluation.models import (
    ActionEvaluation,
    CarriedAction,
    ConventionEvaluation,
    DiagnosticSnapshot,
    PartnerAnswer,
    PartnerSurvey,
    Renewal,
)
from ctg.evaluation.perms import (
    can_answer_partner_survey,
    can_fill_action_evaluation,
    can_open_partner_survey,
    can_prepare_renewal,
    can_take_snapshot,
    can_validate_action_evaluation,
    can_write_conclusions,
)
from ctg.evaluation.rollups import evaluation_rollup
from ctg.evaluation.selectors import (
    action_evidence,
    action_grids,
    convention_snapshots,
    convention_territories,
    follow_up_baselines,
    partner_organisations,
    reference_snapshot,
    renewable_actions,
    renewal_contents,
    survey_results,
    what_changed,
)
from ctg.evaluation.services import (
    GRID_FIELDS,
    action_evaluation_save,
    action_evaluation_validate,
    convention_evaluation_save,
    convention_renew,
    partner_answer_save,
    partner_survey_close,
    partner_survey_open,
    renewal_default_period,
    renewal_refusal,
    snapshot_take,
)
from ctg.plans.models import Action
from ctg.reports import content_types
from ctg.steering.dashboard import dashboard_commune
from ctg.territories.models import Commune
from ctg.www.downloads import download_response, export_record, job_redirect
from ctg.www.evaluation_views.forms import (
    SNAPSHOT_FORMS,
    ActionEvaluationForm,
    ConclusionsForm,
    DecisionSnapshotForm,
    PartnerAnswerForm,
    RenewalForm,
    SignatureSnapshotForm,
)
from ctg.www.utils import add_service_errors, get_convention_for, run_service

# The census of year N is published in June of N+3: the default newest vintage known at a past signature.
PUBLICATION_LAG_YEARS = 3


def _signature_form(convention, data=None) -> SignatureSnapshotForm | None:
    if convention.signed_on is None:
        return None
    return SignatureSnapshotForm(data, initial={"vintage_limit": convention.signed_on.year - PUBLICATION_LAG_YEARS})


@require_safe
def index(request, convention_pk):
    convention = get_convention_for(request, convention_pk)
    snapshots = convention_snapshots(convention=convention)
    reference = reference_snapshot(convention=convention, snapshots=snapshots)
    has_signature = any(s.kind == SnapshotKind.SIGNATURE for s in snapshots)
    can_take = can_take_snapshot(request.user, convention)
    context = {
        "convention": convention,
        "snapshots": [(s, snapshot_description(s)) for s in snapshots],
        "reference": reference,
        "can_take": can_take,
        "signature_form": _signature_form(convention) if can_take and not has_signature else None,
        "decision_form": DecisionSnapshotForm() if can_take else None,
        "follow_ups": follow_up_baselines(convention=convention, snapshot=reference),
        "grids": action_grids(convention=convention),
        "can_prepare_renewal": can_prepare_renewal(request.user, convention)
        and renewal_refusal(convention=convention, today=timezone.localdate()) is None,
    }
    return render(request, "evaluation_views/index.html", context)


@require_safe
def overview(request, convention_pk):
    """The evaluation rolled up per objective and per theme, what was not started and what was added on the way."""
    convention = get_convention_for(request, convention_pk)
    current = ConventionEvaluation.objects.filter(convention=convention).first()
    context = {
        "convention": convention,
        "rollup": evaluation_rollup(convention=convention),
        "survey": survey_results(
            survey=PartnerSurvey.objects.filter(convention=convention).first(), convention=convention
        ),
        "final_evaluation": current,
        "can_write_conclusions": can_write_conclusions(request.user, convention),
    }
    return render(request, "evaluation_views/overview.html", context)


def _commune_results(request, convention) -> dict:
    """The record per commune as this reader sees it: a commune member's is restricted to their commune, as their
    dashboard is."""
    commune = dashboard_commune(request.user, convention)
    return {
        "member_commune": commune,
        **commune_results(convention=convention, today=timezone.localdate(), commune=commune),
    }


@require_safe
def communes(request, convention_pk):
    """What the convention brought to each commune: actions, their money, the offer registry before and after."""
    convention = get_convention_for(request, convention_pk)
    context = {"convention": convention, **_commune_results(request, convention)}
    return render(request, "evaluation_views/communes.html", context)


COMMUNE_EXPORTS = {"xlsx": content_types.XLSX, "csv": content_types.CSV}


def _communes_export(request, convention_pk, fmt: str) -> HttpResponse:
    convention = get_convention_for(request, convention_pk)
    data = _commune_results(request, convention)
    export_record(
        request, convention=convention, detail=f"Évaluation : bilan par commune ({fmt.upper()}, {convention.title})"
    )
    content = build_communes_xlsx(data=data, convention=convention) if fmt == "xlsx" else build_communes_csv(data=data)
    return download_response(
        content, filename=f"bilan-par-commune-convention-{convention.pk}.{fmt}", content_type=COMMUNE_EXPORTS[fmt]
    )


@require_safe
def communes_xlsx(request, convention_pk):
    return _communes_export(request, convention_pk, "xlsx")


@require_safe
def communes_csv(request, convention_pk):
    return _communes_export(request, convention_pk, "csv")


def snapshot_create(request, convention_pk, kind):
    convention = get_convention_for(request, convention_pk)
    if not can_take_snapshot(request.user, convention):
        raise PermissionDenied("Seuls les administrateurs de la convention photographient le diagnostic.")
    form_class = SNAPSHOT_FORMS.get(kind)
    if form_class is None:
        raise Http404("Motif de photographie inconnu.")
    form: forms.Form | None = (
        _signature_form(convention, request.POST or None)
        if kind == SnapshotKind.SIGNATURE
        else form_class(request.POST or None)
    )
    if form is None:
        messages.error(request, "La convention n'a pas de date de signature : renseignez-la d'abord.")
        return redirect("evaluation_views:index", convention_pk=convention.pk)
    if request.method == "POST" and form.is_valid():
        if kind == SnapshotKind.SIGNATURE:
            arguments = {
                "reference_date": convention.signed_on,
                "reconstructed": True,
                "vintage_limit": form.cleaned_data["vintage_limit"],
            }
        else:
            arguments = {
                "reference_date": form.cleaned_data["reference_date"],
                "label": form.cleaned_data["label"],
                # Taken later than the decision's day: rebuilt from the data present now.
                "reconstructed": form.cleaned_data["reference_date"] < timezone.localdate(),
            }
        try:
            snapshot = snapshot_take(convention=convention, kind=kind, by=request.user, **arguments)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, f"Photographie du diagnostic enregistrée : {counted(snapshot.value_count, 'valeur figée')}."
            )
            return redirect("evaluation_views:index", convention_pk=convention.pk)
    context = {"convention": convention, "form": form, "kind": kind, "kind_label": SnapshotKind(kind).label}
    return render(request, "evaluation_views/snapshot_form.html", context)


def _chosen_snapshot(request, convention) -> DiagnosticSnapshot | None:
    pk = request.GET.get("photographie", "")
    if pk.isdigit():
        return get_object_or_404(DiagnosticSnapshot.objects.filter(convention=convention), pk=int(pk))
    return reference_snapshot(convention=convention)


@require_safe
def changes(request, convention_pk):
    convention = get_convention_for(request, convention_pk)
    snapshot = _chosen_snapshot(request, convention)
    _, communes = convention_territories(convention)
    commune_code = request.GET.get("commune", "")
    if commune_code and commune_code not in {c["code"] for c in communes}:
        commune_code = ""
    context = {
        "convention": convention,
        "snapshot": snapshot,
        "snapshots": convention_snapshots(convention=convention),
        "communes_all": communes,
        "commune_code": commune_code,
    }
    if snapshot is not None:
        context["description"] = snapshot_description(snapshot)
        context.update(
            what_changed(
                snapshot=snapshot, convention=convention, commune_codes=[commune_code] if commune_code else []
            )
        )
    return render(request, "evaluation_views/changes.html", context)


def _export(request, convention_pk, fmt: str) -> HttpResponse:
    convention = get_convention_for(request, convention_pk)
    snapshot = _chosen_snapshot(request, convention)
    if snapshot is None:
        raise Http404("Aucune photographie du diagnostic n'est enregistrée pour cette convention.")
    job = changes_export_request(convention=convention, snapshot=snapshot, fmt=fmt, by=request.user)
    export_record(
        request,
        convention=convention,
        detail=f"Évaluation : ce qui a changé depuis la photographie ({fmt.upper()}, {convention.title})",
    )
    return job_redirect(job)


@require_safe
def changes_xlsx(request, convention_pk):
    return _export(request, convention_pk, "xlsx")


@require_safe
def changes_csv(request, convention_pk):
    return _export(request, convention_pk, "csv")


def _action_for(request, convention, pk) -> Action:
    return get_object_or_404(
        Action.objects.filter(convention=convention).select_related("convention", "pilot_user"), pk=pk
    )


def action_grid(request, convention_pk, pk):
    """The action's evaluation grid: read by every reader, filled by its pilot (or an editor)."""
    convention = get_convention_for(request, convention_pk)
    action = _action_for(request, convention, pk)
    evaluation = ActionEvaluation.objects.filter(action=action).select_related("validated_by").first()
    can_fill = can_fill_action_evaluation(request.user, action)
    if request.method == "POST" and not can_fill:
        raise PermissionDenied("Seuls le pilote de l'action et les éditeurs du plan remplissent sa grille.")
    initial = {name: getattr(evaluation, name) for name in GRID_FIELDS} if evaluation else {}
    form = ActionEvaluationForm(request.POST or None, initial=initial) if can_fill else None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            action_evaluation_save(action=action, data=form.cleaned_data, by=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Grille d'évaluation de « {action.title} » enregistrée.")
            return redirect("evaluation_views:action_grid", convention_pk=convention.pk, pk=action.pk)
    context = {
        "convention": convention,
        "action": action,
        "evaluation": evaluation,
        "form": form,
        "can_validate": evaluation is not None
        and not evaluation.is_validated
        and can_validate_action_evaluation(request.user, convention),
        **action_evidence(action=action),
    }
    return render(request, "evaluation_views/action_grid.html", context)


@require_POST
def action_grid_validate(request, convention_pk, pk):
    convention = get_convention_for(request, convention_pk)
    action = _action_for(request, convention, pk)
    if not can_validate_action_evaluation(request.user, convention):
        raise PermissionDenied("Seuls les administrateurs de la convention valident une grille d'évaluation.")
    evaluation = get_object_or_404(ActionEvaluation, action=action)
    if run_service(request, action_evaluation_validate, evaluation=evaluation):
        messages.success(request, f"Grille d'évaluation de « {action.title} » validée.")
    return redirect("evaluation_views:action_grid", convention_pk=convention.pk, pk=action.pk)


def renewal_prepare(request, convention_pk):
    """« Préparer la convention suivante »: an administrator creates the successor, in phase « Préparation »."""
    convention = get_convention_for(request, convention_pk)
    if not can_prepare_renewal(request.user, convention):
        raise PermissionDenied("Seuls les administrateurs de la convention préparent la convention suivante.")
    refusal = renewal_refusal(convention=convention, today=timezone.localdate())
    start, end = renewal_default_period(convention)
    initial = {
        "title": f"CTG {convention.epci.name} {start.year}-{end.year}",
        "start_date": start,
        "end_date": end,
        "communes": list(convention.communes.values_list("pk", flat=True)),
    }
    form = RenewalForm(
        request.POST or None,
        initial=initial,
        communes=Commune.objects.filter(epci=convention.epci).order_by("name"),
        actions=renewable_actions(convention=convention),
    )
    if refusal is None and request.method == "POST" and form.is_valid():
        try:
            renewal = convention_renew(
                predecessor=convention,
                title=form.cleaned_data["title"],
                start_date=form.cleaned_data["start_date"],
                end_date=form.cleaned_data["end_date"],
                communes=list(form.cleaned_data["communes"]),
                actions=list(form.cleaned_data["actions"]),
                by=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Convention suivante « {renewal.successor.title} » préparée.")
            return redirect("evaluation_views:renewal_summary", convention_pk=renewal.successor.pk)
    context = {
        "convention": convention,
        "form": form,
        "refusal": refusal,
        "carried_elsewhere": CarriedAction.objects.filter(origin__convention=convention)
        .select_related("origin", "copy__convention")
        .order_by("origin__code"),
    }
    return render(request, "evaluation_views/renewal_form.html", context)


@require_safe
def renewal_summary(request, convention_pk):
    """What was carried over from the predecessor into this convention (read by the convention's readers)."""
    convention = get_convention_for(request, convention_pk)
    renewal = get_object_or_404(Renewal.objects.select_related("predecessor", "prepared_by"), successor=convention)
    context = {"convention": convention, "renewal": renewal, **renewal_contents(renewal=renewal)}
    return render(request, "evaluation_views/renewal_summary.html", context)


def _report(request, convention_pk, fmt: str) -> HttpResponse:
    convention = get_convention_for(request, convention_pk)
    job = final_report_request(convention=convention, fmt=fmt, by=request.user)
    export_record(
        request, convention=convention, detail=f"Évaluation : rapport d'évaluation ({fmt.upper()}, {convention.title})"
    )
    return job_redirect(job)


@require_safe
def report_docx(request, convention_pk):
    return _report(request, convention_pk, "docx")


@require_safe
def report_pdf(request, convention_pk):
    return _report(request, convention_pk, "pdf")


def conclusions(request, convention_pk):
    """The coordinator writes the conclusions and recommendations of the final report."""
    convention = get_convention_for(request, convention_pk)
    if not can_write_conclusions(request.user, convention):
        raise PermissionDenied("Seuls les administrateurs de la convention rédigent les conclusions de l'évaluation.")
    current = ConventionEvaluation.objects.filter(convention=convention).first()
    initial = {"conclusions": current.conclusions, "recommendations": current.recommendations} if current else {}
    form = ConclusionsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        convention_evaluation_save(convention=convention, by=request.user, **form.cleaned_data)
        messages.success(request, "Conclusions et recommandations enregistrées.")
        return redirect("evaluation_views:overview", convention_pk=convention.pk)
    return render(request, "evaluation_views/conclusions.html", {"convention": convention, "form": form})


@require_safe
def survey(request, convention_pk):
    """The partners' questionnaire: its state, who answered, the results; each reader sees them."""
    convention = get_convention_for(request, convention_pk)
    current = PartnerSurvey.objects.filter(convention=convention).first()
    results = survey_results(survey=current, convention=convention)
    context = {
        "convention": convention,
        "results": results,
        "can_open": can_open_partner_survey(request.user, convention),
        "can_answer_for": {
            organisation.pk
            for organisation, _ in results["organisations"]
            if can_answer_partner_survey(request.user, convention, organisation)
        },
    }
    return render(request, "evaluation_views/survey.html", context)


@require_POST
def survey_state(request, convention_pk):
    """Open (or reopen) the questionnaire, or close it."""
    convention = get_convention_for(request, convention_pk)
    if not can_open_partner_survey(request.user, convention):
        raise PermissionDenied("Seuls les administrateurs de la convention ouvrent le questionnaire aux partenaires.")
    current = PartnerSurvey.objects.filter(convention=convention).first()
    if request.POST.get("etat") == "clos":
        if current is None:
            messages.error(request, "Le questionnaire aux partenaires n'a pas été ouvert.")
        elif run_service(request, partner_survey_close, survey=current):
            messages.success(request, "Questionnaire aux partenaires clos : ses réponses sont conservées.")
    elif run_service(request, partner_survey_open, convention=convention):
        messages.success(request, "Questionnaire ouvert aux partenaires de la convention.")
    return redirect("evaluation_views:survey", convention_pk=convention.pk)


def survey_answer(request, convention_pk, organisation_pk):
    """One partner organisation's answer: by a member of that organisation, or by a coordinator on its behalf."""
    convention = get_convention_for(request, convention_pk)
    organisation = next((o for o in partner_organisations(convention=convention) if o.pk == organisation_pk), None)
    if organisation is None:
        raise Http404("Cette organisation n'est pas partenaire de la convention.")
    if not can_answer_partner_survey(request.user, convention, organisation):
        raise PermissionDenied("Seuls les membres de cette organisation et la coordination répondent pour elle.")
    current = PartnerSurvey.objects.filter(convention=convention).first()
    if current is None or not current.is_open:
        messages.error(request, "Le questionnaire aux partenaires n'est pas ouvert.")
        return redirect("evaluation_views:survey", convention_pk=convention.pk)
    answer = PartnerAnswer.objects.filter(survey=current, organisation=organisation).first()
    initial = (
        {name: getattr(answer, name) for name in [*(c.value for c in SURVEY_QUESTIONS), "comment"]} if answer else {}
    )
    form = PartnerAnswerForm(request.POST or None, initial=initial)
    on_behalf = request.user.organisation_id != organisation.pk
    if request.method == "POST" and form.is_valid():
        try:
            partner_answer_save(
                survey=current, organisation=organisation, data=form.cleaned_data, on_behalf=on_behalf, by=request.user
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Réponse de « {organisation.name} » enregistrée.")
            return redirect("evaluation_views:survey", convention_pk=convention.pk)
    context = {
        "convention": convention,
        "organisation": organisation,
        "form": form,
        "answer": answer,
        "on_behalf": on_behalf,
    }
    return render(request, "evaluation_views/survey_answer.html", context)
