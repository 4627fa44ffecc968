"""Reads for the plan pages: plain data built in a bounded number of queries, whatever the size of the plan."""

import dataclasses
import datetime
from collections import Counter, defaultdict
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from ctg.accounts.models import Membership
from ctg.conventions.models import Convention, Theme
from ctg.organisations.models import Organisation
from ctg.plans.enums import CLOSED_STATUSES, ActionStatus
from ctg.plans.models import (
    Action,
    FollowUpIndicator,
    FundingLine,
    IndicatorMeasure,
    IndicatorTarget,
    Milestone,
    Objective,
)
from ctg.plans.trajectory import indicator_trajectory
from ctg.territories.models import Commune

AMOUNT_FIELDS = ["amount_planned", "amount_requested", "amount_granted", "amount_paid"]


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


def _sum_subquery(field: str):
    lines = (
        FundingLine.objects.filter(action=OuterRef("pk"))
        .order_by()
        .values("action")
        .annotate(total=Sum(field))
        .values("total")
    )
    return Subquery(lines, output_field=DecimalField(max_digits=14, decimal_places=2))


def _weight_subquery(done: bool | None):
    milestones = Milestone.objects.filter(action=OuterRef("pk"))
    if done:
        milestones = milestones.filter(done_date__isnull=False)
    totals = milestones.order_by().values("action").annotate(total=Sum("weight")).values("total")
    return Subquery(totals)


def actions_queryset(convention: Convention):
    """Actions of the convention with their budget totals and milestone weights computed by the database."""
    return (
        Action.objects.filter(convention=convention)
        .select_related("pilot_user", "lead_organisation")
        .annotate(
            budget_planned=_sum_subquery("amount_planned"),
            budget_granted=_sum_subquery("amount_granted"),
            budget_paid=_sum_subquery("amount_paid"),
            weight_total=_weight_subquery(None),
            weight_done=Coalesce(_weight_subquery(True), Value(0)),
        )
        .order_by("code")
    )


def apply_filters(queryset, filters: PlanFilters, today: datetime.date):
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


def decorate(action: Action, today: datetime.date) -> Action:
    """Derived values for display: lateness, progress (milestones first, else the manual figure)."""
    action.late = action.is_late(today)
    total = getattr(action, "weight_total", None)
    if total:
        action.progress = round(100 * action.weight_done / total)
        action.progress_source = "jalons"
    else:
        action.progress = action.progress_manual
        action.progress_source = "saisie" if action.progress_manual is not None else ""
    return action


INLINE_LIMIT = 60  # above this many actions, the tree shows figures per node and lists actions on demand


@dataclasses.dataclass
class NodeStats:
    """Status, progress and budget of the actions under one node of the tree."""

    count: int = 0
    statuses: dict = dataclasses.field(default_factory=dict)
    late: int = 0
    progress_sum: float = 0.0
    progress_count: int = 0
    planned: Decimal | None = None
    granted: Decimal | None = None

    def add(self, other: "NodeStats"):
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
        """Mean progress of the actions whose progress is known (milestones or manual figure)."""
        return round(self.progress_sum / self.progress_count) if self.progress_count else None

    @property
    def status_list(self) -> list[tuple[str, str, int]]:
        return [
            (value, label, self.statuses[value]) for value, label in ActionStatus.choices if value in self.statuses
        ]


def _node_stats(selected, today: datetime.date) -> dict:
    """Figures per objective, per theme (actions without objective) and for actions without theme.

    Five light queries of plain values (actions, their objectives, their themes, milestone weights and budgets
    summed per action by the database), combined here: the cost stays flat whatever the size of the plan."""
    actions = list(
        Action.objects.filter(pk__in=selected).values_list("pk", "status", "planned_end", "progress_manual")
    )
    objectives = defaultdict(list)
    for action_id, objective_id in Action.objectives.through.objects.filter(action_id__in=selected).values_list(
        "action_id", "objective_id"
    ):
        objectives[action_id].append(objective_id)
    themes = defaultdict(list)
    for action_id, theme_id in Action.themes.through.objects.filter(action_id__in=selected).values_list(
        "action_id", "theme_id"
    ):
        themes[action_id].append(theme_id)
    weights = {
        row["action_id"]: row
        for row in Milestone.objects.filter(action_id__in=selected)
        .order_by()
        .values("action_id")
        .annotate(total=Sum("weight"), done=Sum("weight", filter=Q(done_date__isnull=False)))
    }
    budgets = {
        row["action_id"]: row
        for row in FundingLine.objects.filter(action_id__in=selected)
        .order_by()
        .values("action_id")
        .annotate(planned=Sum("amount_planned"), granted=Sum("amount_granted"))
    }
    stats = {"objective": defaultdict(NodeStats), "theme": defaultdict(NodeStats), "none": NodeStats()}
    for pk, status, planned_end, progress_manual in actions:
        one = NodeStats(count=1, statuses={status: 1})
        one.late = int(bool(planned_end and planned_end < today and status not in CLOSED_STATUSES))
        weight = weights.get(pk)
        progress = 100 * (weight["done"] or 0) / weight["total"] if weight and weight["total"] else progress_manual
        if progress is not None:
            one.progress_sum, one.progress_count = float(progress), 1
        budget = budgets.get(pk)
        if budget:
            one.planned, one.granted = budget["planned"], budget["granted"]
        if objectives.get(pk):
            buckets = [stats["objective"][o] for o in objectives[pk]]
        elif themes.get(pk):
            buckets = [stats["theme"][t] for t in themes[pk]]
        else:
            buckets = [stats["none"]]
        for bucket in buckets:
            bucket.add(one)
    return stats


def _place_actions(convention, selected, today):
    """The selected actions with their figures, grouped by objective, by theme (no objective) or neither."""
    actions = list(
        actions_queryset(convention)
        .filter(pk__in=selected)
        .prefetch_related(
            Prefetch("themes", queryset=Theme.objects.only("pk", "label")),
            Prefetch("objectives", queryset=Objective.objects.only("pk", "theme_id", "code")),
        )
    )
    by_id = {a.pk: decorate(a, today) for a in actions}
    children = defaultdict(list)
    roots = []
    for action in actions:
        if action.parent_id and action.parent_id in by_id:
            children[action.parent_id].append(action)
        else:
            roots.append(action)
    by_objective, by_theme, orphans = defaultdict(list), defaultdict(list), []
    for action in actions:
        action.children = children.get(action.pk, [])
    for action in roots:
        action_objectives = list(action.objectives.all())
        if action_objectives:
            for objective in action_objectives:
                by_objective[objective.pk].append(action)
        elif action.themes.all():
            for theme in action.themes.all():
                by_theme[theme.pk].append(action)
        else:
            orphans.append(action)
    return by_objective, by_theme, orphans


def plan_tree(convention: Convention, filters: PlanFilters, today: datetime.date, themes=None) -> dict:
    """The plan as themes → strategic objectives → operational objectives, each node with the status, progress
    and budget of its actions. Up to INLINE_LIMIT actions, the actions themselves are listed under their node;
    beyond, the page stays light and a filter (theme, status, pilot…) lists them."""
    selected = Action.objects.filter(
        pk__in=apply_filters(Action.objects.filter(convention=convention), filters, today).values("pk")
    ).values("pk")
    counts = Action.objects.filter(pk__in=selected).aggregate(
        n=Count("pk"), late=Count("pk", filter=Q(planned_end__lt=today) & ~Q(status__in=CLOSED_STATUSES))
    )
    inline = counts["n"] <= INLINE_LIMIT
    stats = _node_stats(selected, today)
    by_objective, by_theme, orphans = _place_actions(convention, selected, today) if inline else ({}, {}, [])
    objectives = list(
        Objective.objects.filter(convention=convention).prefetch_related("enjeux").order_by("order", "code")
    )
    objective_indicators = defaultdict(list)
    for indicator in indicators_with_trajectory(
        FollowUpIndicator.objects.filter(convention=convention, objective__isnull=False).order_by("code")
    ):
        objective_indicators[indicator.objective_id].append(indicator)
    for objective in objectives:
        objective.follow_up = objective_indicators.get(objective.pk, [])
    strategic = [o for o in objectives if not o.parent_id]
    operational = defaultdict(list)
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
        if theme_stats.count or not filters.active:
            tree.append(node)
    return {
        "tree": tree,
        "orphans": orphans,
        "orphan_stats": stats["none"],
        "inline": inline,
        "inline_limit": INLINE_LIMIT,
        "count": counts["n"],
        "late_count": counts["late"],
        "totals": _totals(FundingLine.objects.filter(action__in=selected)) if counts["n"] else {},
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


def filter_choices(convention: Convention, themes: list[Theme] | None = None) -> dict:
    return {
        "themes": themes if themes is not None else plan_themes(convention),
        "statuses": ActionStatus.choices,
        "pilots": list(
            Membership.objects.filter(convention=convention, user__piloted_actions__convention=convention)
            .select_related("user")
            .distinct()
            .values_list("user_id", "user__first_name", "user__last_name", "user__username")
        ),
        "communes": list(
            Commune.objects.filter(epci_id=convention.epci_id).order_by("name").values_list("code", "name")
        ),
        "funders": list(
            Organisation.objects.filter(funding_lines__action__convention=convention)
            .distinct()
            .order_by("name")
            .values_list("pk", "name")
        ),
    }


def _totals(lines) -> dict:
    """Ledger totals overall, per funder, per year (one grouped query) and per theme (a second one).

    A sum only covers the known amounts: an empty amount is "not known", never zero; `lines` counts them all."""
    blocks = {"overall": {"lines": 0}, "per_funder": {}, "per_year": {}}

    def add(target, row):
        target["lines"] = target.get("lines", 0) + row["lines"]
        for field in AMOUNT_FIELDS:
            if row[field] is not None:
                target[field] = (target.get(field) or Decimal(0)) + row[field]
            else:
                target.setdefault(field, None)

    sums = {f: Sum(f) for f in AMOUNT_FIELDS}
    for row in lines.order_by().values("funder_id", "funder__name", "year").annotate(lines=Count("pk"), **sums):
        add(blocks["overall"], row)
        add(blocks["per_funder"].setdefault(row["funder_id"], {"funder__name": row["funder__name"]}), row)
        add(blocks["per_year"].setdefault(row["year"], {"year": row["year"]}), row)
    for field in AMOUNT_FIELDS:
        blocks["overall"].setdefault(field, None)
    # An action may carry several themes: its lines count once under each theme, so these do not add up.
    per_theme = list(
        lines.filter(action__themes__isnull=False)
        .order_by()
        .values("action__themes__pk", "action__themes__label")
        .annotate(lines=Count("pk"), **sums)
        .order_by("action__themes__label")
    )
    return {
        "overall": blocks["overall"],
        "per_funder": sorted(blocks["per_funder"].values(), key=lambda r: r["funder__name"]),
        "per_year": sorted(blocks["per_year"].values(), key=lambda r: r["year"]),
        "per_theme": per_theme,
    }


def ledger_totals(*, convention: Convention | None = None, action: Action | None = None) -> dict:
    lines = FundingLine.objects.all()
    if action is not None:
        lines = lines.filter(action=action)
    if convention is not None:
        lines = lines.filter(action__convention=convention)
    return _totals(lines)


def indicators_with_trajectory(queryset) -> list[FollowUpIndicator]:
    indicators = list(
        queryset.prefetch_related(
            Prefetch("targets", queryset=IndicatorTarget.objects.order_by("date")),
            Prefetch("measures", queryset=IndicatorMeasure.objects.order_by("date")),
        )
    )
    for indicator in indicators:
        indicator.trajectory = indicator_trajectory(indicator)
        measures = list(indicator.measures.all())
        indicator.latest = measures[-1] if measures else None
    return indicators


def diagnostic_values(indicators, convention: Convention) -> None:
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
    values = defaultdict(list)
    for value in IndicatorValue.objects.filter(
        indicator__in=codes, level=Level.EPCI, code=convention.epci.siren
    ).order_by("year"):
        value.source = sources.get((value.indicator, value.year), "")
        values[value.indicator].append(value)
    for indicator in indicators:
        indicator.open_data = values.get(indicator.diagnostic_code, [])


def action_detail(action: Action, today: datetime.date) -> dict:
    action = (
        actions_queryset(action.convention)
        .select_related("parent")
        .prefetch_related("themes", "objectives", "communes", "partners")
        .get(pk=action.pk)
    )
    decorate(action, today)
    sub_actions = [decorate(a, today) for a in actions_queryset(action.convention).filter(parent=action)]
    indicators = indicators_with_trajectory(FollowUpIndicator.objects.filter(action=action))
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


def actions_for_pilot(convention: Convention, user, today: datetime.date) -> list[Action]:
    return [decorate(a, today) for a in actions_queryset(convention).filter(pilot_user=user)]


def timeline_rows(convention: Convention, today: datetime.date) -> dict:
    actions = [decorate(a, today) for a in actions_queryset(convention)]
    milestones = list(
        Milestone.objects.filter(action__convention=convention)
        .select_related("action")
        .only("title", "due_date", "done_date", "action__code", "action__title")
        .order_by("action__code", "due_date")
    )
    return {"actions": actions, "milestones": milestones}


def late_count(convention: Convention, today: datetime.date) -> int:
    return Action.objects.filter(convention=convention).late(today).count()


PUBLIC_AMOUNTS = [("amount_planned", "planned"), ("amount_granted", "granted"), ("amount_paid", "paid")]


def _public_funding(convention: Convention) -> dict:
    """Co-financing totals per funder and for the convention (one grouped query), never per line.

    A total only sums the known amounts: each amount says how many lines it covers (`known`) out of `lines`, so
    that a partial sum is shown as such."""
    aggregates = {}
    for field, name in PUBLIC_AMOUNTS:
        aggregates[name] = Sum(field)
        aggregates[f"{name}_known"] = Count(field)
    rows = list(
        FundingLine.objects.filter(action__convention=convention)
        .order_by()
        .values("funder__name")
        .annotate(lines=Count("pk"), **aggregates)
        .order_by("funder__name")
    )

    def amounts(row_list, lines):
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


def public_summary(convention: Convention) -> dict:
    """What the public page shows of the action plan: objectives, actions (code, title, themes, status, progress)
    and the co-financing totals per funder. No person (pilot, referent, author), no note, no funding line, no
    description. Five queries."""
    today = timezone.localdate()
    objectives = list(
        Objective.objects.filter(convention=convention)
        .select_related("theme")
        .only("code", "title", "order", "parent", "theme__label")
        .order_by("order", "code")
    )
    children = defaultdict(list)
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
    actions = [
        decorate(action, today)
        for action in actions_queryset(convention).prefetch_related(
            Prefetch("themes", queryset=Theme.objects.only("label")),
            Prefetch("objectives", queryset=Objective.objects.only("code")),
        )
    ]
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
