"""ProConnect sign-in through Django's test client and a real OpenID Connect provider run locally (Node
`oidc-provider`, tests/oidc_provider): the person's steps at the provider are played over HTTP."""

import datetime
import re
import socket
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
import time_machine
from django.urls import reverse

from ctg.accounts import oidc
from ctg.accounts.enums import Role, SecurityEventKind
from ctg.accounts.models import Membership, ProConnectIdentity, SecurityEvent, User
from tests.accounts.factories import InvitationFactory, MembershipFactory, UserFactory
from tests.oidc_provider import (
    CLIENT_ID,
    CLIENT_SECRET,
    USERS,
    logout_at_provider,
    sign_in_at_provider,
    start_provider,
)
from tests.oidc_provider.fixtures import TEST_CLIENT_ORIGIN
from tests.organisations.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

CAMILLE = USERS["sub-camille"]
DOMINIQUE = USERS["sub-dominique"]
PASSWORD = "mot-de-passe-de-test"


def start(client, **params) -> str:
    """Click the ProConnect button: the authorization URL the browser is sent to."""
    response = client.get(f"{reverse('accounts_views:proconnect_login')}?{urlencode(params)}")
    assert response.status_code == 302, response.content.decode()
    return response["Location"]


def back_to_client(client, redirect_url: str):
    """The browser comes back from the provider to our callback."""
    parts = urlsplit(redirect_url)
    assert parts.netloc == "testserver", redirect_url
    return client.get(f"{parts.path}?{parts.query}")


def sign_in(client, user=CAMILLE, *, consent=True, **params):
    provider_session = requests.Session()
    url = start(client, **params)
    back = sign_in_at_provider(
        provider_session, url, email=user["claims"]["email"], password=user["password"], consent=consent
    )
    return back_to_client(client, back), provider_session


def link_identity(provider, user, sub="sub-camille"):
    return ProConnectIdentity.objects.create(user=user, issuer=provider.issuer, subject=sub)


def logged_in_user_id(client):
    return client.session.get("_auth_user_id")


def failures():
    return list(
        SecurityEvent.objects.filter(kind=SecurityEventKind.PROCONNECT_LOGIN_FAILED).values_list("detail", flat=True)
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TestAccess:
    def test_anonymous_access(self, client, settings):
        # Not configured: no button, and the ProConnect pages do not exist.
        settings.PROCONNECT_CLIENT_ID = ""
        assert "ProConnect" not in client.get(reverse("accounts_views:login")).content.decode()
        assert client.get(reverse("accounts_views:proconnect_login")).status_code == 404
        assert client.get(reverse("accounts_views:proconnect_callback")).status_code == 404
        assert client.get(reverse("accounts_views:proconnect_link")).status_code == 404

    def test_unauthorized_access(self, client, proconnect):
        # Signed in already: no new sign-in; the link page needs a sign-in in progress; the return needs a state.
        client.force_login(UserFactory())
        response = client.get(reverse("accounts_views:proconnect_login"))
        assert response.status_code == 302 and response["Location"] == reverse("conventions_views:home")
        assert client.get(reverse("accounts_views:proconnect_link")).status_code == 400
        assert client.get(reverse("accounts_views:proconnect_callback")).status_code == 400
        assert client.post(reverse("accounts_views:proconnect_callback")).status_code == 405

    def test_button_when_configured(self, client, proconnect):
        page = client.get(reverse("accounts_views:login")).content.decode()
        assert "S'identifier avec <strong>ProConnect</strong>" in page
        location = start(client, next="/conventions/")
        query = parse_qs(urlsplit(location).query)
        assert location.startswith(f"{proconnect.issuer}/")
        assert query["scope"] == ["openid email given_name usual_name siret uid idp_id"]
        assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
        state = query["state"][0]
        flow = client.session["proconnect_flows"][state]
        assert flow["nonce"] == query["nonce"][0] and flow["next"] == "/conventions/"
        # The verifier stays here: only its hash travels.
        assert flow["code_verifier"] not in location


class TestSignIn:
    def test_returning_user_found_by_subject_not_email(self, client, proconnect):
        # The account's address differs from the one ProConnect sends: the subject alone finds it.
        user = UserFactory(email="ancienne.adresse@exemple.invalid")
        link_identity(proconnect, user)
        response, _ = sign_in(client, next="/territoires/")
        assert response.status_code == 302 and response["Location"] == "/territoires/"
        assert logged_in_user_id(client) == str(user.pk)
        link = ProConnectIdentity.objects.get(user=user)
        assert link.email == CAMILLE["claims"]["email"] and link.siret == CAMILLE["claims"]["siret"]
        assert link.last_login_at is not None
        login = SecurityEvent.objects.get(kind=SecurityEventKind.LOGIN, user=user)
        assert login.detail == "par ProConnect"

    def test_next_outside_the_site_is_ignored(self, client, proconnect):
        link_identity(proconnect, UserFactory())
        response, _ = sign_in(client, next="https://ailleurs.example/")
        assert response["Location"] == reverse("conventions_views:home")

    def test_first_sign_in_through_an_invitation(self, client, proconnect):
        invitation = InvitationFactory(email="coordination.fictive@cauxseine.example", role=Role.CONTRIBUTEUR)
        response, _ = sign_in(client, invitation=invitation.token)
        assert response.status_code == 302
        assert response["Location"] == reverse("conventions_views:detail", kwargs={"pk": invitation.convention_id})
        user = User.objects.get(username="coordination.fictive@cauxseine.example")
        assert (user.first_name, user.last_name) == ("Camille", "Fictive")
        assert not user.has_usable_password()
        assert logged_in_user_id(client) == str(user.pk)
        assert ProConnectIdentity.objects.get(user=user).subject == "sub-camille"
        assert Membership.objects.get(user=user, convention=invitation.convention).role == Role.CONTRIBUTEUR
        invitation.refresh_from_db()
        assert invitation.accepted_by == user
        kinds = set(SecurityEvent.objects.filter(user=user).values_list("kind", flat=True))
        assert {SecurityEventKind.PROCONNECT_LINKED, SecurityEventKind.INVITATION_ACCEPTED} <= kinds
        # The invitation page offers ProConnect.
        other = InvitationFactory()
        client.logout()
        page = client.get(reverse("accounts_views:invitation_accept", kwargs={"token": other.token})).content
        assert f"invitation={other.token}".encode() in page

    def test_invitation_for_an_existing_account_asks_its_password(self, client, proconnect):
        user = UserFactory(email="invite.existant@exemple.invalid")
        invitation = InvitationFactory(email=user.email)
        response, _ = sign_in(client, invitation=invitation.token)
        assert response["Location"] == reverse("accounts_views:proconnect_link")
        assert logged_in_user_id(client) is None
        response = client.post(reverse("accounts_views:proconnect_link"), {"password": PASSWORD})
        assert response.status_code == 302
        assert logged_in_user_id(client) == str(user.pk)
        assert ProConnectIdentity.objects.get(user=user).subject == "sub-camille"
        assert Membership.objects.filter(user=user, convention=invitation.convention).exists()

    def test_password_account_links_itself_after_its_password(self, client, proconnect):
        user = UserFactory(email=CAMILLE["claims"]["email"])
        response, _ = sign_in(client)
        assert response["Location"] == reverse("accounts_views:proconnect_link")
        assert logged_in_user_id(client) is None
        page = client.get(reverse("accounts_views:proconnect_link")).content.decode()
        assert "prouvez qu'il est à vous en saisissant son mot de passe" in page
        response = client.post(reverse("accounts_views:proconnect_link"), {"password": PASSWORD})
        assert response.status_code == 302
        assert logged_in_user_id(client) == str(user.pk)
        assert ProConnectIdentity.objects.get(user=user).subject == "sub-camille"
        assert SecurityEvent.objects.filter(kind=SecurityEventKind.PROCONNECT_LINKED, user=user).exists()
        # Next time, ProConnect alone signs in.
        client.logout()
        response, _ = sign_in(client)
        assert response.status_code == 302 and logged_in_user_id(client) == str(user.pk)
        profile = client.get(reverse("accounts_views:profile")).content.decode()
        assert f"à l'identité {CAMILLE['claims']['email']}" in profile

    def test_same_email_as_another_account_takes_nothing_over(self, client, proconnect):
        # Someone else's account holds the address ProConnect declares: without its password, nothing happens.
        victim = UserFactory(email=CAMILLE["claims"]["email"])
        response, _ = sign_in(client)
        assert response["Location"] == reverse("accounts_views:proconnect_link")
        response = client.post(reverse("accounts_views:proconnect_link"), {"password": "pas-le-bon"})
        assert response.status_code == 200
        assert "Mot de passe incorrect." in response.content.decode()
        assert logged_in_user_id(client) is None
        assert not ProConnectIdentity.objects.exists()
        failed = SecurityEvent.objects.get(kind=SecurityEventKind.LOGIN_FAILED)
        assert failed.user == victim
        # An account linked to another identity is not found by the address either.
        link_identity(proconnect, victim, sub="sub-dominique")
        client.get(reverse("accounts_views:proconnect_link"))
        response = client.post(reverse("accounts_views:proconnect_link"), {"password": PASSWORD})
        assert response.status_code == 403
        assert logged_in_user_id(client) is None
        assert ProConnectIdentity.objects.get(user=victim).subject == "sub-dominique"

    def test_unknown_identity_without_invitation(self, client, proconnect):
        response, _ = sign_in(client)
        assert response.status_code == 403
        page = response.content.decode()
        assert "Aucun compte Pilote CTG n&#x27;est lié à cette identité ProConnect" in page
        assert "Demandez une invitation" in page
        assert failures() == [f"Aucun compte Pilote CTG : {CAMILLE['claims']['email']}"]

    def test_deactivated_account(self, client, proconnect):
        link_identity(proconnect, UserFactory(is_active=False))
        response, _ = sign_in(client)
        assert response.status_code == 403 and "désactivé" in response.content.decode()
        assert logged_in_user_id(client) is None


class TestRefusals:
    def test_consent_refused(self, client, proconnect):
        link_identity(proconnect, UserFactory())
        response, _ = sign_in(client, consent=False)
        assert response.status_code == 403
        assert "Vous avez refusé de transmettre votre identité" in response.content.decode()
        assert logged_in_user_id(client) is None
        assert failures() == ["Autorisation refusée chez ProConnect"]

    def test_forged_state(self, client, proconnect):
        link_identity(proconnect, UserFactory())
        provider_session = requests.Session()
        url = start(client)
        back = sign_in_at_provider(
            provider_session, url, email=CAMILLE["claims"]["email"], password=CAMILLE["password"]
        )
        forged = back.replace("state=", "state=x")
        response = back_to_client(client, forged)
        assert response.status_code == 400
        assert "ne correspond à aucune connexion en cours" in response.content.decode()
        assert logged_in_user_id(client) is None

    def test_replayed_state(self, client, proconnect):
        user = UserFactory()
        link_identity(proconnect, user)
        provider_session = requests.Session()
        back = sign_in_at_provider(
            provider_session, start(client), email=CAMILLE["claims"]["email"], password=CAMILLE["password"]
        )
        assert back_to_client(client, back).status_code == 302
        client.logout()
        # The same return a second time (a copied URL, a replay): its state was used up.
        response = back_to_client(client, back)
        assert response.status_code == 400
        assert logged_in_user_id(client) is None

    def test_state_from_another_browser(self, client, proconnect, django_user_model):
        link_identity(proconnect, UserFactory())
        back = sign_in_at_provider(
            requests.Session(), start(client), email=CAMILLE["claims"]["email"], password=CAMILLE["password"]
        )
        other_browser = client.__class__()
        assert back_to_client(other_browser, back).status_code == 400
        assert other_browser.session.get("_auth_user_id") is None

    def test_expired_state(self, client, proconnect, settings):
        link_identity(proconnect, UserFactory())
        back = sign_in_at_provider(
            requests.Session(), start(client), email=CAMILLE["claims"]["email"], password=CAMILLE["password"]
        )
        later = datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(
            seconds=settings.PROCONNECT_STATE_MAX_AGE + 5
        )
        with time_machine.travel(later, tick=False):
            response = back_to_client(client, back)
        assert response.status_code == 400
        assert "La connexion a pris trop de temps" in response.content.decode()
        assert logged_in_user_id(client) is None

    def test_wrong_nonce(self, client, proconnect):
        link_identity(proconnect, UserFactory())
        url = start(client)
        back = sign_in_at_provider(
            requests.Session(), url, email=CAMILLE["claims"]["email"], password=CAMILLE["password"]
        )
        # The ID token carries the nonce of this sign-in; the session expects another one.
        session = client.session
        state = parse_qs(urlsplit(url).query)["state"][0]
        session["proconnect_flows"][state]["nonce"] = "un-autre-nonce"
        session.save()
        response = back_to_client(client, back)
        assert response.status_code == 400
        assert "jeton rejoué" in response.content.decode()
        assert logged_in_user_id(client) is None
        assert failures() == ["Jeton d'identité rejoué : jeton d'identité : revendication « nonce » refusée"]

    def test_wrong_code_verifier(self, client, proconnect):
        link_identity(proconnect, UserFactory())
        url = start(client)
        back = sign_in_at_provider(
            requests.Session(), url, email=CAMILLE["claims"]["email"], password=CAMILLE["password"]
        )
        session = client.session
        state = parse_qs(urlsplit(url).query)["state"][0]
        session["proconnect_flows"][state]["code_verifier"] = "v" * 64
        session.save()
        # The provider refuses the code without the right PKCE verifier.
        response = back_to_client(client, back)
        assert response.status_code == 502
        assert logged_in_user_id(client) is None
        assert failures() == ["Réponse de ProConnect invalide : jeton refusé : invalid_grant"]

    def test_provider_down_at_start(self, client, proconnect, settings):
        settings.PROCONNECT_BASE_URL = f"http://127.0.0.1:{free_port()}"
        response = client.get(reverse("accounts_views:proconnect_login"))
        assert response.status_code == 503
        assert "ProConnect ne répond pas pour le moment" in response.content.decode()
        assert failures()[0].startswith("ProConnect ne répond pas")

    def test_provider_down_at_return(self, client, proconnect, settings):
        link_identity(proconnect, UserFactory())
        back = sign_in_at_provider(
            requests.Session(), start(client), email=CAMILLE["claims"]["email"], password=CAMILLE["password"]
        )
        settings.PROCONNECT_BASE_URL = f"http://127.0.0.1:{free_port()}"
        response = back_to_client(client, back)
        assert response.status_code == 503
        assert logged_in_user_id(client) is None

    def test_claims_missing(self, client, proconnect):
        response, _ = sign_in(client, USERS["sub-sans-adresse"])
        assert response.status_code == 400
        assert "n&#x27;a pas transmis toutes les informations nécessaires" in response.content.decode()
        assert failures() == ["Informations d'identité manquantes : given_name"]

    def test_provider_error_in_return(self, client, proconnect):
        url = start(client)
        state = parse_qs(urlsplit(url).query)["state"][0]
        response = client.get(reverse("accounts_views:proconnect_callback"), {"state": state, "error": "server_error"})
        assert response.status_code == 403
        assert "ProConnect a refusé la connexion" in response.content.decode()


class TestSiret:
    def test_mismatch_is_flagged_to_administrators(self, client, proconnect):
        organisation = OrganisationFactory(siret="21760001900013")
        membership = MembershipFactory(user__organisation=organisation)
        admin = MembershipFactory(convention=membership.convention, role=Role.ADMINISTRATEUR).user
        link_identity(proconnect, membership.user)
        response, _ = sign_in(client)
        assert response.status_code == 302  # not blocked
        link = ProConnectIdentity.objects.get(user=membership.user)
        assert link.siret_mismatch and link.siret == CAMILLE["claims"]["siret"]
        event = SecurityEvent.objects.get(kind=SecurityEventKind.PROCONNECT_SIRET_MISMATCH)
        assert event.convention == membership.convention
        assert "20004414200011" in event.detail and "21760001900013" in event.detail
        # Said once, not at every sign-in.
        client.logout()
        sign_in(client)
        assert SecurityEvent.objects.filter(kind=SecurityEventKind.PROCONNECT_SIRET_MISMATCH).count() == 1
        # The administrators see it on the members page and in the journal.
        client.force_login(admin)
        page = client.get(reverse("accounts_views:members", kwargs={"convention_pk": membership.convention_id}))
        assert "SIRET différent de l'organisation" in page.content.decode()
        journal = client.get(reverse("accounts_views:journal", kwargs={"convention_pk": membership.convention_id}))
        assert "SIRET déclaré par ProConnect 20004414200011" in journal.content.decode()

    def test_same_siret_or_siren_is_not_flagged(self, client, proconnect):
        by_siret = UserFactory(organisation=OrganisationFactory(siret="20004414200011"))
        link_identity(proconnect, by_siret)
        sign_in(client)
        assert not ProConnectIdentity.objects.get(user=by_siret).siret_mismatch
        by_siren = UserFactory(organisation=OrganisationFactory(siren="200044142"))
        link_identity(proconnect, by_siren, sub="sub-dominique")
        client.logout()
        sign_in(client, DOMINIQUE)
        # Dominique declares the SIRET 78230218200010: another SIREN than 200044142.
        assert ProConnectIdentity.objects.get(user=by_siren).siret_mismatch
        assert not SecurityEvent.objects.filter(
            kind=SecurityEventKind.PROCONNECT_SIRET_MISMATCH, user=by_siret
        ).exists()

    def test_new_account_takes_the_organisation_of_its_siret(self, client, proconnect):
        organisation = OrganisationFactory(siret=CAMILLE["claims"]["siret"])
        invitation = InvitationFactory()
        sign_in(client, invitation=invitation.token)
        assert User.objects.get(email=invitation.email).organisation == organisation


class TestRequiredProConnect:
    def test_password_refused_when_the_organisation_requires_proconnect(self, client, proconnect):
        user = UserFactory(organisation=OrganisationFactory(proconnect_required=True))
        response = client.post(reverse("accounts_views:login"), {"username": user.username, "password": PASSWORD})
        assert response.status_code == 200
        assert "Votre organisation impose la connexion par ProConnect" in response.content.decode()
        assert logged_in_user_id(client) is None
        link_identity(proconnect, user)
        response, _ = sign_in(client)
        assert logged_in_user_id(client) == str(user.pk)

    def test_password_accepted_while_proconnect_is_not_configured(self, client, settings):
        settings.PROCONNECT_BASE_URL = ""
        user = UserFactory(organisation=OrganisationFactory(proconnect_required=True))
        response = client.post(reverse("accounts_views:login"), {"username": user.username, "password": PASSWORD})
        assert response.status_code == 302 and logged_in_user_id(client) == str(user.pk)


class TestLogout:
    def test_logout_through_the_provider(self, client, proconnect):
        user = UserFactory()
        link_identity(proconnect, user)
        response, provider_session = sign_in(client)
        assert logged_in_user_id(client) == str(user.pk)
        response = client.post(reverse("accounts_views:logout"))
        assert response.status_code == 200
        assert logged_in_user_id(client) is None
        page = response.content.decode()
        end_session = re.search(r'<a class="button" href="([^"]+)"', page)[1].replace("&amp;", "&")
        assert end_session.startswith(f"{proconnect.issuer}/")
        assert f'content="0;url={end_session.replace("&", "&amp;")}"' in page
        query = parse_qs(urlsplit(end_session).query)
        assert query["post_logout_redirect_uri"] == ["http://testserver/compte/proconnect/deconnexion/"]
        back = logout_at_provider(provider_session, end_session)
        response = back_to_client(client, back)
        assert response["Location"] == reverse("accounts_views:login")
        assert "déconnecté·e de Pilote CTG et de ProConnect" in client.get(response["Location"]).content.decode()
        # The provider's session is over: a new sign-in asks for the password again.
        page = provider_session.get(start(client), timeout=10).text
        assert "Se connecter" in page and 'type="password"' in page
        assert SecurityEvent.objects.filter(kind=SecurityEventKind.LOGOUT, user=user).exists()

    def test_password_session_logs_out_locally(self, client, proconnect):
        client.force_login(UserFactory())
        response = client.post(reverse("accounts_views:logout"))
        assert response.status_code == 302 and response["Location"] == reverse("accounts_views:login")

    def test_members_page_reads_the_links_in_bounded_queries(self, client, django_assert_max_num_queries):
        admin = MembershipFactory(role=Role.ADMINISTRATEUR)
        organisation = OrganisationFactory(siret="21760001900013")
        for index in range(12):
            member = MembershipFactory(convention=admin.convention, user__organisation=organisation).user
            ProConnectIdentity.objects.create(
                user=member,
                issuer="https://fournisseur.invalid",
                subject=f"s{index}",
                siret="20004414200011",
                siret_mismatch=index % 2 == 0,
            )
        client.force_login(admin.user)
        with django_assert_max_num_queries(12):
            response = client.get(reverse("accounts_views:members", kwargs={"convention_pk": admin.convention_id}))
        page = response.content.decode()
        assert page.count("SIRET déclaré : 20004414200011") == 12
        assert page.count("SIRET différent de l'organisation") == 6


@pytest.fixture(scope="module")
def json_userinfo_provider():
    """A provider that answers userinfo in plain JSON, as OpenID Connect providers other than ProConnect do."""
    with start_provider(
        redirect_uris=[f"{TEST_CLIENT_ORIGIN}/compte/proconnect/retour/"],
        post_logout_redirect_uris=[f"{TEST_CLIENT_ORIGIN}/compte/proconnect/deconnexion/"],
        signed_userinfo=False,
    ) as provider:
        yield provider


class TestUserinfoFormats:
    @staticmethod
    def verified_jwts(monkeypatch) -> list[str]:
        """What the sign-in verified as a JWT, in order."""
        seen: list[str] = []
        original = oidc._decode

        def spy(raw, keys, registry, what):
            seen.append(what)
            return original(raw, keys, registry, what)

        monkeypatch.setattr(oidc, "_decode", spy)
        return seen

    def test_signed_jwt_userinfo(self, client, proconnect, monkeypatch):
        seen = self.verified_jwts(monkeypatch)
        user = UserFactory()
        link_identity(proconnect, user)
        sign_in(client)
        assert logged_in_user_id(client) == str(user.pk)
        assert seen == ["jeton d'identité", "informations utilisateur"]

    def test_json_userinfo(self, client, settings, json_userinfo_provider, monkeypatch):
        settings.PROCONNECT_CLIENT_ID = CLIENT_ID
        settings.PROCONNECT_CLIENT_SECRET = CLIENT_SECRET
        settings.PROCONNECT_BASE_URL = json_userinfo_provider.issuer
        seen = self.verified_jwts(monkeypatch)
        user = UserFactory()
        link_identity(json_userinfo_provider, user)
        sign_in(client)
        assert logged_in_user_id(client) == str(user.pk)
        assert seen == ["jeton d'identité"]
        # The claims came from the JSON answer.
        assert ProConnectIdentity.objects.get(user=user).siret == CAMILLE["claims"]["siret"]
