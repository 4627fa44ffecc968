"""The diagnostic report (DOCX, PDF) and the indicator workbook (XLSX, every vintage) are built by the background
worker, once per version of their data (ctg.jobs.reports).

The version covers what the report prints: the convention and its engaged communes, the datasets present (every
import or withdrawal recomputes the indicators), the enjeux, the offer and its published totals, and the day
(the report prints its date). While none of these changes, every reader gets the file already built.
"""

from django.db.models import Count, Max

from ctg.conventions.models import Convention
from ctg.diagnostic.models import Enjeu
from ctg.diagnostic.reports.content import export_file_name
from ctg.diagnostic.reports.docx_report import build_diagnostic_docx
from ctg.diagnostic.reports.indicator_table import build_indicator_xlsx
from ctg.diagnostic.reports.pdf_report import build_diagnostic_pdf
from ctg.jobs.models import Job
from ctg.jobs.reports import ReportFormat, data_version, register_convention_report
from ctg.offer.models import OfferItem, OfferTotal
from ctg.opendata.models import Dataset
from ctg.reports import content_types

KIND = "diagnostic_report"

REPORT_FORMATS = {
    "docx": ReportFormat(build_diagnostic_docx, content_types.DOCX, "Rapport de diagnostic (DOCX)"),
    "pdf": ReportFormat(build_diagnostic_pdf, content_types.PDF, "Rapport de diagnostic (PDF)"),
    "xlsx": ReportFormat(build_indicator_xlsx, content_types.XLSX, "Tableau des indicateurs (XLSX)"),
}


def diagnostic_data_version(convention: Convention) -> str:
    return data_version(
        {
            "convention": convention.updated_at,
            "communes": sorted(convention.communes.values_list("code", flat=True)),
            "datasets": Dataset.objects.aggregate(count=Count("pk"), last=Max("pk"), at=Max("imported_at")),
            "enjeux": Enjeu.objects.filter(convention=convention).aggregate(count=Count("pk"), at=Max("updated_at")),
            "offer": OfferItem.objects.filter(convention=convention).aggregate(
                count=Count("pk"), at=Max("updated_at")
            ),
            "totals": OfferTotal.objects.filter(convention=convention).aggregate(count=Count("pk"), last=Max("pk")),
        }
    )


DIAGNOSTIC_REPORT = register_convention_report(
    KIND, formats=REPORT_FORMATS, data_version=diagnostic_data_version, file_name=export_file_name
)


def diagnostic_report_request(*, convention: Convention, fmt: str, by) -> Job:
    """The job building this report for the current data: already done, under way, or just queued."""
    return DIAGNOSTIC_REPORT.request(convention=convention, fmt=fmt, by=by)
