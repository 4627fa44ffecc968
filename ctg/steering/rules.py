"""The state of a meeting as people read it, in one place: the stored state, plus tacit approval of the minutes.

Tacit approval is computed from dates, never settled by a job: a sent version of the minutes with no observation
reads « approuvé (sans observation) » from `sent_on + STEERING_TACIT_APPROVAL_DAYS` on, whenever it is read. The
stored state stays « compte rendu envoyé »; every page, service and export asks `minutes_reading` instead.
"""

import dataclasses
import datetime

from django.conf import settings

from ctg.conventions.models import Convention, Signatory
from ctg.core.formatting import format_date
from ctg.steering.enums import TACIT_LABEL, MeetingState, Side
from ctg.steering.models import Meeting, MinutesVersion

DEFAULT_TACIT_DAYS = 10


def tacit_delay() -> datetime.timedelta:
    return datetime.timedelta(days=getattr(settings, "STEERING_TACIT_APPROVAL_DAYS", DEFAULT_TACIT_DAYS))


def tacit_approval_date(version: MinutesVersion) -> datetime.date | None:
    """The day from which a sent version without observation is approved."""
    return version.sent_on + tacit_delay() if version.sent_on else None


@dataclasses.dataclass(frozen=True)
class Reading:
    state: str  # a MeetingState value: the stored one, or CR_APPROUVE when approved tacitly
    label: str
    tacit: bool = False
    approved_on: datetime.date | None = None
    tacit_on: datetime.date | None = None  # the tacit approval date still to come, while awaiting answers


def minutes_reading(
    meeting: Meeting, version: MinutesVersion | None, *, has_observation: bool, today: datetime.date
) -> Reading:
    """What the meeting's state reads on `today`, given its current minutes version and whether a side made
    observations on it."""
    state = MeetingState(meeting.state)
    if state == MeetingState.CR_APPROUVE and version is not None:
        return Reading(state, f"{state.label} le {format_date(version.approved_on)}", approved_on=version.approved_on)
    if state == MeetingState.CR_ENVOYE and version is not None and version.sent_on:
        tacit_on = version.sent_on + tacit_delay()
        if not has_observation and today >= tacit_on:
            return Reading(MeetingState.CR_APPROUVE, TACIT_LABEL, tacit=True, approved_on=tacit_on)
        if has_observation:
            return Reading(state, f"{state.label} le {format_date(version.sent_on)} : observations reçues")
        return Reading(
            state,
            f"{state.label} le {format_date(version.sent_on)} : approuvé sans observation le {format_date(tacit_on)}",
            tacit_on=tacit_on,
        )
    return Reading(state, state.label)


def signatory_sides(convention: Convention) -> list[str]:
    """The sides that approve the minutes: those of the convention's signatories (CAF, EPCI, communes…)."""
    roles = set(Signatory.objects.filter(convention=convention).values_list("role", flat=True))
    return [side for side in Side.values if side in roles]
