"""The CNAF's published coverage rate and the CAF files by commune in the indicators, from the fixtures built for
the tests (tests/opendata/fixtures/cnaf/: invented values on the documented layouts)."""

import pytest

from ctg.indicators import catalogue
from ctg.indicators.enums import Kind, ValueStatus
from ctg.indicators.models import IndicatorSeries, IndicatorValue
from ctg.indicators.selectors import commune_profile, convention_diagnostic
from ctg.indicators.services import indicators_compute
from ctg.opendata.services import dataset_import
from ctg.territories.models import Commune
from tests.opendata.test_cnaf_readers import FIXTURES

EPCI = "200010700"
COVERAGE = [
    "childcare_coverage_cnaf",
    "childcare_coverage_cnaf_eaje",
    "childcare_coverage_cnaf_am",
    "childcare_coverage_cnaf_home",
    "childcare_coverage_cnaf_preschool",
    "childcare_places_cnaf",
    "childcare_coverage",
]
COVERAGE_FILES = [
    "txcouv_pe_nat_fixture.csv",
    "txcouv_pe_dep_fixture.csv",
    "txcouv_pe_epci_fixture.csv",
    "txcouv_pe_com_fixture.csv",
    "nbpla_pe_epci_fixture.csv",
]


def import_fixtures(*names):
    for name in names:
        dataset_import(path=FIXTURES / name, known_edition_only=False)


def get(indicator, level, code, year=2022):
    return IndicatorValue.objects.get(indicator=indicator, level=level, code=code, year=year)


def line(convention, code, theme="petite-enfance"):
    data = convention_diagnostic(convention=convention, theme=theme)
    return next(i for i in data["indicators"] if i["code"] == code)


def test_the_coverage_rate_is_published_by_the_producer_only():
    published = [catalogue.get(code) for code in COVERAGE[:-1]]
    assert {indicator.kind for indicator in published} == {Kind.PUBLISHED}
    # The CNAF publishes no région file of this series: the rate is never derived at a level it does not publish.
    assert all("region" not in indicator.levels for indicator in published)
    assert catalogue.get("childcare_coverage").kind == Kind.HOOK


def test_published_rate_of_caux_seine_at_epci_level(caux_seine):
    import_fixtures(*COVERAGE_FILES)
    indicators_compute(codes=COVERAGE)
    # txcouv_pe_epci_fixture.csv line 3: 200010700 … 2022;57,3 (global), 44,2 (assistants maternels), 11,7 (EAJE)
    assert get("childcare_coverage_cnaf", "epci", EPCI).value == pytest.approx(57.3)
    assert get("childcare_coverage_cnaf_am", "epci", EPCI).value == pytest.approx(44.2)
    assert get("childcare_coverage_cnaf_eaje", "epci", EPCI).value == pytest.approx(11.7)
    assert get("childcare_coverage_cnaf", "epci", EPCI, 2021).value == pytest.approx(55.9)
    # Département 76 and France as published (63,5 and 59,8 in 2022), never an average of communes.
    assert get("childcare_coverage_cnaf", "departement", "76").value == pytest.approx(63.5)
    assert get("childcare_coverage_cnaf", "france", "FR").value == pytest.approx(59.8)
    # A rate above 100 stays above 100: Mont-Saint-Aignan 104,3
    assert get("childcare_coverage_cnaf", "commune", "76451").value == pytest.approx(104.3)
    # Places: 1 306 in Caux Seine agglo (nbpla_pe_epci_fixture.csv)
    assert get("childcare_places_cnaf", "epci", EPCI).value == 1306
    # The computed rate stays unavailable: the register cannot have every component.
    assert not IndicatorValue.objects.filter(indicator="childcare_coverage").exists()

    # One coverage line, the published figure's: the computed rate is not listed apart.
    codes = [
        i["code"]
        for i in convention_diagnostic(convention=caux_seine["convention"], theme="petite-enfance")["indicators"]
    ]
    assert "childcare_coverage_cnaf" not in codes
    assert codes.index("childcare_coverage") < codes.index("childcare_coverage_cnaf_eaje")
    coverage = line(caux_seine["convention"], "childcare_coverage")
    assert coverage["label"] == "Taux de couverture en accueil du jeune enfant"
    assert coverage["is_published"] and coverage["year"] == 2022
    epci, departement, region, france = coverage["territory_cells"]
    assert (epci["display"], departement["display"], france["display"]) == ("57,3", "63,5", "59,8")
    assert region["value"] is None
    # The source names the producer's files and their vintage.
    assert coverage["source"].startswith("CAF (Cnaf), Taux de couverture global en accueil du jeune enfant (")
    assert "EPCI" in coverage["source"] and "millésime 2021–2022" in coverage["source"]
    source = IndicatorSeries.objects.get(indicator="childcare_coverage_cnaf", year=2022).source
    assert "millésime 2022" in source  # the commune file carries 2022 only
    # Communes of more than 10,000 inhabitants only: Bolbec is published, Alvimare is not.
    assert coverage["commune_cells"]["76114"]["display"] == "61,2"
    assert coverage["commune_cells"]["76002"]["value"] is None
    # Alvimare has no published rate and the register cannot compute one: the line names why, both ways.
    assert coverage["commune_cells"]["76002"]["display"] == "non disponible"
    assert coverage["commune_cells"]["76002"]["note"] == "territoire absent du fichier importé"


def test_tauxcouv_gives_the_rate_of_every_commune(caux_seine):
    import_fixtures("TAUXCOUV2020_fixture.csv")
    indicators_compute(codes=["childcare_coverage_cnaf"])
    assert get("childcare_coverage_cnaf", "commune", "76002", 2020).value == pytest.approx(71.4)
    assert get("childcare_coverage_cnaf", "epci", EPCI, 2020).value == pytest.approx(54.6)
    # Trémauville's empty cell: no figure, never 0.
    assert not IndicatorValue.objects.filter(indicator="childcare_coverage_cnaf", code="76710").exists()
    profile = commune_profile(commune=Commune.objects.get(code="76002"))
    early = next(t for t in profile["themes"] if t["code"] == "petite-enfance")
    coverage = next(i for i in early["indicators"] if i["code"] == "childcare_coverage")
    assert [cell["display"] for cell in coverage["territory_cells"][:3]] == ["71,4", "54,6", "61,9"]


def test_caf_counts_by_commune_feed_the_existing_indicators(caux_seine):
    import_fixtures("aah_par_commune_fixture.csv", "type_famille_par_commune_fixture.csv")
    indicators_compute(codes=["caf_allocataires", "caf_aah", "caf_single_parents_share"])
    # Bolbec 2022: NB_Allocataires 3 215 → A; ALL_AAH 268 → AAAH; AM = 575 single parents, 575 / 3 215 = 17,9 %
    assert get("caf_allocataires", "commune", "76114").value == 3215
    assert get("caf_aah", "commune", "76114").value == 268
    assert get("caf_single_parents_share", "commune", "76114").value == pytest.approx(575 / 3215 * 100)
    # Alvimare's AAH is secret; only 3 of the 50 communes are in the fixture: the EPCI sum says it is incomplete.
    assert get("caf_aah", "commune", "76002").status == ValueStatus.SECRET
    epci = get("caf_allocataires", "epci", EPCI)
    assert (epci.status, epci.parts_present, epci.value) == (ValueStatus.INCOMPLETE, 3, 98 + 3215 + 1934)


def test_new_caf_indicators_from_the_files_by_commune(caux_seine):
    import_fixtures("PAJE_Com_2014_fixture.csv")
    indicators_compute(codes=["caf_paje", "caf_paje_share", "caf_cmg_assistant_maternel"])
    # Bolbec 2014: ALL_PAJE 612 of NB_Allocataires 3 102 = 19,7 %; CMG assistant maternel 151
    assert get("caf_paje", "commune", "76114", 2014).value == 612
    assert get("caf_paje_share", "commune", "76114", 2014).value == pytest.approx(612 / 3102 * 100)
    assert get("caf_cmg_assistant_maternel", "commune", "76114", 2014).value == 151
