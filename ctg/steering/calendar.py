"""The convention's calendar in iCalendar (RFC 5545): a subscription feed per person and a meeting's invitation.

Feed: every meeting of the convention's bodies (place or link, state) and every milestone with a due date of its
live actions, published for a calendar application (METHOD:PUBLISH). A person subscribes through a private link:
`calendar_feed_renew` draws a random token (shown once, only its SHA-256 is stored), `calendar_feed_revoke` deletes
it, `feed_for_token` finds the feed of a token and answers None when the token is unknown or revoked, when the
account is inactive or deleted, or when the person no longer reads the convention (the feed page is then a 404).

Invitation: one meeting with its organiser and one attendee (METHOD:REQUEST), for download and for the reminder
e-mailed before a meeting. A meeting and its invitation share one UID, so a calendar merges them. Times are written
in Europe/Paris with its VTIMEZONE; DTSTAMP is the time the file was produced (UTC).
"""

import datetime
import zoneinfo
from email.utils import parseaddr
from typing import cast
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from ctg.accounts.models import User
from ctg.conventions.models import Convention
from ctg.core.formatting import format_date
from ctg.core.history import set_history_author
from ctg.core.tokens import token_hash, token_is_plausible, token_matches, token_new
from ctg.plans.models import Milestone
from ctg.steering.models import CalendarFeed, Meeting

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
PRODID = "-//Pilote CTG//Agenda de la convention//FR"


# Links


def feed_token_hash(token: str) -> str:
    return token_hash(token)


def _reads(user: User, convention: Convention) -> bool:
    return (
        user.is_active
        and user.deleted_at is None
        and Convention.objects.for_user(user).filter(pk=convention.pk).exists()
    )


@transaction.atomic
def calendar_feed_renew(*, user: User, convention: Convention, by: User | None) -> str:
    """Create the person's link for the convention, or replace its token (the previous link stops working at once).
    Returns the clear token, which is not stored."""
    if not _reads(user, convention):
        raise ValidationError("Seules les personnes qui lisent la convention ont un lien vers son agenda.")
    token = token_new()
    feed = CalendarFeed.objects.select_for_update().filter(user=user, convention=convention).first()
    if feed is None:
        feed = CalendarFeed(user=user, convention=convention)
    feed.token_hash = feed_token_hash(token)
    feed.created_at = timezone.now()
    feed.full_clean()
    set_history_author(feed, by)
    feed.save()
    return token


@transaction.atomic
def calendar_feed_revoke(*, user: User, convention: Convention, by: User | None) -> bool:
    """Delete the person's link for the convention; returns whether there was one."""
    feed = CalendarFeed.objects.select_for_update().filter(user=user, convention=convention).first()
    if feed is None:
        return False
    set_history_author(feed, by)
    feed.delete()
    return True


def feed_for_token(*, convention_pk: int, token: str) -> CalendarFeed | None:
    """The live feed of this token for this convention, or None."""
    if not token_is_plausible(token):
        return None
    digest = token_hash(token)
    feed = (
        CalendarFeed.objects.filter(token_hash=digest, convention_id=convention_pk)
        .select_related("user", "convention")
        .first()
    )
    # The lookup is by the hash, never by the token; the comparison below is constant-time all the same.
    if feed is None or not token_matches(feed.token_hash, token):
        return None
    if not _reads(feed.user, feed.convention):
        return None
    return feed


def calendar_feeds_personal_data(user: User) -> dict:
    """The person's calendar links for the right of access: the live ones (convention, date of the current token)
    and what happened to every link of theirs (created, renewed, revoked: when, by whom), from the history.

    Never the link itself: only the SHA-256 of its token is stored, so the address cannot be rebuilt, and a file
    that leaves the application must not carry a working key to the person's calendar. Nor the hash: it opens
    nothing and tells nothing about the person."""
    live = CalendarFeed.objects.filter(user=user).select_related("convention").order_by("convention__title", "pk")
    records = list(
        CalendarFeed.history.filter(user_id=user.pk)
        .order_by("history_date", "history_id")
        .values("history_date", "history_type", "history_user_id", "convention_id", "created_at")
    )
    titles = dict(Convention.objects.filter(pk__in={r["convention_id"] for r in records}).values_list("pk", "title"))
    seen: set[int] = set()
    events = []
    for record in records:
        if record["history_type"] == "-":
            event = "lien révoqué"
        elif record["history_type"] == "+" or record["convention_id"] not in seen:
            event = "lien créé"
        else:
            event = "lien renouvelé (l'ancien ne fonctionne plus)"
        seen.add(record["convention_id"])
        author = record["history_user_id"]
        events.append(
            {
                "date": record["history_date"].isoformat(),
                "evenement": event,
                "convention": titles.get(record["convention_id"], "convention supprimée"),
                "par": "vous-même" if author == user.pk else ("un autre compte" if author else "l'application"),
            }
        )
    return {
        "liens_actifs": [
            {"convention": feed.convention.title, "jeton_cree_le": feed.created_at.isoformat()} for feed in live
        ],
        "historique": events,
        "note": (
            "Seule l'empreinte (SHA-256) du jeton de chaque lien est conservée : l'adresse du lien ne peut pas être "
            "reconstituée ni figurer ici. Un lien perdu se régénère sur « Mon compte », ce qui désactive l'ancien."
        ),
    }


def feed_path(convention: Convention, token: str) -> str:
    return reverse("steering_views:calendar_feed", kwargs={"convention_pk": convention.pk, "token": token})


# iCalendar


def _absolute(path: str) -> str:
    return f"{settings.SITE_BASE_URL.rstrip('/')}{path}"


def _uid(kind: str, pk: int) -> str:
    host = urlsplit(settings.SITE_BASE_URL).hostname or "pilote-ctg"
    return f"{kind}-{pk}@{host}"


def _calendar(*, name: str, method: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/Paris")
    return calendar


def _meetings(queryset):
    history = Meeting.history.model.objects.filter(id=OuterRef("pk")).order_by().values("id")
    return queryset.select_related("body__convention").annotate(
        changes=Subquery(history.annotate(n=Count("*")).values("n")[:1]),
        agenda_minutes=Subquery(
            Meeting.objects.filter(pk=OuterRef("pk"))
            .annotate(total=Coalesce(Sum("agenda_items__duration_minutes"), 0))
            .values("total")[:1]
        ),
    )


def _meeting_event(meeting: Meeting, stamp: datetime.datetime) -> Event:
    body = meeting.body
    convention = body.convention
    page = _absolute(
        reverse("steering_views:meeting_detail", kwargs={"convention_pk": convention.pk, "pk": meeting.pk})
    )
    event = Event()
    event.add("uid", _uid("reunion", meeting.pk))
    event.add("dtstamp", stamp)
    event.add("created", meeting.created_at.astimezone(datetime.UTC))
    # Every recorded change (date, place, state) moves the sequence, so a calendar takes the newest copy.
    event.add("sequence", max((getattr(meeting, "changes", None) or 1) - 1, 0))
    start = meeting.starts_at.astimezone(PARIS)
    event.add("dtstart", start)
    minutes = getattr(meeting, "agenda_minutes", None) or 0
    if minutes:
        # The agenda's planned durations; without any, the meeting has a start and no end (RFC 5545 §3.6.1).
        event.add("dtend", start + datetime.timedelta(minutes=minutes))
    event.add("summary", f"{body} – {convention.title}")
    if meeting.place:
        event.add("location", meeting.place)
    elif meeting.link:
        event.add("location", meeting.link)
    event.add("status", "CONFIRMED")
    kind = f" ({body.get_kind_display().lower()})" if body.name else ""
    lines = [f"Instance : {body}{kind}", f"État : {meeting.get_state_display()}"]
    if meeting.place:
        lines.append(f"Lieu : {meeting.place}")
    if meeting.link:
        lines.append(f"Visioconférence : {meeting.link}")
    if minutes:
        lines.append(f"Durée : {minutes} min (total des durées de l'ordre du jour)")
    else:
        lines.append("Durée : non précisée (aucune durée à l'ordre du jour)")
    lines.append(f"Page de la réunion : {page}")
    event.add("description", "\n".join(lines))
    event.add("url", page)
    if meeting.link:
        event.add("conference", meeting.link, parameters={"value": "URI", "feature": "VIDEO"})
    return event


def _milestone_event(milestone: Milestone, stamp: datetime.datetime) -> Event:
    action = milestone.action
    due = cast(datetime.date, milestone.due_date)  # not null: the feed lists milestones with a due date
    page = _absolute(
        reverse("plans_views:action_detail", kwargs={"convention_pk": action.convention_id, "pk": action.pk})
    )
    event = Event()
    event.add("uid", _uid("jalon", milestone.pk))
    event.add("dtstamp", stamp)
    event.add("sequence", milestone.version - 1)
    event.add("dtstart", due)
    event.add("dtend", due + datetime.timedelta(days=1))
    event.add("transp", "TRANSPARENT")
    event.add("summary", f"Jalon : {milestone.title} ({action.code})")
    done = (
        f"Réalisé le {format_date(milestone.done_date)}"
        if milestone.done_date
        else f"À atteindre au plus tard le {format_date(due)}"
    )
    event.add(
        "description",
        "\n".join(
            [
                f"Action {action.code} – {action.title}",
                f"Statut de l'action : {action.get_status_display()}",
                done,
                f"Fiche action : {page}",
            ]
        ),
    )
    event.add("url", page)
    return event


def convention_calendar(*, convention: Convention, stamp: datetime.datetime | None = None) -> bytes:
    """The feed of the convention: its meetings and the due milestones of its live actions."""
    stamp = (stamp or timezone.now()).astimezone(datetime.UTC).replace(microsecond=0)
    calendar = _calendar(name=f"Pilote CTG – {convention.title}", method="PUBLISH")
    calendar.add("refresh-interval", datetime.timedelta(hours=1), parameters={"value": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    meetings = list(_meetings(Meeting.objects.filter(body__convention=convention)).order_by("starts_at", "pk"))
    for meeting in meetings:
        calendar.add_component(_meeting_event(meeting, stamp))
    milestones = (
        Milestone.objects.filter(action__convention=convention, due_date__isnull=False)
        .select_related("action")
        .order_by("due_date", "pk")
    )
    for milestone in milestones:
        calendar.add_component(_milestone_event(milestone, stamp))
    _add_timezone(calendar, meetings)
    return calendar.to_ical()


def _add_timezone(calendar: Calendar, meetings: list[Meeting]) -> None:
    """The VTIMEZONE of Europe/Paris, with the transitions of the years the meetings span (one year each side)."""
    if meetings:
        days = [m.starts_at.astimezone(PARIS).date() for m in meetings]
        year = datetime.timedelta(days=366)
        calendar.add_missing_timezones(first_date=min(days) - year, last_date=max(days) + year)


def _organizer(convention: Convention) -> vCalAddress:
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    organizer = vCalAddress(f"mailto:{address}")
    organizer.params["cn"] = vText(f"Pilote CTG – {convention.title}")
    return organizer


def meeting_invitation(*, meeting: Meeting, attendee: User, stamp: datetime.datetime | None = None) -> bytes:
    """The invitation to one meeting for one person (METHOD:REQUEST, same UID as in the feed)."""
    stamp = (stamp or timezone.now()).astimezone(datetime.UTC).replace(microsecond=0)
    meeting = _meetings(Meeting.objects.filter(pk=meeting.pk)).get()
    convention = meeting.body.convention
    calendar = _calendar(name=f"Pilote CTG – {convention.title}", method="REQUEST")
    event = _meeting_event(meeting, stamp)
    event.add("organizer", _organizer(convention))
    if attendee.email:
        person = vCalAddress(f"mailto:{attendee.email}")
        person.params["cn"] = vText(attendee.get_full_name() or attendee.get_username())
        person.params["role"] = vText("REQ-PARTICIPANT")
        person.params["partstat"] = vText("NEEDS-ACTION")
        person.params["rsvp"] = vText("FALSE")
        event.add("attendee", person)
    calendar.add_component(event)
    _add_timezone(calendar, [meeting])
    return calendar.to_ical()
