"""Property-based attacks on the plan import: random bytes and damaged copies of the real export of the demo plan.

Each outcome is a success or a report of French errors; no exception escapes, and a refused file leaves the plan
exactly as it was (same values, same history).
"""

import datetime
import io
import re
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from ctg.plans import workbook as wb
from ctg.plans.demo import load_demo_plan
from ctg.plans.exports import build_xlsx
from ctg.plans.imports import plan_import_xlsx
from tests.plans.workbooks import plan_state, rewrite_member

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)
# A message names where (sheet or whole workbook) and says why in French; quoted cell values are left out of the
# check, since they repeat what the file holds.
WHERE = re.compile(r"^(feuille « [^»]+ »(, ligne \d+)?(, colonne « [^»]+ »)?|classeur) : ")
ENGLISH = re.compile(r"\b(the|is|not|must|ensure|this|with|should|cannot|invalid|error|exception|traceback)\b", re.I)
QUOTED = re.compile(r"«[^»]*»")
# Characters a spreadsheet cannot hold (openpyxl refuses to write them): the attacks on them are in
# test_import_attacks, through the raw XML.
CELL_TEXT = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs",), blacklist_characters=[chr(i) for i in range(32) if i not in (9, 10, 13)]
    ),
    max_size=60,
)
TRICKY = st.sampled_from(
    [
        "1e400000",
        "-1e400000",
        "1e30",
        "Infinity",
        "NaN",
        "2e3",
        "9" * 4_400,
        "1,5",
        "1.5",
        "-0",
        "oui",
        "non",
        "À venir",
        "En cours",
        "Fonctionnement",
        "Fonds propres",
        "Indicateur",
        "Cible",
        "Mesure",
        "Renseignée",
        "DIAG-01",
        "PE-02",
        "PE-02-I1",
        "Caux Seine agglo",
        "CAF de la Seine-Maritime",
        "31/02/2022",
        "01/01/2022",
        "=1+1",
        "'=cmd",
        "\x7f",
        "",
    ]
)
CELL_VALUE = st.one_of(
    st.none(),
    TRICKY,
    CELL_TEXT,
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(min_value=datetime.date(1900, 3, 1), max_value=datetime.date(2100, 12, 31)),
)
SHEETS = [wb.ACTIONS_SHEET, wb.FUNDING_SHEET, wb.INDICATORS_SHEET]


class Demo(dict):
    """The demo plan and its export; a short repr, since Hypothesis prints the arguments of a failing example."""

    def __repr__(self):
        return "<demo plan>"


@pytest.fixture
def demo(caux_seine):
    convention = caux_seine["convention"]
    load_demo_plan(convention=convention)
    return Demo(convention=convention, export=build_xlsx(convention), by=caux_seine["accounts"][0][1])


def import_and_check(demo, content: bytes):
    convention = demo["convention"]
    before = plan_state(convention)
    report = plan_import_xlsx(convention=convention, content=content, by=demo["by"])
    if report.ok:
        return report
    assert plan_state(convention) == before
    for error in report.errors:
        message = str(error)
        assert WHERE.match(message) and error.message and not ENGLISH.search(QUOTED.sub("", error.message)), message
    return report


@FUZZ
@given(content=st.one_of(st.binary(max_size=3_000), st.binary(max_size=3_000).map(lambda b: b"PK\x03\x04" + b)))
def test_random_bytes_are_refused(demo, content):
    report = import_and_check(demo, content)
    assert not report.ok


@FUZZ
@given(flips=st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), min_size=1, max_size=8))
def test_export_with_flipped_bytes(demo, flips):
    content = bytearray(demo["export"])
    for position, byte in flips:
        content[position % len(content)] = byte
    import_and_check(demo, bytes(content))


def _members(content: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return sorted(name for name in archive.namelist() if name.endswith((".xml", ".rels")))


@FUZZ
@given(data=st.data())
def test_export_with_damaged_xml_inside_the_archive(demo, data):
    member = data.draw(st.sampled_from(_members(demo["export"])), label="member")
    edits = data.draw(
        st.lists(
            st.tuples(
                st.integers(min_value=0), st.sampled_from([b"", b"<", b">", b"&", b'"', b"0", b"9" * 30, b"e9"])
            ),
            min_size=1,
            max_size=5,
        ),
        label="edits",
    )

    def damage(xml: bytes) -> bytes:
        for position, insert in edits:
            cut = position % (len(xml) + 1)
            xml = xml[:cut] + insert + xml[cut + 1 :]
        return xml

    import_and_check(demo, rewrite_member(demo["export"], member, damage))


@FUZZ
@given(
    edits=st.lists(
        st.tuples(st.sampled_from(SHEETS), st.integers(1, 14), st.integers(1, 24), CELL_VALUE), min_size=1, max_size=6
    )
)
def test_export_with_cells_replaced(demo, edits):
    from openpyxl.utils import get_column_letter

    book = load_workbook(io.BytesIO(demo["export"]))
    for sheet, row, column, value in edits:
        book[sheet][f"{get_column_letter(column)}{row}"] = value
    buffer = io.BytesIO()
    book.save(buffer)
    book.close()
    import_and_check(demo, buffer.getvalue())
