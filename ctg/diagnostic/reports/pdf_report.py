"""The diagnostic report as PDF: the HTML template reports/diagnostic.html printed by WeasyPrint.

Nothing is fetched from the network (ctg.reports.pdf): maps are embedded as data: URIs.
"""

from django.template.loader import render_to_string

from ctg.core.text import printable
from ctg.diagnostic.reports.content import diagnostic_report
from ctg.reports.pdf import REPORT_TEMPLATE_DIR, html_to_pdf, png_data_uri

STYLESHEET = REPORT_TEMPLATE_DIR / "diagnostic_print.css"


def render_diagnostic_html(*, convention, report: dict | None = None) -> str:
    report = report or diagnostic_report(convention=convention)
    themes = [
        {**theme, "map_uri": png_data_uri(theme["map"].png) if theme["map"] else ""} for theme in report["themes"]
    ]
    # Stored text may hold control characters; HTML needs none (tab and line breaks are kept), so the whole
    # page goes through `printable` once rather than each of its variables.
    return printable(render_to_string("reports/diagnostic.html", {**report, "themes": themes}))


def build_diagnostic_pdf(*, convention, report: dict | None = None) -> bytes:
    return html_to_pdf(render_diagnostic_html(convention=convention, report=report), stylesheet=STYLESHEET)
