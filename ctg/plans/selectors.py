"""Reads for the plan pages: plain data built in a bounded number of queries, whatever the size of the plan."""

import dataclasses
import datetime
from collections import defaultdict

from django.db.models import Count, DecimalField, OuterRef, Prefetch, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from ctg.accounts.models import Membership
from ctg.conventions.models import Convention, Theme
from ctg.organisations.models import Organisation
from ctg.plans.enums import ActionStatus
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


def plan_tree(convention: Convention, filters: PlanFilters, today: datetime.date) -> dict:
    """The plan as themes → strategic objectives → operational objectives → actions (sub-actions nested)."""
    selected = apply_filters(Action.objects.filter(convention=convention), filters, today)
    actions = list(
        actions_queryset(convention)
        .filter(pk__in=selected.values("pk"))
        .prefetch_related(
            Prefetch("themes", queryset=Theme.objects.only("pk", "label")),
            Prefetch("objectives", queryset=Objective.objects.only("pk", "theme_id", "code")),
        )
    )
    for action in actions:
        decorate(action, today)
    by_id = {a.pk: a for a in actions}
    children = defaultdict(list)
    roots = []
    for action in actions:
        if action.parent_id and action.parent_id in by_id:
            children[action.parent_id].append(action)
        else:
            roots.append(action)
    for action in actions:
        action.children = children.get(action.pk, [])

    objectives = list(
        Objective.objects.filter(convention=convention).prefetch_related("enjeux").order_by("order", "code")
    )
    themes = plan_themes(convention)
    by_objective = defaultdict(list)
    by_theme = defaultdict(list)
    orphans = []
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
    strategic = [o for o in objectives if not o.parent_id]
    operational = defaultdict(list)
    for objective in objectives:
        if objective.parent_id:
            operational[objective.parent_id].append(objective)
    tree = []
    for theme in themes:
        nodes = []
        for objective in (o for o in strategic if o.theme_id == theme.pk):
            subs = [{"objective": sub, "actions": by_objective.get(sub.pk, [])} for sub in operational[objective.pk]]
            nodes.append({"objective": objective, "actions": by_objective.get(objective.pk, []), "children": subs})
        node = {"theme": theme, "objectives": nodes, "actions": by_theme.get(theme.pk, [])}
        count = len(node["actions"]) + sum(
            len(n["actions"]) + sum(len(s["actions"]) for s in n["children"]) for n in nodes
        )
        if count or not filters.active:
            node["count"] = count
            tree.append(node)
    return {
        "tree": tree,
        "orphans": orphans,
        "actions": actions,
        "count": len(actions),
        "late_count": sum(1 for a in actions if a.late),
        "totals": _totals(FundingLine.objects.filter(action__in=[a.pk for a in actions])) if actions else {},
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


def filter_choices(convention: Convention) -> dict:
    return {
        "themes": plan_themes(convention),
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
    """Ledger totals: overall, per funder, per year, per theme. Each block is one aggregate query."""
    sums = {f: Sum(f) for f in AMOUNT_FIELDS}
    overall = lines.aggregate(lines=Count("pk"), **sums)
    per_funder = list(
        lines.values("funder_id", "funder__name").annotate(lines=Count("pk"), **sums).order_by("funder__name")
    )
    per_year = list(lines.values("year").annotate(lines=Count("pk"), **sums).order_by("year"))
    # An action may carry several themes: its lines count once under each theme, so these do not add up.
    per_theme = list(
        lines.filter(action__themes__isnull=False)
        .values("action__themes__pk", "action__themes__label")
        .annotate(lines=Count("pk"), **sums)
        .order_by("action__themes__label")
    )
    return {"overall": overall, "per_funder": per_funder, "per_year": per_year, "per_theme": per_theme}


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


def action_detail(action: Action, today: datetime.date) -> dict:
    action = (
        actions_queryset(action.convention)
        .select_related("parent")
        .prefetch_related("themes", "objectives", "communes", "partners")
        .get(pk=action.pk)
    )
    decorate(action, today)
    sub_actions = [decorate(a, today) for a in actions_queryset(action.convention).filter(parent=action)]
    return {
        "action": action,
        "sub_actions": sub_actions,
        "milestones": list(action.milestones.all()),
        "notes": list(action.notes.select_related("author")),
        "links": list(action.links.all()),
        "funding_lines": list(action.funding_lines.select_related("funder").order_by("year", "funder__name", "pk")),
        "ledger": ledger_totals(action=action),
        "indicators": indicators_with_trajectory(FollowUpIndicator.objects.filter(action=action)),
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
