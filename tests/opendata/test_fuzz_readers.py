"""Property-based attacks on every open-data reader: random bytes and damaged copies of the shipped files.

Whatever the bytes, reading a file either succeeds or raises a `DatasetError` whose French message starts with
the file name; no other exception escapes (a 500 on upload), and a success is a well-formed ParsedFile.
"""

import functools
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ctg.opendata.readers import FORMATS, DatasetError, ParsedFile, read_file
from tests.csv_mutations import damaged_csv
from tests.opendata.extracts import CAF, COMPARATEUR, DOSSIER, FILOSOFI, IRIS_REFERENCE

FUZZ = settings(
    max_examples=50,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
KEPT_LINES = 200
SOURCES = [
    COMPARATEUR,
    DOSSIER,
    IRIS_REFERENCE,
    FILOSOFI / "FILO2019_DISP_COM.csv",
    FILOSOFI / "FILO2019_DISP_EPCI.csv",
    FILOSOFI / "FILO2019_DISP_METROPOLE.csv",
    FILOSOFI / "BASE_TD_FILO_DISP_IRIS_2019.csv",
    CAF / "data_CAF_2018_IRIS.csv",
    CAF / "data_CAF_2020_IRIS.csv",
]
FORMAT_CHOICES = [None, *FORMATS]
# What spreadsheets and hand edits put into CSV files.
INSERTIONS = [
    b";",
    b",",
    b"\t",
    b'"',
    b'""',
    b"\n",
    b"\r",
    b"\r\n",
    b"\n\n",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\x00",
    b"\x01",
    b"\x1b",
    b"\x7f",
    b"\xe9",
    "é".encode(),
    "\u202f".encode(),
    b"9" * 4_301,
    b"1e400000",
    b"-1E-99999",
    b"99999999999999999999",
    b"NaN",
    b"inf",
    b"s",
    b"_line",
    b"a" * 131_073,
]


@functools.cache
def head_of(source: Path) -> bytes:
    """The header and the first data lines of a shipped file, byte for byte."""
    return b"".join(source.read_bytes().splitlines(keepends=True)[: KEPT_LINES + 1])


@functools.cache
def iris_reference() -> dict[str, str]:
    zones = read_file(IRIS_REFERENCE).iris_zones
    return dict(zip(zones["code"].to_list(), zones["commune_code"].to_list(), strict=True))


def outcome(content: bytes, file_name: str, format: str | None):
    """Read `content` as `file_name`; return the ParsedFile, or the DatasetError after checking its message."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / file_name
        path.write_bytes(content)
        try:
            parsed = read_file(path, format=format, iris_to_commune=iris_reference)
        except DatasetError as exc:
            assert exc.errors, "a refusal gives at least one reason"
            for message in exc.messages:
                assert message.startswith(file_name), message
                assert len(message) < 2_000, "a message quotes cells, it does not reproduce them"
            return exc
    assert isinstance(parsed, ParsedFile)
    assert parsed.rows_read > 0
    assert (parsed.cells is None) != (parsed.iris_zones is None)
    if parsed.cells is not None:
        assert parsed.cells.columns[:6] == ["level", "code", "variable", "year", "value", "status"]
    return parsed


def damaged(source: Path):
    """A copy of the first lines of `source` with a few edits a person, a spreadsheet or an attacker could make."""
    return damaged_csv(head_of(source), insertions=INSERTIONS, max_column=30, keep_prefix=True)


@pytest.mark.parametrize("format", FORMAT_CHOICES)
@FUZZ
@given(content=st.binary(max_size=2_000))
def test_random_bytes_are_read_or_refused_in_french(format, content):
    outcome(content, "data_CAF_2020_IRIS.csv", format)


@pytest.mark.parametrize("format", FORMAT_CHOICES)
@FUZZ
@given(text=st.text(alphabet=st.sampled_from(list('CODGEO_P22;,\t"\n\r 0123456789.-es\u00a0éx')), max_size=400))
def test_random_csv_like_text_is_read_or_refused_in_french(format, text):
    outcome(text.encode(), "base_cc_comparateur_2025.csv", format)


@pytest.mark.parametrize("source", SOURCES, ids=lambda source: source.name)
@FUZZ
@given(data=st.data())
def test_damaged_shipped_files_are_read_or_refused_in_french(source, data):
    outcome(data.draw(damaged(source)), source.name, data.draw(st.sampled_from([None, None, *FORMATS])))


@pytest.mark.parametrize("source", SOURCES, ids=lambda source: source.name)
def test_intact_heads_of_shipped_files_are_read(source):
    assert isinstance(outcome(head_of(source), source.name, None), ParsedFile)
