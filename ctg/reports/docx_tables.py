"""Tables of the editable DOCX documents: one helper for every table of every report, with its look.

Every cell goes through `printable`: one control character stored in a name or a note would otherwise make the
document impossible to write (XML refuses it).
"""

import dataclasses
from collections.abc import Iterable, Sequence

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

from ctg.core.text import printable

TABLE_STYLE = "Table Grid"


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
):
    """A bordered table of text cells, with its header row when given (else `columns` columns); returns it."""
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
    return table


def add_row(table, values: Sequence[str], *, look: TableLook = PLAIN, header: bool = False):
    """One more row of text cells (as many values as the table has columns); returns it."""
    row = table.add_row()
    for index, (cell, text) in enumerate(zip(row.cells, values, strict=True)):
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
