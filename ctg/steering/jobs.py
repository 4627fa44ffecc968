"""The COPIL pack of a meeting (DOCX, PDF, PPTX) and the annual review of a convention (DOCX, PDF) are built by the
background worker, once per version of their data.

The version covers what the documents print: the meeting, the agendas, outcomes and follow-ups of the convention's
meetings, the plan's history (actions, milestones, funding lines, indicators, targets, measures), the convention
itself and the day (lateness and the printed date depend on it). While none changes, every reader gets the file
already built.
"""

from django.db.models import Count, Max, QuerySet

from ctg.conventions.models import Convention
from ctg.jobs.models import Job
from ctg.jobs.registry import JobResult, register_job_kind
from ctg.jobs.reports import ReportFormat, data_version, report_convention, report_request
from ctg.plans import models as plan
from ctg.reports import content_types
from ctg.steering.models import AgendaItem, FollowUp, Meeting, Outcome
from ctg.steering.pack.content import annual_review, meeting_pack
from ctg.steering.pack.docx_pack import build_docx
from ctg.steering.pack.pdf_pack import build_pdf
from ctg.steering.pack.pptx_pack import build_pptx

KIND = "steering_pack"
MEETING_PACK, ANNUAL_REVIEW = "seance", "bilan"

# A format's builder takes the document (ctg.steering.pack.document.PackDocument).
FORMATS = {
    "docx": ReportFormat(build_docx, content_types.DOCX, "DOCX"),
    "pdf": ReportFormat(build_pdf, content_types.PDF, "PDF"),
    "pptx": ReportFormat(build_pptx, content_types.PPTX, "PPTX"),
}
MEETING_FORMATS = ("docx", "pdf", "pptx")
REVIEW_FORMATS = ("docx", "pdf")


def _stamp(history: QuerySet) -> dict:
    return history.aggregate(count=Count("history_id"), last=Max("history_id"))


def steering_data_version(convention: Convention) -> str:
    actions = plan.Action.history.filter(convention_id=convention.pk)
    action_ids = actions.values("id")
    indicator_ids = plan.FollowUpIndicator.history.filter(convention_id=convention.pk).values("id")
    return data_version(
        {
            "convention": convention.updated_at,
            "actions": _stamp(actions),
            "themes": plan.Action.themes.through.objects.filter(action__convention=convention).aggregate(
                count=Count("pk"), last=Max("pk")
            ),
            "milestones": _stamp(plan.Milestone.history.filter(action_id__in=action_ids)),
            "funding": _stamp(plan.FundingLine.history.filter(action_id__in=action_ids)),
            "indicators": _stamp(plan.FollowUpIndicator.history.filter(convention_id=convention.pk)),
            "targets": _stamp(plan.IndicatorTarget.history.filter(indicator_id__in=indicator_ids)),
            "measures": _stamp(plan.IndicatorMeasure.history.filter(indicator_id__in=indicator_ids)),
            "meetings": _stamp(Meeting.history.filter(body__convention=convention)),
            "agenda": _stamp(AgendaItem.history.filter(meeting__body__convention=convention)),
            "outcomes": _stamp(Outcome.history.filter(agenda_item__meeting__body__convention=convention)),
            "follow_ups": _stamp(FollowUp.history.filter(convention_id=convention.pk)),
        }
    )


def meeting_pack_request(*, meeting: Meeting, fmt: str, by) -> Job:
    """The job building this meeting's pack for the current data: already done, under way, or just queued."""
    convention = meeting.body.convention
    return report_request(
        kind=KIND,
        key=(MEETING_PACK, meeting.pk, fmt, steering_data_version(convention)),
        label=f"Dossier de séance ({FORMATS[fmt].label}) – {meeting}",
        by=by,
        convention=convention,
        params={"document": MEETING_PACK, "meeting": meeting.pk, "format": fmt},
    )


def annual_review_request(*, convention: Convention, year: int, fmt: str, by) -> Job:
    """The job building this year's review for the current data: already done, under way, or just queued."""
    return report_request(
        kind=KIND,
        key=(ANNUAL_REVIEW, convention.pk, year, fmt, steering_data_version(convention)),
        label=f"Bilan annuel {year} ({FORMATS[fmt].label}) – {convention.title}",
        by=by,
        convention=convention,
        params={"document": ANNUAL_REVIEW, "year": year, "format": fmt},
    )


@register_job_kind(KIND)
def _build(job: Job) -> JobResult:
    convention = report_convention(job)
    fmt = job.params["format"]
    report_format = FORMATS[fmt]
    if job.params["document"] == MEETING_PACK:
        meeting = Meeting.objects.select_related("body__convention__epci").get(
            pk=job.params["meeting"], body__convention=convention
        )
        pack = meeting_pack(meeting=meeting)
        message = f"Dossier de séance ({report_format.label}) prêt."
    else:
        pack = annual_review(convention=convention, year=int(job.params["year"]))
        message = f"Bilan annuel {job.params['year']} ({report_format.label}) prêt."
    return JobResult(
        message=message,
        content=report_format.build(pack),
        file_name=f"{pack.file_stem}.{fmt}",
        content_type=report_format.content_type,
    )
