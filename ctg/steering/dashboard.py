"""The dashboard of a convention: « where are we? » in blocks, each a selector with a bounded number of queries.

Every block reuses the one rule its figures come from: progress, lateness and budget totals from ctg.plans
(`plan_tree`, `late_condition`), trajectories from ctg.plans.trajectory, relais coverage from ctg.offer. A commune
member's dashboard is the same, restricted to the actions concerning their commune (all-communes actions
included) and to those actions' milestones, funding and indicators.
"""

import datetime
from typing import Any

from django.db.models import Count, Q

from ctg.accounts.enums import Role
from ctg.conventions.models import Convention
from ctg.conventions.perms import membership_for
from ctg.offer.selectors import relais_coverage
from ctg.plans import models as plan
from ctg.plans.enums import CLOSED_STATUSES, ActionStatus
from ctg.plans.selectors import PlanFilters, indicators_with_trajectory, plan_tree
from ctg.steering.models import FollowUp
from ctg.territories.models import Commune

MILESTONE_HORIZON_DAYS = 90


def dashboard_commune(user, convention: Convention) -> Commune | None:
    """The commune a commune member's dashboard is restricted to; None for every other reader."""
    membership = membership_for(user, convention)
    if membership is not None and membership.role == Role.COMMUNE and membership.commune_id:
        return Commune.objects.filter(pk=membership.commune_id).first()
    return None


def _actions_of(convention: Convention, commune: Commune | None):
    actions = plan.Action.objects.filter(convention=convention)
    if commune is not None:
        actions = actions.filter(Q(all_communes=True) | Q(communes=commune))
    return actions


def dashboard(*, convention: Convention, today: datetime.date, commune: Commune | None = None) -> dict[str, Any]:
    filters = PlanFilters(commune=commune.code if commune else "")
    tree = plan_tree(convention, filters, today)
    themes = [{"theme": node["theme"], "stats": node["stats"]} for node in tree["tree"] if node["stats"].count]
    rows = tree["rows"]
    attention = [r for r in rows if r["late"] or r["status"] == ActionStatus.BLOQUEE]
    selected = _actions_of(convention, commune).values("pk")
    horizon = today + datetime.timedelta(days=MILESTONE_HORIZON_DAYS)
    milestones = list(
        plan.Milestone.objects.filter(action__in=selected, done_date__isnull=True, due_date__lte=horizon)
        .exclude(action__status__in=CLOSED_STATUSES)
        .select_related("action")
        .order_by("due_date", "pk")
    )
    # A commune member follows the indicators of the actions concerning their commune; the objectives' indicators
    # measure the whole territory.
    followed = Q(action__in=selected) if commune is not None else Q()
    indicators = indicators_with_trajectory(
        plan.FollowUpIndicator.objects.filter(convention=convention).filter(followed).order_by("code")
    )
    follow_ups = list(
        FollowUp.objects.filter(convention=convention)
        .open()
        .select_related("assignee", "outcome__agenda_item__meeting__body")
        .order_by("due_date", "pk")
    )
    per_commune = _actions_per_commune(convention, commune)
    coverage = relais_coverage(convention=convention)
    return {
        "commune": commune,
        "count": tree["count"],
        "themes": themes,
        "orphan_stats": tree["orphan_stats"],
        "attention": attention,
        "late_count": tree["late_count"],
        "blocked_count": sum(1 for r in rows if r["status"] == ActionStatus.BLOQUEE),
        "milestones": [{"milestone": m, "overdue": m.due_date is not None and m.due_date < today} for m in milestones],
        "horizon": horizon,
        "totals": tree["totals"],
        "indicators": indicators,
        "follow_ups": follow_ups,
        "overdue_follow_ups": sum(1 for f in follow_ups if f.due_date and f.due_date < today),
        "per_commune": per_commune,
        "coverage": coverage,
    }


def _actions_per_commune(convention: Convention, commune: Commune | None) -> list[dict[str, Any]]:
    """For each engaged commune (or the member's own), the actions that name it and those covering every commune.
    Two queries; sub-actions are counted with their parent."""
    engaged = convention.communes.order_by("name")
    if commune is not None:
        engaged = engaged.filter(pk=commune.pk)
    everywhere = plan.Action.objects.filter(convention=convention, all_communes=True, parent__isnull=True).count()
    # A lookup through the relation does not go through the default manager: the trash is left out here.
    naming = Q(
        plan_actions__convention=convention,
        plan_actions__parent__isnull=True,
        plan_actions__all_communes=False,
        plan_actions__deleted_at__isnull=True,
    )
    rows = engaged.only("code", "name", "geometry").annotate(named=Count("plan_actions", filter=naming, distinct=True))
    return [{"commune": c, "named": c.named, "everywhere": everywhere, "total": c.named + everywhere} for c in rows]
