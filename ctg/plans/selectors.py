"""Reads for the plan pages: plain data built in a bounded number of queries, whatever the size of the plan."""

import dataclasses
import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NotRequired, TypedDict, TypeVar, cast

from django.db.models import (
    Aggregate,
    Count,
    DecimalField,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.utils import timezone

from ctg.accounts.models import Membership, User
from ctg.conventions.models import Convention, Signatory, Theme
from ctg.organisations.models import Organisation
from ctg.plans import models as plan
from ctg.plans.enums import ActionStatus, Trajectory
from ctg.plans.funding import AMOUNT_FIELDS
from ctg.plans.models import ActionFigures
from ctg.plans.trajectory import indicator_trajectory
from ctg.territories.models import Commune

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    from ctg.indicators.models import IndicatorValue

Node = TypeVar("Node")


class ActionBudget(ActionFigures):
    """What `actions_queryset` adds to each action: its progress, lateness and budget totals."""

    budget_planned: Decimal | None
    budget_granted: Decimal | None
    budget_paid: Decimal | None


class Source(TypedDict):
    """The source of an open-data value, from its series (`diagnostic_values`)."""

    source: str


class IndicatorFollowUp(TypedDict):
    """What `indicators_with_trajectory` sets on each indicator, and `diagnostic_values` on those it is given."""

    trajectory: Trajectory
    latest: plan.IndicatorMeasure | None
    open_data: NotRequired[list["WithAnnotations[IndicatorValue, Source]"]]


class ObjectiveFollowUp(TypedDict):
    """What `plan_tree` sets on each objective: its follow-up indicators."""

    follow_up: list["FollowedIndicator"]


if TYPE_CHECKING:
    PlannedAction = WithAnnotations[plan.Action, ActionBudget]
    FollowedIndicator = WithAnnotations[plan.FollowUpIndicator, IndicatorFollowUp]


@dataclasses.dataclass
class PlanFilters:
    theme: int | None = None
    status: str = ""
    pilot: int | None = None
    commune: str = ""
    funder: int | None = None
    late: bool = False

    @property
    def active(self) -> bool:
        return any([self.theme, self.status, self.pilot, self.commune, self.funder, self.late])


def _sum_subquery(field: str) -> Subquery:
    lines = (
        plan.FundingLine.objects.filter(action=OuterRef("pk"))
        .order_by()
        .values("action")
        .annotate(total=Sum(field))
        .values("total")
    )
    return Subquery(lines, output_field=DecimalField(max_digits=14, decimal_places=2))


def actions_queryset(convention: Convention, today: datetime.date) -> "QuerySet[PlannedAction]":
    """Actions of the convention with their budget totals, progress and lateness computed by the database."""
    return (
        plan.Action.objects.filter(convention=convention)
        .select_related("pilot_user", "lead_organisation")
        .annotate(
            budget_planned=_sum_subquery("amount_planned"),
            budget_granted=_sum_subquery("amount_granted"),
            budget_paid=_sum_subquery("amount_paid"),
        )
        .with_progress()
        .with_lateness(today)
        .order_by("code")
    )


def apply_filters(queryset: plan.ActionQuerySet, filters: PlanFilters, today: datetime.date) -> plan.ActionQuerySet:
    if filters.theme:
        queryset = queryset.filter(Q(themes=filters.theme) | Q(objectives__theme=filters.theme))
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.pilot:
        queryset = queryset.filter(pilot_user_id=filters.pilot)
    if filters.commune:
        queryset = queryset.filter(Q(all_communes=True) | Q(communes=filters.commune))
    if filters.funder:
        queryset = queryset.filter(funding_lines__funder_id=filters.funder)
    if filters.late:
        queryset = queryset.late(today)
    return queryset  # joins may repeat rows: callers select `pk__in` this queryset


@dataclasses.dataclass
class NodeStats:
    """Status, progress and budget of the actions under one node of the tree."""

    count: int = 0
    statuses: dict[str, int] = dataclasses.field(default_factory=dict)
    late: int = 0
    progress_sum: float = 0.0
    progress_count: int = 0
    planned: Decimal | None = None
    granted: Decimal | None = None

    def add(self, other: "NodeStats") -> None:
        self.count += other.count
        for status, n in other.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + n
        self.late += other.late
        self.progress_sum += other.progress_sum
        self.progress_count += other.progress_count
        for name in ("planned", "granted"):
            if getattr(other, name) is not None:
                setattr(self, name, (getattr(self, name) or Decimal(0)) + getattr(other, name))

    @property
    def progress(self) -> int | None:
        """Mean progress of the actions whose progress is known (milestones or manual figure), rounded half up."""
        if not self.progress_count:
            return None
        return int((2 * self.progress_sum + self.progress_count) // (2 * self.progress_count))

    @property
    def status_list(self) -> list[tuple[str, str, int]]:
        return [
            (value, label, self.statuses[value]) for value, label in ActionStatus.choices if value in self.statuses
        ]


PLAN_ROW_VALUES = (
    "pk",
    "parent_id",
    "code",
    "title",
    "status",
    "late",
    "progress",
    "progress_source",
    "pilot_user_id",
    "pilot_name",
)


def _grouped(pairs: Iterable[tuple[int, int]]) -> defaultdict[int, list[int]]:
    """(key, value) pairs as key → values, in the order met."""
    groups: defaultdict[int, list[int]] = defaultdict(list)
    for key, value in pairs:
        groups[key].append(value)
    return groups


def _budgets(selected: QuerySet[plan.Action, Mapping[str, object]]) -> dict[int, Mapping[str, Any]]:
    """Action pk → its planned and granted amounts, summed by the database (actions without lines are absent)."""
    return {
        row["action_id"]: row
        for row in plan.FundingLine.objects.filter(action_id__in=selected)
        .order_by()
        .values("action_id")
        .annotate(planned=Sum("amount_planned"), granted=Sum("amount_granted"))
    }


def _pilot_names(pilot_ids: set[int]) -> dict[int, str]:
    """User pk → name of the pilots with an account; no query when no action has one."""
    return {user.pk: str(user) for user in User.objects.filter(pk__in=pilot_ids)} if pilot_ids else {}


def _action_row(values: dict[str, Any], budget: Mapping[str, Any], pilots: dict[int, str]) -> dict[str, Any]:
    """The plain row of one action; a pilot without an account keeps the name typed on the fiche."""
    pilot_id = values["pilot_user_id"]
    return {
        "pk": values["pk"],
        "code": values["code"],
        "title": values["title"],
        "parent_id": values["parent_id"],
        "sub": False,
        "status": values["status"],
        "late": values["late"],
        "pilot": pilots.get(pilot_id) if pilot_id else values["pilot_name"],
        "progress": values["progress"],
        "progress_source": values["progress_source"],
        "planned": budget["planned"],
        "granted": budget["granted"],
    }


def _row_stats(row: dict[str, Any]) -> NodeStats:
    """The figures of a single action, ready to add to each node it sits under."""
    one = NodeStats(
        count=1,
        statuses={row["status"]: 1},
        late=int(row["late"]),
        planned=row["planned"],
        granted=row["granted"],
    )
    if row["progress"] is not None:
        one.progress_sum, one.progress_count = float(row["progress"]), 1
    return one


def _place(
    pk: int,
    objectives: Mapping[int, list[int]],
    themes: Mapping[int, list[int]],
    by_objective: Mapping[int, Node],
    by_theme: Mapping[int, Node],
    none: Node,
) -> list[Node]:
    """Where an action goes: under each of its objectives, else each of its themes, else the cross-cutting ones.

    Returns the containers to fill: the entries of `by_objective` / `by_theme` for those keys, or `none`."""
    if objectives.get(pk):
        return [by_objective[o] for o in objectives[pk]]
    if themes.get(pk):
        return [by_theme[t] for t in themes[pk]]
    return [none]


def _nest(rows: dict[int, dict[str, Any]]) -> tuple[defaultdict[int, list[int]], list[int]]:
    """Sub-actions under their parent when the parent is among the rows; every other action is a root.

    Marks the nested rows `sub` and returns (parent pk → child pks, root pks), both in the rows' order."""
    children: defaultdict[int, list[int]] = defaultdict(list)
    roots: list[int] = []
    for pk, row in rows.items():
        if row["parent_id"] in rows and row["parent_id"] != pk:
            row["sub"] = True
            children[row["parent_id"]].append(pk)
        else:
            roots.append(pk)
    return children, roots


def _branch(
    pk: int, rows: dict[int, dict[str, Any]], children: Mapping[int, list[int]], seen: set[int]
) -> list[dict[str, Any]]:
    """The row of an action followed by its sub-actions, depth first (a cycle is cut, never looped)."""
    seen.add(pk)
    out = [rows[pk]]
    for child in children.get(pk, []):
        if child not in seen:
            out.extend(_branch(child, rows, children, seen))
    return out


def _plan_rows(selected: QuerySet[plan.Action, Mapping[str, object]], today: datetime.date) -> dict[str, Any]:
    """The selected actions as plain rows, placed in the tree, and the figures of each node.

    Five flat queries of plain values (actions with their progress and lateness, their objectives, their themes,
    budgets summed per action by the database, the pilots' accounts), combined here once, so that the cost stays
    flat with the plan's size; ctg.www.plans_views.presenters turns the rows into cells.
    An action is placed under its objectives, else its themes, else among the cross-cutting actions; a sub-action
    follows its parent when the parent is selected too. The figures count every action under its own nodes."""
    actions = [
        dict(zip(PLAN_ROW_VALUES, values, strict=True))
        for values in plan.Action.objects.filter(pk__in=selected)
        .with_progress()
        .with_lateness(today)
        .order_by("code", "pk")
        .values_list(*PLAN_ROW_VALUES)
    ]
    objectives = _grouped(
        plan.Action.objectives.through.objects.filter(action_id__in=selected)
        .order_by("objective__order", "objective__code")
        .values_list("action_id", "objective_id")
    )
    themes = _grouped(
        plan.Action.themes.through.objects.filter(action_id__in=selected).values_list("action_id", "theme_id")
    )
    budgets = _budgets(selected)
    pilots = _pilot_names({values["pilot_user_id"] for values in actions if values["pilot_user_id"]})
    no_budget = {"planned": None, "granted": None}
    rows = {values["pk"]: _action_row(values, budgets.get(values["pk"]) or no_budget, pilots) for values in actions}
    objective_stats: defaultdict[int, NodeStats] = defaultdict(NodeStats)
    theme_stats: defaultdict[int, NodeStats] = defaultdict(NodeStats)
    none_stats = NodeStats()
    stats = {"objective": objective_stats, "theme": theme_stats, "none": none_stats}
    for pk, row in rows.items():
        one = _row_stats(row)
        for node in _place(pk, objectives, themes, objective_stats, theme_stats, none_stats):
            node.add(one)
    children, roots = _nest(rows)
    by_objective: defaultdict[int, list[dict[str, Any]]] = defaultdict(list)
    by_theme: defaultdict[int, list[dict[str, Any]]] = defaultdict(list)
    orphans: list[dict[str, Any]] = []
    for pk in roots:
        listed = _branch(pk, rows, children, set())
        for group in _place(pk, objectives, themes, by_objective, by_theme, orphans):
            group.extend(listed)
    return {
        "rows": list(rows.values()),
        "stats": stats,
        "by_objective": by_objective,
        "by_theme": by_theme,
        "orphans": orphans,
        "count": len(rows),
        "late_count": sum(row["late"] for row in rows.values()),
    }


def plan_tree(
    convention: Convention, filters: PlanFilters, today: datetime.date, themes: list[Theme] | None = None
) -> dict[str, Any]:
    """The plan as themes → strategic objectives → operational objectives, each node with the status, progress
    and budget of its actions and the actions themselves as plain rows (`rows` lists each once), whatever the size
    of the plan."""
    selected = plan.Action.objects.filter(
        pk__in=apply_filters(plan.Action.objects.filter(convention=convention), filters, today).values("pk")
    ).values("pk")
    placed = _plan_rows(selected, today)
    stats, by_objective, by_theme = placed["stats"], placed["by_objective"], placed["by_theme"]
    objectives = cast(
        "list[WithAnnotations[plan.Objective, ObjectiveFollowUp]]",
        list(
            plan.Objective.objects.filter(convention=convention).prefetch_related("enjeux").order_by("order", "code")
        ),
    )
    objective_indicators: defaultdict[int | None, list[FollowedIndicator]] = defaultdict(list)
    for indicator in indicators_with_trajectory(
        plan.FollowUpIndicator.objects.filter(convention=convention, objective__isnull=False).order_by("code")
    ):
        objective_indicators[indicator.objective_id].append(indicator)
    for objective in objectives:
        objective.follow_up = objective_indicators.get(objective.pk, [])
    strategic = [o for o in objectives if not o.parent_id]
    operational: defaultdict[int, list[WithAnnotations[plan.Objective, ObjectiveFollowUp]]] = defaultdict(list)
    for objective in objectives:
        if objective.parent_id:
            operational[objective.parent_id].append(objective)
    tree = []
    for theme in themes if themes is not None else plan_themes(convention):
        theme_stats = NodeStats()
        theme_stats.add(stats["theme"].get(theme.pk, NodeStats()))
        nodes = []
        for objective in (o for o in strategic if o.theme_id == theme.pk):
            subs = []
            for sub in operational[objective.pk]:
                sub_stats = stats["objective"].get(sub.pk, NodeStats())
                theme_stats.add(sub_stats)
                subs.append({"objective": sub, "actions": by_objective.get(sub.pk, []), "stats": sub_stats})
            own = stats["objective"].get(objective.pk, NodeStats())
            theme_stats.add(own)
            nodes.append(
                {"objective": objective, "actions": by_objective.get(objective.pk, []), "children": subs, "stats": own}
            )
        node = {
            "theme": theme,
            "objectives": nodes,
            "actions": by_theme.get(theme.pk, []),
            "own_stats": stats["theme"].get(theme.pk, NodeStats()),
            "stats": theme_stats,
        }
        # A theme filter shows that theme's section only, even for its actions that also have other themes.
        if (theme_stats.count or not filters.active) and filters.theme in (None, theme.pk):
            tree.append(node)
    return {
        "rows": placed["rows"],
        "tree": tree,
        "orphans": placed["orphans"],
        "orphan_stats": stats["none"],
        "count": placed["count"],
        "late_count": placed["late_count"],
        "totals": _totals(plan.FundingLine.objects.filter(action__in=selected)) if placed["count"] else {},
    }


def plan_themes(convention: Convention) -> list[Theme]:
    """Themes retained by the convention, its local themes and any theme its objectives use."""
    return list(
        Theme.objects.filter(
            Q(conventions=convention) | Q(convention=convention) | Q(objectives__convention=convention)
        )
        .distinct()
        .order_by("order", "label")
    )


def plan_organisations(convention: Convention) -> QuerySet[Organisation]:
    """The organisations of a convention: its signatories, and those its plan already cites (structure porteuse,
    partner, funder). The plan workbook lists and resolves these only, never another convention's."""
    return Organisation.objects.filter(
        Q(pk__in=Signatory.objects.filter(convention=convention).values("organisation_id"))
        | Q(pk__in=plan.Action.objects.filter(convention=convention).values("lead_organisation_id"))
        | Q(
            pk__in=plan.Action.partners.through.objects.filter(
                action__convention=convention, action__deleted_at__isnull=True
            ).values("organisation_id")
        )
        | Q(pk__in=plan.FundingLine.objects.filter(action__convention=convention).values("funder_id"))
    ).order_by("name", "pk")


def filter_choices(convention: Convention, themes: list[Theme] | None = None) -> dict[str, Any]:
    return {
        "themes": themes if themes is not None else plan_themes(convention),
        "statuses": ActionStatus.choices,
        "pilots": list(
            Membership.objects.filter(
                convention=convention,
                user__piloted_actions__convention=convention,
                user__piloted_actions__deleted_at__isnull=True,
            )
            .select_related("user")
            .distinct()
            .values_list("user_id", "user__first_name", "user__last_name", "user__username")
        ),
        "communes": list(
            Commune.objects.filter(epci_id=convention.epci_id).order_by("name").values_list("code", "name")
        ),
        "funders": list(
            Organisation.objects.filter(
                funding_lines__action__convention=convention, funding_lines__action__deleted_at__isnull=True
            )
            .distinct()
            .order_by("name")
            .values_list("pk", "name")
        ),
    }


def _totals(lines: QuerySet[plan.FundingLine]) -> dict[str, Any]:
    """Ledger totals overall, per funder, per year, per funder and year (one grouped query) and per theme (a second
    one).

    A sum only covers the known amounts: an empty amount is "not known", never zero; `lines` counts them all."""
    overall: dict[str, Any] = {"lines": 0}
    per_funder: dict[int, dict[str, Any]] = {}
    per_year: dict[int, dict[str, Any]] = {}
    per_funder_year: dict[tuple[int, int], dict[str, Any]] = {}

    def add(target: dict[str, Any], row: Mapping[str, Any]) -> None:
        target["lines"] = target.get("lines", 0) + row["lines"]
        for field in AMOUNT_FIELDS:
            if row[field] is not None:
                target[field] = (target.get(field) or Decimal(0)) + row[field]
            else:
                target.setdefault(field, None)

    sums = {f: Sum(f) for f in AMOUNT_FIELDS}
    for row in lines.order_by().values("funder_id", "funder__name", "year").annotate(lines=Count("pk"), **sums):
        add(overall, row)
        add(per_funder.setdefault(row["funder_id"], {"funder__name": row["funder__name"]}), row)
        add(per_year.setdefault(row["year"], {"year": row["year"]}), row)
        key = (row["funder_id"], row["year"])
        add(per_funder_year.setdefault(key, {"funder__name": row["funder__name"], "year": row["year"]}), row)
    for field in AMOUNT_FIELDS:
        overall.setdefault(field, None)
    # An action may carry several themes: its lines count once under each theme, so these do not add up.
    per_theme = list(
        lines.filter(action__themes__isnull=False)
        .order_by()
        .values("action__themes__pk", "action__themes__label")
        .annotate(lines=Count("pk"), **sums)
        .order_by("action__themes__label")
    )
    return {
        "overall": overall,
        "per_funder": sorted(per_funder.values(), key=lambda r: r["funder__name"]),
        "per_year": sorted(per_year.values(), key=lambda r: r["year"]),
        "per_funder_year": sorted(per_funder_year.values(), key=lambda r: (r["funder__name"], r["year"])),
        "per_theme": per_theme,
    }


def action_counts(convention: Convention) -> dict[str, Any]:
    """Actions of the plan per status, for each theme (an action with several themes counts under each, one
    without theme under "none") and for the whole plan (each action once); two grouped queries."""
    actions = plan.Action.objects.filter(convention=convention).order_by()
    overall = Counter(dict(actions.values_list("status").annotate(n=Count("pk")).values_list("status", "n")))
    per_theme: dict[int | None, dict[str, Any]] = {}
    grouped = (
        actions.values("themes__pk", "themes__label", "themes__order", "status")
        .annotate(n=Count("pk", distinct=True))
        .order_by("themes__order", "themes__label")
    )
    for row in grouped:
        entry = per_theme.setdefault(row["themes__pk"], {"theme": row["themes__label"], "counts": Counter()})
        entry["counts"][row["status"]] += row["n"]
    themed = [entry for pk, entry in per_theme.items() if pk is not None]
    return {"per_theme": themed, "none": per_theme.get(None), "overall": overall}


def ledger_totals(
    *, convention: Convention | None = None, action: plan.Action | None = None, year: int | None = None
) -> dict[str, Any]:
    """The ledger totals of a convention's or an action's lines, of every year or of one year."""
    lines = plan.FundingLine.objects.all()
    if year is not None:
        lines = lines.filter(year=year)
    if action is not None:
        lines = lines.filter(action=action)
    if convention is not None:
        lines = lines.filter(action__convention=convention)
    return _totals(lines)


def indicators_with_trajectory(queryset: QuerySet[plan.FollowUpIndicator]) -> "list[FollowedIndicator]":
    indicators = cast(
        "list[FollowedIndicator]",
        list(
            queryset.prefetch_related(
                Prefetch("targets", queryset=plan.IndicatorTarget.objects.order_by("date")),
                Prefetch("measures", queryset=plan.IndicatorMeasure.objects.order_by("date")),
            )
        ),
    )
    for indicator in indicators:
        indicator.trajectory = indicator_trajectory(indicator)
        measures = list(indicator.measures.all())
        indicator.latest = measures[-1] if measures else None
    return indicators


def diagnostic_values(indicators: "list[FollowedIndicator]", convention: Convention) -> None:
    """For indicators linked to the diagnostic catalogue, attach the open-data values of the convention's EPCI
    (every millésime, with status and source): two queries for the whole list."""
    from ctg.indicators.models import IndicatorSeries, IndicatorValue
    from ctg.territories.enums import Level

    codes = {i.diagnostic_code for i in indicators if i.diagnostic_code}
    for indicator in indicators:
        indicator.open_data = []
    if not codes:
        return
    sources = {
        (s.indicator, s.year): s.source
        for s in IndicatorSeries.objects.filter(indicator__in=codes).only("indicator", "year", "source")
    }
    values: defaultdict[str, list[WithAnnotations[IndicatorValue, Source]]] = defaultdict(list)
    found = IndicatorValue.objects.filter(indicator__in=codes, level=Level.EPCI, code=convention.epci.siren)
    for value in cast("list[WithAnnotations[IndicatorValue, Source]]", found.order_by("year")):
        value.source = sources.get((value.indicator, value.year), "")
        values[value.indicator].append(value)
    for indicator in indicators:
        indicator.open_data = values.get(indicator.diagnostic_code, [])


def action_detail(action: plan.Action, today: datetime.date) -> dict[str, Any]:
    action = (
        actions_queryset(action.convention, today)
        .select_related("parent")
        .prefetch_related("themes", "objectives", "communes", "partners")
        .get(pk=action.pk)
    )
    sub_actions = list(actions_queryset(action.convention, today).filter(parent=action))
    indicators = indicators_with_trajectory(plan.FollowUpIndicator.objects.filter(action=action))
    diagnostic_values(indicators, action.convention)
    return {
        "action": action,
        "sub_actions": sub_actions,
        "milestones": list(action.milestones.all()),
        "notes": list(action.notes.select_related("author")),
        "links": list(action.links.all()),
        "funding_lines": list(action.funding_lines.select_related("funder").order_by("year", "funder__name", "pk")),
        "ledger": ledger_totals(action=action),
        "indicators": indicators,
    }


def next_milestones(action_ids: Iterable[int]) -> dict[int, plan.Milestone]:
    """Each action's next milestone: the first not yet done, by due date (undated ones last). One query."""
    found: dict[int, plan.Milestone] = {}
    for milestone in plan.Milestone.objects.filter(action_id__in=list(action_ids), done_date__isnull=True).order_by(
        "action_id", F("due_date").asc(nulls_last=True), "pk"
    ):
        found.setdefault(milestone.action_id, milestone)
    return found


def actions_for_commune(
    conventions: list[Convention], commune: Commune, today: datetime.date
) -> dict[int, "list[PlannedAction]"]:
    """Per convention (of those given, already scoped to the reader), the actions concerning the commune: those
    naming it and those concerning every commune of the territory. One query."""
    found: dict[int, list[PlannedAction]] = defaultdict(list)
    selected = plan.Action.objects.filter(convention__in=conventions).filter(
        Q(all_communes=True) | Q(communes=commune)
    )
    for action in (
        plan.Action.objects.filter(pk__in=selected.values("pk"))
        .select_related("pilot_user")
        .with_progress()
        .with_lateness(today)
        .order_by("convention_id", "code")
    ):
        found[action.convention_id].append(action)
    return found


def actions_for_pilot(convention: Convention, user: User, today: datetime.date) -> "list[PlannedAction]":
    return list(actions_queryset(convention, today).filter(pilot_user=user))


def timeline_rows(convention: Convention, today: datetime.date) -> dict[str, Any]:
    actions = list(actions_queryset(convention, today))
    milestones = list(
        plan.Milestone.objects.filter(action__convention=convention)
        .select_related("action")
        .only("title", "due_date", "done_date", "action__code", "action__title")
        .order_by("action__code", "due_date")
    )
    return {"actions": actions, "milestones": milestones}


def late_count(convention: Convention, today: datetime.date) -> int:
    return plan.Action.objects.filter(convention=convention).late(today).count()


PUBLIC_AMOUNTS = [("amount_planned", "planned"), ("amount_granted", "granted"), ("amount_paid", "paid")]


def _public_funding(convention: Convention) -> dict[str, Any]:
    """Co-financing totals per funder and for the convention (one grouped query), never per line.

    A total only sums the known amounts: each amount says how many lines it covers (`known`) out of `lines`, so
    that a partial sum is shown as such."""
    aggregates: dict[str, Aggregate] = {}
    for field, name in PUBLIC_AMOUNTS:
        aggregates[name] = Sum(field)
        aggregates[f"{name}_known"] = Count(field)
    rows = list(
        plan.FundingLine.objects.filter(action__convention=convention)
        .order_by()
        .values("funder__name")
        .annotate(lines=Count("pk"), **aggregates)
        .order_by("funder__name")
    )

    def amounts(row_list: Sequence[Mapping[str, Any]], lines: int) -> list[dict[str, Any]]:
        result = []
        for _, name in PUBLIC_AMOUNTS:
            known = [r[name] for r in row_list if r[name] is not None]
            result.append(
                {
                    "value": sum(known, Decimal(0)) if known else None,
                    "known": sum(r[f"{name}_known"] for r in row_list),
                    "lines": lines,
                }
            )
        return result

    return {
        "per_funder": [{"funder": r["funder__name"], "amounts": amounts([r], r["lines"])} for r in rows],
        "overall": {"amounts": amounts(rows, sum(r["lines"] for r in rows))},
    }


def public_summary(convention: Convention) -> dict[str, Any]:
    """What the public page shows of the action plan: objectives, actions (code, title, themes, status, progress)
    and the co-financing totals per funder. No person (pilot, referent, author), no note, no funding line, no
    description. Five queries."""
    today = timezone.localdate()
    objectives = list(
        plan.Objective.objects.filter(convention=convention)
        .select_related("theme")
        .only("code", "title", "order", "parent", "theme__label")
        .order_by("order", "code")
    )
    children: defaultdict[int, list[plan.Objective]] = defaultdict(list)
    for objective in objectives:
        if objective.parent_id:
            children[objective.parent_id].append(objective)
    strategic = [
        {
            "code": o.code,
            "title": o.title,
            "theme": o.theme.label,
            "children": [{"code": c.code, "title": c.title, "theme": c.theme.label} for c in children[o.pk]],
        }
        for o in objectives
        if not o.parent_id
    ]
    actions = list(
        actions_queryset(convention, today).prefetch_related(
            Prefetch("themes", queryset=Theme.objects.only("label")),
            Prefetch("objectives", queryset=plan.Objective.objects.only("code")),
        )
    )
    rows = [
        {
            "code": action.code,
            "title": action.title,
            "is_sub_action": bool(action.parent_id),
            "themes": [t.label for t in action.themes.all()],
            "objectives": [o.code for o in action.objectives.all()],
            "status": action.status,
            "status_label": action.get_status_display(),
            "late": action.late,
            "progress": action.progress,
        }
        for action in actions
    ]
    statuses = Counter(action.status for action in actions)
    return {
        "objectives": strategic,
        "objective_count": len(objectives),
        "actions": rows,
        "action_count": len(rows),
        "status_counts": [
            {"status": value, "label": label, "count": statuses[value]}
            for value, label in ActionStatus.choices
            if statuses[value]
        ],
        "late_count": sum(row["late"] for row in rows),
        "funding": _public_funding(convention),
    }
