"""The final evaluation report as PDF: the HTML template reports/evaluation.html printed by WeasyPrint with the
reports' print stylesheet (A4, numbered pages, the wide "what changed" table on landscape pages)."""

from django.template.loader import render_to_string

from ctg.core.text import printable
from ctg.evaluation.final_report.content import final_report
from ctg.reports.pdf import REPORT_TEMPLATE_DIR, html_to_pdf

STYLESHEET = REPORT_TEMPLATE_DIR / "evaluation_print.css"


def render_final_report_html(*, convention, report: dict | None = None) -> str:
    report = report or final_report(convention=convention)
    # Stored text may hold control characters; the whole page goes through `printable` once.
    return printable(render_to_string("reports/evaluation.html", report))


def build_final_report_pdf(*, convention, report: dict | None = None) -> bytes:
    return html_to_pdf(render_final_report_html(convention=convention, report=report), stylesheet=STYLESHEET)
