"""Reads for the plan pages: plain data built in a bounded number of queries, whatever the size of the plan."""

import dataclasses
import datetime
import functools
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
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from ctg.accounts.models import Membership, User
from ctg.conventions.models import Convention, Signatory, Theme
from ctg.organisations.models import Organisation
from ctg.plans.enums import CLOSED_STATUSES, LATE_LABEL, ActionStatus
from ctg.plans.models import (
    Action,
    FollowUpIndicator,
    FundingLine,
    IndicatorMeasure,
    IndicatorTarget,
    Milestone,
    Objective,
)
from ctg.plans.templatetags.plans_format import format_euros
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


STATUS_LABELS = dict(ActionStatus.choices)


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


MISSING_HTML = mark_safe('<span class="status-missing">non renseigné</span>')  # noqa: S308 - constant


@functools.cache
def _status_html(status: str, late: bool) -> str:
    """Badges of a status (and lateness): a handful of combinations, built once per process."""
    badges = format_html('<span class="badge status-{}">{}</span>', status, STATUS_LABELS.get(status, status))
    if late:
        badges += format_html(' <span class="badge badge-danger">{}</span>', LATE_LABEL)
    return mark_safe(badges)  # noqa: S308 - built by format_html


def _progress_html(progress, source: str) -> str:
    """Progress bar and figure; only integers and a fixed word go in, so nothing needs escaping."""
    if progress is None:
        return mark_safe('<span class="muted">non renseigné</span>')  # noqa: S308 - constant
    value = int(round(progress))
    return mark_safe(  # noqa: S308 - an integer and a constant word
        f'<progress class="progress" max="100" value="{value}">{value} %</progress> {value} % '
        f'<span class="muted">({"jalons" if source == "jalons" else "saisie"})</span>'
    )


def _amount_html(amount: Decimal | None) -> str:
    """An amount in euros (digits, spaces, comma and the euro sign only), or explicitly "non renseigné"."""
    return MISSING_HTML if amount is None else mark_safe(format_euros(amount))  # noqa: S308 - digits only


def _detail_url(convention: Convention):
    """Builds the URL of each fiche by string from one reversed URL (reversing per row costs more than the row)."""
    marker = 987654321
    head, tail = reverse("plans_views:action_detail", args=[convention.pk, marker]).rsplit(str(marker), 1)
    return lambda pk: f"{head}{pk}{tail}"


def _plan_rows(convention: Convention, selected, today: datetime.date) -> dict:
    """The selected actions as display rows, placed in the tree, and the figures of each node.

    Seven flat queries of plain values (actions, their objectives, their themes, milestone weights and budgets
    summed per action by the database, the pilots' accounts), combined here once: every row carries its labels,
    formatted amounts and URL, so that the template only prints them and the cost stays flat with the plan's size.
    An action is placed under its objectives, else its themes, else among the cross-cutting actions; a sub-action
    follows its parent when the parent is selected too. The figures count every action under its own nodes."""
    actions = list(
        Action.objects.filter(pk__in=selected)
        .order_by("code", "pk")
        .values_list(
            "pk",
            "parent_id",
            "code",
            "title",
            "status",
            "planned_end",
            "progress_manual",
            "pilot_user_id",
            "pilot_name",
        )
    )
    objectives = defaultdict(list)
    for action_id, objective_id in (
        Action.objectives.through.objects.filter(action_id__in=selected)
        .order_by("objective__order", "objective__code")
        .values_list("action_id", "objective_id")
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
    pilot_ids = {action[7] for action in actions if action[7]}
    pilots = {user.pk: str(user) for user in User.objects.filter(pk__in=pilot_ids)} if pilot_ids else {}
    url = _detail_url(convention)
    stats = {"objective": defaultdict(NodeStats), "theme": defaultdict(NodeStats), "none": NodeStats()}
    rows, late_count = {}, 0
    for pk, parent_id, code, title, status, planned_end, progress_manual, pilot_id, pilot_name in actions:
        late = bool(planned_end and planned_end < today and status not in CLOSED_STATUSES)
        late_count += late
        weight = weights.get(pk)
        if weight and weight["total"]:
            progress, source = 100 * (weight["done"] or 0) / weight["total"], "jalons"
        elif progress_manual is not None:
            progress, source = progress_manual, "saisie"
        else:
            progress, source = None, ""
        budget = budgets.get(pk) or {"planned": None, "granted": None}
        one = NodeStats(
            count=1, statuses={status: 1}, late=int(late), planned=budget["planned"], granted=budget["granted"]
        )
        if progress is not None:
            one.progress_sum, one.progress_count = float(progress), 1
        if objectives.get(pk):
            buckets = [stats["objective"][o] for o in objectives[pk]]
        elif themes.get(pk):
            buckets = [stats["theme"][t] for t in themes[pk]]
        else:
            buckets = [stats["none"]]
        for bucket in buckets:
            bucket.add(one)
        rows[pk] = {
            "code": code,
            "title": title,
            "url": url(pk),
            "parent_id": parent_id,
            "sub": False,
            "status_html": _status_html(status, late),
            "pilot": pilots.get(pilot_id) if pilot_id else pilot_name,
            "progress_html": _progress_html(progress, source),
            "planned_html": _amount_html(budget["planned"]),
            "granted_html": _amount_html(budget["granted"]),
        }
    children = defaultdict(list)
    roots = []
    for pk, row in rows.items():
        if row["parent_id"] in rows and row["parent_id"] != pk:
            row["sub"] = True
            children[row["parent_id"]].append(pk)
        else:
            roots.append(pk)

    def branch(pk, seen):
        """The row of an action followed by its sub-actions, depth first (a cycle is cut, never looped)."""
        seen.add(pk)
        out = [rows[pk]]
        for child in children.get(pk, []):
            if child not in seen:
                out.extend(branch(child, seen))
        return out

    by_objective, by_theme, orphans = defaultdict(list), defaultdict(list), []
    for pk in roots:
        listed = branch(pk, set())
        if objectives.get(pk):
            for objective_id in objectives[pk]:
                by_objective[objective_id].extend(listed)
        elif themes.get(pk):
            for theme_id in themes[pk]:
                by_theme[theme_id].extend(listed)
        else:
            orphans.extend(listed)
    return {
        "stats": stats,
        "by_objective": by_objective,
        "by_theme": by_theme,
        "orphans": orphans,
        "count": len(rows),
        "late_count": late_count,
    }


def plan_tree(convention: Convention, filters: PlanFilters, today: datetime.date, themes=None) -> dict:
    """The plan as themes → strategic objectives → operational objectives, each node with the status, progress
    and budget of its actions and the actions themselves as display rows, whatever the size of the plan."""
    selected = Action.objects.filter(
        pk__in=apply_filters(Action.objects.filter(convention=convention), filters, today).values("pk")
    ).values("pk")
    placed = _plan_rows(convention, selected, today)
    stats, by_objective, by_theme = placed["stats"], placed["by_objective"], placed["by_theme"]
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
        "orphans": placed["orphans"],
        "orphan_stats": stats["none"],
        "count": placed["count"],
        "late_count": placed["late_count"],
        "totals": _totals(FundingLine.objects.filter(action__in=selected)) if placed["count"] else {},
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


def plan_organisations(convention: Convention):
    """The organisations of a convention: its signatories, and those its plan already cites (structure porteuse,
    partner, funder). The plan workbook lists and resolves these only, never another convention's."""
    return Organisation.objects.filter(
        Q(pk__in=Signatory.objects.filter(convention=convention).values("organisation_id"))
        | Q(pk__in=Action.objects.filter(convention=convention).values("lead_organisation_id"))
        | Q(pk__in=Action.partners.through.objects.filter(action__convention=convention).values("organisation_id"))
        | Q(pk__in=FundingLine.objects.filter(action__convention=convention).values("funder_id"))
    ).order_by("name", "pk")


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
