"""Reminders of the steering loop: what each person has to do, listed as « à faire » on the home page and e-mailed
once by `manage.py send_reminders` (a daily cron).

One selector, `due_reminders`, computes the items for everyone (the command) or for one person (the home page) with
a bounded number of queries. Kinds (ReminderKind):
- before a meeting (STEERING_REMINDER_DAYS_BEFORE_MEETING days, 15 by default): each pilot whose live, open actions
  of the convention have not been updated since the previous meeting of that body (all of them for a body's first
  meeting) gets the list;
- milestones not done and due within 7 days, and overdue ones: the action's pilot;
- 3 and 7 days after a held meeting whose minutes are not sent: the body's secretaries (members with an account);
- sent minutes not approved yet: the members with an account of the signatory sides that have not answered, until
  the tacit approval date.
An item goes only to an active, not deleted account that may read the convention. Sending records the item under
a unique key (kind, object, recipient, date bucket) in the transaction that sends it: never sent twice.
"""

import dataclasses
import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, cast

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from ctg.conventions.models import Convention, Signatory
from ctg.core.formatting import format_date
from ctg.plans.enums import CLOSED_STATUSES
from ctg.plans.models import Action, Milestone
from ctg.steering.calendar import meeting_invitation
from ctg.steering.enums import MeetingState, MemberRole
from ctg.steering.models import (
    BodyMember,
    Meeting,
    MinutesApproval,
    MinutesVersion,
    ReminderKind,
    ReminderOptOut,
    SentReminder,
)
from ctg.steering.rules import tacit_delay

logger = logging.getLogger(__name__)

DEFAULT_DAYS_BEFORE_MEETING = 15
MILESTONE_SOON_DAYS = 7
MINUTES_LATE_STEPS = (3, 7)  # days after the meeting
# An e-mail for a step is sent only within this many days of the step (a cron that missed days catches up; an old
# backlog found on the first run is listed on the home page, not e-mailed).
CATCH_UP_DAYS = 7


def days_before_meeting() -> int:
    return getattr(settings, "STEERING_REMINDER_DAYS_BEFORE_MEETING", DEFAULT_DAYS_BEFORE_MEETING)


@dataclasses.dataclass(frozen=True)
class Line:
    label: str
    path: str


@dataclasses.dataclass
class Reminder:
    kind: str
    key: str  # unique: kind, object, recipient, date bucket
    user: Any  # the recipient (a User)
    convention: Convention
    subject: str  # without the convention, which the e-mail subject adds
    text: str  # one sentence saying what to do
    path: str  # the page where it is done
    lines: list[Line] = dataclasses.field(default_factory=list)
    date: datetime.date | None = None  # the meeting, the due date, the tacit approval date
    send: bool = True  # False for an item listed on the home page but past its e-mail window
    meeting: Any = None  # the meeting a reminder before a meeting is about: its invitation goes with the e-mail

    @property
    def kind_label(self) -> str:
        return ReminderKind(self.kind).label


def _eligible(user) -> bool:
    return bool(user is not None and user.is_active and user.deleted_at is None)


class _Readers:
    """Whether a user may read a convention. For one user (the home page) the queries are scoped to the conventions
    they read by a subquery; for everyone (the command), one query per distinct recipient, cached."""

    def __init__(self, only_user=None):
        self.only_user = only_user
        self.cache: dict[int, set[int]] = {}

    def scope(self, queryset, path: str):
        if self.only_user is None:
            return queryset
        return queryset.filter(**{f"{path}__in": Convention.objects.for_user(self.only_user).values("pk")})

    def reads(self, user, convention_id: int) -> bool:
        if self.only_user is not None:
            return user.pk == self.only_user.pk  # the queries are scoped by `scope`
        if user.pk not in self.cache:
            self.cache[user.pk] = set(Convention.objects.for_user(user).values_list("pk", flat=True))
        return convention_id in self.cache[user.pk]


def _meeting_path(meeting: Meeting) -> str:
    return reverse(
        "steering_views:meeting_detail", kwargs={"convention_pk": meeting.body.convention_id, "pk": meeting.pk}
    )


def _action_path(action: Action) -> str:
    return reverse("plans_views:action_detail", kwargs={"convention_pk": action.convention_id, "pk": action.pk})


def _day_bounds(first: datetime.date, last: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """Aware datetimes from the start of `first` to the start of the day after `last` (local time)."""
    start = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))
    end = timezone.make_aware(datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min))
    return start, end


def _meeting_preparation(today: datetime.date, user, readers: _Readers) -> Iterable[Reminder]:
    start, end = _day_bounds(today, today + datetime.timedelta(days=days_before_meeting()))
    meetings = readers.scope(
        Meeting.objects.filter(state=MeetingState.PREPAREE, starts_at__gte=start, starts_at__lt=end),
        "body__convention",
    )
    if user is not None:
        meetings = meetings.filter(body__convention__actions__pilot_user=user).distinct()
    previous = Meeting.objects.filter(body=OuterRef("body"), starts_at__lt=OuterRef("starts_at")).order_by(
        "-starts_at"
    )
    found = list(
        meetings.annotate(previous_at=Subquery(previous.values("starts_at")[:1]))
        .select_related("body__convention")
        .order_by("starts_at", "pk")
    )
    if not found:
        return
    actions = Action.objects.filter(
        convention__in={m.body.convention_id for m in found}, pilot_user__isnull=False
    ).exclude(status__in=CLOSED_STATUSES)
    if user is not None:
        actions = actions.filter(pilot_user=user)
    by_convention: dict[int, list[Action]] = defaultdict(list)
    for action in actions.select_related("pilot_user").order_by("code", "pk"):
        by_convention[action.convention_id].append(action)
    for meeting in found:
        since = meeting.previous_at
        stale: dict[Any, list[Action]] = defaultdict(list)
        pilots: dict[Any, Any] = {}
        for action in by_convention[meeting.body.convention_id]:
            if since is None or action.updated_at < since:
                stale[action.pilot_user_id].append(action)
                pilots[action.pilot_user_id] = action.pilot_user
        for pilot_id, listed in stale.items():
            pilot = pilots[pilot_id]
            if not _eligible(pilot) or not readers.reads(pilot, meeting.body.convention_id):
                continue
            when = meeting.local_date
            since_text = (
                f"depuis la réunion précédente ({format_date(timezone.localdate(since))})"
                if since
                else "avant cette première réunion"
            )
            count = len(listed)
            yield Reminder(
                kind=ReminderKind.MEETING_PREPARATION,
                key=f"{ReminderKind.MEETING_PREPARATION}:reunion-{meeting.pk}:user-{pilot_id}:{when.isoformat()}",
                user=pilot,
                convention=meeting.body.convention,
                subject=f"{meeting} : {count} action{'s' if count > 1 else ''} à mettre à jour",
                text=(
                    f"Le {meeting} approche. Cette action que vous pilotez n’a pas été mise à jour {since_text} :"
                    " mettez à jour son suivi (statut, avancement, jalons, note)."
                    if count == 1
                    else f"Le {meeting} approche. Ces {count} actions que vous pilotez n’ont pas été mises à jour"
                    f" {since_text} : mettez à jour leur suivi (statut, avancement, jalons, note)."
                ),
                path=_meeting_path(meeting),
                lines=[Line(f"{a.code} – {a.title}", _action_path(a)) for a in listed],
                date=when,
                meeting=meeting,
            )


def _milestones(today: datetime.date, user, readers: _Readers) -> Iterable[Reminder]:
    milestones = (
        Milestone.objects.filter(
            done_date__isnull=True,
            due_date__lte=today + datetime.timedelta(days=MILESTONE_SOON_DAYS),
            action__pilot_user__isnull=False,
        )
        .exclude(action__status__in=CLOSED_STATUSES)
        .select_related("action__convention", "action__pilot_user")
        .order_by("due_date", "pk")
    )
    if user is not None:
        milestones = readers.scope(milestones.filter(action__pilot_user=user), "action__convention")
    for milestone in milestones:
        action = milestone.action
        pilot: Any = action.pilot_user
        if not _eligible(pilot) or not readers.reads(pilot, action.convention_id):
            continue
        due = cast(datetime.date, milestone.due_date)  # not null: filtered by due_date__lte
        overdue = due < today
        kind = ReminderKind.MILESTONE_OVERDUE if overdue else ReminderKind.MILESTONE_SOON
        yield Reminder(
            kind=kind,
            key=f"{kind}:jalon-{milestone.pk}:user-{pilot.pk}:{due.isoformat()}",
            user=pilot,
            convention=action.convention,
            subject=(
                f"Jalon en retard : « {milestone.title} » ({action.code})"
                if overdue
                else f"Jalon à échéance le {format_date(due)} : « {milestone.title} » ({action.code})"
            ),
            text=(
                f"Le jalon « {milestone.title} » de l’action {action.code} – {action.title} devait être atteint le "
                f"{format_date(due)}. Indiquez sa date de réalisation ou reportez son échéance."
                if overdue
                else f"Le jalon « {milestone.title} » de l’action {action.code} – {action.title} est à échéance le "
                f"{format_date(due)}."
            ),
            path=_action_path(action),
            date=due,
        )


def _minutes_late(today: datetime.date, user, readers: _Readers) -> Iterable[Reminder]:
    first_step = MINUTES_LATE_STEPS[0]
    _start, end = _day_bounds(today, today - datetime.timedelta(days=first_step))
    meetings = list(
        readers.scope(Meeting.objects.filter(state=MeetingState.TENUE, starts_at__lt=end), "body__convention")
        .select_related("body__convention")
        .order_by("starts_at", "pk")
    )
    if not meetings:
        return
    secretaries = BodyMember.objects.filter(
        body__in={m.body_id for m in meetings}, role=MemberRole.SECRETAIRE, user__isnull=False
    ).select_related("user")
    if user is not None:
        secretaries = secretaries.filter(user=user)
    by_body: dict[int, list] = defaultdict(list)
    for member in secretaries:
        if member.user not in by_body[member.body_id]:
            by_body[member.body_id].append(member.user)
    for meeting in meetings:
        held = meeting.local_date
        elapsed = (today - held).days
        step = max(s for s in MINUTES_LATE_STEPS if s <= elapsed)
        for secretary in by_body[meeting.body_id]:
            if not _eligible(secretary) or not readers.reads(secretary, meeting.body.convention_id):
                continue
            yield Reminder(
                kind=ReminderKind.MINUTES_LATE,
                key=f"{ReminderKind.MINUTES_LATE}:reunion-{meeting.pk}:user-{secretary.pk}:j{step}",
                user=secretary,
                convention=meeting.body.convention,
                subject=f"Compte rendu à envoyer : {meeting}",
                text=(
                    f"Le {meeting} s’est tenu il y a {elapsed} jours et son compte rendu n’est pas encore envoyé aux "
                    "collèges signataires."
                ),
                path=_meeting_path(meeting),
                date=held,
                send=elapsed - step < CATCH_UP_DAYS,
            )


def _minutes_approval(today: datetime.date, user, readers: _Readers) -> Iterable[Reminder]:
    versions = list(
        readers.scope(MinutesVersion.objects.all(), "meeting__body__convention")
        .filter(
            meeting__state=MeetingState.CR_ENVOYE,
            sent_on__isnull=False,
            approved_on__isnull=True,
            sent_on__gt=today - tacit_delay(),
        )
        .select_related("meeting__body__convention")
        .order_by("meeting_id", "number")
    )
    latest = {v.meeting_id: v for v in versions}  # ordered by number: the last one wins
    if not latest:
        return
    answered: dict[int, set[str]] = defaultdict(set)
    for version_id, side in MinutesApproval.objects.filter(version__in=latest.values()).values_list(
        "version_id", "side"
    ):
        answered[version_id].add(side)
    conventions = {v.meeting.body.convention_id for v in latest.values()}
    signatory_roles: dict[int, set[str]] = defaultdict(set)
    for convention_id, role in Signatory.objects.filter(convention__in=conventions).values_list(
        "convention_id", "role"
    ):
        signatory_roles[convention_id].add(role)
    members = BodyMember.objects.filter(
        body__in={v.meeting.body_id for v in latest.values()}, user__isnull=False
    ).select_related("user")
    if user is not None:
        members = members.filter(user=user)
    by_body: dict[int, list[BodyMember]] = defaultdict(list)
    for member in members.order_by("pk"):
        by_body[member.body_id].append(member)
    for version in latest.values():
        meeting = version.meeting
        convention_id = meeting.body.convention_id
        pending = signatory_roles[convention_id] - answered[version.pk]
        tacit_on = cast(datetime.date, version.sent_on) + tacit_delay()  # sent_on: filtered not null
        seen: set[int] = set()
        for member in by_body[meeting.body_id]:
            person: Any = member.user
            if member.side not in pending or person.pk in seen:
                continue
            if not _eligible(person) or not readers.reads(person, convention_id):
                continue
            seen.add(person.pk)
            yield Reminder(
                kind=ReminderKind.MINUTES_APPROVAL,
                key=f"{ReminderKind.MINUTES_APPROVAL}:version-{version.pk}:user-{person.pk}:{version.sent_on}",
                user=person,
                convention=meeting.body.convention,
                subject=f"Compte rendu à approuver : {meeting}",
                text=(
                    f"Le compte rendu du {meeting} (version {version.number}) a été envoyé le "
                    f"{format_date(version.sent_on)} ; le collège « {member.get_side_display()} » n’a pas encore "
                    f"répondu. Sans observation, il sera approuvé le {format_date(tacit_on)}."
                ),
                path=_meeting_path(meeting),
                date=tacit_on,
            )


def due_reminders(*, today: datetime.date, user=None) -> list[Reminder]:
    """Every reminder due on `today`, for everyone or for one user, in a bounded number of queries (plus one per
    distinct recipient when computed for everyone)."""
    if user is not None and not _eligible(user):
        return []
    readers = _Readers(only_user=user)
    items: list[Reminder] = []
    for collect in (_meeting_preparation, _milestones, _minutes_late, _minutes_approval):
        items.extend(collect(today, user, readers))
    return items


def todo_for_user(*, user, today: datetime.date) -> list[Reminder]:
    """The « à faire » list of the home page: the same items as the e-mails, soonest date first."""
    return sorted(due_reminders(today=today, user=user), key=lambda r: (r.date or today, r.kind, r.key))


def absolute_url(path: str) -> str:
    return f"{settings.SITE_BASE_URL.rstrip('/')}{path}"


def _send(reminder: Reminder) -> None:
    context = {
        "reminder": reminder,
        "url": absolute_url(reminder.path),
        "lines": [(line.label, absolute_url(line.path)) for line in reminder.lines],
        "preferences_url": absolute_url(reverse("accounts_views:profile")),
    }
    email = EmailMultiAlternatives(
        subject=f"[{reminder.convention.title}] {reminder.subject}",
        body=render_to_string("steering/emails/reminder.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[reminder.user.email],
    )
    email.attach_alternative(render_to_string("steering/emails/reminder.html", context), "text/html")
    if reminder.meeting is not None:
        email.attach(
            "invitation.ics",
            meeting_invitation(meeting=reminder.meeting, attendee=reminder.user),
            "text/calendar; method=REQUEST; charset=utf-8",
        )
    email.send()


@dataclasses.dataclass
class SendReport:
    sent: int = 0
    already_sent: int = 0
    opted_out: int = 0
    no_address: int = 0
    failed: list[str] = dataclasses.field(default_factory=list)


def send_due_reminders(*, today: datetime.date) -> SendReport:
    """E-mail every reminder due on `today` not sent yet to a person who has not opted out of its kind."""
    report = SendReport()
    reminders = [r for r in due_reminders(today=today) if r.send]
    opted_out = set(ReminderOptOut.objects.values_list("user_id", "kind"))
    already = set(SentReminder.objects.filter(key__in=[r.key for r in reminders]).values_list("key", flat=True))
    for reminder in reminders:
        user = reminder.user
        if reminder.key in already:
            report.already_sent += 1
            continue
        if (user.pk, reminder.kind) in opted_out:
            report.opted_out += 1
            continue
        if not user.email:
            report.no_address += 1
            continue
        try:
            # The row is inserted first: a concurrent run inserting the same key waits for this transaction, then
            # fails on the unique key; a failed sending rolls the row back, so the next run tries again.
            with transaction.atomic():
                SentReminder.objects.create(
                    key=reminder.key,
                    kind=reminder.kind,
                    recipient=user,
                    convention=reminder.convention,
                    subject=reminder.subject[:300],
                )
                _send(reminder)
        except IntegrityError:
            report.already_sent += 1
        except OSError as exc:  # smtplib.SMTPException is an OSError
            logger.warning("reminder %s not sent: %s", reminder.key, exc)
            report.failed.append(f"{reminder.key} : {exc}")
        else:
            report.sent += 1
    return report


@transaction.atomic
def reminder_preferences_set(*, user, received_kinds: Iterable[str]) -> None:
    """Keep the kinds `user` receives by e-mail; every other kind is opted out."""
    received = set(received_kinds)
    ReminderOptOut.objects.filter(user=user, kind__in=received).delete()
    for kind in ReminderKind.values:
        if kind not in received:
            ReminderOptOut.objects.get_or_create(user=user, kind=kind)


def received_kinds(*, user) -> list[str]:
    refused = set(ReminderOptOut.objects.filter(user=user).values_list("kind", flat=True))
    return [kind for kind in ReminderKind.values if kind not in refused]
