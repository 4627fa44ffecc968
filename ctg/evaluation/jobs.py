""" "What changed since the signature" as XLSX or CSV, and the final evaluation report as DOCX or PDF, are built by
the background worker (seconds: every indicator × territory of an EPCI, every action of the plan), once per version
of their data.

A version covers what its file prints (see `changes_data_version` and `report_data_version`), the day included.
While none of it changes, every reader gets the file already built.
"""

from django.db.models import Count, Max, Q, Sum

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
from ctg.jobs.reports import ReportFormat, data_version, register_convention_report
from ctg.offer.models import OfferItem, OfferTotal
from ctg.plans.models import Action, FollowUpIndicator, FundingLine, IndicatorMeasure, IndicatorTarget, Objective
from ctg.reports import content_types
from ctg.steering.models import Outcome

KIND = "evaluation_changes"

EXPORT_FORMATS = {
    "xlsx": ReportFormat(build_changes_xlsx, content_types.XLSX, "Ce qui a changé depuis la photographie (XLSX)"),
    "csv": ReportFormat(build_changes_csv, content_types.CSV, "Ce qui a changé depuis la photographie (CSV)"),
}


def changes_file_name(convention: Convention, fmt: str) -> str:
    return f"ce-qui-a-change-convention-{convention.pk}.{fmt}"


def changes_data_version(convention: Convention) -> str:
    return data_version(
        {
            "convention": convention.updated_at,
            "epci": convention.epci_id,
            "series": IndicatorSeries.objects.aggregate(count=Count("pk"), last=Max("pk"), at=Max("computed_at")),
        }
    )


def _snapshot(job: Job, convention: Convention) -> dict:
    return {"snapshot": DiagnosticSnapshot.objects.get(pk=job.params["snapshot"], convention=convention)}


CHANGES_EXPORT = register_convention_report(
    KIND,
    formats=EXPORT_FORMATS,
    data_version=changes_data_version,
    file_name=changes_file_name,
    inputs=_snapshot,
)


def changes_export_request(*, convention: Convention, snapshot: DiagnosticSnapshot, fmt: str, by) -> Job:
    """The job building this export for the current data: already done, under way, or just queued."""
    return CHANGES_EXPORT.request(
        convention=convention, fmt=fmt, by=by, subject=snapshot.pk, params={"snapshot": snapshot.pk}
    )


REPORT_KIND = "evaluation_report"
REPORT_FORMATS = {
    "docx": ReportFormat(build_final_report_docx, content_types.DOCX, "Rapport d'évaluation (DOCX)"),
    "pdf": ReportFormat(build_final_report_pdf, content_types.PDF, "Rapport d'évaluation (PDF)"),
}


def report_data_version(convention: Convention) -> str:
    """What the final report prints: the plan (a fiche's, a line's, an indicator's version grows at every save; a
    deletion changes the counts), the grids, the measures and targets, the decisions, the snapshots, the computed
    series, the partners' answers, the conclusions, the communes of the fiches and the offer registry, and the day."""
    actions = Action.all_objects.filter(convention=convention)
    return data_version(
        {
            "convention": convention.updated_at,
            "actions": actions.aggregate(
                count=Count("pk"), version=Sum("version"), deleted=Count("pk", filter=Q(deleted_at__isnull=False))
            ),
            "objectives": Objective.objects.filter(convention=convention).aggregate(
                count=Count("pk"), v=Sum("version")
            ),
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
            # The chapter per commune: the communes each fiche names, the engaged communes, the offer registry.
            "action_communes": Action.communes.through.objects.filter(action__convention=convention).aggregate(
                count=Count("pk"), last=Max("pk")
            ),
            "engaged": sorted(convention.communes.values_list("pk", flat=True)),
            "offer": OfferItem.objects.filter(convention=convention).aggregate(
                count=Count("pk"), version=Sum("version"), at=Max("updated_at")
            ),
            "offer_totals": OfferTotal.objects.filter(convention=convention).aggregate(
                count=Count("pk"), last=Max("pk")
            ),
        }
    )


FINAL_REPORT = register_convention_report(
    REPORT_KIND, formats=REPORT_FORMATS, data_version=report_data_version, file_name=report_file_name
)


def final_report_request(*, convention: Convention, fmt: str, by) -> Job:
    """The job building the final evaluation report for the current data: already done, under way, or queued."""
    return FINAL_REPORT.request(convention=convention, fmt=fmt, by=by)
