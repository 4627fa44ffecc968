import datetime
from decimal import Decimal

import pytest

from ctg.plans.enums import ActionStatus
from ctg.plans.selectors import PlanFilters, plan_tree, public_summary
from tests.plans.factories import ActionFactory, FundingLineFactory, MilestoneFactory, ObjectiveFactory, ThemeFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2024, 3, 1)
DONE = datetime.date(2022, 5, 1)


@pytest.fixture
def plan():
    theme = ThemeFactory()
    objective = ObjectiveFactory(theme=theme)
    convention = objective.convention
    convention.themes.add(theme)
    late = ActionFactory(convention=convention, status=ActionStatus.EN_COURS, planned_end=datetime.date(2023, 12, 31))
    late.objectives.add(objective)
    # 1 of 8: 12.5 %, shown as 13 (halves round up, like every figure of the product).
    MilestoneFactory(action=late, weight=1, done_date=DONE)
    MilestoneFactory(action=late, weight=7)
    entered = ActionFactory(convention=convention, progress_manual=40, planned_end=None)
    entered.objectives.add(objective)
    FundingLineFactory(action=entered, amount_planned=Decimal("1000"), amount_granted=None)
    return {"convention": convention, "objective": objective, "late": late, "entered": entered}


def test_plan_rows_are_plain_data_with_the_rules_of_the_queryset(plan):
    data = plan_tree(plan["convention"], PlanFilters(), TODAY)
    rows = {row["pk"]: row for row in data["rows"]}
    assert not any(key.endswith("_html") or key == "url" for row in data["rows"] for key in row)
    late, entered = rows[plan["late"].pk], rows[plan["entered"].pk]
    assert (late["late"], late["progress"], late["progress_source"]) == (True, 13, "jalons")
    assert (entered["late"], entered["progress"], entered["progress_source"]) == (False, 40, "saisie")
    assert (entered["planned"], entered["granted"]) == (Decimal("1000.00"), None)
    assert data["late_count"] == 1


def test_a_node_averages_the_progress_of_its_actions(plan):
    data = plan_tree(plan["convention"], PlanFilters(), TODAY)
    stats = data["tree"][0]["objectives"][0]["stats"]
    assert (stats.count, stats.late, stats.progress) == (2, 1, 27)  # (13 + 40) / 2 = 26.5, rounded half up


def test_the_public_summary_uses_the_same_rules(plan):
    summary = public_summary(plan["convention"])
    progress = {row["code"]: (row["late"], row["progress"]) for row in summary["actions"]}
    # Today is the real date here: the planned end of 2023 has passed.
    assert progress == {plan["late"].code: (True, 13), plan["entered"].code: (False, 40)}
    assert summary["late_count"] == 1
