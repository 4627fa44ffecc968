"""Reminders: each kind e-mailed once to the right people, never to an opted-out, inactive or deleted account,
and the same items listed as « à faire » on the pilot's home page."""

import datetime
import io

import icalendar
import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from ctg.accounts.enums import Role
from ctg.conventions.enums import SignatoryRole
from ctg.conventions.models import Signatory
from ctg.plans.enums import ActionStatus
from ctg.plans.models import Action
from ctg.steering.enums import BodyKind, MeetingState, MemberRole, Side, Verdict
from ctg.steering.models import MinutesApproval, MinutesVersion, ReminderKind, ReminderOptOut, SentReminder
from ctg.steering.reminders import due_reminders, send_due_reminders
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.conventions.factories import ConventionFactory
from tests.organisations.factories import OrganisationFactory
from tests.plans.factories import ActionFactory, MilestoneFactory
from tests.steering.factories import PARIS, BodyFactory, BodyMemberFactory, MeetingFactory

pytestmark = pytest.mark.django_db

# Friday 1 March 2024: the COPIL meets on 12 March (11 days ahead), its previous meeting was on 10 January; the
# comité technique met on 26 February (4 days ago) and its minutes are not sent; its meeting of 15 February has
# minutes sent on 25 February, approved by the EPCI, awaited from the CAF (tacit approval on 6 March).
NOW = datetime.datetime(2024, 3, 1, 6, 0, tzinfo=PARIS)


def at(day: datetime.date, hour: int = 6):
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(hour), tzinfo=PARIS), tick=False)


@pytest.fixture
def world():
    with at(NOW.date()):
        convention = ConventionFactory(title="CTG Caux Seine agglo")
        for role in (SignatoryRole.CAF, SignatoryRole.EPCI):
            Signatory.objects.create(convention=convention, organisation=OrganisationFactory(), role=role)
        people = {
            name: UserFactory(username=name)
            for name in ("pilote", "pilote_muet", "pilote_inactif", "secretaire", "caf", "epci", "etranger")
        }
        people["pilote_inactif"].is_active = False
        people["pilote_inactif"].save()
        for name, user in people.items():
            if name != "etranger":
                MembershipFactory(user=user, convention=convention, role=Role.CONTRIBUTEUR)
        copil = BodyFactory(convention=convention, kind=BodyKind.COPIL)
        MeetingFactory(
            body=copil, starts_at=datetime.datetime(2024, 1, 10, 14, tzinfo=PARIS), state=MeetingState.CR_APPROUVE
        )
        upcoming = MeetingFactory(body=copil, starts_at=datetime.datetime(2024, 3, 12, 14, tzinfo=PARIS))
        stale = ActionFactory(convention=convention, pilot_user=people["pilote"], title="Relais petite enfance")
        fresh = ActionFactory(convention=convention, pilot_user=people["pilote"], title="Accueil des 11-17 ans")
        ActionFactory(convention=convention, pilot_user=people["pilote"], status=ActionStatus.REALISEE)
        muted = ActionFactory(convention=convention, pilot_user=people["pilote_muet"], title="Lieu d'accueil")
        ActionFactory(convention=convention, pilot_user=people["pilote_inactif"])
        ActionFactory(convention=convention, pilot_user=people["etranger"])  # no longer a member
        Action.objects.filter(pk__in=[stale.pk, muted.pk]).update(
            updated_at=datetime.datetime(2024, 1, 2, 9, tzinfo=PARIS)
        )
        soon = MilestoneFactory(action=fresh, title="Ouverture du local", due_date=datetime.date(2024, 3, 5))
        late = MilestoneFactory(action=fresh, title="Recrutement", due_date=datetime.date(2024, 2, 20))
        MilestoneFactory(action=fresh, title="Fait", due_date=datetime.date(2024, 2, 1), done_date=datetime.date.min)
        MilestoneFactory(action=fresh, title="Lointain", due_date=datetime.date(2024, 3, 20))
        cotech = BodyFactory(convention=convention, kind=BodyKind.COTECH)
        BodyMemberFactory(body=cotech, user=people["secretaire"], role=MemberRole.SECRETAIRE, side=Side.EPCI)
        BodyMemberFactory(body=cotech, role=MemberRole.SECRETAIRE)  # a name without an account
        BodyMemberFactory(body=cotech, user=people["caf"], side=Side.CAF)
        BodyMemberFactory(body=cotech, user=people["epci"], side=Side.EPCI)
        BodyMemberFactory(body=cotech, user=people["pilote"], side=Side.PARTENAIRE)  # not a signatory side
        held = MeetingFactory(
            body=cotech, starts_at=datetime.datetime(2024, 2, 26, 10, tzinfo=PARIS), state=MeetingState.TENUE
        )
        sent = MeetingFactory(
            body=cotech, starts_at=datetime.datetime(2024, 2, 15, 10, tzinfo=PARIS), state=MeetingState.CR_ENVOYE
        )
        version = MinutesVersion.objects.create(meeting=sent, number=1, sent_on=datetime.date(2024, 2, 25))
        MinutesApproval.objects.create(
            version=version, side=Side.EPCI, verdict=Verdict.APPROUVE, answered_on=datetime.date(2024, 2, 26)
        )
        ReminderOptOut.objects.create(user=people["pilote_muet"], kind=ReminderKind.MEETING_PREPARATION)
    return {
        "convention": convention,
        "people": people,
        "upcoming": upcoming,
        "stale": stale,
        "muted": muted,
        "fresh": fresh,
        "soon": soon,
        "late": late,
        "held": held,
        "sent": sent,
    }


def sent_by_kind():
    return sorted((r.kind, r.recipient.username) for r in SentReminder.objects.select_related("recipient"))


@override_settings(SITE_BASE_URL="https://pilote-ctg.example.org")
def test_each_reminder_is_sent_once_to_the_right_people(world):
    out = io.StringIO()
    with at(NOW.date()):
        call_command("send_reminders", stdout=out)
    # Counts agree in number the French way (0 and 1 singular).
    assert "5 envoyés, 0 déjà envoyé, 1 refusé par leur destinataire" in out.getvalue()
    assert set(sent_by_kind()) == {
        (ReminderKind.MILESTONE_OVERDUE, "pilote"),
        (ReminderKind.MILESTONE_SOON, "pilote"),
        (ReminderKind.MINUTES_APPROVAL, "caf"),
        (ReminderKind.MINUTES_LATE, "secretaire"),
        (ReminderKind.MEETING_PREPARATION, "pilote"),
    }
    assert len(mail.outbox) == 5
    by_subject = {m.subject: m for m in mail.outbox}
    assert set(by_subject) == {
        "[CTG Caux Seine agglo] Comité de pilotage du 12/03/2024 : 1 action à mettre à jour",
        f"[CTG Caux Seine agglo] Jalon à échéance le 05/03/2024 : « Ouverture du local » ({world['fresh'].code})",
        f"[CTG Caux Seine agglo] Jalon en retard : « Recrutement » ({world['fresh'].code})",
        "[CTG Caux Seine agglo] Compte rendu à envoyer : Comité technique du 26/02/2024",
        "[CTG Caux Seine agglo] Compte rendu à approuver : Comité technique du 15/02/2024",
    }
    preparation = by_subject["[CTG Caux Seine agglo] Comité de pilotage du 12/03/2024 : 1 action à mettre à jour"]
    assert preparation.to == [world["people"]["pilote"].email]
    stale_url = "https://pilote-ctg.example.org" + reverse(
        "plans_views:action_detail", kwargs={"convention_pk": world["convention"].pk, "pk": world["stale"].pk}
    )
    assert stale_url in preparation.body
    assert "Relais petite enfance" in preparation.body
    assert "Accueil des 11-17 ans" not in preparation.body  # updated since the previous meeting
    assert "depuis la réunion précédente (10/01/2024)" in preparation.body
    assert stale_url in preparation.alternatives[0][0]  # the HTML part
    # The invitation to the meeting goes with the reminder before it; the other reminders carry none.
    ((filename, content, mimetype),) = preparation.attachments
    assert (filename, mimetype) == ("invitation.ics", "text/calendar; method=REQUEST; charset=utf-8")
    invitation = icalendar.Calendar.from_ical(content)
    (event,) = invitation.walk("VEVENT")
    assert str(invitation["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == f"reunion-{world['upcoming'].pk}@pilote-ctg.example.org"
    assert event.decoded("DTSTART") == datetime.datetime(2024, 3, 12, 14, tzinfo=PARIS)
    assert str(event["ATTENDEE"]) == f"mailto:{world['people']['pilote'].email}"
    assert all(not m.attachments for m in mail.outbox if m is not preparation)
    approval = by_subject["[CTG Caux Seine agglo] Compte rendu à approuver : Comité technique du 15/02/2024"]
    assert approval.to == [world["people"]["caf"].email]
    assert "approuvé le 06/03/2024" in approval.body

    # A second run the same day, then the next day, sends nothing more.
    mail.outbox.clear()
    with at(NOW.date()):
        report = send_due_reminders(today=timezone.localdate())
    assert report.sent == 0 and report.already_sent == 5 and report.opted_out == 1
    with at(NOW.date() + datetime.timedelta(days=1)):
        call_command("send_reminders", stdout=None)
    assert mail.outbox == []

    # Day 7 after the comité technique: the secretary is reminded a second time; the tacit approval date passed on
    # 6 March, so the CAF is no longer reminded (nor was it twice in between).
    with at(datetime.date(2024, 3, 4)):
        call_command("send_reminders", stdout=None)
    assert [(m.subject, m.to) for m in mail.outbox] == [
        (
            "[CTG Caux Seine agglo] Compte rendu à envoyer : Comité technique du 26/02/2024",
            [world["people"]["secretaire"].email],
        )
    ]


def test_never_to_an_opted_out_inactive_or_deleted_account(world):
    people = world["people"]
    people["pilote"].is_active = False
    people["pilote"].deleted_at = timezone.now()
    people["pilote"].save()
    with at(NOW.date()):
        send_due_reminders(today=NOW.date())
    recipients = {username for _kind, username in sent_by_kind()}
    assert recipients == {"caf", "secretaire"}
    # The opted-out pilot still sees the item on the home page list.
    items = due_reminders(today=NOW.date(), user=people["pilote_muet"])
    assert [(i.kind, [line.label for line in i.lines]) for i in items] == [
        (ReminderKind.MEETING_PREPARATION, [f"{world['muted'].code} – Lieu d'accueil"])
    ]
    assert not SentReminder.objects.filter(recipient=people["pilote_muet"]).exists()


def test_opting_out_from_my_account(client, world):
    pilot = world["people"]["pilote"]
    client.force_login(pilot)
    kept = [ReminderKind.MINUTES_LATE, ReminderKind.MINUTES_APPROVAL]
    response = client.post(reverse("accounts_views:reminder_preferences"), {"kinds": kept})
    assert response.status_code == 302
    assert set(ReminderOptOut.objects.filter(user=pilot).values_list("kind", flat=True)) == {
        ReminderKind.MEETING_PREPARATION,
        ReminderKind.MILESTONE_SOON,
        ReminderKind.MILESTONE_OVERDUE,
    }
    page = client.get(reverse("accounts_views:profile")).content.decode()
    assert page.count("checked") == 2
    with at(NOW.date()):
        send_due_reminders(today=NOW.date())
    assert not SentReminder.objects.filter(recipient=pilot).exists()
    # Opting back in sends the items still due.
    client.post(reverse("accounts_views:reminder_preferences"), {"kinds": ReminderKind.values})
    assert not ReminderOptOut.objects.filter(user=pilot).exists()
    with at(NOW.date()):
        send_due_reminders(today=NOW.date())
    assert SentReminder.objects.filter(recipient=pilot).count() == 3


def test_unknown_preference_is_refused(client, world):
    pilot = world["people"]["pilote"]
    client.force_login(pilot)
    response = client.post(reverse("accounts_views:reminder_preferences"), {"kinds": ["n_importe_quoi"]}, follow=True)
    assert "Choix de rappels non reconnu" in response.content.decode()
    assert not ReminderOptOut.objects.filter(user=pilot).exists()


def test_home_page_lists_the_pilots_items(client, world, django_assert_max_num_queries):
    client.force_login(world["people"]["pilote"])
    with at(NOW.date(), hour=10), django_assert_max_num_queries(20):
        page = client.get(reverse("conventions_views:home")).content.decode()
    assert "À faire" in page
    assert "Comité de pilotage du 12/03/2024 : 1 action à mettre à jour" in page
    assert "Relais petite enfance" in page
    assert "« Ouverture du local »" in page and "« Recrutement »" in page
    assert "Lointain" not in page and "Compte rendu à envoyer" not in page  # not the pilot's
    assert (
        reverse("plans_views:action_detail", kwargs={"convention_pk": world["convention"].pk, "pk": world["stale"].pk})
        in page
    )
    assert mail.outbox == []  # the page sends nothing


def test_home_page_query_count_does_not_grow_with_items(client, world, django_assert_max_num_queries):
    for _ in range(10):
        MilestoneFactory(action=world["fresh"], due_date=datetime.date(2024, 3, 2))
        action = ActionFactory(convention=world["convention"], pilot_user=world["people"]["pilote"])
        Action.objects.filter(pk=action.pk).update(updated_at=datetime.datetime(2024, 1, 2, tzinfo=PARIS))
    client.force_login(world["people"]["pilote"])
    with at(NOW.date(), hour=10), django_assert_max_num_queries(20):
        page = client.get(reverse("conventions_views:home")).content.decode()
    assert "11 actions à mettre à jour" in page


def test_a_failed_sending_is_retried(world, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("serveur SMTP injoignable")

    monkeypatch.setattr("ctg.steering.reminders.EmailMultiAlternatives.send", refuse)
    with at(NOW.date()):
        report = send_due_reminders(today=NOW.date())
    assert report.sent == 0 and len(report.failed) == 5
    assert not SentReminder.objects.exists()
    monkeypatch.undo()
    with at(NOW.date()):
        report = send_due_reminders(today=NOW.date())
    assert report.sent == 5
