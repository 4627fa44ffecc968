"""Exports of a convention's diagnostic: the report (DOCX, PDF) and the indicator table (XLSX, CSV).

Any reader of the convention may export; each export is written to the security journal. The report and the
workbook (every vintage) take seconds to build: the background worker builds them once per version of their
data, and the reader waits on the job's page (or downloads at once the file already built).
"""

from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_safe

from ctg.accounts.client_ip import client_ip
from ctg.accounts.enums import SecurityEventKind
from ctg.accounts.journal import security_event_record
from ctg.diagnostic.jobs import diagnostic_report_request
from ctg.diagnostic.reports.content import export_file_name
from ctg.diagnostic.reports.indicator_table import build_indicator_csv
from ctg.jobs.enums import JobStatus
from ctg.reports import content_types
from ctg.www.downloads import download_response
from ctg.www.utils import get_convention_for

FORMATS = {
    "csv": (build_indicator_csv, content_types.CSV, "tableau des indicateurs CSV"),
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


def _report(request, convention_pk, fmt: str) -> HttpResponse:
    convention = get_convention_for(request, convention_pk)
    job = diagnostic_report_request(convention=convention, fmt=fmt, by=request.user)
    if job.status == JobStatus.DONE:
        return redirect("jobs_views:file", pk=job.pk)
    return redirect("jobs_views:detail", pk=job.pk)


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
