"""Exports of a convention's diagnostic: the report (DOCX, PDF) and the indicator table (XLSX, CSV).

Any reader of the convention may export; each export is written to the security journal.
"""

from django.http import HttpResponse
from django.views.decorators.http import require_safe

from ctg.accounts.client_ip import client_ip
from ctg.accounts.enums import SecurityEventKind
from ctg.accounts.journal import security_event_record
from ctg.diagnostic.reports.content import export_file_name
from ctg.diagnostic.reports.docx_report import build_diagnostic_docx
from ctg.diagnostic.reports.indicator_table import build_indicator_csv, build_indicator_xlsx
from ctg.diagnostic.reports.pdf_report import build_diagnostic_pdf
from ctg.www.downloads import download_response
from ctg.www.utils import get_convention_for

FORMATS = {
    "docx": (
        build_diagnostic_docx,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "rapport de diagnostic DOCX",
    ),
    "pdf": (build_diagnostic_pdf, "application/pdf", "rapport de diagnostic PDF"),
    "xlsx": (
        build_indicator_xlsx,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "tableau des indicateurs XLSX",
    ),
    "csv": (build_indicator_csv, "text/csv; charset=utf-8", "tableau des indicateurs CSV"),
}


def _export(request, convention_pk, fmt: str) -> HttpResponse:
    convention = get_convention_for(request, convention_pk)
    build, content_type, label = FORMATS[fmt]
    content = build(convention=convention)
    security_event_record(
        kind=SecurityEventKind.EXPORT,
        user=request.user,
        convention=convention,
        detail=f"Diagnostic : {label} ({convention.title})",
        ip_address=client_ip(request),
    )
    return download_response(content, content_type=content_type, filename=export_file_name(convention, fmt))


@require_safe
def export_docx(request, convention_pk):
    return _export(request, convention_pk, "docx")


@require_safe
def export_pdf(request, convention_pk):
    return _export(request, convention_pk, "pdf")


@require_safe
def export_xlsx(request, convention_pk):
    return _export(request, convention_pk, "xlsx")


@require_safe
def export_csv(request, convention_pk):
    return _export(request, convention_pk, "csv")
