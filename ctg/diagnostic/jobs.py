"""The diagnostic report (DOCX, PDF) and the indicator workbook (XLSX, every vintage) are built by the background
worker, once per version of their data.

The version covers what the report prints: the convention and its engaged communes, the datasets present (every
import or withdrawal recomputes the indicators), the enjeux, the offer and its published totals, and the day
(the report prints its date). While none of these changes, every reader gets the file already built.
"""

import hashlib
import json
from typing import Protocol

from django.db.models import Count, Max
from django.utils import timezone

from ctg.conventions.models import Convention
from ctg.diagnostic.models import Enjeu
from ctg.diagnostic.reports.content import export_file_name
from ctg.diagnostic.reports.docx_report import build_diagnostic_docx
from ctg.diagnostic.reports.indicator_table import build_indicator_xlsx
from ctg.diagnostic.reports.pdf_report import build_diagnostic_pdf
from ctg.jobs.models import Job
from ctg.jobs.registry import JobResult, register_job_kind
from ctg.jobs.services import job_enqueue
from ctg.offer.models import OfferItem, OfferTotal
from ctg.opendata.models import Dataset

KIND = "diagnostic_report"


class Builder(Protocol):
    def __call__(self, *, convention: Convention) -> bytes: ...


REPORT_FORMATS: dict[str, tuple[Builder, str, str]] = {
    "docx": (
        build_diagnostic_docx,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "Rapport de diagnostic (DOCX)",
    ),
    "pdf": (build_diagnostic_pdf, "application/pdf", "Rapport de diagnostic (PDF)"),
    "xlsx": (
        build_indicator_xlsx,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Tableau des indicateurs (XLSX)",
    ),
}


def diagnostic_data_version(convention: Convention) -> str:
    stamp = {
        "convention": convention.updated_at,
        "communes": sorted(convention.communes.values_list("code", flat=True)),
        "datasets": Dataset.objects.aggregate(count=Count("pk"), last=Max("pk"), at=Max("imported_at")),
        "enjeux": Enjeu.objects.filter(convention=convention).aggregate(count=Count("pk"), at=Max("updated_at")),
        "offer": OfferItem.objects.filter(convention=convention).aggregate(count=Count("pk"), at=Max("updated_at")),
        "totals": OfferTotal.objects.filter(convention=convention).aggregate(count=Count("pk"), last=Max("pk")),
        "day": timezone.localdate(),
    }
    return hashlib.sha256(json.dumps(stamp, default=str, sort_keys=True).encode()).hexdigest()[:32]


def diagnostic_report_request(*, convention: Convention, fmt: str, by) -> Job:
    """The job building this report for the current data: already done, under way, or just queued."""
    _, _, label = REPORT_FORMATS[fmt]
    return job_enqueue(
        kind=KIND,
        key=f"{KIND}:{convention.pk}:{fmt}:{diagnostic_data_version(convention)}",
        label=f"{label} – {convention.title}",
        by=by,
        convention=convention,
        params={"format": fmt},
        reuse_done=True,
    )


@register_job_kind(KIND)
def _build(job: Job) -> JobResult:
    convention = job.convention
    if convention is None:
        raise LookupError("Diagnostic report job without a convention")
    fmt = job.params["format"]
    build, content_type, label = REPORT_FORMATS[fmt]
    return JobResult(
        message=f"{label} prêt.",
        content=build(convention=convention),
        file_name=export_file_name(convention, fmt),
        content_type=content_type,
    )
