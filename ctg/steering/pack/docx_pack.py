"""A steering document as an editable DOCX: title page, a table-of-contents field, one heading per section."""

from ctg.reports.docx_helpers import add_heading, add_muted, add_paragraph, add_run, document_bytes, new_report
from ctg.reports.docx_tables import FIGURES, add_table
from ctg.steering.pack.document import PackDocument, Paragraph, Source, Table


def build_docx(pack: PackDocument) -> bytes:
    document = new_report(title=pack.title, subtitle=pack.subtitle, facts=pack.facts, note=pack.generated)
    for section in pack.sections:
        add_heading(document, section.title, level=section.level)
        for block in section.blocks:
            if isinstance(block, Table):
                caption = add_run(add_paragraph(document), block.caption)
                caption.bold = True
                if block.rows:
                    add_table(document, block.rows, header=block.header, look=FIGURES)
                else:
                    add_muted(document, block.empty)
            elif isinstance(block, Source):
                add_muted(document, block.text)
            elif isinstance(block, Paragraph):
                if block.muted:
                    add_muted(document, block.text)
                else:
                    add_paragraph(document, block.text)
    return document_bytes(document)
