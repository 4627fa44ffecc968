"""Snapshots of the diagnostic: what they freeze, that newer data never changes them, and what changed since.

A small territory with hand-computed figures: EPCI 900000001 = communes A0001 and A0002 (département D1, région
R1). Population 2016: 100 + 200 = 300; 2022: 110 + 210 = 320 (+20, +6,7 %). Median income of the EPCI published by
Filosofi: 20 000 € in 2018, 21 000 € in 2019 (+1 000 €, +5,0 %).
"""

import datetime

import pytest
from django.core.exceptions import ValidationError

from ctg.conventions.services import convention_sign
from ctg.evaluation.enums import SnapshotKind, Trend
from ctg.evaluation.models import DiagnosticSnapshot, SnapshotSeries, SnapshotValue
from ctg.evaluation.selectors import follow_up_baselines, what_changed
from ctg.evaluation.services import snapshot_take
from ctg.indicators.models import IndicatorValue
from ctg.indicators.services import indicators_compute
from ctg.opendata.enums import GeoLevel
from ctg.opendata.models import Observation
from tests.conventions.factories import ConventionFactory
from tests.indicators.factories import DatasetFactory, ObservationFactory
from tests.plans.factories import IndicatorFactory
from tests.territories.factories import CommuneFactory, DepartementFactory, EpciFactory, RegionFactory

pytestmark = pytest.mark.django_db
SIREN = "900000001"
CODES = ["population", "population_2016", "population_change", "median_income_2019", "median_income_2021"]


@pytest.fixture
def world():
    departement = DepartementFactory(code="D1", region=RegionFactory(code="R1"))
    epci = EpciFactory(siren=SIREN)
    for code in ("A0001", "A0002"):
        CommuneFactory(code=code, epci=epci, departement=departement)
    census_2016 = DatasetFactory(title="Recensement 2016", vintage="2016", geography_year=2016)
    census_2022 = DatasetFactory(title="Recensement 2022", vintage="2022", geography_year=2025)
    for code, p16, p22 in (("A0001", 100, 110), ("A0002", 200, 210)):
        ObservationFactory(dataset=census_2016, code=code, variable="P16_POP", year=2016, value=p16)
        ObservationFactory(dataset=census_2022, code=code, variable="P22_POP", year=2022, value=p22)
    filosofi_2018 = DatasetFactory(title="Filosofi 2018", vintage="2018", geography_year=2018)
    ObservationFactory(dataset=filosofi_2018, level=GeoLevel.EPCI, code=SIREN, variable="Q218", year=2018, value=20000)
    indicators_compute(codes=CODES)
    convention = ConventionFactory(epci=epci, signed_on=datetime.date(2021, 9, 6))
    return {"convention": convention, "census_2022": census_2022, "filosofi_2018": filosofi_2018}


def frozen(snapshot) -> list[tuple]:
    return list(
        SnapshotValue.objects.filter(snapshot=snapshot)
        .order_by("indicator", "level", "code", "year")
        .values_list("indicator", "level", "code", "year", "value", "status")
    )


def row_for(data, code, level="epci"):
    item = next(i for i in data["indicators"] if i["indicator"].code == code)
    return next(r for r in item["rows"] if r["place"]["level"] == level)


class TestSnapshotTake:
    def test_freezes_every_value_of_the_territories_with_its_datasets(self, world, django_assert_max_num_queries):
        # Lock, validation, snapshot, territories (2), values, inserts, sources, observations, datasets, count.
        with django_assert_max_num_queries(16):
            snapshot = snapshot_take(
                convention=world["convention"],
                kind=SnapshotKind.DECISION,
                reference_date=datetime.date(2023, 3, 14),
                label="COPIL du 14 mars 2023",
            )
        values = {(i, lvl, c, y): v for i, lvl, c, y, v, _ in frozen(snapshot)}
        assert values[("population", "epci", SIREN, 2022)] == 320
        assert values[("population", "commune", "A0001", 2022)] == 110
        assert values[("population_2016", "departement", "D1", 2016)] == 300
        assert values[("median_income_2019", "epci", SIREN, 2018)] == 20000
        assert snapshot.value_count == len(values) == IndicatorValue.objects.count()
        series = SnapshotSeries.objects.get(snapshot=snapshot, indicator="population", year=2022)
        assert [(d["id"], d["sha256"], d["geography_year"]) for d in series.datasets] == [
            (world["census_2022"].pk, world["census_2022"].sha256, 2025)
        ]

    def test_importing_newer_data_never_changes_a_snapshot(self, world):
        snapshot = snapshot_take(
            convention=world["convention"],
            kind=SnapshotKind.DECISION,
            reference_date=datetime.date(2023, 3, 14),
            label="COPIL",
        )
        before = frozen(snapshot)
        series_before = list(
            SnapshotSeries.objects.filter(snapshot=snapshot).values_list("indicator", "year", "datasets")
        )
        # A newer vintage (Filosofi 2019) and a corrected census file, then the indicators recomputed.
        filosofi_2019 = DatasetFactory(title="Filosofi 2019", vintage="2019", geography_year=2021)
        ObservationFactory(
            dataset=filosofi_2019, level=GeoLevel.EPCI, code=SIREN, variable="Q219", year=2019, value=21000
        )
        Observation.objects.filter(variable="P22_POP", code="A0001").update(value=999)
        indicators_compute(codes=CODES)
        assert IndicatorValue.objects.get(indicator="population", level="epci", year=2022).value == 1209
        assert IndicatorValue.objects.filter(indicator="median_income_2019", year=2019).exists()
        assert frozen(snapshot) == before
        after = list(SnapshotSeries.objects.filter(snapshot=snapshot).values_list("indicator", "year", "datasets"))
        assert after == series_before

    def test_a_reconstructed_signature_snapshot_keeps_only_the_vintages_up_to_its_limit(self, world):
        snapshot = snapshot_take(
            convention=world["convention"],
            kind=SnapshotKind.SIGNATURE,
            reference_date=datetime.date(2021, 9, 6),
            reconstructed=True,
            vintage_limit=2018,
        )
        years = {(i, y) for i, _, _, y, _, _ in frozen(snapshot)}
        assert ("population_2016", 2016) in years and ("median_income_2019", 2018) in years
        assert not any(indicator == "population" for indicator, _ in years)

    def test_refusals_are_in_french_and_write_nothing(self, world):
        convention = world["convention"]
        snapshot_take(convention=convention, kind=SnapshotKind.SIGNATURE, reference_date=convention.signed_on)
        with pytest.raises(ValidationError, match="déjà une photographie du diagnostic à la signature"):
            snapshot_take(convention=convention, kind=SnapshotKind.SIGNATURE, reference_date=convention.signed_on)
        with pytest.raises(ValidationError, match="Nommez la décision"):
            snapshot_take(convention=convention, kind=SnapshotKind.DECISION, reference_date=datetime.date(2023, 1, 1))
        with pytest.raises(ValidationError, match="compris entre 2006"):
            snapshot_take(
                convention=convention,
                kind=SnapshotKind.DECISION,
                label="COPIL",
                reference_date=datetime.date(2023, 1, 1),
                reconstructed=True,
                vintage_limit=2024,
            )
        assert DiagnosticSnapshot.objects.count() == 1


class TestSignature:
    def test_signing_takes_the_signature_snapshot_in_the_same_transaction(self, world):
        convention = ConventionFactory(epci=world["convention"].epci, signed_on=None)
        convention_sign(convention=convention, signed_on=datetime.date(2024, 5, 2))
        snapshot = DiagnosticSnapshot.objects.get(convention=convention)
        assert (snapshot.kind, snapshot.reference_date, snapshot.reconstructed) == (
            SnapshotKind.SIGNATURE,
            datetime.date(2024, 5, 2),
            False,
        )
        assert snapshot.value_count > 0
        with pytest.raises(ValidationError, match="déjà signée"):
            convention_sign(convention=convention, signed_on=datetime.date(2024, 5, 3))
        assert DiagnosticSnapshot.objects.filter(convention=convention).count() == 1


class TestWhatChanged:
    def test_hand_computed_changes_since_a_reconstructed_signature(self, world, django_assert_max_num_queries):
        snapshot = snapshot_take(
            convention=world["convention"],
            kind=SnapshotKind.SIGNATURE,
            reference_date=datetime.date(2021, 9, 6),
            reconstructed=True,
            vintage_limit=2018,
        )
        filosofi_2019 = DatasetFactory(title="Filosofi 2019", vintage="2019", geography_year=2018)
        ObservationFactory(
            dataset=filosofi_2019, level=GeoLevel.EPCI, code=SIREN, variable="Q219", year=2019, value=21000
        )
        indicators_compute(codes=CODES)
        # Territories (2), snapshot values and series, current values, series sources, observations, datasets.
        with django_assert_max_num_queries(9):
            data = what_changed(snapshot=snapshot, convention=world["convention"], commune_codes=["A0002"])
        population = row_for(data, "population")
        assert (population["then"].year, population["now"].year) == (2016, 2022)
        assert population["absolute"] == 20 and population["relative_display"] == "+6,7\u00a0%"
        assert population["trend"] == Trend.UP
        # The census files are on the geographies of 2016 and 2025.
        assert population["geography_changed"] is True
        commune = row_for(data, "population", level="commune")
        assert (commune["place"]["code"], commune["absolute"]) == ("A0002", 10)
        income = row_for(data, "median_income_2021")
        assert (income["then"].value, income["now"].value, income["trend"]) == (20000, 21000, Trend.BETTER)
        assert income["absolute_display"] == "+1\u00a0000\u00a0€"
        # Same geography year on both Filosofi files: no warning.
        assert income["geography_changed"] is False
        # The 2016 population is shown only as the baseline of the 2022 one, the 2019 median within the 2021 one's.
        shown = {i["indicator"].code for i in data["indicators"]}
        assert "population_2016" not in shown and "median_income_2019" not in shown

    def test_same_vintage_when_nothing_newer_was_imported(self, world):
        snapshot = snapshot_take(
            convention=world["convention"],
            kind=SnapshotKind.DECISION,
            reference_date=datetime.date(2023, 3, 14),
            label="COPIL",
        )
        data = what_changed(snapshot=snapshot, convention=world["convention"], commune_codes=[])
        income = row_for(data, "median_income_2021")
        assert income["same_vintage"] and income["trend"] == Trend.SAME_VINTAGE

    def test_a_follow_up_indicator_takes_its_baseline_from_the_snapshot(self, world):
        convention = world["convention"]
        follow_up = IndicatorFactory(action__convention=convention, diagnostic_code="population")
        snapshot = snapshot_take(
            convention=convention,
            kind=SnapshotKind.SIGNATURE,
            reference_date=convention.signed_on,
            reconstructed=True,
            vintage_limit=2018,
        )
        [item] = follow_up_baselines(convention=convention, snapshot=snapshot)
        assert item["follow_up"] == follow_up
        assert (item["baseline"].value, item["baseline"].vintage) == (300, "2016")
        assert [(f.value, f.year) for f in item["newer"]] == [(320, 2022)]
