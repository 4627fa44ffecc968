"""A refresh writes only what changed: stored values are compared with the computed ones, updated in place by id,
added or removed; a refresh over unchanged data writes nothing (figures compare exactly, every digit read back)."""

import pytest
from django.db import IntegrityError, connection, transaction

from ctg.indicators import services
from ctg.indicators.enums import ValueStatus
from ctg.indicators.models import IndicatorValue
from ctg.indicators.services import indicators_compute
from tests.indicators.factories import DatasetFactory, ObservationFactory
from tests.territories.factories import CommuneFactory, DepartementFactory, EpciFactory, RegionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def observations():
    """One EPCI of three communes; shares whose values are not exact in binary (1/3, 2/7…)."""
    departement = DepartementFactory(code="D1", region=RegionFactory(code="R1"))
    epci = EpciFactory(siren="900000001")
    dataset = DatasetFactory()
    cells = {}
    for code, population, children in (("A0001", 300, 100), ("A0002", 700, 200), ("A0003", 900, 1)):
        CommuneFactory(code=code, epci=epci, departement=departement)
        cells[code] = ObservationFactory(dataset=dataset, code=code, variable="P22_POP", value=population)
        ObservationFactory(dataset=dataset, code=code, variable="P22_POP0014", value=children)
    # A note is free text: commas, quotes, a line break.
    cells["A0001"].note = 'fusion au 1er janvier 2025, « A0009 » et "A0010"\nvoir le fichier'
    cells["A0001"].save()
    return cells


def stored():
    return {
        (row.indicator, row.level, row.code, row.year): (row.pk, row.value, row.status, row.note)
        for row in IndicatorValue.objects.all()
    }


def test_a_refresh_over_unchanged_data_writes_nothing(observations):
    first = indicators_compute(codes=["population", "share_0_14"])
    assert first["inserted"] == first["values"] > 0
    before = stored()
    assert before[("share_0_14", "commune", "A0001", 2022)][1] == pytest.approx(100 / 3)
    assert before[("population", "commune", "A0001", 2022)][3].endswith('"A0010"\nvoir le fichier')
    again = indicators_compute(codes=["population", "share_0_14"])
    assert (again["inserted"], again["updated"], again["deleted"]) == (0, 0, 0)
    assert again["values"] == first["values"]
    assert stored() == before
    indicators_compute()
    full = indicators_compute()
    assert (full["inserted"], full["updated"], full["deleted"]) == (0, 0, 0)


def test_a_changed_figure_is_updated_in_place_and_a_vanished_one_removed(observations):
    indicators_compute(codes=["population", "share_0_14"])
    before = stored()
    observations["A0002"].value = 710
    observations["A0002"].save()
    result = indicators_compute(codes=["population", "share_0_14"])
    after = stored()
    key = ("population", "commune", "A0002", 2022)
    assert after[key][0] == before[key][0]  # the same row, updated in place
    assert after[key][1] == 710
    assert after[("population", "epci", "900000001", 2022)][1] == 1910
    # Unchanged communes keep their rows and figures; the EPCI, département, région and France sums change.
    assert after[("population", "commune", "A0001", 2022)] == before[("population", "commune", "A0001", 2022)]
    assert result["inserted"] == result["deleted"] == 0
    assert result["updated"] == 2 * 5  # population and share: the commune and its four aggregates

    observations["A0003"].delete()
    result = indicators_compute(codes=["population", "share_0_14"])
    after = stored()
    assert ("population", "commune", "A0003", 2022) not in after  # "missing" is not stored
    assert after[("population", "epci", "900000001", 2022)][2] == ValueStatus.INCOMPLETE
    assert result["deleted"] == 2  # the commune's population and share
    assert result["inserted"] == 0


def test_an_unchanged_indicator_is_recognised_by_its_fingerprint_and_a_changed_one_compared(observations):
    first = indicators_compute(codes=["population", "share_0_14"])
    assert first["unchanged_indicators"] == 0
    again = indicators_compute(codes=["population", "share_0_14"])
    assert again["unchanged_indicators"] == 2
    # A figure edited behind the refresh's back is not the case the fingerprint guards: only inputs change values.
    observations["A0002"].value = 710
    observations["A0002"].save()
    changed = indicators_compute(codes=["population", "share_0_14", "share_15_29"])
    # share_15_29 has no value (no input in the file): nothing to recognise, compared like the two changed.
    assert changed["unchanged_indicators"] == 0
    assert changed["updated"] == 2 * 5
    assert IndicatorValue.objects.get(indicator="population", level="commune", code="A0002").value == 710
    assert indicators_compute(codes=["population", "share_0_14"])["unchanged_indicators"] == 2


def test_a_refresh_of_some_territories_leaves_the_next_full_refresh_comparing_every_value(observations):
    indicators_compute(codes=["population"])
    observations["A0002"].value = 710
    observations["A0002"].save()
    partial = indicators_compute(codes=["population"], territories=[("commune", "A0002")])
    assert (partial["updated"], partial["unchanged_indicators"]) == (1, 0)
    # The EPCI's sum was not rewritten by the partial refresh: the next one must find and fix it.
    assert IndicatorValue.objects.get(indicator="population", level="epci").value == 1900
    full = indicators_compute(codes=["population"])
    assert (full["unchanged_indicators"], full["updated"]) == (0, 4)
    assert IndicatorValue.objects.get(indicator="population", level="epci").value == 1910


def test_values_removed_behind_the_refresh_s_back_are_written_again(observations):
    indicators_compute(codes=["population"])
    IndicatorValue.objects.filter(indicator="population", level="commune", code="A0001").delete()
    result = indicators_compute(codes=["population"])
    assert (result["unchanged_indicators"], result["inserted"], result["updated"]) == (0, 1, 0)
    assert IndicatorValue.objects.get(indicator="population", level="commune", code="A0001").value == 300


def test_a_value_of_a_series_not_computed_is_found_and_removed(observations):
    indicators_compute(codes=["population"])
    stray = IndicatorValue.objects.get(indicator="population", level="commune", code="A0001")
    stray.pk, stray.year = None, 1999
    stray.save()
    result = indicators_compute(codes=["population"])
    # The series computed all have their fingerprints, but the indicator has one value more than computed.
    assert (result["unchanged_indicators"], result["deleted"], result["inserted"]) == (0, 1, 0)
    assert not IndicatorValue.objects.filter(indicator="population", year=1999).exists()


def value_table_schema():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, IndicatorValue._meta.db_table)
    return sorted(
        (name, tuple(c["columns"]), c["unique"], c["index"], c["primary_key"], c["check"])
        for name, c in constraints.items()
    )


def test_a_first_refresh_leaves_the_value_table_as_it_was_made(observations):
    before = value_table_schema()
    assert indicators_compute()["inserted"] > 0
    assert value_table_schema() == before
    # The unique value per indicator, territory and year is enforced again.
    value = IndicatorValue.objects.first()
    value.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        value.save()


def test_a_failing_first_refresh_writes_nothing_and_keeps_the_value_table(observations, monkeypatch):
    """A first refresh writes each indicator as it is computed, its unique index dropped until the end (PostgreSQL):
    a failure after some indicators are written leaves no value and the index as it was."""
    before = value_table_schema()
    prepare = services.engine.stored_rows
    written = []

    def fail_once_an_indicator_is_written(frame):
        if written:
            raise RuntimeError("disque plein")
        rows = prepare(frame)
        if rows.height:
            written.append(rows.height)
        return rows

    monkeypatch.setattr(services.engine, "stored_rows", fail_once_an_indicator_is_written)
    with pytest.raises(RuntimeError, match="disque plein"):
        indicators_compute()
    assert written, "an indicator's rows were written before the failure"
    assert not IndicatorValue.objects.exists()
    assert value_table_schema() == before


def test_a_first_refresh_failing_after_its_writes_keeps_nothing(observations, monkeypatch):
    before = value_table_schema()

    def fail(*args, **kwargs):
        raise RuntimeError("disque plein")

    monkeypatch.setattr(services, "_record_series", fail)
    with pytest.raises(RuntimeError, match="disque plein"):
        indicators_compute()
    assert not IndicatorValue.objects.exists()
    assert value_table_schema() == before


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's writing thread")
def test_a_write_failing_in_sqlite_s_writing_thread_is_raised_and_keeps_nothing(observations, monkeypatch):
    before = value_table_schema()
    insert = services.sqlite_insert
    calls = []

    def fail_on_the_second_frame(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disque plein")
        insert(*args, **kwargs)

    monkeypatch.setattr(services, "sqlite_insert", fail_on_the_second_frame)
    with pytest.raises(OSError, match="disque plein"):
        indicators_compute()
    assert len(calls) >= 2
    assert not IndicatorValue.objects.exists()
    assert value_table_schema() == before
