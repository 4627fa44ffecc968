"""What a cell says beside its figure: a share on a small denominator is flagged "effectif faible", and a missing
published statistic says whether the producer does not publish it at that level or its file was not imported."""

import dataclasses

import pytest

from ctg.indicators import catalogue
from ctg.indicators.selectors import comparison, epci_territories
from ctg.indicators.services import indicators_compute
from ctg.territories.enums import Level
from ctg.territories.models import FRANCE_CODE
from tests.indicators.factories import DatasetFactory, ObservationFactory
from tests.territories.factories import CommuneFactory, DepartementFactory, EpciFactory, RegionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def territory():
    region = RegionFactory(code="R8")
    departement = DepartementFactory(code="D8", region=region)
    epci = EpciFactory(siren="800000008", name="CC des petits nombres")
    other = EpciFactory(siren="800000009", name="CC voisine")
    small = CommuneFactory(code="S0001", name="Petiteville", epci=epci, departement=departement)
    large = CommuneFactory(code="S0002", name="Grandeville", epci=epci, departement=departement)
    CommuneFactory(code="S0003", epci=other, departement=departement)
    return {"epci": epci, "other": other, "small": small, "large": large}


def cells(indicator, territory):
    communes = [{"code": c.code, "name": c.name} for c in (territory["small"], territory["large"])]
    data = comparison(indicators=[indicator], territories=epci_territories(territory["epci"]), communes=communes)
    return data["indicators"][0]


def test_a_share_on_fewer_than_30_is_flagged_effectif_faible(territory, django_assert_max_num_queries):
    census = DatasetFactory(title="Dossier complet")
    # Petiteville: 0 unemployed out of 6 young actives; Grandeville: 40 out of 200.
    for code, unemployed, actives in (("S0001", 0, 6), ("S0002", 40, 200)):
        ObservationFactory(dataset=census, code=code, variable="P22_CHOM1524", value=unemployed)
        ObservationFactory(dataset=census, code=code, variable="P22_ACT1524", value=actives)
    indicators_compute(codes=["unemployment_15_24"])
    indicator = catalogue.get("unemployment_15_24")
    assert indicator.small_number_threshold == catalogue.SMALL_NUMBER_THRESHOLD == 30
    with django_assert_max_num_queries(3):
        data = cells(indicator, territory)
    small, large = data["commune_cells"]["S0001"], data["commune_cells"]["S0002"]
    assert (small["display"], small["small_number"], small["denominator"]) == ("0,0\u00a0%", True, 6)
    assert small["note"] == "effectif faible : 6 au dénominateur (moins de 30)"
    assert (large["display"], large["small_number"], large["note"]) == ("20,0\u00a0%", False, "")
    # The EPCI: 40 / 206 = 19.417… %, on 206 actives: not flagged.
    epci = data["territory_cells"][0]
    assert (epci["display"], epci["small_number"], epci["rounded_value"]) == ("19,4\u00a0%", False, 19.4)


def test_a_count_is_never_flagged(territory):
    ObservationFactory(code="S0001", variable="P22_POP", value=6)
    indicators_compute(codes=["population"])
    cell = cells(catalogue.get("population"), territory)["commune_cells"]["S0001"]
    assert (cell["display"], cell["small_number"], cell["note"]) == ("6", False, "")


def test_published_statistic_not_imported_at_a_level_names_the_file(territory):
    # Filosofi 2019 medians of the communes only: INSEE publishes them by EPCI, département, région and France too.
    communes_file = DatasetFactory(title="Filosofi 2019, communes")
    for code, median in (("S0001", 21000), ("S0002", 23000)):
        ObservationFactory(dataset=communes_file, code=code, variable="Q219", year=2019, value=median)
    indicators_compute(codes=["median_income_2019"])
    data = cells(catalogue.get("median_income_2019"), territory)
    assert data["commune_cells"]["S0001"]["display"] == "21\u00a0000\u00a0€"
    epci, departement, region, france = data["territory_cells"]
    assert epci["display"] == "fichier non importé" and epci["value"] is None
    assert epci["note"] == (
        "publié par le producteur dans : INSEE, Filosofi 2019, EPCI (FILO2019_DISP_EPCI.csv) ; "
        "ce fichier n'est pas importé"
    )
    assert "FILO2019_DISP_DEP.csv" in departement["note"] and "FILO2019_DISP_REG.csv" in region["note"]
    assert "FILO2019_DISP_METROPOLE.csv" in france["note"]


def test_published_statistic_absent_from_an_imported_file(territory):
    # The EPCI file was imported, with the neighbour EPCI only: this EPCI is absent from it, not "not imported".
    epci_file = DatasetFactory(title="Filosofi 2019, EPCI")
    ObservationFactory(dataset=epci_file, level=Level.EPCI, code="800000009", variable="Q219", year=2019, value=1)
    ObservationFactory(code="S0001", variable="Q219", year=2019, value=21000)
    indicators_compute(codes=["median_income_2019"])
    epci = cells(catalogue.get("median_income_2019"), territory)["territory_cells"][0]
    assert (epci["display"], epci["note"]) == ("non disponible", "territoire absent du fichier importé")


def test_not_published_at_a_level_only_where_the_producer_does_not_publish(territory):
    ObservationFactory(code="S0001", variable="Q219", year=2019, value=21000)
    ObservationFactory(level=Level.FRANCE, code=FRANCE_CODE, variable="Q219", year=2019, value=22000)
    indicators_compute(codes=["median_income_2019"])
    # A statistic its producer would publish by commune and for France only.
    indicator = dataclasses.replace(catalogue.get("median_income_2019"), levels=(Level.COMMUNE, Level.FRANCE))
    epci, departement, region, france = cells(indicator, territory)["territory_cells"]
    assert [c["display"] for c in (epci, departement, region)] == ["non publié à ce niveau"] * 3
    assert france["display"] == "22\u00a0000\u00a0€"
