"""Roll-ups of the evaluation per objective and per theme, what was planned and not started, and what was added to
the plan after the signature.

Counts, never averages: per group, how many grids put each criterion at each level, how many indicators reached
their target, the sums of the money planned / granted / paid (known amounts only; how many lines leave an amount
unknown is said beside), how many actions started and ended on time. An action linked to several objectives or
themes counts under each of them, so the groups do not add up to the whole plan (the page says so); the whole plan
is rolled up once on its own line.

A fixed number of queries whatever the number of actions.
"""

import dataclasses
import datetime
from decimal import Decimal
from typing import Any, cast

from django.db.models import Count, Q, Sum
from django.utils import timezone

from ctg.evaluation.enums import Achievement, Criterion
from ctg.evaluation.selectors import achievement_rate
from ctg.plans.enums import ActionStatus
from ctg.plans.models import Action, FollowUpIndicator, FundingLine, Objective
from ctg.plans.selectors import indicators_with_trajectory
from ctg.steering.enums import DecisionSubject, OutcomeKind
from ctg.steering.models import Outcome

# The amounts compared in the roll-ups: what was planned, what the funders granted, what they paid.
ROLLUP_AMOUNTS = ("amount_planned", "amount_granted", "amount_paid")
# The level columns of a roll-up, in the grid's order, then the criterion not yet evaluated.
LEVEL_COLUMNS = [*Achievement.values, ""]
LEVEL_LABELS = {**dict(Achievement.choices), "": "À évaluer"}
# Started statuses: an action in one of them has begun, whatever its start date says.
STARTED_STATUSES = {ActionStatus.EN_COURS, ActionStatus.REALISEE}


def is_not_started(action: Action) -> bool:
    """Planned and not started: no actual start date and not under way or done (to come, paused before starting,
    blocked, or abandoned without having started)."""
    return action.actual_start is None and action.status not in STARTED_STATUSES


def indicator_state(rate: Decimal | None) -> str:
    """How far an indicator went towards its target: "reached" (100 % or more), "progress" (on the way),
    "none" (no progress, or moved away), "unknown" (no baseline, measure or target to compute the rate)."""
    if rate is None:
        return "unknown"
    if rate >= 100:
        return "reached"
    if rate > 0:
        return "progress"
    return "none"


INDICATOR_STATES = {
    "reached": "Cible atteinte",
    "progress": "En progression",
    "none": "Sans progrès ou en recul",
    "unknown": "Non calculable",
}


@dataclasses.dataclass
class Rollup:
    """The figures of one group of actions (an objective, a theme, or the whole plan)."""

    key: str
    label: str
    actions: int = 0
    grids: int = 0
    validated: int = 0
    # {criterion: {level or "": count}}, "" counting the actions whose grid leaves the criterion to evaluate.
    levels: dict[str, dict[str, int]] = dataclasses.field(
        default_factory=lambda: {c.value: dict.fromkeys(LEVEL_COLUMNS, 0) for c in Criterion}
    )
    indicators: dict[str, int] = dataclasses.field(default_factory=lambda: dict.fromkeys(INDICATOR_STATES, 0))
    # Known amounts summed (None when no line gives the amount), and how many lines leave each amount unknown.
    money: dict[str, Decimal | None] = dataclasses.field(default_factory=lambda: dict.fromkeys(ROLLUP_AMOUNTS))
    money_unknown: dict[str, int] = dataclasses.field(default_factory=lambda: dict.fromkeys(ROLLUP_AMOUNTS, 0))
    funding_lines: int = 0
    not_started: int = 0
    started_on_time: int = 0
    started_late: int = 0
    ended_on_time: int = 0
    ended_late: int = 0
    # Actions whose planned or actual dates are missing, so that neither count above holds them.
    dates_unknown: int = 0

    def add(self, action: Action, facts: dict[str, Any]) -> None:
        self.actions += 1
        evaluation = facts["evaluation"]
        if evaluation is not None:
            self.grids += 1
            self.validated += evaluation.is_validated
        for criterion in Criterion:
            level = getattr(evaluation, f"{criterion.value}_level", "") if evaluation else ""
            self.levels[criterion.value][level or ""] += 1
        for state in facts["indicator_states"]:
            self.indicators[state] += 1
        funding = facts["funding"]
        if funding:
            self.funding_lines += funding["lines"]
            for field in ROLLUP_AMOUNTS:
                self.money_unknown[field] += funding[f"{field}_unknown"]
                if funding[f"{field}_sum"] is not None:
                    self.money[field] = (self.money[field] or Decimal(0)) + funding[f"{field}_sum"]
        if is_not_started(action):
            self.not_started += 1
        timing = facts["timing"]
        for name in ("started_on_time", "started_late", "ended_on_time", "ended_late", "dates_unknown"):
            setattr(self, name, getattr(self, name) + (name in timing))

    def indicator_counts(self) -> list[tuple[str, int]]:
        """(label, count) of the group's follow-up indicators in each state, in INDICATOR_STATES order."""
        return [(label, self.indicators[state]) for state, label in INDICATOR_STATES.items()]

    def level_rows(self) -> list[dict]:
        """One row per criterion: its label and the count at each level, in LEVEL_COLUMNS order."""
        return [
            {"label": criterion.label, "counts": [self.levels[criterion.value][level] for level in LEVEL_COLUMNS]}
            for criterion in Criterion
        ]


def _timing(action: Action) -> set[str]:
    """Whether the action started and ended on time against its planned dates (a day late is late)."""
    timing = set()
    if action.actual_start and action.planned_start:
        timing.add("started_late" if action.actual_start > action.planned_start else "started_on_time")
    if action.actual_end and action.planned_end:
        timing.add("ended_late" if action.actual_end > action.planned_end else "ended_on_time")
    if not action.planned_start or not action.planned_end:
        timing.add("dates_unknown")
    return timing


def funding_by_action(convention) -> dict[int, dict]:
    """action id -> the sums of its funding lines' known amounts and how many lines leave each unknown (one query)."""
    aggregates: dict[str, Any] = {"lines": Count("pk")}
    for field in ROLLUP_AMOUNTS:
        aggregates[f"{field}_sum"] = Sum(field)
        aggregates[f"{field}_unknown"] = Count("pk", filter=Q(**{f"{field}__isnull": True}))
    rows = (
        FundingLine.objects.filter(action__convention=convention).order_by().values("action_id").annotate(**aggregates)
    )
    return {row["action_id"]: dict(row) for row in rows}


def _indicator_states_by_action(convention) -> tuple[dict[int, list[str]], list[dict]]:
    """action id -> the state of each of its follow-up indicators; and every indicator with its rate (three
    queries)."""
    states: dict[int, list[str]] = {}
    rows = []
    indicators = indicators_with_trajectory(
        FollowUpIndicator.objects.filter(convention=convention, action__isnull=False).order_by("code")
    )
    for indicator in indicators:
        targets = list(indicator.targets.all())
        target = targets[-1] if targets else None
        latest = indicator.latest
        rate = achievement_rate(
            baseline=indicator.baseline_value,
            latest=latest.value if latest else None,
            target=target.value if target else None,
        )
        state = indicator_state(rate)
        states.setdefault(cast(int, indicator.action_id), []).append(state)
        rows.append({"indicator": indicator, "latest": latest, "target": target, "rate": rate, "state": state})
    return states, rows


def _cut_off(convention, actions: list[Action], created: dict[int, datetime.datetime]) -> dict[str, Any]:
    """The moment after which a fiche counts as added on the way, and why.

    The end of the signature day; for a convention recorded in the platform after its signature, whose plan was
    entered afterwards, the end of the day its first fiche was recorded (the plan as taken over), said so."""
    if convention.signed_on is None:
        return {
            "moment": None,
            "note": "La convention n'est pas signée : aucune action n'est ajoutée en cours de route.",
        }
    signed = timezone.make_aware(datetime.datetime.combine(convention.signed_on, datetime.time.max))
    recorded_on = timezone.localdate(convention.created_at)
    if recorded_on <= convention.signed_on or not created:
        return {
            "moment": signed,
            "note": f"Actions enregistrées après la signature du {convention.signed_on:%d/%m/%Y}.",
        }
    first_day = min(timezone.localdate(moment) for moment in created.values())
    moment = timezone.make_aware(datetime.datetime.combine(first_day, datetime.time.max))
    return {
        "moment": moment,
        "note": (
            f"La convention, signée le {convention.signed_on:%d/%m/%Y}, a été enregistrée dans Pilote CTG le "
            f"{recorded_on:%d/%m/%Y} : les fiches saisies le jour de la reprise du plan ({first_day:%d/%m/%Y}) "
            "forment le plan signé ; celles enregistrées ensuite sont ajoutées en cours de route."
        ),
    }


def _plan_amendments(convention) -> list[Outcome]:
    """The decisions of the steering bodies that amended the plan or concerned an action (one query)."""
    return list(
        Outcome.objects.filter(
            agenda_item__meeting__body__convention=convention,
            kind=OutcomeKind.DECISION,
            subject=DecisionSubject.AMEND_PLAN,
        )
        .select_related("agenda_item__meeting__body", "action")
        .order_by("agenda_item__meeting__starts_at", "pk")
    )


def evaluation_rollup(*, convention) -> dict[str, Any]:
    """The roll-ups of the convention's action evaluation per objective, per theme and for the whole plan; the
    actions planned and not started; the actions added after the signature with the decisions that added them.
    Ten queries whatever the number of actions."""
    actions = list(
        Action.objects.filter(convention=convention)
        .select_related("evaluation")
        .prefetch_related("themes", "objectives")
        .order_by("code")
    )
    funding = funding_by_action(convention)
    states, indicator_rows = _indicator_states_by_action(convention)
    whole = Rollup(key="plan", label="Ensemble du plan d'actions")
    objectives = {
        o.pk: Rollup(key=f"objectif-{o.pk}", label=f"{o.code} – {o.title}")
        for o in Objective.objects.filter(convention=convention).order_by("code")
    }
    themes: dict[int, Rollup] = {}
    without_objective = Rollup(key="sans-objectif", label="Actions rattachées à aucun objectif")
    without_theme = Rollup(key="sans-thematique", label="Actions rattachées à aucune thématique")
    for action in actions:
        facts = {
            "evaluation": getattr(action, "evaluation", None),
            "indicator_states": states.get(action.pk, []),
            "funding": funding.get(action.pk),
            "timing": _timing(action),
        }
        whole.add(action, facts)
        action_objectives = list(action.objectives.all())
        for objective in action_objectives:
            objectives[objective.pk].add(action, facts)
        if not action_objectives:
            without_objective.add(action, facts)
        action_themes = sorted(action.themes.all(), key=lambda t: (t.order, t.label))
        for theme in action_themes:
            themes.setdefault(theme.pk, Rollup(key=f"thematique-{theme.pk}", label=theme.label)).add(action, facts)
        if not action_themes:
            without_theme.add(action, facts)

    history = Action.history.filter(convention_id=convention.pk, history_type="+").values_list("id", "history_date")
    created: dict[int, datetime.datetime] = {}
    for pk, moment in history:
        created[pk] = min(moment, created.get(pk, moment))
    for action in actions:
        created.setdefault(action.pk, action.created_at)
    cut_off = _cut_off(convention, actions, created)
    amendments = _plan_amendments(convention)
    deciding: dict[int, list[Outcome]] = {}
    for outcome in amendments:
        if outcome.action_id:
            deciding.setdefault(outcome.action_id, []).append(outcome)
    added = []
    if cut_off["moment"] is not None:
        added = [
            {"action": a, "created": created[a.pk], "decisions": deciding.get(a.pk, [])}
            for a in actions
            if created[a.pk] > cut_off["moment"]
        ]
    return {
        "actions": actions,
        "funding": funding,
        "whole": whole,
        "objectives": [*objectives.values(), *([without_objective] if without_objective.actions else [])],
        "themes": [*themes.values(), *([without_theme] if without_theme.actions else [])],
        "level_columns": [LEVEL_LABELS[level] for level in LEVEL_COLUMNS],
        "indicator_states": INDICATOR_STATES,
        "indicator_rows": indicator_rows,
        "not_started": [a for a in actions if is_not_started(a)],
        "added": added,
        "cut_off": cut_off,
        "amendments": amendments,
    }
