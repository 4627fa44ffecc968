"""Reads for the steering pages: plain data, a bounded number of queries per page."""

import dataclasses
import datetime

from django.db.models import Count, Prefetch, Q

from ctg.conventions.models import Convention
from ctg.steering.enums import MeetingState, Side, Verdict
from ctg.steering.models import (
    AgendaItem,
    Body,
    BodyMember,
    FollowUp,
    Meeting,
    MinutesApproval,
    MinutesEntry,
    MinutesVersion,
    Outcome,
)
from ctg.steering.rules import Reading, minutes_reading, signatory_sides


def bodies_overview(*, convention: Convention, today: datetime.date) -> dict:
    """The bodies of the convention with their member and meeting counts, the meetings to come and held, the open
    follow-ups, and the dated facts of the convention itself."""
    bodies = list(
        Body.objects.filter(convention=convention).annotate(
            member_count=Count("members", distinct=True), meeting_count=Count("meetings", distinct=True)
        )
    )
    meetings = list(
        Meeting.objects.filter(body__convention=convention).select_related("body").order_by("-starts_at")[:50]
    )
    follow_ups = list(
        FollowUp.objects.filter(convention=convention)
        .open()
        .select_related("assignee", "outcome__agenda_item__meeting__body")
        .order_by("due_date", "pk")
    )
    return {
        "bodies": bodies,
        "meetings": meetings,
        "follow_ups": follow_ups,
        "overdue_count": sum(1 for f in follow_ups if f.due_date and f.due_date < today),
    }


def body_detail(*, body: Body) -> dict:
    members = list(BodyMember.objects.filter(body=body).select_related("organisation", "user"))
    meetings = list(Meeting.objects.filter(body=body).order_by("-starts_at"))
    return {"members": members, "meetings": meetings}


@dataclasses.dataclass
class VersionView:
    version: MinutesVersion
    texts: dict[int, str]
    approvals: list[MinutesApproval]


def meeting_detail(*, meeting: Meeting, today: datetime.date) -> dict:
    """Agenda with outcomes, attendance, guests, every minutes version with its answers, and the state as read on
    `today` (tacit approval included)."""
    items = list(
        AgendaItem.objects.filter(meeting=meeting)
        .select_related("action", "enjeu", "funding_line__action", "funding_line__funder", "indicator")
        .prefetch_related(
            Prefetch(
                "outcomes",
                queryset=Outcome.objects.select_related(
                    "action", "funding_line__funder", "indicator", "follow_up__assignee"
                ).prefetch_related("enjeux"),
            )
        )
    )
    members = list(BodyMember.objects.filter(body_id=meeting.body_id).select_related("organisation", "user"))
    presences = dict(meeting.attendances.values_list("member_id", "presence"))
    versions = list(
        MinutesVersion.objects.filter(meeting=meeting)
        .select_related("sent_by")
        .prefetch_related(
            Prefetch("entries", queryset=MinutesEntry.objects.all()),
            Prefetch("approvals", queryset=MinutesApproval.objects.select_related("answered_by")),
        )
        .order_by("number")
    )
    views = [
        VersionView(
            version=v, texts={e.agenda_item_id: e.text for e in v.entries.all()}, approvals=list(v.approvals.all())
        )
        for v in versions
    ]
    current = views[-1] if views else None
    has_observation = bool(current and any(a.verdict == Verdict.OBSERVATION for a in current.approvals))
    reading: Reading = minutes_reading(
        meeting, current.version if current else None, has_observation=has_observation, today=today
    )
    sides = signatory_sides(meeting.body.convention)
    state_labels = dict(MeetingState.choices)
    history = [
        {
            "when": record.history_date,
            "who": record.history_user,
            "state": state_labels.get(record.state, record.state),
            "reason": record.history_change_reason or "",
        }
        for record in meeting.history.select_related("history_user").order_by("history_date", "history_id")
    ]
    answered = {a.side for a in current.approvals} if current else set()
    return {
        "items": [
            {
                "item": item,
                "text": current.texts.get(item.pk, "") if current else "",
                "outcomes": list(item.outcomes.all()),
            }
            for item in items
        ],
        "attendance": [{"member": m, "presence": presences.get(m.pk, "")} for m in members],
        "guests": list(meeting.guests.all()),
        "versions": views,
        "current": current,
        "reading": reading,
        "sides": [(s, Side(s).label, s in answered) for s in sides],
        "pending_sides": [Side(s).label for s in sides if s not in answered],
        "total_minutes": sum(item.duration_minutes or 0 for item in items),
        "history": history,
    }


def open_follow_up_count(*, convention: Convention) -> int:
    return FollowUp.objects.filter(convention=convention).filter(Q(done_on__isnull=True)).count()
