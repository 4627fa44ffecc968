"""The background import and withdrawal recompute only the indicators that read a variable of the file."""

import datetime
import functools

import pytest
import time_machine
from django.utils import timezone

from ctg.indicators import catalogue
from ctg.indicators.models import IndicatorSeries, IndicatorValue
from ctg.indicators.services import indicators_compute, indicators_depending_on
from ctg.jobs.enums import JobStatus
from ctg.opendata.models import Dataset
from ctg.opendata.services import dataset_import, file_sha256
from tests.jobs.helpers import run_queued_tasks
from tests.opendata.extracts import COMPARATEUR, DOSSIER
from tests.opendata.factories import data_administrator

pytestmark = pytest.mark.django_db

EPCI = "200010700"
POPULATION_INDICATORS = {
    "population",
    "population_change",
    "density",
    "share_0_14",
    "share_15_29",
    "share_60_74",
    "share_75_plus",
}


def test_dependencies_follow_the_formulas():
    assert set(indicators_depending_on(["P22_POP"])) == POPULATION_INDICATORS
    assert indicators_depending_on(["P22_LOGVAC"]) == ["vacant_share"]
    assert indicators_depending_on(["Q219"]) == ["median_income_2019"]
    assert indicators_depending_on(["UNKNOWN"]) == []


@pytest.fixture
def computed(caux_seine):
    """The comparateur and dossier complet extracts imported, every indicator computed, a day before the upload."""
    with time_machine.travel(timezone.now() - datetime.timedelta(days=1), tick=False):
        dataset_import(path=COMPARATEUR)
        dataset_import(path=DOSSIER)
        indicators_compute()
    return caux_seine


@pytest.fixture
def population_file(tmp_path):
    """A file of one population variable: P22_POP of Bolbec, 1,000 higher than in the extract (11,618)."""
    path = tmp_path / "population_2022.csv"
    path.write_text("CODGEO;P22_POP\n76114;12618\n", encoding="utf-8")
    return path


def queue_import(path, monkeypatch):
    """Queue the upload of `path` as the upload page does, and run it. An extract is no known edition: the edition
    check, which is not what these tests are about, is left out."""
    from ctg.indicators import jobs

    monkeypatch.setattr(jobs, "dataset_import", functools.partial(dataset_import, known_edition_only=False))
    job = jobs.official_import_request(
        path=path,
        file_name=path.name,
        sha256=file_sha256(path),
        format=None,
        by=data_administrator(),
        ip_address=None,
        max_bytes=10**6,
    )
    run_queued_tasks()
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.message
    return job


def snapshot(codes):
    """Per indicator: its series' computation dates and the ids of its stored values (new ids: rewritten)."""
    return {
        code: (
            sorted(IndicatorSeries.objects.filter(indicator=code).values_list("year", "computed_at")),
            sorted(IndicatorValue.objects.filter(indicator=code).values_list("pk", flat=True)),
        )
        for code in codes
    }


def test_a_population_file_recomputes_only_the_population_indicators(computed, population_file, monkeypatch):
    others = {i.code for i in catalogue.CATALOGUE} - POPULATION_INDICATORS
    before_others = snapshot(others)
    before_population = snapshot(POPULATION_INDICATORS)
    assert all(series for series, values in before_population.values())
    job = queue_import(population_file, monkeypatch)
    assert "Les indicateurs du diagnostic ont été recalculés avec ces données : 7 indicateurs" in job.message
    # Indicators that read no population variable are not rewritten: same values, same computation date.
    assert snapshot(others) == before_others
    after_population = snapshot(POPULATION_INDICATORS)
    for code in POPULATION_INDICATORS:
        assert after_population[code][0] != before_population[code][0], code
    # Bolbec's population is the new file's; the EPCI's is Σ P22_POP = 77,968 + 1,000.
    bolbec = IndicatorValue.objects.get(indicator="population", level="commune", code="76114", year=2022)
    assert bolbec.value == pytest.approx(12618)
    epci = IndicatorValue.objects.get(indicator="population", level="epci", code=EPCI, year=2022)
    assert epci.value == pytest.approx(78968)


def test_withdrawing_the_file_recomputes_the_same_indicators(computed, population_file, monkeypatch):
    queue_import(population_file, monkeypatch)
    others = {i.code for i in catalogue.CATALOGUE} - POPULATION_INDICATORS
    before_others = snapshot(others)
    from ctg.indicators.jobs import official_withdrawal_request

    dataset = Dataset.objects.get(file_name=population_file.name)
    job = official_withdrawal_request(dataset=dataset, by=data_administrator(), ip_address=None)
    run_queued_tasks()
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.message
    assert "7 indicateurs" in job.message
    assert snapshot(others) == before_others
    # The corrected cells went with the file; the values they replaced are not brought back (dataset_withdraw).
    assert not IndicatorValue.objects.filter(indicator="population", level="commune", code="76114").exists()
