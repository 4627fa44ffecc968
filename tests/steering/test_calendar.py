"""The convention's calendar: private links (hashed, regenerated, revoked, dead when access is lost) and the
iCalendar files, parsed back with icalendar."""

import datetime

import icalendar
import pytest
from django.core.exceptions import ValidationError

from ctg.accounts.enums import Role
from ctg.plans.models import Action
from ctg.steering import services
from ctg.steering.calendar import (
    calendar_feed_renew,
    calendar_feed_revoke,
    convention_calendar,
    feed_for_token,
    feed_token_hash,
    meeting_invitation,
)
from ctg.steering.enums import BodyKind, MeetingState
from ctg.steering.models import CalendarFeed
from tests.accounts.factories import DepartementAccessFactory, MembershipFactory, UserFactory
from tests.conventions.factories import ConventionFactory
from tests.plans.factories import ActionFactory, MilestoneFactory
from tests.steering.factories import PARIS, AgendaItemFactory, BodyFactory, MeetingFactory
from tests.territories.factories import CommuneFactory

pytestmark = pytest.mark.django_db
STAMP = datetime.datetime(2024, 3, 1, 8, 30, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_BASE_URL = "https://pilote-ctg.example.org"


@pytest.fixture
def member():
    return MembershipFactory(convention=ConventionFactory(title="CTG de la Vallée"), role=Role.LECTEUR)


def events(content: bytes) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(content)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


class TestLinks:
    def test_the_token_is_random_and_only_its_hash_is_stored(self, member):
        token = calendar_feed_renew(user=member.user, convention=member.convention, by=member.user)
        other = calendar_feed_renew(
            user=MembershipFactory(convention=member.convention).user, convention=member.convention, by=None
        )
        assert len(token) >= 43 and token != other
        feed = CalendarFeed.objects.get(user=member.user)
        assert feed.token_hash == feed_token_hash(token) and token not in feed.token_hash
        assert feed_for_token(convention_pk=member.convention_id, token=token) == feed
        # The history records the link without its hash.
        assert feed.history.get().history_user == member.user
        assert not hasattr(feed.history.get(), "token_hash")

    def test_regenerating_kills_the_previous_link(self, member):
        first = calendar_feed_renew(user=member.user, convention=member.convention, by=member.user)
        second = calendar_feed_renew(user=member.user, convention=member.convention, by=member.user)
        assert CalendarFeed.objects.filter(user=member.user).count() == 1
        assert feed_for_token(convention_pk=member.convention_id, token=first) is None
        assert feed_for_token(convention_pk=member.convention_id, token=second) is not None

    def test_a_revoked_link_answers_nothing(self, member):
        token = calendar_feed_renew(user=member.user, convention=member.convention, by=member.user)
        assert calendar_feed_revoke(user=member.user, convention=member.convention, by=member.user)
        assert feed_for_token(convention_pk=member.convention_id, token=token) is None
        assert not calendar_feed_revoke(user=member.user, convention=member.convention, by=member.user)

    def test_unknown_wrong_convention_or_empty_tokens_answer_nothing(self, member):
        token = calendar_feed_renew(user=member.user, convention=member.convention, by=member.user)
        assert feed_for_token(convention_pk=ConventionFactory().pk, token=token) is None
        assert feed_for_token(convention_pk=member.convention_id, token=token[:-1]) is None
        assert feed_for_token(convention_pk=member.convention_id, token="") is None
        assert feed_for_token(convention_pk=member.convention_id, token="x" * 500) is None

    def test_the_link_dies_with_the_access_to_the_convention(self, member):
        token = calendar_feed_renew(user=member.user, convention=member.convention, by=member.user)
        member.delete()
        assert feed_for_token(convention_pk=member.convention_id, token=token) is None

    def test_the_link_dies_with_an_inactive_or_deleted_account(self, member):
        token = calendar_feed_renew(user=member.user, convention=member.convention, by=member.user)
        user = member.user
        user.is_active = False
        user.save()
        assert feed_for_token(convention_pk=member.convention_id, token=token) is None
        user.is_active = True
        user.deleted_at = datetime.datetime(2024, 3, 1, tzinfo=PARIS)
        user.save()
        assert feed_for_token(convention_pk=member.convention_id, token=token) is None

    def test_a_departement_reader_has_a_link_an_outsider_none(self, member):
        convention = member.convention
        commune = CommuneFactory(epci=convention.epci)
        reader = DepartementAccessFactory(departement=commune.departement).user
        assert calendar_feed_renew(user=reader, convention=convention, by=reader)
        outsider = UserFactory()
        with pytest.raises(ValidationError):
            calendar_feed_renew(user=outsider, convention=convention, by=outsider)
        assert not CalendarFeed.objects.filter(user=outsider).exists()


class TestFeed:
    def test_meetings_and_milestones_with_stable_uids(self, member):
        convention = member.convention
        copil = BodyFactory(convention=convention, kind=BodyKind.COPIL)
        held = MeetingFactory(
            body=copil, starts_at=datetime.datetime(2024, 3, 12, 14, tzinfo=PARIS), state=MeetingState.TENUE
        )
        AgendaItemFactory(meeting=held, duration_minutes=45)
        AgendaItemFactory(meeting=held, duration_minutes=30)
        AgendaItemFactory(meeting=held, duration_minutes=None)
        visio = MeetingFactory(
            body=BodyFactory(convention=convention, kind=BodyKind.THEMATIQUE, name="Comité jeunesse"),
            starts_at=datetime.datetime(2024, 7, 2, 9, 30, tzinfo=PARIS),
            place="",
            link="https://visio.example.org/ctg",
        )
        action = ActionFactory(convention=convention, code="A1", title="Relais petite enfance")
        due = MilestoneFactory(action=action, title="Ouverture", due_date=datetime.date(2024, 9, 2))
        done = MilestoneFactory(
            action=action,
            title="Recrutement",
            due_date=datetime.date(2024, 2, 1),
            done_date=datetime.date(2024, 1, 29),
        )
        MilestoneFactory(action=action, title="Sans date", due_date=None)
        trashed = ActionFactory(convention=convention)
        MilestoneFactory(action=trashed, title="Dans la corbeille", due_date=datetime.date(2024, 5, 1))
        Action.all_objects.filter(pk=trashed.pk).update(deleted_at=STAMP)
        other = MeetingFactory(body=BodyFactory(convention=ConventionFactory()))

        content = convention_calendar(convention=convention, stamp=STAMP)
        calendar = icalendar.Calendar.from_ical(content)
        assert str(calendar["METHOD"]) == "PUBLISH"
        assert str(calendar["X-WR-CALNAME"]) == "Pilote CTG – CTG de la Vallée"
        assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]
        found = events(content)
        host = "pilote-ctg.example.org"
        assert set(found) == {
            f"reunion-{held.pk}@{host}",
            f"reunion-{visio.pk}@{host}",
            f"jalon-{due.pk}@{host}",
            f"jalon-{done.pk}@{host}",
        }
        assert f"reunion-{other.pk}@{host}" not in found

        meeting = found[f"reunion-{held.pk}@{host}"]
        assert meeting.decoded("DTSTART") == datetime.datetime(2024, 3, 12, 14, tzinfo=PARIS)
        assert meeting["DTSTART"].params["TZID"] == "Europe/Paris"
        # 45 + 30 minutes of agenda (the item without a duration adds nothing).
        assert meeting.decoded("DTEND") == datetime.datetime(2024, 3, 12, 15, 15, tzinfo=PARIS)
        assert meeting.decoded("DTSTAMP") == STAMP
        assert str(meeting["SUMMARY"]) == "Comité de pilotage – CTG de la Vallée"
        assert str(meeting["LOCATION"]) == "Salle du conseil communautaire"
        assert str(meeting["STATUS"]) == "CONFIRMED"
        assert "État : Tenue" in str(meeting["DESCRIPTION"])
        assert str(meeting["URL"]).startswith(f"https://{host}/conventions/{convention.pk}/pilotage/reunions/")

        online = found[f"reunion-{visio.pk}@{host}"]
        assert str(online["LOCATION"]) == "https://visio.example.org/ctg"
        assert "DTEND" not in online  # no agenda durations: a start, no invented end
        assert "Durée : non précisée" in str(online["DESCRIPTION"])

        milestone = found[f"jalon-{due.pk}@{host}"]
        assert milestone.decoded("DTSTART") == datetime.date(2024, 9, 2)
        assert milestone.decoded("DTEND") == datetime.date(2024, 9, 3)
        assert str(milestone["SUMMARY"]) == "Jalon : Ouverture (A1)"
        assert "À atteindre au plus tard le 02/09/2024" in str(milestone["DESCRIPTION"])
        assert "Réalisé le 29/01/2024" in str(found[f"jalon-{done.pk}@{host}"]["DESCRIPTION"])

        # Same objects, same UIDs, a later stamp; a change of date moves the sequence.
        services.meeting_update(
            meeting=held, starts_at=datetime.datetime(2024, 3, 13, 14, tzinfo=PARIS), place="Mairie", link="", by=None
        )
        again = events(convention_calendar(convention=convention))
        assert set(again) == set(found)
        moved = again[f"reunion-{held.pk}@{host}"]
        assert moved.decoded("DTSTART") == datetime.datetime(2024, 3, 13, 14, tzinfo=PARIS)
        assert int(moved["SEQUENCE"]) > int(meeting["SEQUENCE"])
        assert moved.decoded("DTSTAMP") > STAMP

    def test_an_empty_convention_is_a_valid_empty_calendar(self, member):
        calendar = icalendar.Calendar.from_ical(convention_calendar(convention=member.convention, stamp=STAMP))
        assert calendar.walk("VEVENT") == []
        assert str(calendar["VERSION"]) == "2.0" and "PRODID" in calendar


def test_the_invitation_is_a_request_with_organiser_and_attendee(member, settings):
    settings.DEFAULT_FROM_EMAIL = "Pilote <ne-pas-repondre@ex.org>"
    meeting = MeetingFactory(
        body=BodyFactory(convention=member.convention),
        starts_at=datetime.datetime(2024, 11, 5, 9, tzinfo=PARIS),
        link="https://visio.example.org/copil",
    )
    calendar = icalendar.Calendar.from_ical(meeting_invitation(meeting=meeting, attendee=member.user, stamp=STAMP))
    assert str(calendar["METHOD"]) == "REQUEST"
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"reunion-{meeting.pk}@pilote-ctg.example.org"  # the feed's UID
    assert event.decoded("DTSTART") == datetime.datetime(2024, 11, 5, 9, tzinfo=PARIS)
    assert event.decoded("DTSTAMP") == STAMP
    assert str(event["ORGANIZER"]) == "mailto:ne-pas-repondre@ex.org"
    assert str(event["ATTENDEE"]) == f"mailto:{member.user.email}"
    assert event["ATTENDEE"].params["PARTSTAT"] == "NEEDS-ACTION"
    assert "Visioconférence : https://visio.example.org/copil" in str(event["DESCRIPTION"])
    assert int(event["SEQUENCE"]) == 0
