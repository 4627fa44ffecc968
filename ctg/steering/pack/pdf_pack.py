"""A steering document as PDF: the template reports/steering_pack.html printed by WeasyPrint (ctg.reports.pdf).

A long table (the changes of a busy semester, the indicators of a large plan) is printed as a list of lines, each
naming its columns: WeasyPrint lays out a table row about ten times slower than a paragraph, and a pack of a
thousand rows would otherwise take minutes to print.
"""

from django.template.loader import render_to_string

from ctg.core.text import printable
from ctg.reports.pdf import REPORT_TEMPLATE_DIR, html_to_pdf
from ctg.steering.pack.document import PackDocument, Paragraph, Source, Table

STYLESHEET = REPORT_TEMPLATE_DIR / "steering_pack_print.css"
LONG_TABLE_ROWS = 25


def _block(block) -> dict:
    if isinstance(block, Table):
        entry = {"kind": "table", "block": block, "long": len(block.rows) > LONG_TABLE_ROWS}
        if entry["long"]:
            entry["lines"] = [
                {"first": row[0], "rest": list(zip(block.header[1:], row[1:], strict=True))} for row in block.rows
            ]
        return entry
    if isinstance(block, Source):
        return {"kind": "source", "block": block}
    return {"kind": "paragraph", "block": block, "muted": isinstance(block, Paragraph) and block.muted}


def render_html(pack: PackDocument) -> str:
    sections = [
        {
            "title": section.title,
            "level": section.level,
            "blocks": [_block(b) for b in section.blocks],
        }
        for section in pack.sections
    ]
    # Stored text may hold control characters; HTML needs none, so the page goes through `printable` once.
    return printable(render_to_string("reports/steering_pack.html", {"pack": pack, "sections": sections}))


def build_pdf(pack: PackDocument) -> bytes:
    return html_to_pdf(render_html(pack), stylesheet=STYLESHEET)
