"""Property-based attacks on the import services (official and local): damaged copies of real files.

Each outcome is a success or a French `DatasetError`; no other exception escapes, and a refused file leaves the
database exactly as it was (same datasets, same values, same journal).
"""

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from ctg.accounts.models import SecurityEvent
from ctg.opendata.models import Dataset, LocalObservation, Observation
from ctg.opendata.readers import DatasetError
from ctg.opendata.services import dataset_import, local_data_import
from tests.csv_mutations import damaged_csv
from tests.opendata.extracts import COMPARATEUR

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)
TIDY = (
    b"code_geo;niveau;variable;annee;valeur\n"
    b"76114;commune;PLACES_EAJE;2024;120\n"
    b"76476;commune;PLACES_EAJE;2024;s\n"
    b"200010700;epci;PLACES_EAJE;2024;410,5\n"
)
INSERTIONS = [b";", b'"', b"\n", b"\r", b"\x00", b"\x01", b"\xe9", b"\xff\xfe", b"9" * 4_301, b"1e400000", b"s", b""]


def comparateur_head(lines=8) -> bytes:
    return b"\n".join(COMPARATEUR.read_bytes().splitlines()[:lines]) + b"\n"


def damaged(original: bytes):
    return damaged_csv(original, insertions=INSERTIONS, max_column=10)


def state():
    return (
        Dataset.objects.count(),
        Observation.objects.count(),
        LocalObservation.objects.count(),
        SecurityEvent.objects.count(),
        sorted(Observation.objects.values_list("code", "variable", "year", "value", "status")),
        sorted(LocalObservation.objects.values_list("code", "variable", "year", "value", "status")),
    )


def attempt(run, content: bytes, name: str):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        before = state()
        try:
            run(path)
        except DatasetError as exc:
            assert exc.errors and all(message.startswith(name) for message in exc.messages), exc.messages
            assert state() == before


@FUZZ
@given(content=damaged(comparateur_head()))
def test_official_import_of_a_damaged_file_succeeds_or_refuses_cleanly(content):
    attempt(
        lambda path: dataset_import(path=path, known_edition_only=False),
        content,
        "base_cc_comparateur_2025.csv",
    )


@FUZZ
@given(content=damaged(comparateur_head()))
def test_official_path_refuses_every_damaged_extract(content):
    """With the edition check on, an 8-line extract is never accepted, whatever its damage."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "base_cc_comparateur_2025.csv"
        path.write_bytes(content)
        with pytest.raises(DatasetError):
            dataset_import(path=path)
    assert not Dataset.objects.exists()


@FUZZ
@given(content=damaged(TIDY))
def test_local_import_of_a_damaged_file_succeeds_or_refuses_cleanly(caux_seine, content):
    convention = caux_seine["convention"]
    attempt(lambda path: local_data_import(convention=convention, path=path, by=None), content, "places.csv")
    assert not Observation.objects.exists()
