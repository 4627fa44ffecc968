"""Indicators computed from the offer register: relais coverage of communes and children, childcare coverage."""

import pytest

from ctg.indicators import catalogue, hooks
from ctg.indicators.enums import Kind, ValueStatus
from ctg.indicators.models import IndicatorSeries, IndicatorValue
from ctg.indicators.selectors import convention_diagnostic
from ctg.indicators.services import indicators_compute
from ctg.offer import indicator_hooks
from ctg.offer.demo import load_demo_offer
from ctg.offer.enums import OfferKind
from ctg.territories.models import Commune
from tests.indicators.shipped import load_insee_extracts
from tests.offer.factories import OfferItemFactory

EPCI = "200010700"
HOOKS = ["rpe_communes_share", "rpe_children_share", "childcare_coverage"]
NBSP = "\u00a0"


@pytest.fixture
def territory(caux_seine):
    load_insee_extracts()
    return caux_seine["convention"]


def add_relais(convention, year=2025):
    bolbec, lillebonne = Commune.objects.get(code="76114"), Commune.objects.get(code="76384")
    return OfferItemFactory(
        convention=convention,
        commune=bolbec,
        name="Relais de Bolbec",
        relais=True,
        source="Saisie de la coordination",
        reference_year=year,
        covered_communes=[bolbec, lillebonne],
    )


def get(indicator, level, code, year=2025):
    return IndicatorValue.objects.get(indicator=indicator, level=level, code=code, year=year)


def key_cells(convention, code):
    data = convention_diagnostic(convention=convention, theme="petite-enfance")
    return next(i for i in data["indicators"] if i["code"] == code)


def test_empty_register_gives_no_figure_never_zero(territory):
    indicators_compute(codes=HOOKS)
    assert not IndicatorValue.objects.filter(indicator__in=HOOKS).exists()
    cell = key_cells(territory, "rpe_communes_share")["territory_cells"][0]
    assert (cell["display"], cell["value"]) == ("non disponible", None)


def test_complete_register_gives_the_share_of_communes_and_of_children(territory):
    # No published count of relais for the EPCI: the register is complete with its one relais.
    add_relais(territory)
    indicators_compute(codes=HOOKS)
    share = get("rpe_communes_share", "epci", EPCI)
    # Bolbec and Lillebonne covered, 48 other communes not covered: 2 / 50 = 4.0 %
    assert (share.value, share.status) == (pytest.approx(4.0), ValueStatus.OK)
    assert (share.numerator, share.denominator, share.parts_present, share.parts_expected) == (2, 50, 50, 50)
    assert get("rpe_communes_share", "commune", "76114").value == 100
    assert get("rpe_communes_share", "commune", "76476").value == 0  # Port-Jérôme-sur-Seine, known not covered
    # Births 2016-2021 (NAIS1621): Bolbec 882 + Lillebonne 618 = 1,500 of 5,169 over the 50 communes: 29.02 %.
    children = get("rpe_children_share", "epci", EPCI)
    assert children.value == pytest.approx(100 * 1500 / 5169)
    assert children.numerator == pytest.approx(1500 * 3 / 6)
    assert children.denominator == pytest.approx(5169 * 3 / 6)
    # Communes of the département outside the EPCI have no register: the département aggregate is incomplete.
    departement = get("rpe_communes_share", "departement", "76")
    assert departement.status == ValueStatus.INCOMPLETE
    assert not IndicatorValue.objects.filter(indicator="rpe_communes_share", level="commune", code="76540").exists()
    assert (
        IndicatorSeries.objects.get(indicator="rpe_children_share", year=2025).source
        == catalogue.get("rpe_children_share").source
    )
    indicator = key_cells(territory, "rpe_communes_share")
    epci_cell, departement_cell = indicator["territory_cells"][:2]
    assert epci_cell["display"] == f"4,0{NBSP}%"
    assert departement_cell["display"] == "non disponible"
    assert departement_cell["explanation"].startswith("agrégat incomplet : 50 communes sur ")
    children_indicator = key_cells(territory, "rpe_children_share")
    assert children_indicator["territory_cells"][0]["display"] == f"29,0{NBSP}%"
    assert children_indicator["is_estimate"] and "NAIS1621" in children_indicator["method"]


def test_register_with_fewer_relais_than_published_is_incomplete(territory):
    load_demo_offer(convention=territory)  # five relais published for the EPCI in 2022
    add_relais(territory)
    indicators_compute(codes=HOOKS)
    share = get("rpe_communes_share", "epci", EPCI)
    # Only the two covered communes are known; a commune not listed may be covered by a relais not entered.
    assert (share.status, share.parts_present, share.parts_expected) == (ValueStatus.INCOMPLETE, 2, 50)
    assert not IndicatorValue.objects.filter(indicator="rpe_communes_share", code="76476").exists()
    cell = key_cells(territory, "rpe_communes_share")["territory_cells"][0]
    assert (cell["display"], cell["value"], cell["status"]) == ("non disponible", None, "incomplete")
    assert cell["explanation"].startswith("agrégat incomplet : 2 communes sur 50")


def test_latest_convention_of_the_epci_speaks_for_it(territory):
    from tests.conventions.factories import ConventionFactory

    add_relais(territory)
    older = ConventionFactory(epci=territory.epci, start_date=territory.start_date.replace(year=2015))
    port_jerome = Commune.objects.get(code="76476")
    OfferItemFactory(
        convention=older, commune=port_jerome, relais=True, reference_year=2016, covered_communes=[port_jerome]
    )
    indicators_compute(codes=["rpe_communes_share"])
    assert set(IndicatorValue.objects.filter(indicator="rpe_communes_share").values_list("year", flat=True)) == {2025}
    assert get("rpe_communes_share", "commune", "76476").value == 0


def test_secret_births_make_the_children_share_incomplete(territory):
    from ctg.opendata.models import Observation

    Observation.objects.filter(code="76384", variable="NAIS1621").update(status="secret", value=None)
    add_relais(territory)
    indicators_compute(codes=["rpe_children_share"])
    children = get("rpe_children_share", "epci", EPCI)
    assert (children.status, children.parts_present) == (ValueStatus.INCOMPLETE, 49)
    assert get("rpe_children_share", "commune", "76384").status == ValueStatus.SECRET


def test_childcare_coverage_stays_unavailable_and_names_the_missing_parts(territory):
    load_demo_offer(convention=territory)  # 167 places d'accueil collectif, 527 assistants maternels (people)
    OfferItemFactory(convention=territory, kind=OfferKind.EAJE, commune=Commune.objects.get(code="76114"))
    indicators_compute(codes=HOOKS)
    assert not IndicatorValue.objects.filter(indicator="childcare_coverage").exists()
    # One coverage line: the Cnaf's published rate first (its file is not imported), then why the register cannot
    # compute one.
    cell = key_cells(territory, "childcare_coverage")["territory_cells"][0]
    # The Cnaf's file to import is named once, in the table's note.
    notes = convention_diagnostic(convention=territory, theme="petite-enfance")["table_notes"]
    assert "Cnaf, data.caf.fr, EPCI (txcouv_pe_epci)" in notes[0]["unimported"]
    assert (cell["display"], cell["value"], cell["explanation"]) == ("non disponible", None, "fichier non importé")
    for part in ("préscolarisation des enfants de 2 ans", "garde à domicile", "places offertes par les assistants"):
        assert part in cell["note"]
    # The register's reason is given once: neither the other levels nor the commune table repeat it.
    assert "préscolarisation" not in key_cells(territory, "childcare_coverage")["territory_cells"][1]["note"]
    commune_cells = key_cells(territory, "childcare_coverage")["commune_cells"]
    assert not any("préscolarisation" in c["note"] for c in commune_cells.values())


def test_the_offer_app_registers_every_hook_of_the_catalogue():
    names = {indicator.hook for indicator in catalogue.CATALOGUE if indicator.kind == Kind.HOOK}
    assert names == set(indicator_hooks.HOOKS)
    for name in names:
        assert hooks.get(name) is indicator_hooks.HOOKS[name]
