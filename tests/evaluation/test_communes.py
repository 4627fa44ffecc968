"""The record per commune, computed by hand on a synthetic territory of four communes (convention 2022–2025).

commune  engaged  own actions                       shared actions          offer registry (opening year, capacity)
Alpha    yes      A1 (en cours): lines planned       S1 (all communes),      EAJE « Crèche ancienne » 2015, 20 places
                  1 000 / granted 800 / paid 500     S2 (Alpha and Beta)     EAJE « Crèche nouvelle » 2023, 12 places
                  and planned 2 000 / granted ? /                            MAM « MAM des Prés » 2024, capacity ?
                  paid ?                                                     ALSH « Centre de loisirs » ?, 40 places
                                                                             EAJE « Crèche future » 2027, 10 places
Beta     yes      —                                 S1, S2                  —
Gamma    no       A2 (à venir), no funding line     S1                      ALSH « ALSH Gamma » 2019, capacity ?
Delta    no       —                                 S1                      —

S1: all communes, planned 18 400 (10 900 + 7 500); S2: Alpha and Beta, planned 3 000, granted 3 000.
N1: names no commune (and not every commune): in no commune's record.
Expected: Alpha's own money = planned 3 000, granted 800 (1 line unknown), paid 500 (1 line unknown); S1 and S2 are
never split (neither commune's own money holds any of 21 400). Beta and Delta got nothing (no own action, no item).
Alpha's childcare places: before 20 (1 crèche); during 12 known + 1 capacity unknown (the MAM); after 10; the ALSH
without opening year is « unknown », its 40 places never mixed with the crèches' places.
"""

import datetime
import io
from decimal import Decimal

import pytest
from docx import Document

from ctg.evaluation.communes import commune_results, offer_period
from ctg.evaluation.final_report.content import final_report
from ctg.evaluation.final_report.docx_report import build_final_report_docx
from ctg.evaluation.final_report.pdf_report import render_final_report_html
from ctg.evaluation.jobs import report_data_version
from ctg.offer.enums import OfferKind
from ctg.plans.enums import ActionStatus
from ctg.plans.models import Action
from tests.conventions.factories import ConventionFactory
from tests.offer.factories import OfferItemFactory
from tests.plans.factories import ActionFactory, FundingLineFactory
from tests.territories.factories import CommuneFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2024, 6, 1)


@pytest.fixture
def territory():
    convention = ConventionFactory(start_date=datetime.date(2022, 1, 1), end_date=datetime.date(2025, 12, 31))
    epci = convention.epci
    alpha, beta, gamma, delta = (CommuneFactory(epci=epci, name=name) for name in ("Alpha", "Beta", "Gamma", "Delta"))
    convention.communes.set([alpha, beta])
    a1 = ActionFactory(convention=convention, code="A1", status=ActionStatus.EN_COURS)
    a1.communes.set([alpha])
    a2 = ActionFactory(convention=convention, code="A2", status=ActionStatus.A_VENIR)
    a2.communes.set([gamma])
    s1 = ActionFactory(convention=convention, code="S1", all_communes=True)
    s2 = ActionFactory(convention=convention, code="S2")
    s2.communes.set([alpha, beta])
    ActionFactory(convention=convention, code="N1")
    FundingLineFactory(action=a1, amount_planned=Decimal(1000), amount_granted=Decimal(800), amount_paid=Decimal(500))
    FundingLineFactory(action=a1, amount_planned=Decimal(2000))
    FundingLineFactory(action=s1, amount_planned=Decimal(10900))
    FundingLineFactory(action=s1, amount_planned=Decimal(7500))
    FundingLineFactory(action=s2, amount_planned=Decimal(3000), amount_granted=Decimal(3000))
    for name, kind, year, capacity in (
        ("Crèche ancienne", OfferKind.EAJE, 2015, 20),
        ("Crèche nouvelle", OfferKind.EAJE, 2023, 12),
        ("MAM des Prés", OfferKind.MAM, 2024, None),
        ("Centre de loisirs", OfferKind.ALSH, None, 40),
        ("Crèche future", OfferKind.EAJE, 2027, 10),
    ):
        OfferItemFactory(
            convention=convention, commune=alpha, name=name, kind=kind, opening_year=year, capacity=capacity
        )
    OfferItemFactory(
        convention=convention, commune=gamma, name="ALSH Gamma", kind=OfferKind.ALSH, opening_year=2019, capacity=None
    )
    return {"convention": convention, "alpha": alpha, "beta": beta, "gamma": gamma, "delta": delta}


def records(data):
    return {r.commune.name: r for r in data["communes"]}


def test_every_commune_of_the_territory_is_listed_those_with_nothing_named(territory):
    data = commune_results(convention=territory["convention"], today=TODAY)
    assert [r.commune.name for r in data["communes"]] == ["Alpha", "Beta", "Delta", "Gamma"]
    assert {r.commune.name: r.engaged for r in data["communes"]} == {
        "Alpha": True,
        "Beta": True,
        "Delta": False,
        "Gamma": False,
    }
    assert [r.commune.name for r in data["nothing"]] == ["Beta", "Delta"]
    assert [f.action.code for f in data["unplaced"]] == ["N1"]
    assert "4 communes sur le territoire" in data["summary"]
    assert "2 communes ont au moins une action propre" in data["summary"]
    assert "2 communes n'ont ni l'un ni l'autre" in data["summary"]


def test_own_actions_carry_their_money_and_shared_ones_are_never_split(territory):
    data = commune_results(convention=territory["convention"], today=TODAY)
    by_name = records(data)
    alpha = by_name["Alpha"]
    assert [f.action.code for f in alpha.own] == ["A1"]
    assert [f.action.code for f in alpha.shared] == ["S1", "S2"]
    # 1 000 + 2 000 planned; granted and paid only from the line that gives them, the other counted as unknown.
    assert alpha.money.planned == Decimal(3000)
    assert alpha.money.granted == Decimal(800) and alpha.money.unknown["amount_granted"] == 1
    assert alpha.money.paid == Decimal(500) and alpha.money.unknown["amount_paid"] == 1
    assert alpha.status_counts == [("En cours", 1)]
    # Beta is only covered by shared actions: no own money at all (not 0, not a share of S1 or S2).
    beta = by_name["Beta"]
    assert beta.own == [] and [f.action.code for f in beta.shared] == ["S1", "S2"]
    assert beta.money.lines == 0 and beta.money.planned is None
    # Gamma's own action has no funding line: its money is unknown, never 0.
    gamma = by_name["Gamma"]
    assert [f.action.code for f in gamma.own] == ["A2"] and gamma.money.planned is None
    # The shared actions are listed once, with their whole money.
    shared = {f.action.code: f for f in data["shared"]}
    assert set(shared) == {"S1", "S2"}
    assert shared["S1"].money.planned == Decimal(18400) and shared["S1"].action.all_communes
    assert shared["S2"].money.planned == Decimal(3000) and shared["S2"].commune_ids == sorted(
        [territory["alpha"].pk, territory["beta"].pk]
    )
    # No commune's own money holds any of the shared actions' 21 400.
    assert sum((r.money.planned or Decimal(0)) for r in data["communes"]) == Decimal(3000)


def test_the_offer_before_during_after_and_unknown_opening_year(territory):
    data = commune_results(convention=territory["convention"], today=TODAY)
    alpha = records(data)["Alpha"]
    assert [i.name for i in alpha.items["before"]] == ["Crèche ancienne"]
    assert [i.name for i in alpha.items["during"]] == ["Crèche nouvelle", "MAM des Prés"]
    assert [i.name for i in alpha.items["after"]] == ["Crèche future"]
    assert [i.name for i in alpha.items["unknown"]] == ["Centre de loisirs"]
    # Childcare places: the MAM's unknown capacity is counted beside, not as 0; the ALSH is not childcare.
    assert (alpha.childcare["before"].items, alpha.childcare["before"].places) == (1, 20)
    during = alpha.childcare["during"]
    assert (during.items, during.places, during.capacity_unknown) == (2, 12, 1)
    assert alpha.childcare["unknown"].items == 0
    rows = {row["label"]: row["periods"] for row in alpha.kind_rows()}
    assert rows[OfferKind.ALSH.label][3].places == 40
    assert rows[OfferKind.MAM.label][1].places is None and rows[OfferKind.MAM.label][1].capacity_unknown == 1
    gamma = records(data)["Gamma"]
    # A single item whose capacity is unknown: its places are unknown (None), never 0.
    assert gamma.offer["before"].items == 1 and gamma.offer["before"].places is None
    assert (
        "années de référence" not in data["sources"]["offer"] and "année de référence 2024" in data["sources"]["offer"]
    )
    assert data["period_labels"]["before"] == "Ouverts avant 2022"
    assert data["period_labels"]["during"] == "Ouverts de 2022 à 2025"


@pytest.mark.parametrize(
    ("year", "period"), [(None, "unknown"), (2021, "before"), (2022, "during"), (2025, "during"), (2026, "after")]
)
def test_offer_period(year, period):
    assert offer_period(year, 2022, 2025) == period


def test_a_commune_alone(territory):
    data = commune_results(convention=territory["convention"], today=TODAY, commune=territory["beta"])
    assert [r.commune.name for r in data["communes"]] == ["Beta"]
    assert [f.action.code for f in data["shared"]] == ["S1", "S2"]
    gamma_only = commune_results(convention=territory["convention"], today=TODAY, commune=territory["gamma"])
    # S2 names Alpha and Beta: it is not among Gamma's shared actions.
    assert [f.action.code for f in gamma_only["shared"]] == ["S1"]


def test_the_query_count_does_not_grow_with_the_territory(territory, django_assert_num_queries):
    convention = territory["convention"]
    with django_assert_num_queries(7) as small:
        commune_results(convention=convention, today=TODAY)
    for index in range(10):
        commune = CommuneFactory(epci=convention.epci)
        action = ActionFactory(convention=convention, code=f"B{index}")
        action.communes.set([commune])
        FundingLineFactory(action=action, amount_planned=Decimal(100))
        OfferItemFactory(convention=convention, commune=commune, opening_year=2023)
    with django_assert_num_queries(len(small.captured_queries)):
        data = commune_results(convention=convention, today=TODAY)
    assert len(data["communes"]) == 14


def test_the_final_report_prints_the_chapter_per_commune(territory):
    convention = territory["convention"]
    report = final_report(convention=convention)
    document = Document(io.BytesIO(build_final_report_docx(convention=convention, report=report)))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "Par commune" in headings
    # The chapter comes after the actions and before the funding summary.
    assert headings.index("Par action") < headings.index("Par commune") < headings.index("Synthèse des financements")
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "Commune")
    rows = {row.cells[0].text: [cell.text.replace("\u202f", " ") for cell in row.cells] for row in table.rows[1:]}
    assert list(rows) == ["Alpha (engagée)", "Beta (engagée)", "Delta", "Gamma"]
    assert rows["Alpha (engagée)"][1:4] == [
        "1",
        "prévu 3 000 € · accordé 800 € (1 ligne sans montant) · versé 500 € (1 ligne sans montant)",
        "2",
    ]
    # Beta is only covered by shared actions; Gamma's own action has no funding line (unknown, never 0).
    assert rows["Beta (engagée)"][1:4] == ["0", "sans objet", "2"]
    assert rows["Gamma"][2] == "aucune ligne de financement"
    # Offer: before, during, unknown opening year, childcare places opened during the convention.
    assert rows["Alpha (engagée)"][4:] == [
        "1 équipement",
        "2 équipements",
        "1 équipement",
        "2 équipements, 12 places connues (+ 1 capacité non renseignée)",
    ]
    text = "\n".join(p.text for p in document.paragraphs).replace("\u202f", " ")
    assert "S1 – " in text and "(toutes les communes du territoire ; à venir) : prévu 18 400 €" in text
    assert "S2 – " in text and "(2 communes ; à venir) : prévu 3 000 € · accordé 3 000 €" in text
    assert "non réparti par commune." in text
    assert "2 communes n'ont ni action propre ni équipement au registre de l'offre : Beta, Delta." in text
    assert "Alpha : A1 – " in text and "N1 – " in text
    html = render_final_report_html(convention=convention, report=report)
    assert "<h1>Par commune</h1>" in html and "Alpha (engagée)" in html


def test_the_report_is_built_again_when_the_communes_or_the_offer_change(territory):
    convention = territory["convention"]
    before = report_data_version(convention)
    OfferItemFactory(convention=convention, commune=territory["delta"], opening_year=2023)
    after_offer = report_data_version(convention)
    assert after_offer != before
    ActionFactory(convention=convention, code="N2", all_communes=False)
    named = report_data_version(convention)
    Action.objects.get(convention=convention, code="N2").communes.set([territory["delta"]])
    assert report_data_version(convention) != named
