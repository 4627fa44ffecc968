"""XLSX sheets that read and print well: one helper for every workbook the product writes.

`write_table` writes a header row and the data rows into a sheet (regular or write-only) and gives it its look:
- the header in bold, wrapped between words, frozen at the top, with an autofilter over the data;
- each column as wide as its content within bounds (MIN_WIDTH to the column's `max_width`), a longer text wrapping
  in its cell rather than being cut at print;
- amounts in euros without decimals (`#,##0 "€"`, shown « 1 234 € » by a spreadsheet set to French), with cents
  when one amount of the column has cents; dates as JJ/MM/AAAA;
- a print setup: A4, landscape, every column on one page wide (as many pages high as needed), the header row
  repeated on every page, the sheet name and the page number in the footer;
- a `folded` column (codes and raw figures meant for formulas and filters, not for reading) grouped and folded:
  the spreadsheet shows a « + » above it to unfold it, and a folded column does not print, which leaves the
  printed columns a legible scale.
Sheets that are not one table (lists, totals, notes) take the pieces: `header_cells`, `set_widths`,
`set_print_setup`. Values are written as given: callers neutralise text cells (ctg.reports.cells).
"""

import dataclasses
import datetime
import io
from collections.abc import Sequence
from decimal import Decimal

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

EUROS = '#,##0 "€"'
EUROS_CENTS = '#,##0.00 "€"'
DATE = "DD/MM/YYYY"
# Column.kind of an amount in euros: EUROS, or EUROS_CENTS when one of its amounts has cents.
AMOUNT = "amount"
MIN_WIDTH = 6
MAX_WIDTH = 50
# Room around the text in a column (characters).
PADDING = 2
HEADER_FONT = Font(bold=True)
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="top")
WRAPPED = Alignment(wrap_text=True, vertical="top")
# Height of one line of the default 11 pt font (points): a row of wrapped text is given the height of its lines, as
# LibreOffice does not always compute it when it opens the file (the text of the next rows would print over it).
LINE_HEIGHT = 15
PAPER_A4 = "9"  # paperSize code of A4 in SpreadsheetML
FOOTER = "&A – page &P / &N"


@dataclasses.dataclass(frozen=True)
class Column:
    """A column of a table: its header label, what it holds (`kind`: "text", or AMOUNT for euros), the widest
    it may be (in characters) and whether it is folded (see the module docstring)."""

    label: str
    kind: str = "text"
    max_width: float = MAX_WIDTH
    folded: bool = False


def as_column(column: "Column | str") -> Column:
    return column if isinstance(column, Column) else Column(column)


def _display_length(value) -> int:
    """Characters a value takes once shown (the longest line of a text)."""
    if value is None:
        return 0
    if isinstance(value, datetime.date):
        return 10
    if isinstance(value, bool):
        return 4
    if isinstance(value, int | float | Decimal):
        whole = len(f"{abs(int(value)):,}")  # digits and thousands separators
        decimals = 3 if isinstance(value, float | Decimal) and value != int(value) else 0
        return whole + decimals + (1 if value < 0 else 0)
    return max((len(line) for line in str(value).splitlines()), default=0)


def _longest_word(text: str) -> int:
    return max((len(word) for word in text.split()), default=0)


def _has_cents(value) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool) and value != int(value)


def column_widths(columns: Sequence["Column | str"], rows: Sequence[Sequence]) -> list[float]:
    """Each column's width: its longest value (or the longest word of its header, which wraps), plus padding,
    between MIN_WIDTH and the column's max_width; amounts take the room of their euro sign."""
    widths = []
    for index, column in enumerate(as_column(c) for c in columns):
        content = max((_display_length(row[index]) for row in rows if index < len(row)), default=0)
        if column.kind == AMOUNT:
            content += 2  # " €"
        needed = max(content, _longest_word(column.label)) + PADDING
        widths.append(float(max(MIN_WIDTH, min(column.max_width, needed))))
    return widths


def wrapped_lines(text: str, width: float) -> int:
    """Lines a text takes once wrapped between words in a column `width` characters wide (greedily, as spreadsheets
    do; a word longer than the line breaks inside)."""
    capacity = max(1, int(width - PADDING))
    lines = 0
    for paragraph in str(text).split("\n"):
        lines += 1
        used = 0
        for word in paragraph.split():
            if used and used + 1 + len(word) <= capacity:
                used += 1 + len(word)
                continue
            if used:
                lines += 1
            used = len(word)
            while used > capacity:
                lines += 1
                used -= capacity
    return lines


def _wraps(value, width: float) -> bool:
    return isinstance(value, str) and ("\n" in value or _display_length(value) + PADDING > width)


def set_row_height(sheet, row: int, values: Sequence, widths: Sequence[float]) -> None:
    """The height of a row holding wrapped texts: as many lines as its tallest cell (before the row is written)."""
    lines = max(
        (wrapped_lines(value, width) for value, width in zip(values, widths, strict=False) if _wraps(value, width)),
        default=1,
    )
    if lines > 1:
        sheet.row_dimensions[row].height = lines * LINE_HEIGHT


def set_widths(sheet, widths: Sequence[float], *, first_column: int = 1) -> None:
    for index, width in enumerate(widths, start=first_column):
        sheet.column_dimensions[get_column_letter(index)].width = width


def header_cells(sheet, labels: Sequence[str]) -> list:
    """A header row: bold labels, wrapped between words."""
    cells = []
    for label in labels:
        cell = WriteOnlyCell(sheet, value=label)
        cell.font = HEADER_FONT
        cell.alignment = HEADER_ALIGNMENT
        cells.append(cell)
    return cells


def set_print_setup(sheet, *, title_rows: str | None = "1:1", landscape: bool = True) -> None:
    """A4, landscape by default, all the columns on one page wide, `title_rows` repeated at the top of every
    page, the sheet name and page number in the footer."""
    sheet.page_setup.paperSize = PAPER_A4
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages high as the rows need
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.page_margins.left = sheet.page_margins.right = 0.5
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    sheet.page_margins.header = sheet.page_margins.footer = 0.3
    if title_rows:
        sheet.print_title_rows = title_rows
    sheet.oddFooter.center.text = FOOTER


def euro_format(amounts) -> str:
    """The format of a set of amounts: whole euros, or with cents when one of them has cents."""
    return EUROS_CENTS if any(_has_cents(amount) for amount in amounts) else EUROS


def _number_formats(columns: list[Column], rows: Sequence[Sequence]) -> list[str | None]:
    return [
        euro_format(row[index] for row in rows if index < len(row)) if column.kind == AMOUNT else None
        for index, column in enumerate(columns)
    ]


def _cell(sheet, value, number_format: str | None, width: float):
    """The value as is, or a cell carrying its format (a date, an amount) or wrapping (a text wider than its
    column)."""
    if value is None:
        return None
    if isinstance(value, datetime.date):
        number_format = DATE
    wrap = _wraps(value, width)
    if not number_format and not wrap:
        return value
    cell = WriteOnlyCell(sheet, value=value)
    if number_format and isinstance(value, int | float | Decimal | datetime.date):
        cell.number_format = number_format
    if wrap:
        cell.alignment = WRAPPED
    return cell


def write_table(
    sheet,
    columns: Sequence["Column | str"],
    rows: Sequence[Sequence],
    *,
    autofilter: bool = True,
    landscape: bool = True,
) -> None:
    """The header then the rows, from the first row of an empty sheet, with widths, formats, frozen header,
    autofilter and print setup (see the module docstring). Works on write-only sheets: every setting is made
    before the first row is written."""
    table = [as_column(c) for c in columns]
    widths = column_widths(table, rows)
    formats = _number_formats(table, rows)
    set_widths(sheet, widths)
    for index, column in enumerate(table, start=1):
        if column.folded:
            dimension = sheet.column_dimensions[get_column_letter(index)]
            dimension.outlineLevel = 1
            dimension.hidden = True
    sheet.freeze_panes = "A2"
    if autofilter:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(table))}{len(rows) + 1}"
    set_print_setup(sheet, landscape=landscape)
    labels = [c.label for c in table]
    # The header wraps between words: it is as tall as its longest label needs.
    header_lines = max(wrapped_lines(label, width + 1) for label, width in zip(labels, widths, strict=True))
    if header_lines > 1:
        sheet.row_dimensions[1].height = header_lines * LINE_HEIGHT
    sheet.append(header_cells(sheet, labels))
    for index, row in enumerate(rows, start=2):
        set_row_height(sheet, index, row, widths)
        sheet.append(
            [_cell(sheet, value, formats[i], widths[i]) if i < len(table) else value for i, value in enumerate(row)]
        )


def workbook_bytes(workbook) -> bytes:
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
