"""A steering document as PDF: the template reports/steering_pack.html printed by WeasyPrint (ctg.reports.pdf)."""

from django.template.loader import render_to_string

from ctg.core.text import printable
from ctg.reports.pdf import REPORT_TEMPLATE_DIR, html_to_pdf
from ctg.steering.pack.document import PackDocument, Paragraph, Source, Table

STYLESHEET = REPORT_TEMPLATE_DIR / "diagnostic_print.css"


def render_html(pack: PackDocument) -> str:
    sections = [
        {
            "title": section.title,
            "level": section.level,
            "blocks": [
                {
                    "kind": "table" if isinstance(b, Table) else "source" if isinstance(b, Source) else "paragraph",
                    "block": b,
                    "muted": isinstance(b, Paragraph) and b.muted,
                }
                for b in section.blocks
            ],
        }
        for section in pack.sections
    ]
    # Stored text may hold control characters; HTML needs none, so the page goes through `printable` once.
    return printable(render_to_string("reports/steering_pack.html", {"pack": pack, "sections": sections}))


def build_pdf(pack: PackDocument) -> bytes:
    return html_to_pdf(render_html(pack), stylesheet=STYLESHEET)
