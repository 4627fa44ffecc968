""" "What changed since the signature" as XLSX or CSV is built by the background worker (seconds for an EPCI of 50
communes: every indicator × territory), once per version of its data.

The version covers what the file prints: the snapshot (never changed once taken), the computed series (every import
or withdrawal recomputes them), the convention's territory and the day. While none changes, every reader gets the
file already built.
"""

import hashlib
import json
from typing import Protocol

from django.db.models import Count, Max
from django.utils import timezone

from ctg.conventions.models import Convention
from ctg.evaluation.exports import build_changes_csv, build_changes_xlsx
from ctg.evaluation.models import DiagnosticSnapshot
from ctg.indicators.models import IndicatorSeries
from ctg.jobs.models import Job
from ctg.jobs.registry import JobResult, register_job_kind
from ctg.jobs.services import job_enqueue

KIND = "evaluation_changes"


class Builder(Protocol):
    def __call__(self, *, snapshot: DiagnosticSnapshot, convention: Convention) -> bytes: ...


EXPORT_FORMATS: dict[str, tuple[Builder, str, str]] = {
    "xlsx": (
        build_changes_xlsx,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Ce qui a changé depuis la photographie (XLSX)",
    ),
    "csv": (build_changes_csv, "text/csv; charset=utf-8", "Ce qui a changé depuis la photographie (CSV)"),
}


def changes_file_name(convention: Convention, fmt: str) -> str:
    return f"ce-qui-a-change-convention-{convention.pk}.{fmt}"


def changes_data_version(convention: Convention) -> str:
    stamp = {
        "convention": convention.updated_at,
        "epci": convention.epci_id,
        "series": IndicatorSeries.objects.aggregate(count=Count("pk"), last=Max("pk"), at=Max("computed_at")),
        "day": timezone.localdate(),
    }
    return hashlib.sha256(json.dumps(stamp, default=str, sort_keys=True).encode()).hexdigest()[:32]


def changes_export_request(*, convention: Convention, snapshot: DiagnosticSnapshot, fmt: str, by) -> Job:
    """The job building this export for the current data: already done, under way, or just queued."""
    _, _, label = EXPORT_FORMATS[fmt]
    return job_enqueue(
        kind=KIND,
        key=f"{KIND}:{snapshot.pk}:{fmt}:{changes_data_version(convention)}",
        label=f"{label} – {convention.title}",
        by=by,
        convention=convention,
        params={"format": fmt, "snapshot": snapshot.pk},
        reuse_done=True,
    )


@register_job_kind(KIND)
def _build(job: Job) -> JobResult:
    convention = job.convention
    if convention is None:
        raise LookupError("Evaluation export job without a convention")
    snapshot = DiagnosticSnapshot.objects.get(pk=job.params["snapshot"], convention=convention)
    fmt = job.params["format"]
    build, content_type, label = EXPORT_FORMATS[fmt]
    return JobResult(
        message=f"{label} prêt.",
        content=build(snapshot=snapshot, convention=convention),
        file_name=changes_file_name(convention, fmt),
        content_type=content_type,
    )
