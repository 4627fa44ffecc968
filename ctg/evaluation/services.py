"""Writes of the evaluation: taking a snapshot of the diagnostic (written once, never updated); filling and
validating the evaluation grid of an action; the coordinator's conclusions; the partners' questionnaire; the
preparation of the next convention."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ctg.accounts.models import Membership
from ctg.conventions.enums import Phase
from ctg.conventions.models import Convention, Signatory, Theme
from ctg.conventions.services import convention_create
from ctg.core.history import set_history_author
from ctg.diagnostic.enums import EnjeuStatus
from ctg.diagnostic.models import Enjeu
from ctg.evaluation.enums import SURVEY_QUESTIONS, Achievement, Criterion, SnapshotKind, SurveyAnswer
from ctg.evaluation.models import (
    ActionEvaluation,
    CarriedAction,
    CarriedEnjeu,
    CarriedIndicator,
    ConventionEvaluation,
    DiagnosticSnapshot,
    PartnerAnswer,
    PartnerSurvey,
    Renewal,
    SnapshotSeries,
    SnapshotValue,
)
from ctg.evaluation.selectors import (
    VALUE_FIELDS,
    convention_territories,
    partner_organisations,
    series_datasets,
    series_sources,
    territory_values,
)
from ctg.indicators import catalogue
from ctg.plans.enums import ActionStatus, BaselineState
from ctg.plans.models import Action, FollowUpIndicator, IndicatorMeasure
from ctg.territories.models import Commune

GRID_FIELDS = [f"{c.value}_{part}" for c in Criterion for part in ("level", "justification")]
BATCH = 2000
# The earliest vintage a reconstructed snapshot may stop at: the oldest files the platform reads (census 2006).
EARLIEST_VINTAGE = 2006


def _validate(
    *,
    convention: Convention,
    kind: str,
    reference_date: datetime.date,
    label: str | None,
    reconstructed: bool,
    vintage_limit: int | None,
) -> None:
    errors: dict[str, str] = {}
    if kind not in SnapshotKind.values:
        errors["kind"] = f"Motif de photographie inconnu : « {kind} »."
    if reference_date > timezone.localdate():
        errors["reference_date"] = "La date de référence ne peut pas être dans le futur."
    if kind == SnapshotKind.SIGNATURE:
        if convention.signed_on is None:
            errors["kind"] = (
                "La convention n'a pas de date de signature : renseignez-la avant de photographier le diagnostic "
                "à la signature."
            )
        elif DiagnosticSnapshot.objects.filter(convention=convention, kind=SnapshotKind.SIGNATURE).exists():
            errors["kind"] = "La convention a déjà une photographie du diagnostic à la signature."
    if kind == SnapshotKind.DECISION and not (label or "").strip():
        errors["label"] = "Nommez la décision (instance, date, objet) qui motive cette photographie."
    if vintage_limit is not None and not (EARLIEST_VINTAGE <= vintage_limit <= reference_date.year):
        errors["vintage_limit"] = (
            f"Le dernier millésime retenu doit être compris entre {EARLIEST_VINTAGE} et l'année de la date de "
            f"référence ({reference_date.year})."
        )
    if vintage_limit is not None and not reconstructed:
        errors["vintage_limit"] = "Seule une photographie reconstituée après coup limite les millésimes."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def snapshot_take(
    *,
    convention: Convention,
    kind: str,
    reference_date: datetime.date,
    label: str | None = None,
    reconstructed: bool = False,
    vintage_limit: int | None = None,
    meeting=None,
    by=None,
) -> DiagnosticSnapshot:
    """Freeze every indicator value of the convention's territories (its EPCI's communes, the EPCI, département,
    région, France), every vintage present up to `vintage_limit`, with the source and datasets of each series.

    `reconstructed` says the snapshot is taken after its reference date from the data present then (a convention
    signed before this feature); `vintage_limit` keeps only the vintages published by that date, as the user
    judges them. A fixed number of queries whatever the size; values are streamed and written in batches.
    """
    convention = Convention.objects.select_for_update(of=("self",)).select_related("epci").get(pk=convention.pk)
    label = (label or "").strip()
    _validate(
        convention=convention,
        kind=kind,
        reference_date=reference_date,
        label=label,
        reconstructed=reconstructed,
        vintage_limit=vintage_limit,
    )
    snapshot = DiagnosticSnapshot.objects.create(
        convention=convention,
        kind=kind,
        reference_date=reference_date,
        label=label,
        reconstructed=reconstructed,
        vintage_limit=vintage_limit,
        meeting=meeting,
        taken_by=by if getattr(by, "pk", None) else None,
    )
    territories, communes = convention_territories(convention)
    commune_codes = [c["code"] for c in communes]
    pairs: set[tuple[str, int]] = set()
    batch: list[SnapshotValue] = []
    count = 0
    for values in territory_values(territories=territories, commune_codes=commune_codes, max_year=vintage_limit):
        row = dict(zip(VALUE_FIELDS, values, strict=True))
        pairs.add((row["indicator"], row["year"]))
        batch.append(SnapshotValue(snapshot=snapshot, **row))
        if len(batch) >= BATCH:
            SnapshotValue.objects.bulk_create(batch)
            count += len(batch)
            batch = []
    SnapshotValue.objects.bulk_create(batch)
    count += len(batch)
    sources = series_sources(pairs)
    datasets = series_datasets(pairs, territories=territories, commune_codes=commune_codes)
    SnapshotSeries.objects.bulk_create(
        SnapshotSeries(
            snapshot=snapshot,
            indicator=code,
            year=year,
            source=(sources.get((code, year)) or catalogue.BY_CODE[code].source)[:500],
            datasets=datasets.get((code, year), []),
        )
        for code, year in sorted(pairs)
    )
    snapshot.value_count = count
    snapshot.save(update_fields=["value_count"])
    return snapshot


def _grid_errors(data: dict) -> dict[str, str]:
    errors = {}
    for criterion in Criterion:
        level = data.get(f"{criterion.value}_level", "")
        if level and level not in Achievement.values:
            errors[f"{criterion.value}_level"] = f"Niveau inconnu pour « {criterion.label} » : « {level} »."
        elif level and not data.get(f"{criterion.value}_justification", "").strip():
            errors[f"{criterion.value}_justification"] = (
                f"Justifiez le niveau retenu pour « {criterion.label} » (constats, indicateurs, sources)."
            )
    return errors


@transaction.atomic
def action_evaluation_save(*, action: Action, data: dict, by=None) -> ActionEvaluation:
    """Record the grid of an action (a level and a justification per criterion; a level needs its justification).
    A change withdraws a previous validation; an unchanged grid is left as it is (no history record)."""
    errors = _grid_errors(data)
    if errors:
        raise ValidationError(errors)
    evaluation, _ = ActionEvaluation.objects.select_for_update().get_or_create(action=action)
    changed = False
    for name in GRID_FIELDS:
        value = (data.get(name) or "").strip()
        if getattr(evaluation, name) != value:
            setattr(evaluation, name, value)
            changed = True
    if not changed:
        return evaluation
    evaluation.validated_at = None
    evaluation.validated_by = None
    set_history_author(evaluation, by)
    evaluation.save()
    return evaluation


@transaction.atomic
def action_evaluation_validate(*, evaluation: ActionEvaluation, by) -> ActionEvaluation:
    """An administrator validates a complete grid (every criterion has its level)."""
    evaluation = ActionEvaluation.objects.select_for_update().get(pk=evaluation.pk)
    if evaluation.is_validated:
        raise ValidationError("Cette grille est déjà validée.")
    if not evaluation.is_complete:
        missing = ", ".join(f"« {c.label} »" for c in Criterion if not getattr(evaluation, f"{c.value}_level"))
        raise ValidationError(f"Chaque critère doit avoir un niveau avant la validation ; il manque : {missing}.")
    evaluation.validated_at = timezone.now()
    evaluation.validated_by = by
    set_history_author(evaluation, by)
    evaluation.save(update_fields=["validated_at", "validated_by", "updated_at"])
    return evaluation


# A convention may be renewed from its evaluation phase on, or once its last year has begun.
RENEWAL_WINDOW_DAYS = 366


def renewal_refusal(*, convention: Convention, today: datetime.date) -> str | None:
    """Why the successor of `convention` cannot be prepared now, in French; None when it can."""
    if Convention.objects.filter(previous=convention).exists():
        return "La convention suivante de cette convention a déjà été préparée."
    ending = convention.phase in (Phase.EVALUATION, Phase.CLOSE) or (
        convention.end_date - today
    ) <= datetime.timedelta(days=RENEWAL_WINDOW_DAYS)
    if not ending:
        return (
            "La convention suivante se prépare pendant la dernière année de la convention "
            f"(à partir du {convention.end_date - datetime.timedelta(days=RENEWAL_WINDOW_DAYS):%d/%m/%Y}) "
            "ou en phase d'évaluation."
        )
    return None


def renewal_default_period(convention: Convention) -> tuple[datetime.date, datetime.date]:
    """The four years that follow the convention's end."""
    start = convention.end_date + datetime.timedelta(days=1)
    try:
        end = start.replace(year=start.year + 4) - datetime.timedelta(days=1)
    except ValueError:  # 29 February
        end = start.replace(year=start.year + 4, day=28)
    return start, end


def _save(instance, by):
    instance.full_clean()
    set_history_author(instance, by)
    instance.save()
    return instance


@transaction.atomic
def convention_renew(
    *,
    predecessor: Convention,
    title: str,
    start_date: datetime.date,
    end_date: datetime.date,
    communes: list[Commune],
    actions: list[Action],
    by,
) -> Renewal:
    """Prepare the successor of `predecessor` (phase « Préparation »), all or nothing.

    Copied: the signatories (without signature dates; a commune's signatory only if the commune stays engaged),
    the members with their roles (a commune member only if their commune stays engaged), the engaged communes
    chosen, the themes (local themes copied), every enjeu as a proposal to review, and the chosen actions with
    their follow-up indicators, whose new baseline is the origin's latest measure (value and date). Not copied:
    objectives, targets, measures, milestones, funding, notes, and the actions not chosen. Each copy is linked
    to its origin; an action is carried over once only."""
    predecessor = Convention.objects.select_for_update().get(pk=predecessor.pk)
    refusal = renewal_refusal(convention=predecessor, today=timezone.localdate())
    if refusal:
        raise ValidationError({"__all__": refusal})
    errors: dict[str, str] = {}
    chosen = list(dict.fromkeys(actions))
    foreign = [a for a in chosen if a.convention_id != predecessor.pk or a.deleted_at is not None]
    if foreign:
        errors["actions"] = "Ces actions ne sont pas des fiches de la convention : " + ", ".join(
            a.code for a in foreign
        )
    already = (
        CarriedAction.objects.filter(origin__in=chosen)
        .select_related("origin", "copy__convention")
        .order_by("origin__code")
    )
    if already:
        errors["actions"] = " ".join(
            f"L'action « {c.origin.code} – {c.origin.title} » a déjà été reprise dans la convention "
            f"« {c.copy.convention.title} » : une action n'est reprise qu'une fois."
            for c in already
        )
    if errors:
        raise ValidationError(errors)
    reference_themes = [t for t in predecessor.themes.all() if t.is_reference]
    successor = convention_create(
        title=title,
        epci=predecessor.epci,
        caf=predecessor.caf,
        start_date=start_date,
        end_date=end_date,
        previous=predecessor,
        themes=reference_themes,
        communes=communes,
        by=by,
    )
    theme_map = {t.pk: t for t in reference_themes}
    for theme in Theme.objects.filter(convention=predecessor):
        theme_map[theme.pk] = _save(
            Theme(
                convention=successor,
                code=theme.code,
                label=theme.label,
                description=theme.description,
                order=theme.order,
            ),
            by,
        )
    successor.themes.add(*[t for t in theme_map.values() if not t.is_reference])

    kept_communes = {c.pk for c in communes}
    old_communes = list(predecessor.communes.order_by("name"))
    carried: dict[str, list[str]] = {
        "signataires": [],
        "membres": [],
        "communes_reprises": [c.name for c in old_communes if c.pk in kept_communes],
        "communes_retirees": [c.name for c in old_communes if c.pk not in kept_communes],
        "communes_ajoutees": sorted(c.name for c in communes if c.pk not in {o.pk for o in old_communes}),
        "thematiques": [t.label for t in sorted(theme_map.values(), key=lambda t: (t.order, t.label))],
        "non_repris": [],
    }
    for signatory in predecessor.signatories.select_related("organisation"):
        commune_id = signatory.organisation.commune_id
        label = f"{signatory.organisation.name} ({signatory.get_role_display()})"
        if commune_id and commune_id not in kept_communes:
            carried["non_repris"].append(f"Signataire {label} : sa commune n'est plus engagée.")
            continue
        _save(
            Signatory(
                convention=successor,
                organisation=signatory.organisation,
                role=signatory.role,
                represented_by=signatory.represented_by,
            ),
            by,
        )
        carried["signataires"].append(label)
    for membership in predecessor.memberships.select_related("user", "commune").order_by("role", "user__email"):
        label = f"{membership.user} ({membership.get_role_display()})"
        if membership.commune_id and membership.commune_id not in kept_communes:
            carried["non_repris"].append(f"Membre {label} : sa commune n'est plus engagée.")
            continue
        Membership.objects.create(
            user=membership.user, convention=successor, role=membership.role, commune=membership.commune
        )
        carried["membres"].append(label)

    renewal = Renewal.objects.create(predecessor=predecessor, successor=successor, carried=carried, prepared_by=by)
    for enjeu in Enjeu.objects.filter(convention=predecessor).order_by("pk"):
        copy = _save(
            Enjeu(
                convention=successor,
                theme=theme_map.get(enjeu.theme_id, enjeu.theme),
                title=enjeu.title,
                text=enjeu.text,
                priority=enjeu.priority,
                indicator_codes=list(enjeu.indicator_codes),
                status=EnjeuStatus.PROPOSE,
            ),
            by,
        )
        CarriedEnjeu.objects.create(renewal=renewal, origin=enjeu, copy=copy)
    for origin in sorted(chosen, key=lambda a: a.code):
        _carry_action(renewal=renewal, origin=origin, theme_map=theme_map, kept_communes=kept_communes, by=by)
    return renewal


def _carry_action(*, renewal: Renewal, origin: Action, theme_map: dict, kept_communes: set, by) -> None:
    successor = renewal.successor
    copy = _save(
        Action(
            convention=successor,
            code=origin.code,
            title=origin.title,
            description=origin.description,
            expected_results=origin.expected_results,
            target_public=origin.target_public,
            all_communes=origin.all_communes,
            lead_organisation=origin.lead_organisation,
            pilot_name=origin.pilot_name,
            pilot_user=origin.pilot_user,
            elected_referent=origin.elected_referent,
            priority=origin.priority,
            status=ActionStatus.A_VENIR,
        ),
        by,
    )
    copy.themes.set([theme_map.get(t.pk, t) for t in origin.themes.all()])
    copy.communes.set([c for c in origin.communes.all() if c.pk in kept_communes])
    copy.partners.set(origin.partners.all())
    carried_action = CarriedAction.objects.create(renewal=renewal, origin=origin, copy=copy)
    for indicator in FollowUpIndicator.objects.filter(action=origin).order_by("code"):
        latest = IndicatorMeasure.objects.filter(indicator=indicator).order_by("-date", "-pk").first()
        new = _save(
            FollowUpIndicator(
                convention=successor,
                action=copy,
                code=indicator.code,
                diagnostic_code=indicator.diagnostic_code,
                label=indicator.label,
                unit=indicator.unit,
                source=indicator.source,
                baseline_state=BaselineState.RENSEIGNEE if latest else BaselineState.A_RENSEIGNER,
                baseline_value=latest.value if latest else None,
                baseline_date=latest.date if latest else None,
            ),
            by,
        )
        CarriedIndicator.objects.create(action=carried_action, origin=indicator, copy=new, baseline_measure=latest)


@transaction.atomic
def convention_evaluation_save(
    *, convention: Convention, conclusions: str, recommendations: str, by
) -> ConventionEvaluation:
    """Record the coordinator's conclusions and recommendations (printed at the end of the final report)."""
    evaluation, _ = ConventionEvaluation.objects.select_for_update().get_or_create(convention=convention)
    data = {"conclusions": (conclusions or "").strip(), "recommendations": (recommendations or "").strip()}
    if all(getattr(evaluation, name) == value for name, value in data.items()):
        return evaluation
    for name, value in data.items():
        setattr(evaluation, name, value)
    set_history_author(evaluation, by)
    evaluation.save()
    return evaluation


@transaction.atomic
def partner_survey_open(*, convention: Convention, by) -> PartnerSurvey:
    """Open the questionnaire to the partner organisations (or reopen it, its answers kept)."""
    survey = PartnerSurvey.objects.select_for_update().filter(convention=convention).first()
    if survey is None:
        survey = PartnerSurvey(convention=convention, opened_by=by)
    elif survey.is_open:
        raise ValidationError("Le questionnaire aux partenaires est déjà ouvert.")
    survey.closed_at = None
    set_history_author(survey, by)
    survey.save()
    return survey


@transaction.atomic
def partner_survey_close(*, survey: PartnerSurvey, by) -> PartnerSurvey:
    """Close the questionnaire: its answers are kept and no more are taken."""
    survey = PartnerSurvey.objects.select_for_update().get(pk=survey.pk)
    if not survey.is_open:
        raise ValidationError("Le questionnaire aux partenaires est déjà clos.")
    survey.closed_at = timezone.now()
    set_history_author(survey, by)
    survey.save()
    return survey


@transaction.atomic
def partner_answer_save(
    *, survey: PartnerSurvey, organisation, data: dict, on_behalf: bool, by, via_link: bool = False
) -> PartnerAnswer:
    """Record (or correct) the answer of a partner organisation while the questionnaire is open. At least one
    question answered or a comment written; the organisation must be a partner of the convention. `via_link`: given
    through the organisation's personal link, without an account (ctg.evaluation.survey_links)."""
    survey = PartnerSurvey.objects.select_for_update().get(pk=survey.pk)
    if not survey.is_open:
        raise ValidationError("Le questionnaire aux partenaires est clos : il ne prend plus de réponse.")
    if organisation.pk not in {o.pk for o in partner_organisations(convention=survey.convention)}:
        raise ValidationError("Cette organisation n'est pas partenaire de la convention.")
    values = {question.value: (data.get(question.value) or "").strip() for question in SURVEY_QUESTIONS}
    errors = {
        name: f"Réponse inconnue : « {value} »."
        for name, value in values.items()
        if value and value not in SurveyAnswer.values
    }
    if errors:
        raise ValidationError(errors)
    comment = (data.get("comment") or "").strip()
    if not any(values.values()) and not comment:
        raise ValidationError("Répondez à au moins une question ou écrivez un commentaire.")
    answer = PartnerAnswer.objects.filter(survey=survey, organisation=organisation).first() or PartnerAnswer(
        survey=survey, organisation=organisation
    )
    for name, value in {**values, "comment": comment}.items():
        setattr(answer, name, value)
    answer.answered_by = by
    answer.on_behalf = on_behalf
    answer.via_link = via_link
    set_history_author(answer, by)
    answer.save()
    return answer
