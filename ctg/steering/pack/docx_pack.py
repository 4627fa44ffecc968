"""A steering document as an editable DOCX: title page, a table-of-contents field, one heading per section."""

from docx import Document
from docx.shared import Pt

from ctg.reports.docx_helpers import (
    add_heading,
    add_page_break,
    add_page_numbers,
    add_paragraph,
    add_run,
    add_table_of_contents,
    document_bytes,
    set_up_a4,
)
from ctg.reports.docx_tables import FIGURES, add_table
from ctg.steering.pack.document import PackDocument, Paragraph, Source, Table

MUTED_SIZE = Pt(8)


def _muted(document, value: str) -> None:
    run = add_run(add_paragraph(document), value)
    run.italic = True
    run.font.size = MUTED_SIZE


def build_docx(pack: PackDocument) -> bytes:
    document = Document()
    set_up_a4(document)
    document.core_properties.title = pack.title
    add_paragraph(document, pack.title, style="Title")
    add_paragraph(document, pack.subtitle, style="Subtitle")
    for fact in pack.facts:
        add_paragraph(document, fact)
    _muted(document, pack.generated)
    add_page_break(document)
    add_table_of_contents(document)
    for section in pack.sections:
        add_heading(document, section.title, level=section.level)
        for block in section.blocks:
            if isinstance(block, Table):
                caption = add_run(add_paragraph(document), block.caption)
                caption.bold = True
                if block.rows:
                    add_table(document, block.rows, header=block.header, look=FIGURES)
                else:
                    _muted(document, block.empty)
            elif isinstance(block, Source):
                _muted(document, block.text)
            elif isinstance(block, Paragraph):
                if block.muted:
                    _muted(document, block.text)
                else:
                    add_paragraph(document, block.text)
    add_page_numbers(document)
    return document_bytes(document)
