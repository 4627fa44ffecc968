"""Pages of the convention's calendar: the private link (create, show once, regenerate, revoke, from the steering
page and from « Mon compte »), the public feed behind it and a meeting's invitation."""

import datetime
import re
from urllib.parse import urlsplit

import icalendar
import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from ctg.accounts.enums import Role
from ctg.steering.calendar import feed_token_hash
from ctg.steering.models import CalendarFeed
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.conventions.factories import ConventionFactory
from tests.steering.factories import PARIS, BodyFactory, MeetingFactory

pytestmark = pytest.mark.django_db
LINK = re.compile(r'id="lien-agenda" type="text" readonly value="([^"]+)"')


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_BASE_URL = "https://pilote-ctg.example.org"


@pytest.fixture
def member():
    return MembershipFactory(convention=ConventionFactory(title="CTG de la Vallée"), role=Role.LECTEUR)


def page_url(convention):
    return reverse("steering_views:calendar", kwargs={"convention_pk": convention.pk})


def renew_url(convention):
    return reverse("steering_views:calendar_renew", kwargs={"convention_pk": convention.pk})


def revoke_url(convention):
    return reverse("steering_views:calendar_revoke", kwargs={"convention_pk": convention.pk})


def create_link(client, convention, **data) -> tuple[str, str]:
    """Create or regenerate the link through the page; returns the feed URL shown once and the page."""
    response = client.post(renew_url(convention), data, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    found = LINK.search(page)
    assert found, "the new link is not shown"
    return found[1], page


def feed(url: str):
    """The feed fetched like a calendar application: no session, no cookie."""
    return Client().get(urlsplit(url).path)


class TestCalendarPage:
    def test_anonymous_access(self, client, member):
        url = page_url(member.convention)
        assertRedirects(
            client.get(url), reverse("accounts_views:login") + "?next=" + url, fetch_redirect_response=False
        )
        assert client.post(renew_url(member.convention)).status_code == 302
        assert not CalendarFeed.objects.exists()

    def test_unauthorized_access(self, client, member):
        client.force_login(UserFactory())
        assert client.get(page_url(member.convention)).status_code == 404
        assert client.post(renew_url(member.convention)).status_code == 404
        assert not CalendarFeed.objects.exists()

    def test_a_reader_creates_a_link_shown_once_that_serves_the_feed(
        self, client, member, django_assert_max_num_queries
    ):
        MeetingFactory(body=BodyFactory(convention=member.convention))
        client.force_login(member.user)
        assertContains(client.get(page_url(member.convention)), "Créer mon lien d'agenda")
        url, page = create_link(client, member.convention)
        assert "Copiez-le maintenant" in page
        token = url.rsplit("/", 1)[1].removesuffix(".ics")
        assert CalendarFeed.objects.get(user=member.user).token_hash == feed_token_hash(token)
        # Shown once: the next visit only says when it was created.
        again = client.get(page_url(member.convention))
        assertNotContains(again, token)
        assertContains(again, "Régénérer le lien")
        assert url.startswith(f"https://pilote-ctg.example.org/conventions/{member.convention.pk}/pilotage/agenda/")
        # The link, the access, the meetings, the milestones, and the savepoint of the request (ATOMIC_REQUESTS).
        with django_assert_max_num_queries(6):
            response = feed(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "text/calendar; charset=utf-8"
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
        assert "Set-Cookie" not in response
        calendar = icalendar.Calendar.from_ical(response.content)
        assert str(calendar["X-WR-CALNAME"]) == "Pilote CTG – CTG de la Vallée"
        assert len(calendar.walk("VEVENT")) == 1

    def test_regenerating_replaces_the_link_and_revoking_kills_it(self, client, member):
        client.force_login(member.user)
        first, _ = create_link(client, member.convention)
        second, _ = create_link(client, member.convention)
        assert first != second
        assert feed(first).status_code == 404
        assert feed(second).status_code == 200
        response = client.post(revoke_url(member.convention))
        assertRedirects(response, page_url(member.convention))
        assert feed(second).status_code == 404
        assert not CalendarFeed.objects.exists()
        assertContains(client.get(page_url(member.convention)), "Créer mon lien d'agenda")

    def test_a_member_who_lost_access_gets_404(self, client, member):
        client.force_login(member.user)
        url, _ = create_link(client, member.convention)
        member.delete()
        assert feed(url).status_code == 404
        # The link of another person of the same convention is untouched.
        other = MembershipFactory(convention=member.convention, role=Role.PILOTE)
        client.force_login(other.user)
        other_url, _ = create_link(client, member.convention)
        assert feed(other_url).status_code == 200

    def test_a_guessed_or_tampered_token_is_404(self, client, member):
        client.force_login(member.user)
        url, _ = create_link(client, member.convention)
        assert feed(url.replace(".ics", "x.ics")).status_code == 404
        other = ConventionFactory()
        moved = url.replace(f"/conventions/{member.convention.pk}/", f"/conventions/{other.pk}/")
        assert feed(moved).status_code == 404
        assert Client().post(urlsplit(url).path).status_code == 405

    def test_the_steering_page_links_to_the_calendar(self, client, member):
        client.force_login(member.user)
        response = client.get(reverse("steering_views:index", kwargs={"convention_pk": member.convention.pk}))
        assertContains(response, page_url(member.convention))


class TestProfile:
    def test_mon_compte_lists_regenerates_and_revokes_the_links(self, client, member):
        other = MembershipFactory(user=member.user, convention=ConventionFactory(title="CTG du Plateau"))
        client.force_login(member.user)
        profile = reverse("accounts_views:profile")
        assertContains(client.get(profile), "Aucun lien d'agenda.")
        create_link(client, member.convention)
        first_plateau, _ = create_link(client, other.convention)
        page = client.get(profile)
        assertContains(page, "CTG de la Vallée")
        assertContains(page, "CTG du Plateau")
        # Regenerated from « Mon compte »: the new link is shown there, once.
        url, page = create_link(client, other.convention, retour="compte")
        assert "Mes agendas" in page and "pour « CTG du Plateau »" in page
        assert feed(first_plateau).status_code == 404 and feed(url).status_code == 200
        response = client.post(revoke_url(other.convention), {"retour": "compte"})
        assertRedirects(response, profile)
        assert feed(url).status_code == 404
        assert list(CalendarFeed.objects.values_list("convention__title", flat=True)) == ["CTG de la Vallée"]

    def test_a_link_of_a_convention_no_longer_read_is_not_listed(self, client, member):
        client.force_login(member.user)
        create_link(client, member.convention)
        MembershipFactory(user=member.user)  # keeps the account in use elsewhere
        member.delete()
        assertNotContains(client.get(reverse("accounts_views:profile")), "CTG de la Vallée")


class TestInvitation:
    def test_anonymous_access(self, client, member):
        meeting = MeetingFactory(body=BodyFactory(convention=member.convention))
        url = reverse(
            "steering_views:meeting_invitation", kwargs={"convention_pk": member.convention.pk, "pk": meeting.pk}
        )
        assert client.get(url).status_code == 302

    def test_unauthorized_access(self, client, member):
        meeting = MeetingFactory(body=BodyFactory(convention=member.convention))
        client.force_login(UserFactory())
        url = reverse(
            "steering_views:meeting_invitation", kwargs={"convention_pk": member.convention.pk, "pk": meeting.pk}
        )
        assert client.get(url).status_code == 404

    def test_a_reader_downloads_the_invitation_from_the_meeting_page(self, client, member):
        meeting = MeetingFactory(
            body=BodyFactory(convention=member.convention), starts_at=datetime.datetime(2024, 6, 4, 18, tzinfo=PARIS)
        )
        client.force_login(member.user)
        kwargs = {"convention_pk": member.convention.pk, "pk": meeting.pk}
        url = reverse("steering_views:meeting_invitation", kwargs=kwargs)
        page = client.get(reverse("steering_views:meeting_detail", kwargs=kwargs))
        assertContains(page, f'href="{url}"')
        assertContains(page, "Télécharger l'invitation (.ics)")
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "text/calendar; method=REQUEST; charset=utf-8"
        assert response["Content-Disposition"].startswith("attachment")
        calendar = icalendar.Calendar.from_ical(response.content)
        (event,) = calendar.walk("VEVENT")
        assert str(calendar["METHOD"]) == "REQUEST"
        assert str(event["UID"]) == f"reunion-{meeting.pk}@pilote-ctg.example.org"
        assert event.decoded("DTSTART") == datetime.datetime(2024, 6, 4, 18, tzinfo=PARIS)
        assert str(event["ATTENDEE"]) == f"mailto:{member.user.email}"
