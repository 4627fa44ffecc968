import datetime
from decimal import Decimal

import pytest

from ctg.plans.enums import ActionStatus
from ctg.plans.models import Action
from ctg.plans.services import action_delete
from ctg.steering.dashboard import dashboard
from tests.conventions.factories import ConventionFactory
from tests.organisations.factories import OrganisationFactory
from tests.plans.factories import ActionFactory, FundingLineFactory, MilestoneFactory, ThemeFactory
from tests.territories.factories import CommuneFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2024, 3, 20)


@pytest.fixture
def plan():
    """Two themes, four actions, two engaged communes; figures of the tests computed by hand below."""
    convention = ConventionFactory()
    bolbec, lillebonne = (
        CommuneFactory(epci=convention.epci, name="Bolbec"),
        CommuneFactory(epci=convention.epci, name="Lillebonne"),
    )
    convention.communes.set([bolbec, lillebonne])
    enfance, parents = ThemeFactory(label="Petite enfance"), ThemeFactory(label="Parentalité")
    convention.themes.set([enfance, parents])
    # A1: petite enfance, Bolbec, late (planned end 31/12/2023, still en cours), milestones 1 of 3 (weight) done.
    a1 = ActionFactory(
        convention=convention, code="A1", status=ActionStatus.EN_COURS, planned_end=datetime.date(2023, 12, 31)
    )
    a1.themes.set([enfance])
    a1.communes.set([bolbec])
    MilestoneFactory(action=a1, weight=1, done_date=datetime.date(2024, 1, 5), due_date=datetime.date(2024, 1, 1))
    MilestoneFactory(action=a1, weight=2, due_date=datetime.date(2024, 5, 1), title="Ouverture")
    # A2: petite enfance, every commune, blocked, 40 % entered by hand, ends in 2025 (not late).
    a2 = ActionFactory(
        convention=convention,
        code="A2",
        status=ActionStatus.BLOQUEE,
        all_communes=True,
        progress_manual=40,
        planned_end=datetime.date(2025, 6, 30),
    )
    a2.themes.set([enfance])
    # A3: parentalité, Lillebonne, done; its one milestone done → 100 %.
    a3 = ActionFactory(
        convention=convention,
        code="A3",
        status=ActionStatus.REALISEE,
        progress_manual=100,
        planned_end=datetime.date(2023, 6, 30),
    )
    a3.themes.set([parents])
    a3.communes.set([lillebonne])
    MilestoneFactory(action=a3, due_date=datetime.date(2023, 6, 1), done_date=datetime.date(2023, 6, 1))
    # A4: parentalité, Lillebonne, à venir; one milestone beyond 90 days, not done → 0 %.
    a4 = ActionFactory(
        convention=convention, code="A4", status=ActionStatus.A_VENIR, planned_end=datetime.date(2026, 1, 1)
    )
    a4.themes.set([parents])
    a4.communes.set([lillebonne])
    MilestoneFactory(action=a4, due_date=datetime.date(2024, 7, 1))
    caf, agglo = OrganisationFactory(name="CAF"), OrganisationFactory(name="Agglo")
    FundingLineFactory(action=a1, funder=caf, year=2024, amount_planned=Decimal("1000"), amount_granted=Decimal("800"))
    FundingLineFactory(action=a2, funder=caf, year=2025, amount_planned=Decimal("500"), amount_granted=None)
    FundingLineFactory(action=a3, funder=agglo, year=2024, amount_planned=None)
    return {"convention": convention, "bolbec": bolbec, "lillebonne": lillebonne}


def test_figures_against_hand_computed_values(plan, django_assert_max_num_queries):
    # Plan tree (6), milestones, indicators (3), tasks, actions per commune (3), relais coverage (3): flat in the
    # plan's size.
    with django_assert_max_num_queries(18):
        blocks = dashboard(convention=plan["convention"], today=TODAY)
    assert blocks["count"] == 4
    themes = {row["theme"].label: row["stats"] for row in blocks["themes"]}
    # Petite enfance: A1 (33 %: weight 1 of 3) and A2 (40 %) → mean 36.5 → 37 % (half up).
    assert (themes["Petite enfance"].count, themes["Petite enfance"].late, themes["Petite enfance"].progress) == (
        2,
        1,
        37,
    )
    assert themes["Petite enfance"].statuses == {"en_cours": 1, "bloquee": 1}
    # Parentalité: A3 (100 %) and A4 (0 %) → 50 %.
    assert (themes["Parentalité"].count, themes["Parentalité"].late, themes["Parentalité"].progress) == (2, 0, 50)
    assert [r["code"] for r in blocks["attention"]] == ["A1", "A2"]
    assert (blocks["late_count"], blocks["blocked_count"]) == (1, 1)
    # Undone milestones of open actions due by 18/06/2024 (today + 90 days): only A1's « Ouverture ».
    assert [(m["milestone"].title, m["overdue"]) for m in blocks["milestones"]] == [("Ouverture", False)]
    totals = blocks["totals"]
    # CAF: 1,000 + 500 planned, 800 granted (A2's grant unknown, not zero); Agglo: one line, nothing known.
    caf = next(r for r in totals["per_funder"] if r["funder__name"] == "CAF")
    agglo = next(r for r in totals["per_funder"] if r["funder__name"] == "Agglo")
    assert (caf["lines"], caf["amount_planned"], caf["amount_granted"]) == (2, Decimal("1500"), Decimal("800"))
    assert (agglo["lines"], agglo["amount_planned"]) == (1, None)
    assert [(r["year"], r["lines"], r["amount_planned"]) for r in totals["per_year"]] == [
        (2024, 2, Decimal("1000")),
        (2025, 1, Decimal("500")),
    ]
    # Bolbec: A1 names it, A2 covers every commune → 2; Lillebonne: A3, A4 + A2 → 3.
    assert [(r["commune"].name, r["named"], r["everywhere"], r["total"]) for r in blocks["per_commune"]] == [
        ("Bolbec", 1, 1, 2),
        ("Lillebonne", 2, 1, 3),
    ]
    assert blocks["coverage"]["known"] is False


def test_the_commune_view_shows_only_its_communes_actions(plan):
    blocks = dashboard(convention=plan["convention"], today=TODAY, commune=plan["bolbec"])
    # A1 names Bolbec, A2 covers every commune; A3 and A4 concern Lillebonne only.
    assert sorted(r["code"] for r in blocks["attention"]) == ["A1", "A2"]
    assert blocks["count"] == 2
    assert [row["theme"].label for row in blocks["themes"]] == ["Petite enfance"]
    assert [r["commune"].name for r in blocks["per_commune"]] == ["Bolbec"]
    assert [r["funder__name"] for r in blocks["totals"]["per_funder"]] == ["CAF"]


def test_a_fiche_in_the_trash_counts_nowhere(plan):
    before = dashboard(convention=plan["convention"], today=TODAY)
    action_delete(action=Action.objects.get(convention=plan["convention"], code="A3"), by=None)
    blocks = dashboard(convention=plan["convention"], today=TODAY)
    assert blocks["count"] == before["count"] - 1
    # Lillebonne: A4 names it, A2 covers every commune → 2 (A3 is in the trash).
    assert [(r["commune"].name, r["named"], r["total"]) for r in blocks["per_commune"]] == [
        ("Bolbec", 1, 2),
        ("Lillebonne", 1, 2),
    ]
