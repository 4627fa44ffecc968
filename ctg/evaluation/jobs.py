""" "What changed since the signature" as XLSX or CSV, and the final evaluation report as DOCX or PDF, are built by
the background worker (seconds: every indicator × territory of an EPCI, every action of the plan), once per version
of their data.

A version covers what its file prints (see `changes_data_version` and `report_data_version`), the day included.
While none of it changes, every reader gets the file already built.
"""

import hashlib
import json
from collections.abc import Callable
from typing import Protocol

from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from ctg.conventions.models import Convention
from ctg.evaluation.exports import build_changes_csv, build_changes_xlsx
from ctg.evaluation.final_report.content import report_file_name
from ctg.evaluation.final_report.docx_report import build_final_report_docx
from ctg.evaluation.final_report.pdf_report import build_final_report_pdf
from ctg.evaluation.models import (
    ActionEvaluation,
    ConventionEvaluation,
    DiagnosticSnapshot,
    PartnerAnswer,
    PartnerSurvey,
)
from ctg.indicators.models import IndicatorSeries
from ctg.jobs.models import Job
from ctg.jobs.registry import JobResult, register_job_kind
from ctg.jobs.services import job_enqueue
from ctg.plans.models import Action, FollowUpIndicator, FundingLine, IndicatorMeasure, IndicatorTarget, Objective
from ctg.steering.models import Outcome

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


REPORT_KIND = "evaluation_report"
REPORT_FORMATS: dict[str, tuple[Callable[..., bytes], str, str]] = {
    "docx": (
        build_final_report_docx,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "Rapport d'évaluation (DOCX)",
    ),
    "pdf": (build_final_report_pdf, "application/pdf", "Rapport d'évaluation (PDF)"),
}


def report_data_version(convention: Convention) -> str:
    """What the final report prints: the plan (a fiche's, a line's, an indicator's version grows at every save; a
    deletion changes the counts), the grids, the measures and targets, the decisions, the snapshots, the computed
    series, the partners' answers, the conclusions, and the day."""
    actions = Action.all_objects.filter(convention=convention)
    stamp = {
        "convention": convention.updated_at,
        "actions": actions.aggregate(
            count=Count("pk"), version=Sum("version"), deleted=Count("pk", filter=Q(deleted_at__isnull=False))
        ),
        "objectives": Objective.objects.filter(convention=convention).aggregate(count=Count("pk"), v=Sum("version")),
        "grids": ActionEvaluation.objects.filter(action__convention=convention).aggregate(
            count=Count("pk"), at=Max("updated_at")
        ),
        "funding": FundingLine.all_objects.filter(action__convention=convention).aggregate(
            count=Count("pk"), version=Sum("version"), last=Max("pk")
        ),
        "indicators": FollowUpIndicator.objects.filter(convention=convention).aggregate(
            count=Count("pk"), version=Sum("version")
        ),
        "measures": IndicatorMeasure.objects.filter(indicator__convention=convention).aggregate(
            count=Count("pk"), version=Sum("version"), last=Max("pk")
        ),
        "targets": IndicatorTarget.objects.filter(indicator__convention=convention).aggregate(
            count=Count("pk"), version=Sum("version"), last=Max("pk")
        ),
        "decisions": Outcome.objects.filter(agenda_item__meeting__body__convention=convention).aggregate(
            count=Count("pk"), last=Max("pk")
        ),
        "snapshots": DiagnosticSnapshot.objects.filter(convention=convention).aggregate(
            count=Count("pk"), last=Max("pk")
        ),
        "series": IndicatorSeries.objects.aggregate(count=Count("pk"), last=Max("pk"), at=Max("computed_at")),
        "answers": PartnerAnswer.objects.filter(survey__convention=convention).aggregate(
            count=Count("pk"), at=Max("updated_at")
        ),
        "survey": list(PartnerSurvey.objects.filter(convention=convention).values_list("pk", "closed_at")),
        "conclusions": list(
            ConventionEvaluation.objects.filter(convention=convention).values_list("updated_at", flat=True)
        ),
        "day": timezone.localdate(),
    }
    return hashlib.sha256(json.dumps(stamp, default=str, sort_keys=True).encode()).hexdigest()[:32]


def final_report_request(*, convention: Convention, fmt: str, by) -> Job:
    """The job building the final evaluation report for the current data: already done, under way, or queued."""
    _, _, label = REPORT_FORMATS[fmt]
    return job_enqueue(
        kind=REPORT_KIND,
        key=f"{REPORT_KIND}:{convention.pk}:{fmt}:{report_data_version(convention)}",
        label=f"{label} – {convention.title}",
        by=by,
        convention=convention,
        params={"format": fmt},
        reuse_done=True,
    )


@register_job_kind(REPORT_KIND)
def _build_report(job: Job) -> JobResult:
    convention = job.convention
    if convention is None:
        raise LookupError("Evaluation report job without a convention")
    fmt = job.params["format"]
    build, content_type, label = REPORT_FORMATS[fmt]
    return JobResult(
        message=f"{label} prêt.",
        content=build(convention=convention),
        file_name=report_file_name(convention, fmt),
        content_type=content_type,
    )
