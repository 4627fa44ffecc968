import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ctg.conventions.enums import Phase
from ctg.offer.selectors import relais_coverage
from ctg.plans.enums import ActionStatus
from ctg.plans.services import action_delete
from ctg.steering.enums import BodyKind, OutcomeKind
from ctg.steering.models import FollowUp, Outcome
from ctg.steering.portfolio import (
    MAP_NONE,
    MAP_PREPARING,
    MAP_RUNNING,
    PortfolioFilters,
    filtered_rows,
    months_left,
    portfolio,
    portfolio_departements,
    portfolio_rows,
)
from tests.accounts.factories import DepartementAccessFactory, MembershipFactory, UserFactory
from tests.conventions.factories import ConventionFactory
from tests.offer.factories import OfferItemFactory, OfferTotalFactory
from tests.organisations.factories import OrganisationFactory
from tests.plans.factories import ActionFactory, FundingLineFactory, MilestoneFactory
from tests.steering.factories import PARIS, AgendaItemFactory, BodyFactory, MeetingFactory
from tests.territories.factories import CommuneFactory, DepartementFactory, EpciFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2024, 3, 20)


def at(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(14, 0), tzinfo=PARIS)


def task(convention, *, due_date=None, done_on=None):
    item = AgendaItemFactory(meeting=MeetingFactory(body=BodyFactory(convention=convention)))
    outcome = Outcome.objects.create(agenda_item=item, kind=OutcomeKind.TASK, text="Tâche")
    return FollowUp.objects.create(
        convention=convention, outcome=outcome, assignee_name="Personne fictive", due_date=due_date, done_on=done_on
    )


@pytest.fixture
def departement():
    return DepartementFactory(code="D76", name="Département synthétique")


def convention_in(departement, *, communes=1, **kwargs):
    epci = EpciFactory()
    for _ in range(communes):
        CommuneFactory(epci=epci, departement=departement)
    return ConventionFactory(epci=epci, **kwargs)


@pytest.fixture
def world(departement):
    """One convention whose row is computed by hand in the test below, a second one, an EPCI without a convention,
    and a convention of another département."""
    main = convention_in(departement, communes=3, phase=Phase.MISE_EN_OEUVRE, title="CTG principale")
    first, second, third = main.epci.communes.order_by("code")
    # Actions: A1 late (ended 31/12/2023, en cours), one milestone of weight 1 done out of 3 → 33 %;
    # A2 40 % entered, ends in 2025; A3 done, 100 %, ended in 2023 (not late: done); A4 progress unknown;
    # A5 late but in the trash: counted nowhere.
    a1 = ActionFactory(convention=main, status=ActionStatus.EN_COURS, planned_end=datetime.date(2023, 12, 31))
    MilestoneFactory(action=a1, weight=1, done_date=datetime.date(2024, 1, 5))
    MilestoneFactory(action=a1, weight=2)
    a2 = ActionFactory(
        convention=main, status=ActionStatus.EN_COURS, progress_manual=40, planned_end=datetime.date(2025, 6, 30)
    )
    ActionFactory(
        convention=main, status=ActionStatus.REALISEE, progress_manual=100, planned_end=datetime.date(2023, 6, 30)
    )
    ActionFactory(convention=main, status=ActionStatus.A_VENIR, planned_end=datetime.date(2026, 1, 1))
    a5 = ActionFactory(convention=main, status=ActionStatus.EN_COURS, planned_end=datetime.date(2023, 1, 1))
    action_delete(action=a5, by=None)
    # Funding: two lines of the convention's CAF (1,000 + 500 planned; 800 granted and an unknown grant; 500 paid),
    # one line of another funder (left out).
    FundingLineFactory(
        action=a1,
        funder=main.caf,
        amount_planned=Decimal("1000"),
        amount_granted=Decimal("800"),
        amount_paid=Decimal("500"),
    )
    FundingLineFactory(action=a2, funder=main.caf, amount_planned=Decimal("500"), amount_granted=None)
    FundingLineFactory(action=a2, funder=OrganisationFactory(name="Agglo"), amount_planned=Decimal("9999"))
    # Tasks: two open (one overdue), one done.
    task(main, due_date=datetime.date(2024, 3, 1))
    task(main, due_date=datetime.date(2024, 4, 30))
    task(main, due_date=datetime.date(2024, 1, 1), done_on=datetime.date(2024, 1, 2))
    # COPIL meetings: 10/01 and 12/03 held, 15/06 and 01/09 to come; a comité technique on 19/03 does not count.
    copil = BodyFactory(convention=main, kind=BodyKind.COPIL)
    for day in [datetime.date(2024, 1, 10), datetime.date(2024, 3, 12), datetime.date(2024, 6, 15)]:
        MeetingFactory(body=copil, starts_at=at(day))
    MeetingFactory(body=copil, starts_at=at(datetime.date(2024, 9, 1)))
    MeetingFactory(body=BodyFactory(convention=main, kind=BodyKind.COTECH), starts_at=at(datetime.date(2024, 3, 19)))
    # Relais: one covers two of the EPCI's three communes and a commune elsewhere; the EPCI publishes two relais,
    # so the coverage is partial.
    relais = OfferItemFactory(convention=main, relais=True, commune=first)
    relais.covered_communes.set([first, second, CommuneFactory()])
    OfferTotalFactory(convention=main, year=2023, quantity=2, source="Agglo 2023")
    other = convention_in(departement, phase=Phase.DIAGNOSTIC, title="CTG seconde")
    ActionFactory(convention=other, progress_manual=10, planned_end=datetime.date(2025, 1, 1))
    empty_epci = EpciFactory(name="CC sans convention")
    CommuneFactory(epci=empty_epci, departement=departement)
    elsewhere = convention_in(DepartementFactory(code="D27"), title="CTG d'un autre département")
    reader = DepartementAccessFactory(departement=departement).user
    return {
        "main": main,
        "other": other,
        "elsewhere": elsewhere,
        "empty_epci": empty_epci,
        "third": third,
        "reader": reader,
        "departement": departement,
    }


def test_the_row_of_a_convention_against_hand_computed_figures(world):
    rows = portfolio_rows(user=world["reader"], departement=world["departement"], today=TODAY)
    row = next(r for r in rows if r["convention"] == world["main"])
    # Four live actions (A5 is in the trash); late: A1 only; progress: (33 + 40 + 100) / 3 = 57.67 → 58 %.
    assert (row["count"], row["late"], row["progress"]) == (4, 1, 58)
    # The convention ends on 31/12/2025: from 20/03/2024, 21 whole months.
    assert row["months_left"] == 21
    assert row["phase_label"] == "Mise en œuvre et pilotage"
    assert row["caf_lines"] == 2
    assert row["caf"] == {
        "planned": {"value": Decimal("1500"), "known": 2},
        "granted": {"value": Decimal("800"), "known": 1},
        "paid": {"value": Decimal("500"), "known": 1},
    }
    assert row["follow_ups"] == {"open": 2, "overdue": 1}
    assert row["last_copil"] == at(datetime.date(2024, 3, 12))
    assert row["next_copil"] == at(datetime.date(2024, 6, 15))
    # Two of three communes covered (the commune elsewhere is not the EPCI's); 2 relais published, 1 listed.
    assert row["coverage"] == {
        "known": True,
        "completeness": "partial",
        "commune_count": 3,
        "covered_count": 2,
        "share_communes": 66.7,
    }
    detail = relais_coverage(convention=world["main"])
    assert (detail["covered_count"], detail["commune_count"], detail["completeness"], detail["share_communes"]) == (
        2,
        3,
        "partial",
        66.7,
    )


def test_a_convention_without_anything_reads_as_unknown_not_zero(world):
    rows = portfolio_rows(user=world["reader"], departement=world["departement"], today=TODAY)
    row = next(r for r in rows if r["convention"] == world["other"])
    assert (row["count"], row["late"], row["progress"]) == (1, 0, 10)
    assert row["caf"]["planned"] == {"value": None, "known": 0}
    assert (row["last_copil"], row["next_copil"]) == (None, None)
    assert row["coverage"]["known"] is False and row["coverage"]["covered_count"] is None


def test_the_reader_sees_only_their_departement(world):
    data = portfolio(user=world["reader"], departement=world["departement"], today=TODAY)
    assert {r["convention"].title for r in data["rows"]} == {"CTG principale", "CTG seconde"}
    categories = {t["epci"].name: t["category"] for t in data["territory"]}
    assert categories[world["main"].epci.name] == MAP_RUNNING
    assert categories[world["other"].epci.name] == MAP_PREPARING
    assert categories["CC sans convention"] == MAP_NONE
    assert world["elsewhere"].epci.name not in categories
    assert [e.name for e in data["without_convention"]] == ["CC sans convention"]
    assert list(portfolio_departements(world["reader"])) == [world["departement"]]
    # A member of one convention without the département's access has no portfolio, and reads only their own
    # convention if asked for the département's rows.
    member = MembershipFactory(convention=world["other"]).user
    assert not portfolio_departements(member).exists()
    assert [r["convention"] for r in portfolio_rows(user=member, departement=world["departement"], today=TODAY)] == [
        world["other"]
    ]
    assert portfolio_rows(user=UserFactory(), departement=world["departement"], today=TODAY) == []


def test_the_number_of_queries_does_not_depend_on_the_number_of_conventions(world, django_assert_max_num_queries):
    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            portfolio(user=world["reader"], departement=world["departement"], today=TODAY)
        return len(captured)

    before = count()
    for _ in range(6):
        convention = convention_in(world["departement"], communes=2)
        action = ActionFactory(convention=convention, progress_manual=20)
        FundingLineFactory(action=action, funder=convention.caf)
        task(convention)
        OfferItemFactory(convention=convention, relais=True).covered_communes.set(convention.epci.communes.all())
    assert count() == before
    # Conventions (1), actions, CAF funding, tasks, COPIL (4), relais (3), EPCI (1).
    with django_assert_max_num_queries(10):
        portfolio(user=world["reader"], departement=world["departement"], today=TODAY)


def test_filters_and_sort(world):
    rows = portfolio_rows(user=world["reader"], departement=world["departement"], today=TODAY)
    assert [r["convention"].title for r in filtered_rows(rows, PortfolioFilters(late_only=True))] == ["CTG principale"]
    assert [r["convention"].title for r in filtered_rows(rows, PortfolioFilters(phase=Phase.DIAGNOSTIC))] == [
        "CTG seconde"
    ]
    by_progress = filtered_rows(rows, PortfolioFilters(sort="avancement", descending=True))
    assert [r["progress"] for r in by_progress] == [58, 10]
    # A figure not known comes last whichever the order.
    for descending in (False, True):
        by_copil = filtered_rows(rows, PortfolioFilters(sort="dernier_copil", descending=descending))
        assert by_copil[-1]["convention"] == world["other"]
    assert filtered_rows(rows, PortfolioFilters(ending_within=12)) == []
    assert len(filtered_rows(rows, PortfolioFilters(ending_within=21))) == 2
    assert [r["convention"].title for r in filtered_rows(rows, PortfolioFilters(query="second"))] == ["CTG seconde"]


@pytest.mark.parametrize(
    ("end", "today", "expected"),
    [
        (datetime.date(2025, 12, 31), datetime.date(2025, 1, 1), 11),
        (datetime.date(2025, 12, 31), datetime.date(2024, 12, 31), 12),
        (datetime.date(2025, 12, 31), datetime.date(2025, 12, 31), 0),
        (datetime.date(2025, 12, 20), datetime.date(2025, 12, 25), -1),
        (datetime.date(2025, 12, 31), datetime.date(2026, 1, 1), -1),
        (datetime.date(2025, 12, 31), datetime.date(2026, 3, 1), -3),
    ],
)
def test_months_left(end, today, expected):
    assert months_left(end, today) == expected
