"""Roll-ups of the action evaluation per objective and per theme, computed by hand on four synthetic actions.

action  objectives  themes   status      planned start → end       actual start → end       grid
A1      O1          T1       en cours    2022-01-01 → 2023-06-30   2022-02-01 (late) → —    all « atteint », validated
A2      O1, O2      T1, T2   réalisée    2022-01-01 → 2023-06-30   2022-01-01 → 2023-07-15  pertinence partiel,
                                                                   (on time)    (late)      efficacité non atteint
A3      O2          —        à venir     2022-01-01 → 2023-06-30   —                        none
A4      —           T2       abandonnée  — → 2023-06-30            —                        none

funding lines: A1 planned 1 000 / granted 800 / paid 500 and planned 2 000 / granted ? / paid ?;
               A2 planned 500 / granted 500 / paid 500.
indicators (baseline 10, target 20): A1 measured 20 (100 % → reached); A2 measured 15 (50 % → progress) and one
               without measure (unknown).
"""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from ctg.evaluation.enums import Criterion
from ctg.evaluation.models import ActionEvaluation
from ctg.evaluation.rollups import evaluation_rollup, indicator_state, is_not_started
from ctg.plans.enums import ActionStatus
from ctg.plans.models import Action
from ctg.steering.enums import DecisionSubject, OutcomeKind
from ctg.steering.models import Outcome
from tests.conventions.factories import ConventionFactory
from tests.plans.factories import (
    ActionFactory,
    FundingLineFactory,
    IndicatorFactory,
    MeasureFactory,
    ObjectiveFactory,
    TargetFactory,
    ThemeFactory,
)
from tests.steering.factories import AgendaItemFactory, BodyFactory, MeetingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan():
    convention = ConventionFactory(signed_on=datetime.date(2022, 3, 1))
    t1, t2 = ThemeFactory(label="Petite enfance", order=1), ThemeFactory(label="Parentalité", order=2)
    convention.themes.add(t1, t2)
    o1 = ObjectiveFactory(convention=convention, theme=t1, code="O1")
    o2 = ObjectiveFactory(convention=convention, theme=t2, code="O2")
    a1 = ActionFactory(
        convention=convention, code="A1", status=ActionStatus.EN_COURS, actual_start=datetime.date(2022, 2, 1)
    )
    a2 = ActionFactory(
        convention=convention,
        code="A2",
        status=ActionStatus.REALISEE,
        actual_start=datetime.date(2022, 1, 1),
        actual_end=datetime.date(2023, 7, 15),
    )
    a3 = ActionFactory(convention=convention, code="A3", status=ActionStatus.A_VENIR)
    a4 = ActionFactory(convention=convention, code="A4", status=ActionStatus.ABANDONNEE, planned_start=None)
    a1.objectives.set([o1])
    a2.objectives.set([o1, o2])
    a3.objectives.set([o2])
    a1.themes.set([t1])
    a2.themes.set([t1, t2])
    a4.themes.set([t2])
    ActionEvaluation.objects.create(
        action=a1, validated_at=timezone.now(), **{f"{c.value}_level": "atteint" for c in Criterion}
    )
    ActionEvaluation.objects.create(action=a2, pertinence_level="partiel", efficacite_level="non_atteint")
    FundingLineFactory(action=a1, amount_planned=Decimal(1000), amount_granted=Decimal(800), amount_paid=Decimal(500))
    FundingLineFactory(action=a1, amount_planned=Decimal(2000))
    FundingLineFactory(action=a2, amount_planned=Decimal(500), amount_granted=Decimal(500), amount_paid=Decimal(500))
    for action, measured in ((a1, Decimal(20)), (a2, Decimal(15))):
        indicator = IndicatorFactory(action=action)
        TargetFactory(indicator=indicator)
        MeasureFactory(indicator=indicator, value=measured)
    TargetFactory(indicator=IndicatorFactory(action=a2))
    return {"convention": convention, "actions": (a1, a2, a3, a4)}


def by_label(groups, prefix):
    return next(group for group in groups if group.label.startswith(prefix))


def test_the_whole_plan_is_rolled_up_once_per_action(plan, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        rollup = evaluation_rollup(convention=plan["convention"])
    whole = rollup["whole"]
    assert (whole.actions, whole.grids, whole.validated) == (4, 2, 1)
    # Levels in the order atteint, partiel, non atteint, non évaluable, à évaluer.
    assert [row["counts"] for row in whole.level_rows()] == [
        [1, 1, 0, 0, 2],  # pertinence: A1 atteint, A2 partiel, A3 and A4 without grid
        [1, 0, 1, 0, 2],  # efficacité: A1 atteint, A2 non atteint
        [1, 0, 0, 0, 3],  # efficience: A2 left it to evaluate
        [1, 0, 0, 0, 3],
        [1, 0, 0, 0, 3],
    ]
    assert whole.indicators == {"reached": 1, "progress": 1, "none": 0, "unknown": 1}
    # 1 000 + 2 000 + 500 planned; 800 + 500 granted and 500 + 500 paid, the second line of A1 unknown.
    assert whole.money == {
        "amount_planned": Decimal(3500),
        "amount_granted": Decimal(1300),
        "amount_paid": Decimal(1000),
    }
    assert whole.money_unknown == {"amount_planned": 0, "amount_granted": 1, "amount_paid": 1}
    assert whole.funding_lines == 3
    assert (whole.started_on_time, whole.started_late, whole.ended_on_time, whole.ended_late) == (1, 1, 0, 1)
    assert (whole.not_started, whole.dates_unknown) == (2, 1)
    assert [a.code for a in rollup["not_started"]] == ["A3", "A4"]


def test_each_objective_and_theme_counts_its_own_actions(plan):
    rollup = evaluation_rollup(convention=plan["convention"])
    o1, o2 = by_label(rollup["objectives"], "O1"), by_label(rollup["objectives"], "O2")
    assert (o1.actions, o1.grids, o1.validated, o1.not_started) == (2, 2, 1, 0)
    assert o1.money["amount_planned"] == Decimal(3500) and o1.money["amount_granted"] == Decimal(1300)
    # O2 holds A2 and A3: only A2's line and indicators.
    assert (o2.actions, o2.grids, o2.validated, o2.not_started) == (2, 1, 0, 1)
    assert o2.money == {"amount_planned": Decimal(500), "amount_granted": Decimal(500), "amount_paid": Decimal(500)}
    assert o2.indicators == {"reached": 0, "progress": 1, "none": 0, "unknown": 1}
    assert [row["counts"][:3] for row in o2.level_rows()][:2] == [[0, 1, 0], [0, 0, 1]]
    orphans = by_label(rollup["objectives"], "Actions rattachées à aucun objectif")
    assert orphans.actions == 1 and orphans.money["amount_planned"] is None and orphans.funding_lines == 0
    assert [group.label for group in rollup["themes"]] == [
        "Petite enfance",
        "Parentalité",
        "Actions rattachées à aucune thématique",
    ]
    petite_enfance, parentalite, no_theme = rollup["themes"]
    assert (petite_enfance.actions, parentalite.actions, no_theme.actions) == (2, 2, 1)
    # Parentalité: A2 (ended late) and A4 (abandoned before starting, no planned start).
    assert (parentalite.ended_late, parentalite.not_started, parentalite.dates_unknown) == (1, 1, 1)
    assert no_theme.not_started == 1 and no_theme.grids == 0


def _created_on(action, moment):
    Action.history.filter(id=action.pk, history_type="+").update(history_date=moment)


def test_actions_added_after_the_signature_with_the_decision_that_added_them(plan):
    convention = plan["convention"]
    a1, a2, a3, a4 = plan["actions"]
    # Recorded in the platform before its signature: every fiche recorded after the signature day was added.
    type(convention).objects.filter(pk=convention.pk).update(
        created_at=timezone.make_aware(datetime.datetime(2022, 1, 10))
    )
    convention.refresh_from_db()
    for action in (a1, a2, a3):
        _created_on(action, timezone.make_aware(datetime.datetime(2022, 2, 1)))
    _created_on(a4, timezone.make_aware(datetime.datetime(2023, 5, 2)))
    meeting = MeetingFactory(body=BodyFactory(convention=convention))
    Outcome.objects.create(
        agenda_item=AgendaItemFactory(meeting=meeting),
        kind=OutcomeKind.DECISION,
        subject=DecisionSubject.AMEND_PLAN,
        text="Ajout d'une action de soutien à la parentalité",
        action=a4,
    )
    rollup = evaluation_rollup(convention=convention)
    assert [row["action"].code for row in rollup["added"]] == ["A4"]
    assert [d.text for d in rollup["added"][0]["decisions"]] == ["Ajout d'une action de soutien à la parentalité"]
    assert "après la signature du 01/03/2022" in rollup["cut_off"]["note"]
    assert len(rollup["amendments"]) == 1


def test_a_plan_taken_over_after_the_signature_counts_from_its_first_day(plan):
    """Recorded in the platform after its signature: the fiches of the take-over day are the signed plan."""
    a1, a2, a3, a4 = plan["actions"]
    two_days_ago = timezone.now() - datetime.timedelta(days=2)
    for action in (a1, a2, a3):
        _created_on(action, two_days_ago)
    rollup = evaluation_rollup(convention=plan["convention"])
    assert [row["action"].code for row in rollup["added"]] == ["A4"]
    assert rollup["added"][0]["decisions"] == []
    assert "a été enregistrée dans Pilote CTG le" in rollup["cut_off"]["note"]


def test_an_unsigned_convention_adds_nothing_on_the_way(plan):
    convention = plan["convention"]
    type(convention).objects.filter(pk=convention.pk).update(signed_on=None)
    convention.refresh_from_db()
    rollup = evaluation_rollup(convention=convention)
    assert rollup["added"] == [] and "n'est pas signée" in rollup["cut_off"]["note"]


@pytest.mark.parametrize(
    "rate, state",
    [
        (None, "unknown"),
        (Decimal(-5), "none"),
        (Decimal(0), "none"),
        (Decimal(1), "progress"),
        (Decimal(100), "reached"),
    ],
)
def test_indicator_state(rate, state):
    assert indicator_state(rate) == state


@pytest.mark.parametrize(
    "status, actual_start, expected",
    [
        (ActionStatus.A_VENIR, None, True),
        (ActionStatus.ABANDONNEE, None, True),
        (ActionStatus.ABANDONNEE, datetime.date(2022, 1, 1), False),
        (ActionStatus.EN_COURS, None, False),
        (ActionStatus.EN_PAUSE, datetime.date(2022, 1, 1), False),
    ],
)
def test_not_started(status, actual_start, expected):
    assert is_not_started(Action(status=status, actual_start=actual_start)) is expected


def test_the_overview_page_shows_the_rollups(client, plan):
    from django.urls import reverse

    from tests.accounts.factories import MembershipFactory

    client.force_login(MembershipFactory(convention=plan["convention"], role="lecteur").user)
    response = client.get(reverse("evaluation_views:overview", kwargs={"convention_pk": plan["convention"].pk}))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Synthèse de l'évaluation" in page and "Prévu et non commencé" in page
    assert "A3 – " in page and "Petite enfance" in page
