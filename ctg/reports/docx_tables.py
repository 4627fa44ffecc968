"""Tables of the editable DOCX documents: one helper for every table of every report, with its look.

Every cell goes through `printable`: one control character stored in a name or a note would otherwise make the
document impossible to write (XML refuses it).

Columns are sized to the page: each column is at least as wide as the longest word of its header (and of its
cells, up to a bound), so that no header breaks in the middle of a word; the rest of the text width of the
current section goes to the columns with the most text. Word processors keep these widths (fixed layout).
"""

import dataclasses
import re
from collections.abc import Iterable, Sequence

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from ctg.core.text import printable

TABLE_STYLE = "Table Grid"
# Estimated advance of a character of DejaVu Sans, in em, by class: generous (above the font's own widths), so
# that an estimate never falls short of the printed word; narrower fonts only leave more room.
THIN_EM, DIGIT_EM, LETTER_EM, WIDE_EM, BOLD_FACTOR = 0.42, 0.64, 0.62, 0.78, 1.13
THIN_CHARACTERS = frozenset("fijlrtI ,.;:'’-()/[]!|\u202f\xa0")
WIDE_CHARACTERS = frozenset("MWmw@%ÆŒæœ€") | frozenset("ABCDEFGHJKLNOPQRSTUVXYZÀÂÄÇÉÈÊËÎÏÔÖÙÛÜ")
# Only these spaces let a line break: the no-break spaces inside "12 400,00 €" keep an amount whole.
BREAKING_SPACES = re.compile(r"[ \t\n]+")
# Left and right cell margins of the table style (0.19 cm each) and a little room.
CELL_PADDING_PT = 13
DEFAULT_FONT_PT = 11
# A word of a cell longer than this (an address, a file name) may break: it does not widen its column further.
LONGEST_CELL_WORD = 16
# The text of a cell beyond this many characters wraps rather than claiming more width.
LONGEST_CELL_LINE = 60


@dataclasses.dataclass(frozen=True)
class TableLook:
    """How a table reads: `font_size` in points (None: the document's own), a bold header repeated at the top of
    every page it runs over, the table centred, and the figures (every column but the first) aligned right."""

    font_size: float | None = None
    bold_header: bool = False
    repeat_header: bool = False
    centred: bool = False
    figures_right: bool = False


PLAIN = TableLook()
# The long tables of figures of a report (indicators per territory, per commune).
FIGURES = TableLook(font_size=8, bold_header=True, repeat_header=True, centred=True, figures_right=True)


def add_table(
    document,
    rows: Iterable[Sequence[str]],
    *,
    header: Sequence[str] | None = None,
    columns: int | None = None,
    look: TableLook = PLAIN,
    widths: Sequence[float] | None = None,
):
    """A bordered table of text cells, with its header row when given (else `columns` columns); returns it.
    Column `widths` in centimetres, else sized to the text width of the document's current section."""
    rows = [list(values) for values in rows]
    table = document.add_table(rows=0, cols=len(header) if header else columns)
    table.style = TABLE_STYLE
    if look.centred:
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
    if header:
        row = add_row(table, header, look=look, header=True)
        if look.repeat_header:
            _repeat_on_every_page(row)
    for values in rows:
        add_row(table, values, look=look)
    if widths is None:
        widths = column_widths_cm(
            header,
            rows,
            columns=len(table.columns),
            text_width_cm=_text_width_cm(document),
            font_pt=look.font_size or _font_pt(document),
            bold_header=look.bold_header,
        )
    _set_widths(table, widths)
    return table


def _text_width_cm(document) -> float | None:
    """The width between the margins of the document's last section (where the table goes), or None."""
    sections = getattr(document, "sections", None)
    if not sections:
        return None
    section = sections[-1]
    if section.page_width is None or section.left_margin is None or section.right_margin is None:
        return None
    return (section.page_width - section.left_margin - section.right_margin) / Cm(1)


def _font_pt(document) -> float:
    styles = getattr(document, "styles", None)
    size = styles["Normal"].font.size if styles is not None else None
    return size.pt if size is not None else DEFAULT_FONT_PT


def text_width_pt(text: str, font_pt: float, *, bold: bool = False) -> float:
    """Estimated printed width of a text on one line."""
    ems = sum(
        THIN_EM
        if character in THIN_CHARACTERS
        else DIGIT_EM
        if character.isdigit()
        else WIDE_EM
        if character in WIDE_CHARACTERS
        else LETTER_EM
        for character in text
    )
    return ems * font_pt * (BOLD_FACTOR if bold else 1)


def _longest_word_pt(text: str, font_pt: float, *, bold: bool = False, bound: int | None = None) -> float:
    words = [word[:bound] if bound else word for word in BREAKING_SPACES.split(printable(text)) if word]
    return max((text_width_pt(word, font_pt, bold=bold) for word in words), default=0)


def column_widths_cm(
    header: Sequence[str] | None,
    rows: Sequence[Sequence[str]],
    *,
    columns: int,
    text_width_cm: float | None,
    font_pt: float,
    bold_header: bool = False,
) -> list[float] | None:
    """Widths (cm) sharing the text width: each column gets at least its longest header word (and cell word, up to
    LONGEST_CELL_WORD characters); what is left goes to the columns in proportion of the text they would need on
    one line (up to LONGEST_CELL_LINE characters). None when the text width is not known."""
    if text_width_cm is None or columns == 0:
        return None
    available = text_width_cm / 2.54 * 72  # points
    minimum, wanted = [], []
    for index in range(columns):
        label = header[index] if header else ""
        cells = [row[index] for row in rows if index < len(row)]
        word = max(
            _longest_word_pt(label, font_pt, bold=bold_header),
            max((_longest_word_pt(c, font_pt, bound=LONGEST_CELL_WORD) for c in cells), default=0),
        )
        line = max(
            (text_width_pt(printable(c)[:LONGEST_CELL_LINE], font_pt) for c in [label, *cells]),
            default=0,
        )
        minimum.append(word + CELL_PADDING_PT)
        wanted.append(max(word, line) + CELL_PADDING_PT)
    if sum(minimum) >= available:
        # Even the words do not fit: the columns share the width in proportion of their longest word.
        shares = [width * available / sum(minimum) for width in minimum]
    elif sum(wanted) <= available:
        shares = [width * available / sum(wanted) for width in wanted]
    else:
        spare = available - sum(minimum)
        extra = [w - m for w, m in zip(wanted, minimum, strict=True)]
        shares = [m + spare * e / sum(extra) for m, e in zip(minimum, extra, strict=True)]
    return [round(points / 72 * 2.54, 3) for points in shares]


def _set_widths(table, widths: Sequence[float] | None) -> None:
    """Fixed column widths, on the grid (read by LibreOffice) and on every cell (read by Word)."""
    if not widths:
        return
    table.autofit = False
    lengths = [Cm(width) for width in widths]
    for column, length in zip(table.columns, lengths, strict=True):
        column.width = length
    for row in table.rows:
        for cell, length in zip(row.cells, lengths, strict=True):
            cell.width = length


def add_row(table, values: Sequence[str], *, look: TableLook = PLAIN, header: bool = False):
    """One more row of text cells (as many values as the table has columns); returns it."""
    row = table.add_row()
    grid = [column.w for column in table._tbl.tblGrid.gridCol_lst]
    for index, (cell, text) in enumerate(zip(row.cells, values, strict=True)):
        if grid[index] is not None and not table.autofit:
            cell.width = grid[index]
        paragraph = cell.paragraphs[0]
        run = paragraph.add_run(printable(text))
        if header and look.bold_header:
            run.bold = True
        if look.font_size is not None:
            run.font.size = Pt(look.font_size)
        if look.figures_right and index > 0 and not header:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return row


def _repeat_on_every_page(row) -> None:
    properties = row._tr.get_or_add_trPr()
    marker = OxmlElement("w:tblHeader")
    marker.set(qn("w:val"), "true")
    properties.append(marker)
