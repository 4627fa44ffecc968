"""The shared XLSX table look, read back from the saved file, in regular and write-only workbooks."""

import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from ctg.reports import xlsx

COLUMNS = [
    xlsx.Column("Code"),
    xlsx.Column("Libellé long de la colonne", max_width=20),
    xlsx.Column("Montant prévu", xlsx.AMOUNT),
    xlsx.Column("Montant versé", xlsx.AMOUNT),
    "Date",
]
ROWS = [
    ["A-1", "court", Decimal("1234"), 10.5, datetime.date(2024, 3, 1)],
    ["A-22", "un texte bien plus long que vingt caractères", 1_250_000, None, None],
]


@pytest.fixture(params=[False, True], ids=["regular", "write-only"])
def sheet(request):
    workbook = Workbook(write_only=request.param)
    sheet = workbook.create_sheet("Tableau") if request.param else workbook.active
    xlsx.write_table(sheet, COLUMNS, ROWS)
    return load_workbook(io.BytesIO(xlsx.workbook_bytes(workbook)))["Tableau" if request.param else sheet.title]


def test_widths_fit_the_content_within_bounds(sheet):
    widths = [sheet.column_dimensions[letter].width for letter in "ABCDE"]
    # "A-22" (4) + 2 is below the minimum of 6; the header "Code" wraps, so its length does not count.
    assert widths[0] == xlsx.MIN_WIDTH
    # The long text is cut at the column's bound (20) and wraps; the short one does not.
    assert widths[1] == 20
    assert sheet["B3"].alignment.wrap_text and not sheet["B2"].alignment.wrap_text
    # 1 250 000 takes 9 characters, " €" 2, padding 2.
    assert widths[2] == 13
    # Header "Montant versé": longest word 7; 10.5 → 2 digits + 3 decimals + " €" = 7; padding 2.
    assert widths[3] == 9
    assert widths[4] == 12  # a date: 10 + 2


def test_amounts_in_euros_with_cents_only_where_needed(sheet):
    assert sheet["C2"].number_format == xlsx.EUROS == '#,##0 "€"'
    assert sheet["C3"].number_format == xlsx.EUROS
    assert sheet["D2"].number_format == xlsx.EUROS_CENTS == '#,##0.00 "€"'
    assert sheet["E2"].number_format == "DD/MM/YYYY"
    assert sheet["C2"].value == 1234 and sheet["D3"].value is None


def test_header_frozen_filtered_bold_and_wrapped(sheet):
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:E3"
    assert all(cell.font.bold and cell.alignment.wrap_text for cell in sheet[1])


def test_print_setup(sheet):
    assert sheet.page_setup.paperSize == 9
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert sheet.print_title_rows == "$1:$1"
    assert sheet.oddFooter.center.text == "&A – page &P / &N"


def test_portrait_and_no_filter_on_request():
    workbook = Workbook()
    xlsx.write_table(workbook.active, ["Liste"], [["a"], [None]], autofilter=False, landscape=False)
    sheet = load_workbook(io.BytesIO(xlsx.workbook_bytes(workbook))).active
    assert sheet.auto_filter.ref is None
    assert sheet.page_setup.orientation == "portrait"


def test_rows_of_wrapped_text_are_as_tall_as_their_lines(sheet):
    # Width 20 leaves 18 characters a line: "un texte bien plus" / "long que vingt" / "caractères".
    assert sheet.row_dimensions[3].height == 3 * xlsx.LINE_HEIGHT
    assert sheet.row_dimensions[2].height is None  # nothing wraps
    # Header: "Montant" / "prévu" in 13 characters.
    assert sheet.row_dimensions[1].height == 2 * xlsx.LINE_HEIGHT


@pytest.mark.parametrize(
    ("text", "width", "lines"),
    [
        ("court", 20, 1),
        ("un texte bien plus long que vingt caractères", 20, 3),
        ("première ligne\nseconde", 30, 2),
        ("x" * 25, 12, 3),  # a word longer than the line breaks inside: 10 + 10 + 5
    ],
)
def test_wrapped_lines(text, width, lines):
    assert xlsx.wrapped_lines(text, width) == lines


@pytest.mark.parametrize("write_only", [False, True], ids=["regular", "write-only"])
def test_a_folded_column_is_grouped_and_hidden_the_others_shown(write_only):
    workbook = Workbook(write_only=write_only)
    sheet = workbook.create_sheet("Tableau") if write_only else workbook.active
    columns = [xlsx.Column("Code", folded=True), xlsx.Column("Libellé"), xlsx.Column("Montant", xlsx.AMOUNT)]
    xlsx.write_table(sheet, columns, [["A-1", "court", 12]])
    sheet = load_workbook(io.BytesIO(xlsx.workbook_bytes(workbook)))["Tableau" if write_only else sheet.title]
    code, label, amount = (sheet.column_dimensions[letter] for letter in "ABC")
    # Hidden columns do not print; the group's « + » unfolds it on screen.
    assert (code.hidden, code.outline_level) == (True, 1)
    assert not label.hidden and not amount.hidden and label.outline_level == amount.outline_level == 0
    assert sheet["A2"].value == "A-1"
