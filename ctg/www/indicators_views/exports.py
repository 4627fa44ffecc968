"""Exports of a convention's diagnostic: the report (DOCX, PDF) and the indicator table (XLSX, CSV).

Any reader of the convention may export; each export is written to the security journal. The report and the
workbook (every vintage) take seconds to build: the background worker builds them once per version of their
data, and the reader waits on the job's page (or downloads at once the file already built).
"""

from django.http import HttpResponse
from django.views.decorators.http import require_safe

from ctg.diagnostic.jobs import diagnostic_report_request
from ctg.diagnostic.reports.content import export_file_name
from ctg.diagnostic.reports.indicator_table import build_indicator_csv
from ctg.reports import content_types
from ctg.www.downloads import download_response, export_record, job_redirect
from ctg.www.utils import get_convention_for

FORMATS = {
    "csv": (build_indicator_csv, content_types.CSV, "tableau des indicateurs CSV"),
}


def _export(request, convention_pk, fmt: str) -> HttpResponse:
    convention = get_convention_for(request, convention_pk)
    build, content_type, label = FORMATS[fmt]
    content = build(convention=convention)
    export_record(request, convention=convention, detail=f"Diagnostic : {label} ({convention.title})")
    return download_response(content, content_type=content_type, filename=export_file_name(convention, fmt))


def _report(request, convention_pk, fmt: str) -> HttpResponse:
    convention = get_convention_for(request, convention_pk)
    return job_redirect(diagnostic_report_request(convention=convention, fmt=fmt, by=request.user))


@require_safe
def export_docx(request, convention_pk):
    return _report(request, convention_pk, "docx")


@require_safe
def export_pdf(request, convention_pk):
    return _report(request, convention_pk, "pdf")


@require_safe
def export_xlsx(request, convention_pk):
    return _report(request, convention_pk, "xlsx")


@require_safe
def export_csv(request, convention_pk):
    return _export(request, convention_pk, "csv")
