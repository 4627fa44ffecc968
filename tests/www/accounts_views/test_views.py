import json
import re

import pytest
from django.core import mail
from django.urls import reverse

from ctg.accounts.enums import Role, SecurityEventKind
from ctg.accounts.models import Invitation, Membership, SecurityEvent, User
from ctg.steering.calendar import calendar_feed_renew, calendar_feed_revoke, feed_token_hash
from ctg.steering.models import CalendarFeed, ReminderKind
from tests.accounts.factories import InvitationFactory, MembershipFactory, UserFactory
from tests.conventions.factories import ConventionFactory
from tests.territories.factories import CommuneFactory

pytestmark = pytest.mark.django_db

PASSWORD = "mot-de-passe-de-test"
NEW_PASSWORD = "un-nouveau-secret-solide-42"


def login_url():
    return reverse("accounts_views:login")


def post_login(client, username, password, ip="192.0.2.10"):
    return client.post(login_url(), {"username": username, "password": password}, REMOTE_ADDR=ip)


class TestLogin:
    def test_anonymous_access(self, client):
        response = client.get(login_url())
        assert response.status_code == 200
        assert "Mot de passe oublié" in response.content.decode()

    def test_unauthorized_access(self, client):
        user = UserFactory()
        response = post_login(client, user.username, "mauvais")
        assert response.status_code == 200
        assert "Identifiant ou mot de passe incorrect" in response.content.decode()
        assert "_auth_user_id" not in client.session

    def test_login_and_logout_are_journaled(self, client):
        user = UserFactory()
        response = post_login(client, user.username, PASSWORD)
        assert response.status_code == 302
        event = SecurityEvent.objects.get(kind=SecurityEventKind.LOGIN)
        assert event.user == user and event.ip_address == "192.0.2.10"
        client.post(reverse("accounts_views:logout"))
        assert SecurityEvent.objects.filter(kind=SecurityEventKind.LOGOUT, user=user).exists()

    def test_failed_login_is_journaled_with_the_typed_identifier(self, client):
        user = UserFactory()
        post_login(client, user.username, "mauvais")
        post_login(client, "inconnu", "mauvais")
        failed = SecurityEvent.objects.filter(kind=SecurityEventKind.LOGIN_FAILED).order_by("pk")
        assert [(e.user, e.username) for e in failed] == [(user, user.username), (None, "inconnu")]
        assert all("mauvais" not in e.detail for e in failed)

    def test_throttled_after_repeated_failures(self, client, settings):
        user = UserFactory()
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            assert post_login(client, user.username, "mauvais").status_code == 200
        assert post_login(client, user.username, "mauvais").status_code == 429
        # Locked: even the right password is refused, with a French message.
        response = post_login(client, user.username, PASSWORD)
        assert response.status_code == 429
        assert "Connexion temporairement bloquée" in response.content.decode()
        assert "_auth_user_id" not in client.session
        # Another identifier from the same address is not locked by these failures.
        other = UserFactory()
        assert post_login(client, other.username, PASSWORD).status_code == 302

    def test_behind_a_proxy_one_client_does_not_lock_the_account_for_another(self, client, settings):
        settings.TRUSTED_PROXY_COUNT = 1
        user = UserFactory()

        def attempt(password, client_address):
            data = {"username": user.username, "password": password}
            return client.post(login_url(), data, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=client_address)

        for _ in range(settings.AXES_FAILURE_LIMIT):
            attempt("mauvais", "203.0.113.66")
        assert attempt(PASSWORD, "203.0.113.66").status_code == 429
        # The owner, behind the same proxy but from another address, still logs in; the journal has their address.
        assert attempt(PASSWORD, "198.51.100.5").status_code == 302
        assert SecurityEvent.objects.get(kind=SecurityEventKind.LOGIN).ip_address == "198.51.100.5"

    def test_without_trusted_proxy_a_forged_forwarded_address_does_not_escape_the_lock(self, client, settings):
        settings.TRUSTED_PROXY_COUNT = 0
        user = UserFactory()
        for n in range(settings.AXES_FAILURE_LIMIT):
            data = {"username": user.username, "password": "mauvais"}
            client.post(login_url(), data, REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
        data = {"username": user.username, "password": PASSWORD}
        response = client.post(login_url(), data, REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR="198.51.100.99")
        assert response.status_code == 429
        assert set(
            SecurityEvent.objects.filter(kind=SecurityEventKind.LOGIN_FAILED).values_list("ip_address", flat=True)
        ) == {"192.0.2.10"}

    def test_session_expires(self, settings, client):
        assert settings.SESSION_COOKIE_AGE <= 12 * 3600
        assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
        client.force_login(UserFactory())
        assert client.session.get_expire_at_browser_close()

    def test_passwords_are_hashed_with_argon2(self, settings):
        from config.settings import base

        # Tests use a fast hasher; every other environment inherits base's argon2.
        assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
        settings.PASSWORD_HASHERS = base.PASSWORD_HASHERS
        user = UserFactory(password="un-secret-quelconque-99")
        assert user.password.startswith("argon2$")


class TestPasswordReset:
    def test_anonymous_access(self, client):
        assert client.get(reverse("accounts_views:password_reset")).status_code == 200

    def test_unauthorized_access(self, client):
        # An unknown address gets the same answer and no e-mail (no account enumeration).
        response = client.post(reverse("accounts_views:password_reset"), {"email": "personne@exemple.invalid"})
        assert response.status_code == 302
        assert response["Location"] == reverse("accounts_views:password_reset_done")
        assert mail.outbox == []

    def test_full_reset(self, client):
        user = UserFactory()
        client.post(reverse("accounts_views:password_reset"), {"email": user.email})
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.subject == "Pilote CTG : choisir un nouveau mot de passe"
        link = re.search(r"https?://[^/]+(/\S+)", message.body).group(1)
        response = client.get(link)
        assert response.status_code == 302  # Django swaps the token for a session key
        form_url = response["Location"]
        response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
        assert response["Location"] == reverse("accounts_views:password_reset_complete")
        user.refresh_from_db()
        assert user.check_password(NEW_PASSWORD)
        assert SecurityEvent.objects.filter(kind=SecurityEventKind.PASSWORD_RESET, user=user).exists()
        # The link is single-use.
        response = client.get(link, follow=True)
        assert "n'est plus valable" in response.content.decode()


@pytest.fixture
def counting_throttle(settings):
    """A real counter for rate limits (the test settings count nothing), empty for this test."""
    settings.CACHES = {
        **settings.CACHES,
        "throttle": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "throttle-test"},
    }
    from django.core.cache import caches

    caches["throttle"].clear()
    yield
    caches["throttle"].clear()


class TestPasswordResetThrottle:
    def post(self, client, email, ip="192.0.2.10"):
        return client.post(reverse("accounts_views:password_reset"), {"email": email}, REMOTE_ADDR=ip)

    def test_at_most_three_e_mails_an_hour_for_one_address(self, client, counting_throttle):
        user = UserFactory()
        responses = [self.post(client, user.email.upper(), ip=f"192.0.2.{n}") for n in range(5)]
        # Always the same neutral answer; only the first three send an e-mail.
        assert {r["Location"] for r in responses} == {reverse("accounts_views:password_reset_done")}
        assert len(mail.outbox) == 3
        events = SecurityEvent.objects.filter(kind=SecurityEventKind.PASSWORD_RESET_THROTTLED)
        assert events.count() == 2
        assert "limite horaire atteinte" in events.first().detail

    def test_at_most_five_requests_an_hour_from_one_client(self, client, counting_throttle):
        users = [UserFactory() for _ in range(7)]
        for user in users:
            assert self.post(client, user.email)["Location"] == reverse("accounts_views:password_reset_done")
        assert len(mail.outbox) == 5
        assert set(
            SecurityEvent.objects.filter(kind=SecurityEventKind.PASSWORD_RESET_THROTTLED).values_list(
                "ip_address", flat=True
            )
        ) == {"192.0.2.10"}
        # Another client is not held back by the first one's requests.
        self.post(client, users[-1].email, ip="198.51.100.1")
        assert len(mail.outbox) == 6


class TestInvitationAccept:
    def test_anonymous_access(self, client):
        invitation = InvitationFactory(role=Role.CONTRIBUTEUR)
        response = client.get(reverse("accounts_views:invitation_accept", kwargs={"token": invitation.token}))
        assert response.status_code == 200
        assert "Contributeur" in response.content.decode()

    def test_unauthorized_access(self, client):
        invitation = InvitationFactory()
        client.force_login(UserFactory())
        url = reverse("accounts_views:invitation_accept", kwargs={"token": invitation.token})
        assert client.get(url).status_code == 403
        assert client.post(url).status_code == 403
        assert client.get(reverse("accounts_views:invitation_accept", kwargs={"token": "faux"})).status_code == 404

    def test_accept_creates_account_logs_in_and_cannot_be_reused(self, client):
        invitation = InvitationFactory(role=Role.PILOTE)
        url = reverse("accounts_views:invitation_accept", kwargs={"token": invitation.token})
        data = {"first_name": "Lou", "last_name": "Martin", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
        response = client.post(url, data)
        assert response.status_code == 302
        assert response["Location"] == reverse("conventions_views:detail", kwargs={"pk": invitation.convention_id})
        user = User.objects.get(email=invitation.email)
        assert int(client.session["_auth_user_id"]) == user.pk
        assert Membership.objects.get(user=user).role == Role.PILOTE
        client.logout()
        response = client.post(url, {**data, "first_name": "Autre"})
        assert response.status_code == 410
        assert "déjà été utilisée" in response.content.decode()
        assert User.objects.filter(email=invitation.email).count() == 1

    def test_expired_link_is_refused(self, client):
        invitation = InvitationFactory(expired=True)
        url = reverse("accounts_views:invitation_accept", kwargs={"token": invitation.token})
        response = client.get(url)
        assert response.status_code == 410
        assert "a expiré" in response.content.decode()
        data = {"first_name": "Lou", "last_name": "Martin", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
        assert client.post(url, data).status_code == 410
        assert not User.objects.filter(email=invitation.email).exists()

    def test_mismatched_passwords(self, client):
        invitation = InvitationFactory()
        url = reverse("accounts_views:invitation_accept", kwargs={"token": invitation.token})
        data = {"first_name": "Lou", "last_name": "Martin", "password1": NEW_PASSWORD, "password2": "autre"}
        response = client.post(url, data)
        assert response.status_code == 200
        assert "ne sont pas identiques" in response.content.decode()

    def test_existing_account_joins_when_logged_in(self, client):
        user = UserFactory()
        invitation = InvitationFactory(email=user.email)
        url = reverse("accounts_views:invitation_accept", kwargs={"token": invitation.token})
        response = client.get(url)
        assert "connectez-vous" in response.content.decode()
        client.force_login(user)
        assert client.post(url).status_code == 302
        assert Membership.objects.filter(user=user, convention=invitation.convention).exists()

    def test_an_address_used_as_an_identifier_gives_a_french_message(self, client):
        UserFactory(username="ninon@exemple.invalid", email="ninon.perso@exemple.invalid")
        invitation = InvitationFactory(email="ninon@exemple.invalid")
        url = reverse("accounts_views:invitation_accept", kwargs={"token": invitation.token})
        data = {"first_name": "Ninon", "last_name": "Martin", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
        response = client.post(url, data)
        assert response.status_code == 200
        assert "Un compte existe déjà pour cette adresse : connectez-vous" in response.content.decode()
        assert User.objects.count() == 1 and not Membership.objects.exists()


class TestMembers:
    def url(self, convention):
        return reverse("accounts_views:members", kwargs={"convention_pk": convention.pk})

    def test_anonymous_access(self, client):
        convention = ConventionFactory()
        response = client.get(self.url(convention))
        assert response.status_code == 302 and response["Location"].startswith(login_url())

    def test_unauthorized_access(self, client):
        member = MembershipFactory(role=Role.CONTRIBUTEUR)
        client.force_login(member.user)
        assert client.get(self.url(member.convention)).status_code == 403
        assert client.get(self.url(ConventionFactory())).status_code == 404

    def test_list_is_bounded_in_queries(self, client, django_assert_max_num_queries):
        admin = MembershipFactory(role=Role.ADMINISTRATEUR)
        for _ in range(15):
            MembershipFactory(convention=admin.convention)
        InvitationFactory.create_batch(3, convention=admin.convention)
        client.force_login(admin.user)
        with django_assert_max_num_queries(12):
            response = client.get(self.url(admin.convention))
        assert response.status_code == 200
        assert response.content.decode().count("Retirer ") == 16

    def test_invite_sends_a_single_use_link(self, client):
        admin = MembershipFactory(role=Role.ADMINISTRATEUR)
        client.force_login(admin.user)
        response = client.post(self.url(admin.convention), {"email": "nouvelle@exemple.invalid", "role": "lecteur"})
        assert response.status_code == 302
        invitation = Invitation.objects.get()
        assert mail.outbox[0].to == ["nouvelle@exemple.invalid"]
        link = re.search(r"https?://[^/]+(/compte/invitation/\S+/)", mail.outbox[0].body).group(1)
        client.logout()
        assert client.get(link).context["invitation"] == invitation

    def test_change_role_and_remove(self, client):
        admin = MembershipFactory(role=Role.ADMINISTRATEUR)
        commune = CommuneFactory()
        admin.convention.communes.add(commune)
        member = MembershipFactory(convention=admin.convention)
        client.force_login(admin.user)
        url = reverse("accounts_views:member_role", kwargs={"convention_pk": admin.convention.pk, "pk": member.pk})
        client.post(url, {f"m{member.pk}-role": "commune", f"m{member.pk}-commune": commune.pk})
        member.refresh_from_db()
        assert (member.role, member.commune) == (Role.COMMUNE, commune)
        # The last administrator cannot demote themselves.
        url = reverse("accounts_views:member_role", kwargs={"convention_pk": admin.convention.pk, "pk": admin.pk})
        response = client.post(url, {f"m{admin.pk}-role": "lecteur"}, follow=True)
        assert "au moins un administrateur" in response.content.decode()
        admin.refresh_from_db()
        assert admin.role == Role.ADMINISTRATEUR
        url = reverse("accounts_views:member_remove", kwargs={"convention_pk": admin.convention.pk, "pk": member.pk})
        client.post(url)
        assert not Membership.objects.filter(pk=member.pk).exists()
        kinds = set(SecurityEvent.objects.values_list("kind", flat=True))
        assert {SecurityEventKind.ROLE_CHANGED, SecurityEventKind.MEMBER_REMOVED} <= kinds

    def test_publication_toggle(self, client):
        admin = MembershipFactory(role=Role.ADMINISTRATEUR)
        client.force_login(admin.user)
        url = reverse("accounts_views:publication", kwargs={"convention_pk": admin.convention.pk})
        client.post(url, {"is_public": "on"})
        admin.convention.refresh_from_db()
        assert admin.convention.is_public
        client.post(url, {})
        admin.convention.refresh_from_db()
        assert not admin.convention.is_public


class TestJournal:
    def url(self, convention):
        return reverse("accounts_views:journal", kwargs={"convention_pk": convention.pk})

    def test_anonymous_access(self, client):
        response = client.get(self.url(ConventionFactory()))
        assert response.status_code == 302 and response["Location"].startswith(login_url())

    def test_unauthorized_access(self, client):
        member = MembershipFactory(role=Role.LECTEUR)
        client.force_login(member.user)
        assert client.get(self.url(member.convention)).status_code == 403

    def test_shows_convention_events_and_members_logins_only(self, client, django_assert_max_num_queries):
        admin = MembershipFactory(role=Role.ADMINISTRATEUR)
        member = MembershipFactory(convention=admin.convention)
        outsider = MembershipFactory()
        post_login(client, member.user.username, "mauvais")
        post_login(client, outsider.user.username, PASSWORD)
        client.logout()
        SecurityEvent.objects.create(kind=SecurityEventKind.EXPORT, convention=admin.convention, detail="export XLSX")
        SecurityEvent.objects.create(kind=SecurityEventKind.EXPORT, convention=outsider.convention, detail="ailleurs")
        for _ in range(30):
            SecurityEvent.objects.create(kind=SecurityEventKind.LOGIN, user=member.user, username="x")
        client.force_login(admin.user)
        with django_assert_max_num_queries(10):
            response = client.get(self.url(admin.convention))
        html = response.content.decode()
        assert "export XLSX" in html and "ailleurs" not in html
        assert "Échec de connexion" in html
        events = list(response.context["page"])
        assert outsider.user not in {e.user for e in events}


class TestProfile:
    def test_anonymous_access(self, client):
        response = client.get(reverse("accounts_views:profile"))
        assert response.status_code == 302 and response["Location"].startswith(login_url())

    def test_unauthorized_access(self, client):
        # There is no other person's profile to reach: the pages only ever act on the logged-in user.
        user, other = UserFactory(), UserFactory(first_name="Autre")
        client.force_login(user)
        client.post(reverse("accounts_views:profile"), {"first_name": "Moi", "last_name": "Même", "pk": other.pk})
        other.refresh_from_db()
        assert other.first_name == "Autre"

    def test_edit_name(self, client):
        user = UserFactory()
        client.force_login(user)
        response = client.post(reverse("accounts_views:profile"), {"first_name": "Ninon", "last_name": "Leroux"})
        assert response.status_code == 302
        user.refresh_from_db()
        assert (user.first_name, user.last_name) == ("Ninon", "Leroux")

    def test_export_my_data(self, client):
        member = MembershipFactory(role=Role.LECTEUR, user__first_name="Ninon")
        client.force_login(member.user)
        response = client.get(reverse("accounts_views:profile_export"))
        assert response["Content-Disposition"].startswith("attachment")
        data = json.loads(response.content)
        assert data["compte"]["prenom"] == "Ninon"
        assert data["roles"][0]["convention"] == member.convention.title
        assert SecurityEvent.objects.filter(kind=SecurityEventKind.PERSONAL_DATA_EXPORT, user=member.user).exists()

    def test_export_lists_my_calendar_links_never_their_address(self, client):
        member = MembershipFactory(role=Role.LECTEUR)
        other = MembershipFactory(role=Role.LECTEUR, user=member.user)
        user, kept, revoked = member.user, member.convention, other.convention
        first = calendar_feed_renew(user=user, convention=kept, by=user)
        current = calendar_feed_renew(user=user, convention=kept, by=user)
        gone = calendar_feed_renew(user=user, convention=revoked, by=user)
        calendar_feed_revoke(user=user, convention=revoked, by=UserFactory())
        client.force_login(user)
        response = client.get(reverse("accounts_views:profile_export"))
        text = response.content.decode()
        links = json.loads(text)["liens_agenda"]
        created_at = CalendarFeed.objects.get(user=user).created_at.isoformat()
        assert links["liens_actifs"] == [{"convention": kept.title, "jeton_cree_le": created_at}]
        assert [(e["evenement"], e["convention"], e["par"]) for e in links["historique"]] == [
            ("lien créé", kept.title, "vous-même"),
            ("lien renouvelé (l'ancien ne fonctionne plus)", kept.title, "vous-même"),
            ("lien créé", revoked.title, "vous-même"),
            ("lien révoqué", revoked.title, "un autre compte"),
        ]
        # Neither a token (a working key to the calendar) nor its hash leaves the application.
        for token in (first, current, gone):
            assert token not in text and feed_token_hash(token) not in text
        # The e-mail reminders received: every kind until the person refuses one.
        assert json.loads(text)["rappels_par_courriel"] == [kind.label for kind in ReminderKind]

    def test_delete_needs_password_and_confirmation(self, client):
        member = MembershipFactory(role=Role.LECTEUR)
        client.force_login(member.user)
        url = reverse("accounts_views:profile_delete")
        response = client.post(url, {"password": "mauvais", "confirm": "on"})
        assert response.status_code == 200 and "Mot de passe incorrect" in response.content.decode()
        response = client.post(url, {"password": PASSWORD})
        assert response.status_code == 200
        member.user.refresh_from_db()
        assert member.user.is_active
        response = client.post(url, {"password": PASSWORD, "confirm": "on"})
        assert response.status_code == 302
        member.user.refresh_from_db()
        assert not member.user.is_active and str(member.user) == "Compte supprimé"
        assert "_auth_user_id" not in client.session


class TestSecurityHeaders:
    def test_csp_without_unsafe_inline_on_login_and_error_pages(self, client):
        response = client.get(login_url())
        assert response.status_code == 200
        client.force_login(UserFactory())
        for url in [reverse("accounts_views:profile"), "/page-inexistante/"]:
            response = client.get(url)
            policy = response["Content-Security-Policy"]
            assert "script-src 'self'" in policy and "style-src 'self'" in policy
            assert "unsafe-inline" not in policy
        assert response.status_code == 404

    def test_pages_have_no_inline_script_or_style(self, client):
        admin = MembershipFactory(role=Role.ADMINISTRATEUR)
        client.force_login(admin.user)
        for url in [
            reverse("accounts_views:members", kwargs={"convention_pk": admin.convention.pk}),
            reverse("accounts_views:journal", kwargs={"convention_pk": admin.convention.pk}),
            reverse("accounts_views:profile"),
            reverse("accounts_views:profile_delete"),
        ]:
            html = client.get(url).content.decode()
            assert not re.search(r"<script(?![^>]*\bsrc=)", html), url
            assert " style=" not in html, url

    def test_csrf_is_enforced_on_login(self):
        from django.test import Client

        user = UserFactory()
        client = Client(enforce_csrf_checks=True)
        assert client.post(login_url(), {"username": user.username, "password": PASSWORD}).status_code == 403
