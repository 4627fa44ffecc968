"""The engine over the real shipped files imported by the opendata service (the production path)."""

import pytest
from django.conf import settings

from ctg.indicators.enums import ValueStatus
from ctg.indicators.models import IndicatorSeries, IndicatorValue
from ctg.indicators.selectors import commune_profile
from ctg.indicators.services import indicators_compute
from ctg.opendata.services import dataset_import
from ctg.territories.models import Commune

EPCI = "200010700"
FILES = [
    "insee/base_cc_comparateur_2025_extrait_cauxseine50.csv",
    "insee/dossier_complet_2025_extrait_cauxseine50.csv",
    "insee/filosofi-2019/FILO2019_DISP_EPCI.csv",
    "insee/filosofi-2019/FILO2019_DISP_DEP.csv",
    "insee/filosofi-2019/FILO2019_DISP_REG.csv",
    "insee/filosofi-2019/FILO2019_DISP_METROPOLE.csv",
]


@pytest.fixture
def imported(caux_seine):
    for relative in FILES:
        dataset_import(path=settings.DATA_DIR / relative)
    indicators_compute()
    return caux_seine


def get(indicator, level, code, year=2022):
    return IndicatorValue.objects.get(indicator=indicator, level=level, code=code, year=year)


def test_hand_computed_values_through_the_import_service(imported):
    # Σ P22_POP = 77,968 ; Σ P22_POP0014 = 15,087 → 15,087 / 77,968 = 19.35 %
    assert get("population", "epci", EPCI).value == pytest.approx(77968)
    assert get("share_0_14", "epci", EPCI).value == pytest.approx(19.35, abs=0.01)
    # Σ C22_FAMMONO / Σ (C22_FAMMONO + C22_COUPAENF) ≈ 21.9 %
    assert get("single_parent_share", "epci", EPCI).value == pytest.approx(21.9, abs=0.05)
    # Bolbec TP6021 = "23,0" ; Alvimare (76002) "s"
    assert get("poverty_rate_2021", "commune", "76114", 2021).value == pytest.approx(23.0)
    assert get("poverty_rate_2021", "commune", "76002", 2021).status == ValueStatus.SECRET
    # 2016 → 2022: (77,968 − Σ P16_POP) / Σ P16_POP, with P16_POP taken at its own vintage
    change = get("population_change", "epci", EPCI)
    assert change.status == ValueStatus.OK
    assert change.denominator == pytest.approx(
        IndicatorValue.objects.get(indicator="population_2016", level="epci", code=EPCI, year=2016).value
    )


def test_published_medians_at_their_own_levels(imported):
    # FILO2019_DISP_EPCI.csv publishes Q219 for Caux Seine agglo; the engine does not recompute it
    epci = get("median_income_2019", "epci", EPCI, 2019)
    assert epci.status == ValueStatus.OK and epci.value > 0
    assert get("median_income_2019", "departement", "76", 2019).value > 0
    source = IndicatorSeries.objects.get(indicator="median_income_2019", year=2019).source
    assert "Filosofi 2019" in source
    profile = commune_profile(commune=Commune.objects.get(code="76114"))
    access = next(t for t in profile["themes"] if t["code"] == "acces-aux-droits")
    median = next(i for i in access["indicators"] if i["code"] == "median_income_2019")
    levels = [t["level"] for t in profile["territories"]]
    assert levels == ["commune", "epci", "departement", "region", "france"]
    assert median["territory_cells"][1]["status"] == "ok"
    assert median["territory_cells"][4]["note"] == "France métropolitaine"


@pytest.mark.slow
def test_caf_indicators_from_the_iris_files(caux_seine):
    dataset_import(path=settings.DATA_DIR / "insee/iris_2021.csv")
    dataset_import(path=settings.DATA_DIR / "caf-iris/data_CAF_2020_IRIS.csv")
    indicators_compute(codes=["caf_allocataires", "caf_rsa_share"])
    # Bolbec's four IRIS 761140101..04: A = 804 + 842 + 605 + 939 = 3,190
    assert get("caf_allocataires", "commune", "76114", 2020).value == 3190
    # Port-Jérôme-sur-Seine's five IRIS: 207 + 434 + 282 + 797 + 189 = 1,909
    assert get("caf_allocataires", "commune", "76476", 2020).value == 1909
    # Only these two communes of the 50 appear in the CAF file: the EPCI sum says it is incomplete
    epci = get("caf_allocataires", "epci", EPCI, 2020)
    assert (epci.value, epci.status) == (3190 + 1909, ValueStatus.INCOMPLETE)
    assert (epci.parts_present, epci.parts_expected) == (2, 50)
    source = IndicatorSeries.objects.get(indicator="caf_allocataires", year=2020).source
    assert "2020" in source
