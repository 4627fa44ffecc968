"""The evidence beside an action's evaluation grid: indicators with achievement rate, money, dates."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from ctg.core.formatting import format_euros
from ctg.evaluation.selectors import achievement_rate
from tests.accounts.factories import MembershipFactory
from tests.plans.factories import ActionFactory, FundingLineFactory, IndicatorFactory, MeasureFactory, TargetFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("baseline", "latest", "target", "rate"),
    [
        ("10", "15", "20", "50"),
        ("10", "25", "20", "150"),
        ("10", "8", "20", "-20"),
        ("30", "20", "10", "50"),  # a target below the baseline (fewer is better)
        ("10", "15", "10", None),
        (None, "15", "20", None),
        ("10", None, "20", None),
        ("10", "15", None, None),
    ],
)
def test_achievement_rate(baseline, latest, target, rate):
    def dec(v):
        return Decimal(v) if v is not None else None

    assert achievement_rate(baseline=dec(baseline), latest=dec(latest), target=dec(target)) == dec(rate)


def test_the_grid_page_shows_indicators_money_and_dates(client, django_assert_max_num_queries):
    action = ActionFactory(
        planned_start=datetime.date(2022, 1, 1),
        planned_end=datetime.date(2023, 6, 30),
        actual_start=datetime.date(2022, 3, 1),
    )
    reader = MembershipFactory(convention=action.convention, role="lecteur").user
    indicator = IndicatorFactory(action=action, code="I1", label="Places", baseline_value=Decimal("10"))
    MeasureFactory(indicator=indicator, date=datetime.date(2022, 12, 31), value=Decimal("12"))
    MeasureFactory(indicator=indicator, date=datetime.date(2023, 12, 31), value=Decimal("15"))
    TargetFactory(indicator=indicator, date=datetime.date(2023, 1, 1), value=Decimal("14"))
    TargetFactory(indicator=indicator, date=datetime.date(2025, 1, 1), value=Decimal("20"))
    IndicatorFactory(action=action, code="I2", label="Sans mesure")
    FundingLineFactory(action=action, amount_planned=Decimal("1000"), amount_granted=Decimal("800"), amount_paid=None)
    FundingLineFactory(action=action, amount_planned=Decimal("500"), amount_granted=None, amount_paid=None)
    client.force_login(reader)
    url = reverse("evaluation_views:action_grid", kwargs={"convention_pk": action.convention.pk, "pk": action.pk})
    with django_assert_max_num_queries(25):
        response = client.get(url)
    raw = response.content.decode()
    html = " ".join(raw.split())
    assert "10 places (01/01/2022)" in html
    assert "15 places (31/12/2023)" in html
    assert "20 places (01/01/2025)" in html
    assert "50 %" in html  # (15 - 10) / (20 - 10)
    assert "aucune mesure" in html and "non calculable" in html
    assert format_euros(Decimal("1500")) in raw and format_euros(Decimal("800")) in raw
    assert "non renseigné" in html  # nothing paid recorded: unknown, never 0 €
    assert '"num"> 0 €' not in html and "status-missing" in html
    assert "Prévues : 01/01/2022 – 30/06/2023" in html
    assert "Effectives : 01/03/2022 – fin non renseignée" in html
