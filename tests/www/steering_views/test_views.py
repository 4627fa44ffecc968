import datetime

import pytest
import time_machine
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from ctg.accounts.models import Membership
from ctg.plans.enums import ActionStatus
from ctg.plans.models import Action
from ctg.steering import services
from ctg.steering.demo import FICTITIOUS, load_demo_steering
from ctg.steering.enums import BodyKind, MeetingState, MemberRole, OutcomeKind, Side
from ctg.steering.models import Body, BodyMember, Meeting, MinutesApproval, MinutesVersion, Outcome
from ctg.steering.services import outcome_create
from tests.accounts.factories import UserFactory
from tests.plans.factories import ActionFactory
from tests.steering.factories import PARIS, AgendaItemFactory, BodyFactory, BodyMemberFactory, MeetingFactory

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2024, 3, 20, 10, 0, tzinfo=PARIS)


def demo_user(caux_seine, username):
    return next(user for account, user in caux_seine["accounts"] if account.username == username)


def login_url(url):
    return reverse("accounts_views:login") + "?next=" + url


@pytest.fixture
def convention(caux_seine):
    return caux_seine["convention"]


@pytest.fixture
def on_20_march_2024():
    with time_machine.travel(NOW, tick=False):
        yield


class TestIndex:
    def test_anonymous_access(self, client, convention):
        url = reverse("steering_views:index", kwargs={"convention_pk": convention.pk})
        assertRedirects(client.get(url), login_url(url), fetch_redirect_response=False)

    def test_unauthorized_access(self, client, convention):
        client.force_login(UserFactory())
        assert client.get(reverse("steering_views:index", kwargs={"convention_pk": convention.pk})).status_code == 404

    def test_demo_bodies_with_fictitious_people(self, client, caux_seine, convention):
        assert load_demo_steering(convention=convention) == {"bodies": 2, "seats": 2 * 21 + 1}
        # Idempotent: a second run creates nothing.
        assert load_demo_steering(convention=convention) == {"bodies": 0, "seats": 0}
        copil = Body.objects.get(convention=convention, kind=BodyKind.COPIL)
        assert not Meeting.objects.filter(body__convention=convention).exists()
        seats = list(BodyMember.objects.filter(body=copil).select_related("user", "organisation"))
        assert {s.organisation.name for s in seats} >= {"Caux Seine agglo", "CAF de la Seine-Maritime"}
        assert len(seats) == 21  # the agglomeration, the CAF and the 19 engaged communes
        for seat in seats:
            # Every person is a demo account (« … Démo ») or says it is fictitious.
            assert (seat.user and seat.user.last_name == "Démo") or FICTITIOUS in seat.person_name
        secretary = next(s for s in seats if s.role == MemberRole.SECRETAIRE)
        assert (secretary.user.username, secretary.side) == ("coordination", Side.EPCI)
        client.force_login(demo_user(caux_seine, "lecteur"))
        response = client.get(reverse("steering_views:index", kwargs={"convention_pk": convention.pk}))
        assertContains(response, "Comité de pilotage")
        assertContains(response, "Comité technique")
        assertContains(response, "Convention signée le 6 septembre 2021.")
        assertContains(response, "Aucune réunion n'est enregistrée.")
        assertNotContains(response, reverse("steering_views:body_create", kwargs={"convention_pk": convention.pk}))
        assertContains(response, ">Pilotage</a>")

    def test_query_count(self, client, caux_seine, convention, django_assert_max_num_queries):
        for kind in (BodyKind.COPIL, BodyKind.COTECH):
            body = BodyFactory(convention=convention, kind=kind)
            for _ in range(3):
                BodyMemberFactory(body=body)
                MeetingFactory(body=body)
        client.force_login(demo_user(caux_seine, "coordination"))
        url = reverse("steering_views:index", kwargs={"convention_pk": convention.pk})
        with django_assert_max_num_queries(12):
            response = client.get(url)
        assertContains(response, "/reunions/", count=6)


class TestMeetingDetail:
    def test_unauthorized_access(self, client, convention):
        meeting = MeetingFactory(body=BodyFactory(convention=convention))
        client.force_login(UserFactory())
        url = reverse("steering_views:meeting_detail", kwargs={"convention_pk": convention.pk, "pk": meeting.pk})
        assert client.get(url).status_code == 404

    def test_query_count_does_not_grow_with_the_agenda(
        self, client, caux_seine, convention, django_assert_max_num_queries
    ):
        meeting = MeetingFactory(body=BodyFactory(convention=convention), state=MeetingState.TENUE)
        for _ in range(3):
            BodyMemberFactory(body=meeting.body)
        coordinator = demo_user(caux_seine, "coordination")
        for _ in range(8):
            item = AgendaItemFactory(meeting=meeting, action=ActionFactory(convention=convention))
            outcome_create(agenda_item=item, kind=OutcomeKind.INFORMATION, text="Point d'information.", by=coordinator)
        client.force_login(coordinator)
        url = reverse("steering_views:meeting_detail", kwargs={"convention_pk": convention.pk, "pk": meeting.pk})
        with django_assert_max_num_queries(20):
            response = client.get(url)
        assertContains(response, "Point d&#x27;information.", count=8)


@pytest.mark.usefixtures("on_20_march_2024")
def test_coordinator_steers_a_meeting_from_the_pages(client, caux_seine, convention):
    """Body, member, meeting, agenda linked to an action, held, decision on the action, minutes sent."""
    coordinator = demo_user(caux_seine, "coordination")
    action = ActionFactory(convention=convention, status=ActionStatus.A_VENIR)
    client.force_login(coordinator)
    kw = {"convention_pk": convention.pk}
    response = client.post(
        reverse("steering_views:body_create", kwargs=kw), {"kind": "copil", "name": "", "frequency": "semestrielle"}
    )
    body = Body.objects.get(convention=convention)
    assertRedirects(response, reverse("steering_views:body_detail", kwargs={**kw, "pk": body.pk}))
    response = client.post(
        reverse("steering_views:member_add", kwargs={**kw, "pk": body.pk}),
        {"organisation": convention.caf_id, "user": "", "person_name": "", "side": "caf", "role": "membre"},
    )
    assertContains(response, "Indiquez la personne : un compte de la convention ou un nom.")
    client.post(
        reverse("steering_views:member_add", kwargs={**kw, "pk": body.pk}),
        {"organisation": convention.caf_id, "user": coordinator.pk, "side": "epci", "role": "secretaire"},
    )
    member = BodyMember.objects.get(body=body)
    client.post(
        reverse("steering_views:meeting_create", kwargs={**kw, "pk": body.pk}),
        {"date": "2024-03-18", "time": "14:30", "place": "Lillebonne", "link": ""},
    )
    meeting = Meeting.objects.get(body=body)
    # Times are entered and shown in Europe/Paris.
    assert meeting.starts_at == datetime.datetime(2024, 3, 18, 13, 30, tzinfo=datetime.UTC)
    mkw = {**kw, "pk": meeting.pk}
    client.post(
        reverse("steering_views:agenda_item_add", kwargs=mkw),
        {"title": "Lancement de la fiche", "duration_minutes": "20", "presenter": "Coordination", "action": action.pk},
    )
    item = meeting.agenda_items.get()
    assert item.action == action
    client.post(reverse("steering_views:attendance", kwargs=mkw), {f"member_{member.pk}": "present"})
    assert meeting.attendances.get().presence == "present"
    client.post(reverse("steering_views:meeting_transition", kwargs=mkw), {"state": "tenue"})
    response = client.post(
        reverse("steering_views:outcome_add", kwargs={**mkw, "item_pk": item.pk}),
        {
            "kind": "decision",
            "text": "La fiche démarre.",
            "subject": "statut_action",
            "action": action.pk,
            "new_status": "en_cours",
        },
    )
    assertRedirects(response, reverse("steering_views:meeting_detail", kwargs=mkw))
    action = Action.objects.get(pk=action.pk)
    assert action.status == ActionStatus.EN_COURS
    assert action.history.order_by("-history_id").first().history_change_reason == "décision du COPIL du 18/03/2024"
    client.post(reverse("steering_views:minutes", kwargs=mkw), {f"item_{item.pk}": "La fiche est lancée."})
    response = client.post(
        reverse("steering_views:meeting_transition", kwargs=mkw), {"state": "cr_envoye"}, follow=True
    )
    assertContains(response, "Compte rendu envoyé le 20/03/2024 : approuvé sans observation le 30/03/2024")
    assert MinutesVersion.objects.get(meeting=meeting).sent_on == datetime.date(2024, 3, 20)
    assert Outcome.objects.get().text == "La fiche démarre."


@pytest.mark.usefixtures("on_20_march_2024")
def test_a_refused_decision_shows_why_and_changes_nothing(client, caux_seine, convention):
    """The demo convention is in the diagnostic phase: adopting the plan is refused, in French, on the form."""
    meeting = MeetingFactory(body=BodyFactory(convention=convention), state=MeetingState.TENUE)
    item = AgendaItemFactory(meeting=meeting)
    client.force_login(demo_user(caux_seine, "coordination"))
    url = reverse(
        "steering_views:outcome_add", kwargs={"convention_pk": convention.pk, "pk": meeting.pk, "item_pk": item.pk}
    )
    response = client.post(url, {"kind": "decision", "text": "Le plan est adopté.", "subject": "adopter_plan"})
    assertContains(response, "La décision n&#x27;est pas enregistrée : rien n&#x27;a été modifié.")
    assertContains(response, "Passage de « Diagnostic partagé » à « Mise en œuvre et pilotage » impossible.")
    convention.refresh_from_db()
    assert convention.phase == "diagnostic"
    assert not Outcome.objects.exists()


def test_a_reader_neither_sees_nor_reaches_the_management(client, caux_seine, convention):
    meeting = MeetingFactory(body=BodyFactory(convention=convention))
    reader = demo_user(caux_seine, "lecteur")
    assert Membership.objects.get(user=reader, convention=convention).role == "lecteur"
    client.force_login(reader)
    kw = {"convention_pk": convention.pk, "pk": meeting.pk}
    response = client.get(reverse("steering_views:meeting_detail", kwargs=kw))
    assertNotContains(response, reverse("steering_views:agenda_item_add", kwargs=kw))
    assertNotContains(response, "Noter la réunion tenue")
    assert client.post(reverse("steering_views:meeting_transition", kwargs=kw), {"state": "tenue"}).status_code == 403
    assert Meeting.objects.get(pk=meeting.pk).state == MeetingState.PREPAREE


class TestDashboard:
    def test_anonymous_access(self, client, convention):
        url = reverse("steering_views:dashboard", kwargs={"convention_pk": convention.pk})
        assertRedirects(client.get(url), login_url(url), fetch_redirect_response=False)

    def test_unauthorized_access(self, client, convention):
        client.force_login(UserFactory())
        url = reverse("steering_views:dashboard", kwargs={"convention_pk": convention.pk})
        assert client.get(url).status_code == 404

    def test_commune_member_sees_their_commune_only(
        self, client, caux_seine, convention, django_assert_max_num_queries
    ):
        bolbec = convention.communes.get(code="76114")
        other = convention.communes.exclude(code="76114").first()
        ActionFactory(convention=convention, code="BOL-01").communes.set([bolbec])
        ActionFactory(convention=convention, code="AUT-01").communes.set([other])
        url = reverse("steering_views:dashboard", kwargs={"convention_pk": convention.pk})
        client.force_login(demo_user(caux_seine, "bolbec"))
        with django_assert_max_num_queries(30):
            response = client.get(url)
        assertContains(response, "Vue restreinte à la commune de Bolbec")
        assertContains(response, '<th scope="row">Bolbec</th>', html=False)
        assertNotContains(response, f'<th scope="row">{other.name}</th>')
        client.force_login(demo_user(caux_seine, "coordination"))
        response = client.get(url)
        assertNotContains(response, "Vue restreinte")
        assertContains(response, f'<th scope="row">{other.name}</th>')


@pytest.mark.usefixtures("on_20_march_2024")
def test_a_seated_member_answers_the_minutes_for_their_own_side_only(client, caux_seine, convention):
    meeting = MeetingFactory(body=BodyFactory(convention=convention), state=MeetingState.TENUE)
    item = AgendaItemFactory(meeting=meeting)
    advisor = demo_user(caux_seine, "caf")  # a contributor of the convention, seated for the CAF
    BodyMemberFactory(body=meeting.body, user=advisor, person_name="", side=Side.CAF, organisation=convention.caf)
    coordinator = demo_user(caux_seine, "coordination")
    services.minutes_save(meeting=meeting, texts={item.pk: "Texte du compte rendu."}, by=coordinator)
    services.meeting_transition(meeting=meeting, state=MeetingState.CR_ENVOYE, by=coordinator)
    client.force_login(advisor)
    kw = {"convention_pk": convention.pk, "pk": meeting.pk}
    response = client.get(reverse("steering_views:meeting_detail", kwargs=kw))
    assertContains(response, "Répondre au compte rendu")
    assertContains(response, "En attente de réponse : CAF, EPCI, Commune.")
    url = reverse("steering_views:minutes_answer", kwargs=kw)
    client.post(url, {"side": "epci", "verdict": "approuve"})
    assert not MinutesApproval.objects.exists()
    client.post(url, {"side": "caf", "verdict": "observation", "comment": "Préciser le calendrier du point 1."})
    approval = MinutesApproval.objects.get()
    assert (approval.side, approval.verdict, approval.answered_by) == ("caf", "observation", advisor)
    response = client.get(reverse("steering_views:meeting_detail", kwargs=kw))
    assertContains(response, "Compte rendu envoyé le 20/03/2024 : observations reçues")
    assertContains(response, "« Préciser le calendrier du point 1. »")
    # The meeting's history lists each state with who moved it.
    assertContains(response, '<td data-label="État">Compte rendu envoyé</td>', html=False)
