import pytest

from ctg.diagnostic.reports.content import diagnostic_report
from ctg.offer.enums import OfferTotalIndicator
from tests.conventions.factories import ConventionFactory
from tests.offer.factories import OfferItemFactory, OfferTotalFactory

pytestmark = pytest.mark.django_db


def test_report_reads_a_bounded_number_of_queries(report_demo, django_assert_max_num_queries):
    with django_assert_max_num_queries(15):
        report = diagnostic_report(convention=report_demo["convention"], with_maps=False)
    assert report["commune_count"] == 50 and report["engaged_count"] == 19
    assert [len(t["annex_rows"]) for t in report["themes"]] == [50] * 8
    territory = report["themes"][0]
    population = next(i for i in territory["indicators"] if i["code"] == "population")
    assert population["territory_cells"][0]["display"] == "77\u00a0968"
    assert report["registry_places"] is None  # no capacity in the register: said, not 0


def test_offer_figures_keep_year_and_source_in_french_format(report_demo):
    convention = report_demo["convention"]
    OfferTotalFactory(
        convention=convention, indicator=OfferTotalIndicator.ASSISTANTS_MATERNELS, quantity=1527, source="Agglo"
    )
    OfferItemFactory(convention=convention, commune__code="99001", capacity=1200)
    report = diagnostic_report(convention=convention, with_maps=False)
    assert {"label": "Assistants maternels", "display": "1\u00a0527", "year": 2022, "source": "Agglo"} in report[
        "offer_rows"
    ]
    assert report["registry_places"] == "1\u00a0200"


def test_one_map_per_theme_with_commune_values(report_demo):
    report = diagnostic_report(convention=report_demo["convention"])
    assert [m.indicator["code"] for m in report["maps"]][:2] == ["population", report["maps"][1].indicator["code"]]
    assert all(m.png.startswith(b"\x89PNG") for m in report["maps"])
    assert report["themes"][0]["map"].title == "Population municipale par commune (2022)"


def test_a_convention_without_figures_says_not_available():
    report = diagnostic_report(convention=ConventionFactory())
    assert report["maps"] == []
    cells = [c for t in report["themes"] for i in t["indicators"] for c in i["territory_cells"]]
    assert cells and all(
        c["value"] is None and c["display"] in {"non disponible", "non publié à ce niveau", "fichier non importé"}
        for c in cells
    )
