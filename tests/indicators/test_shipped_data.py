"""Indicators computed from the shipped INSEE extracts of Caux Seine agglo, checked against hand computations."""

import pytest

from ctg.indicators.enums import ValueStatus
from ctg.indicators.models import IndicatorValue
from ctg.indicators.selectors import commune_profile, convention_diagnostic, convention_key_figures
from ctg.territories.models import Commune

EPCI = "200010700"


@pytest.fixture
def computed(caux_seine_figures):
    return caux_seine_figures


def get(indicator, level, code, year=2022):
    return IndicatorValue.objects.get(indicator=indicator, level=level, code=code, year=year)


def test_caux_seine_population_2022(computed):
    # Σ P22_POP over the 50 communes = 77,968 (= DGCL populationMunicipale of the EPCI)
    population = get("population", "epci", EPCI)
    assert population.value == pytest.approx(77968)
    assert population.status == ValueStatus.OK
    assert (population.parts_present, population.parts_expected) == (50, 50)


def test_caux_seine_share_of_children_under_15(computed):
    # Σ P22_POP0014 = 15,087 (weighted counts) ; 15,087 / 77,968 = 19.35 % ≈ 19.4 %
    share = get("share_0_14", "epci", EPCI)
    assert share.numerator == pytest.approx(15087, abs=0.5)
    assert share.value == pytest.approx(19.35, abs=0.01)


def test_caux_seine_single_parent_families(computed):
    # Σ C22_FAMMONO / Σ (C22_FAMMONO + C22_COUPAENF) over the 50 communes ≈ 21.9 %
    share = get("single_parent_share", "epci", EPCI)
    assert share.value == pytest.approx(21.9, abs=0.05)


def test_bolbec_poverty_rate_and_secret_commune(computed):
    # TP6021 of Bolbec (76114) is published as "23,0"
    assert get("poverty_rate_2021", "commune", "76114", 2021).value == pytest.approx(23.0)
    # 76002 (Alvimare) is "s" in the file: secret, no value
    secret = get("poverty_rate_2021", "commune", "76002", 2021)
    assert (secret.status, secret.value) == (ValueStatus.SECRET, None)
    # A median is never summed: no EPCI value derived from commune values
    assert not IndicatorValue.objects.filter(indicator="poverty_rate_2021", level="epci").exists()


def test_departement_aggregate_is_incomplete_and_says_so(computed):
    expected = Commune.objects.filter(departement_id="76").count()
    departement = get("population", "departement", "76")
    assert departement.status == ValueStatus.INCOMPLETE
    assert (departement.parts_present, departement.parts_expected) == (50, expected)
    data = convention_diagnostic(convention=computed["convention"], theme="territoire")
    population = next(i for i in data["indicators"] if i["code"] == "population")
    epci_cell, departement_cell = population["territory_cells"][:2]
    assert epci_cell["display"] == "77\u00a0968"
    # The referential dates the census population of every commune of the département: the département's
    # population is their sum, the imported files' incomplete sum is not shown.
    assert departement_cell["value"] == sum(
        Commune.objects.filter(departement_id="76").values_list("population", flat=True)
    )
    assert population["source"].endswith(
        "INSEE, recensement de la population 2022 (population municipale), via DGCL 2026"
    )
    # A ratio of the same files: "non disponible" alone, its reason short, and once for the table.
    share = next(i for i in data["indicators"] if i["code"] == "share_60_74")
    departement_cell = share["territory_cells"][1]
    assert (departement_cell["display"], departement_cell["value"], departement_cell["note"]) == (
        "non disponible",
        None,
        "",
    )
    assert departement_cell["explanation"] == f"agrégat incomplet : 50 communes sur {expected}"
    assert [note["territories"] for note in data["table_notes"]] == [["Seine-Maritime", "Normandie", "France"]]


def test_selectors_format_in_french_with_source(computed):
    data = convention_diagnostic(convention=computed["convention"], theme="enfance-jeunesse")
    share = next(i for i in data["indicators"] if i["code"] == "share_0_14")
    assert share["territory_cells"][0]["display"] == "19,4\u00a0%"
    # P22_POP0014 comes from the dossier complet, P22_POP from the base comparateur
    assert share["source"] == (
        "INSEE, Base comparateur de territoires, millésime 2025 ; INSEE, Dossier complet, millésime 2025"
    )
    assert share["year"] == 2022
    profile = commune_profile(commune=Commune.objects.get(code="76002"))
    access = next(t for t in profile["themes"] if t["code"] == "acces-aux-droits")
    poverty = next(i for i in access["indicators"] if i["code"] == "poverty_rate_2021")
    assert poverty["territory_cells"][0]["display"] == "secret statistique"
    # INSEE publishes TP6021 for EPCI too (Filosofi 2021), but only the commune extract is imported: said, and named.
    epci = poverty["territory_cells"][1]
    assert (epci["display"], epci["explanation"], epci["note"]) == ("non disponible", "fichier non importé", "")
    assert "FILO2021_DISP_EPCI.csv" in epci["gap"]["what"]
    assert any("FILO2021_DISP_EPCI.csv" in file for note in access["table_notes"] for file in note["unimported"])


def test_key_figures_for_reports(computed, django_assert_max_num_queries):
    # 4, and one aggregate of the referential's population for the territories the files do not cover.
    with django_assert_max_num_queries(5):
        data = convention_key_figures(convention=computed["convention"])
    assert [t["level"] for t in data["territories"]] == ["epci", "departement", "region", "france"]
    assert len(data["themes"]) == 8
    indicators = {i["code"]: i for theme in data["themes"] for i in theme["indicators"]}
    assert indicators["population"]["territory_cells"][0]["display"] == "77\u00a0968"
    assert indicators["childcare_coverage"]["available"] is False
    # One coverage line: the Cnaf's file is not imported, and the register cannot compute the rate.
    coverage = indicators["childcare_coverage"]["territory_cells"][0]
    assert (coverage["display"], coverage["explanation"]) == ("non disponible", "fichier non importé")
    assert "childcare_coverage_cnaf" not in indicators
