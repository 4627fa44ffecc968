import pytest
from django.core.exceptions import ValidationError

from ctg.indicators import catalogue
from ctg.indicators.enums import Kind, ValueStatus
from ctg.indicators.models import IndicatorSeries, IndicatorValue
from ctg.indicators.services import indicators_compute
from ctg.opendata.enums import GeoLevel
from tests.indicators.factories import DatasetFactory, ObservationFactory
from tests.territories.factories import CommuneFactory, DepartementFactory, EpciFactory, RegionFactory

pytestmark = pytest.mark.django_db


def value(indicator, level, code, year=2022):
    return IndicatorValue.objects.get(indicator=indicator, level=level, code=code, year=year)


@pytest.fixture
def territory():
    """Two EPCI in one département: A (communes a1, a2) and B (commune b1); a lone commune c1 outside any EPCI."""
    region = RegionFactory(code="R1")
    departement = DepartementFactory(code="D1", region=region)
    epci_a = EpciFactory(siren="900000001")
    epci_b = EpciFactory(siren="900000002")
    CommuneFactory(code="A0001", epci=epci_a, departement=departement)
    CommuneFactory(code="A0002", epci=epci_a, departement=departement)
    CommuneFactory(code="B0001", epci=epci_b, departement=departement)
    return {"epci_a": epci_a, "epci_b": epci_b, "departement": departement}


def observe(dataset, code, **values):
    for variable, number in values.items():
        year = 2016 if variable.startswith("P16") else 2022
        if number == "s":
            ObservationFactory(dataset=dataset, code=code, variable=variable, year=year, secret=True)
        else:
            ObservationFactory(dataset=dataset, code=code, variable=variable, year=year, value=number)


class TestCatalogue:
    def test_at_least_thirty_indicators_over_every_theme(self):
        assert len(catalogue.CATALOGUE) >= 30
        assert {i.theme for i in catalogue.CATALOGUE} == {code for code, _ in catalogue.THEMES}

    def test_codes_are_unique_and_estimates_name_their_method(self):
        assert len(catalogue.BY_CODE) == len(catalogue.CATALOGUE)
        for indicator in catalogue.CATALOGUE:
            assert indicator.source
            if indicator.kind == Kind.ESTIMATE:
                assert indicator.method.startswith("Estimation")

    def test_unknown_code_is_refused_in_french(self):
        with pytest.raises(ValidationError, match="Indicateur inconnu du catalogue : nope"):
            indicators_compute(codes=["nope"])


class TestAdditiveIndicators:
    def test_ratio_of_summed_parts_never_average_of_ratios(self, territory):
        dataset = DatasetFactory()
        observe(dataset, "A0001", P22_POP=100, P22_POP0014=50)
        observe(dataset, "A0002", P22_POP=300, P22_POP0014=30)
        observe(dataset, "B0001", P22_POP=600, P22_POP0014=120)
        indicators_compute(codes=["share_0_14", "population"])
        assert value("share_0_14", "commune", "A0001").value == pytest.approx(50.0)
        assert value("share_0_14", "commune", "A0002").value == pytest.approx(10.0)
        # (50 + 30) / (100 + 300) = 20 %, not the mean of 50 % and 10 % (30 %)
        epci = value("share_0_14", "epci", "900000001")
        assert epci.value == pytest.approx(20.0)
        assert (epci.numerator, epci.denominator) == (80, 400)
        assert epci.status == ValueStatus.OK
        assert (epci.parts_present, epci.parts_expected) == (2, 2)
        # (50 + 30 + 120) / 1000 = 20 %
        assert value("share_0_14", "departement", "D1").value == pytest.approx(20.0)
        assert value("population", "france", "FR").value == 1000
        assert value("population", "region", "R1").status == ValueStatus.OK

    def test_secret_part_makes_the_aggregate_incomplete_never_zero(self, territory):
        dataset = DatasetFactory()
        observe(dataset, "A0001", P22_POP=100, P22_POP0014=50)
        observe(dataset, "A0002", P22_POP=300, P22_POP0014="s")
        observe(dataset, "B0001", P22_POP=600, P22_POP0014=120)
        indicators_compute(codes=["share_0_14"])
        commune = value("share_0_14", "commune", "A0002")
        assert commune.status == ValueStatus.SECRET
        assert commune.value is None
        epci = value("share_0_14", "epci", "900000001")
        assert epci.status == ValueStatus.INCOMPLETE
        assert (epci.parts_present, epci.parts_expected) == (1, 2)
        assert epci.value == pytest.approx(50.0)  # 50 / 100 over the one commune present
        assert value("share_0_14", "epci", "900000002").status == ValueStatus.OK

    def test_all_parts_secret_gives_secret_and_absent_gives_missing(self, territory):
        dataset = DatasetFactory()
        observe(dataset, "A0001", P22_POP="s")
        observe(dataset, "A0002", P22_POP="s")
        indicators_compute(codes=["population"])
        assert value("population", "epci", "900000001").status == ValueStatus.SECRET
        assert value("population", "epci", "900000001").value is None
        # Missing is not stored: readers say "non disponible" for any absent value
        assert not IndicatorValue.objects.filter(code__in=["B0001", "900000002"]).exists()
        department = value("population", "departement", "D1")
        assert department.status == ValueStatus.SECRET

    def test_zero_denominator_is_not_a_figure(self, territory):
        dataset = DatasetFactory()
        observe(dataset, "A0001", P22_CHOM1524=0, P22_ACT1524=0)
        observe(dataset, "A0002", P22_CHOM1524=3, P22_ACT1524=12)
        indicators_compute(codes=["unemployment_15_24"])
        assert not IndicatorValue.objects.filter(indicator="unemployment_15_24", code="A0001").exists()
        epci = value("unemployment_15_24", "epci", "900000001")
        assert epci.status == ValueStatus.OK
        assert epci.value == pytest.approx(25.0)  # (0 + 3) / (0 + 12)

    def test_formula_with_negative_term_and_latest_vintage(self, territory):
        dataset = DatasetFactory()
        observe(dataset, "A0001", P22_POP=110, P16_POP=100)
        observe(dataset, "A0002", P22_POP=190, P16_POP=200)
        ObservationFactory(dataset=dataset, code="A0001", variable="SUPERF", year=2025, value=10)
        ObservationFactory(dataset=dataset, code="A0002", variable="SUPERF", year=2025, value=5)
        indicators_compute(codes=["population_change", "density"])
        assert value("population_change", "commune", "A0001").value == pytest.approx(10.0)
        # ((110 - 100) + (190 - 200)) / (100 + 200) = 0 %
        assert value("population_change", "epci", "900000001").value == pytest.approx(0.0)
        # (110 + 190) / (10 + 5) = 20 hab./km²
        assert value("density", "epci", "900000001").value == pytest.approx(20.0)

    def test_estimate_of_children_under_three_from_births(self, territory):
        dataset = DatasetFactory()
        ObservationFactory(dataset=dataset, code="A0001", variable="NAIS1621", year=2021, value=60)
        indicators_compute(codes=["children_under_3_estimate", "births_per_year"])
        assert value("births_per_year", "commune", "A0001", 2021).value == pytest.approx(10.0)  # 60 / 6
        assert value("children_under_3_estimate", "commune", "A0001", 2021).value == pytest.approx(30.0)

    def test_every_vintage_is_a_series_with_its_source(self, territory):
        for year in (2019, 2020):
            dataset = DatasetFactory(producer="Cnaf", title=f"CAF IRIS {year}", vintage=str(year))
            ObservationFactory(dataset=dataset, code="A0001", variable="A", year=year, value=10 * year)
        indicators_compute(codes=["caf_allocataires"])
        assert value("caf_allocataires", "commune", "A0001", 2019).value == 20190
        assert value("caf_allocataires", "commune", "A0001", 2020).value == 20200
        series = {s.year: s.source for s in IndicatorSeries.objects.filter(indicator="caf_allocataires")}
        assert series == {2019: "Cnaf, CAF IRIS 2019, millésime 2019", 2020: "Cnaf, CAF IRIS 2020, millésime 2020"}

    def test_recomputing_replaces_values(self, territory):
        dataset = DatasetFactory()
        observation = ObservationFactory(dataset=dataset, code="A0001", variable="P22_POP", value=100)
        indicators_compute(codes=["population"])
        observation.value = 150
        observation.save()
        indicators_compute(codes=["population"])
        assert IndicatorValue.objects.filter(indicator="population", level="commune", code="A0001").count() == 1
        assert value("population", "commune", "A0001").value == 150

    def test_full_refresh_replaces_every_value_and_series(self, territory):
        dataset = DatasetFactory()
        observation = ObservationFactory(dataset=dataset, code="A0001", variable="P22_POP", value=100)
        indicators_compute()
        observation.delete()
        ObservationFactory(dataset=dataset, code="A0001", variable="P22_POP", year=2023, value=120)
        result = indicators_compute()
        assert not IndicatorValue.objects.filter(year=2022).exists()
        assert list(IndicatorSeries.objects.values_list("indicator", "year")) == [("population", 2023)]
        assert result["values"] == IndicatorValue.objects.count()

    def test_territories_restrict_what_is_stored_not_how_it_is_computed(self, territory):
        dataset = DatasetFactory()
        observe(dataset, "A0001", P22_POP=100)
        observe(dataset, "A0002", P22_POP=300)
        indicators_compute(codes=["population"])
        observe(DatasetFactory(), "B0001", P22_POP=600)
        indicators_compute(codes=["population"], territories=[("epci", "900000001"), ("commune", "B0001")])
        # the refreshed pairs are replaced, the others kept as computed before
        assert value("population", "commune", "B0001").value == 600
        assert value("population", "epci", "900000001").value == 400
        assert value("population", "departement", "D1").value == 400
        assert not IndicatorValue.objects.filter(level="epci", code="900000002").exists()
        assert IndicatorSeries.objects.filter(indicator="population").count() == 1


class TestPublishedAndHookIndicators:
    def test_published_statistic_only_where_published(self, territory):
        dataset = DatasetFactory()
        ObservationFactory(dataset=dataset, code="A0001", variable="TP6021", year=2021, value=23)
        ObservationFactory(dataset=dataset, code="A0002", variable="TP6021", year=2021, secret=True)
        ObservationFactory(dataset=dataset, level=GeoLevel.DEPARTEMENT, code="D1", variable="Q219", year=2019, value=2)
        indicators_compute(codes=["poverty_rate_2021", "median_income_2019"])
        assert value("poverty_rate_2021", "commune", "A0001", 2021).value == 23
        assert value("poverty_rate_2021", "commune", "A0002", 2021).status == ValueStatus.SECRET
        assert not IndicatorValue.objects.filter(indicator="poverty_rate_2021", level="epci").exists()
        assert value("median_income_2019", "departement", "D1", 2019).value == 2

    def test_offer_indicators_are_not_available_until_the_register_has_data(self, territory):
        result = indicators_compute(codes=["childcare_coverage", "rpe_communes_share", "rpe_children_share"])
        assert result["values"] == 0
        assert not IndicatorValue.objects.exists()


class TestSourceLabel:
    def test_files_of_one_publication_are_grouped(self):
        from ctg.indicators.services import source_label
        from ctg.opendata.models import Dataset

        datasets = [
            Dataset(producer="INSEE", title="Filosofi 2019, revenus disponibles (EPCI)", vintage="2019"),
            Dataset(producer="INSEE", title="Filosofi 2019, revenus disponibles (communes)", vintage="2019"),
            Dataset(producer="INSEE", title="Dossier complet", vintage="édition 2025"),
        ]
        assert source_label(datasets) == (
            "INSEE, Dossier complet, millésime édition 2025 ; "
            "INSEE, Filosofi 2019, revenus disponibles (EPCI, communes), millésime 2019"
        )
