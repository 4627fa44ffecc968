"""ProConnect in Chromium: the person clicks the ProConnect button, signs in on the provider's own pages (a real
OpenID Connect provider run locally, tests/oidc_provider), lands signed in, then logs out through the provider."""

import pytest

from ctg.accounts.enums import Role, SecurityEventKind
from ctg.accounts.models import Membership, ProConnectIdentity, SecurityEvent, User
from tests.accounts.factories import InvitationFactory, MembershipFactory
from tests.conventions.factories import ConventionFactory
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, USERS, start_provider

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CAMILLE = USERS["sub-camille"]


@pytest.fixture
def provider_for_live_server(live_server, settings):
    with start_provider(
        redirect_uris=[f"{live_server.url}/compte/proconnect/retour/"],
        post_logout_redirect_uris=[f"{live_server.url}/compte/proconnect/deconnexion/"],
    ) as provider:
        settings.PROCONNECT_CLIENT_ID = CLIENT_ID
        settings.PROCONNECT_CLIENT_SECRET = CLIENT_SECRET
        settings.PROCONNECT_BASE_URL = provider.issuer
        yield provider


def sign_in_at_provider(page, issuer):
    page.wait_for_url(f"{issuer}/interaction/**")
    page.fill("input[name=email]", CAMILLE["claims"]["email"])
    page.fill("input[name=password]", CAMILLE["password"])
    page.click("button:has-text('Se connecter')")
    page.click("button:has-text('Autoriser')")


def test_returning_member_signs_in_and_out_through_proconnect(live_server, provider_for_live_server, browser):
    issuer = provider_for_live_server.issuer
    membership = MembershipFactory(convention=ConventionFactory(title="CTG fictive de test"), role=Role.LECTEUR)
    ProConnectIdentity.objects.create(user=membership.user, issuer=issuer, subject="sub-camille")
    page = browser.new_page(locale="fr-FR")
    console_errors = []
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))

    convention_url = f"{live_server.url}/conventions/{membership.convention_id}/"
    page.goto(convention_url)
    assert page.locator("h1").inner_text() == "Connexion"
    page.click("text=S'identifier avec ProConnect")
    sign_in_at_provider(page, issuer)

    # Back on the page asked for at first, signed in.
    page.wait_for_url(convention_url)
    assert "CTG fictive de test" in page.locator("h1").inner_text()
    assert page.locator(".user-menu a").inner_text() == str(membership.user)
    assert console_errors == [], "\n".join(console_errors)

    # Logout: Pilote CTG, then the provider's own page, then back to the login page.
    page.click(".user-menu button:has-text('Se déconnecter')")
    page.wait_for_url(f"{issuer}/session/end**")
    page.click("button:has-text('Se déconnecter')")
    page.wait_for_url(f"{live_server.url}/compte/connexion/")
    assert "Vous êtes déconnecté·e de Pilote CTG et de ProConnect." in page.content()
    # The provider's session ended too: the button leads to its password form again.
    page.click("text=S'identifier avec ProConnect")
    page.wait_for_url(f"{issuer}/interaction/**")
    assert page.locator("input[name=password]").count() == 1
    page.close()
    kinds = list(SecurityEvent.objects.filter(user=membership.user).values_list("kind", "detail").order_by("pk"))
    assert kinds == [(SecurityEventKind.LOGIN, "par ProConnect"), (SecurityEventKind.LOGOUT, "")]


def test_invited_person_creates_the_account_with_proconnect(live_server, provider_for_live_server, browser):
    invitation = InvitationFactory(
        convention=ConventionFactory(title="CTG fictive d'accueil"),
        email="coordination.fictive@cauxseine.example",
        role=Role.CONTRIBUTEUR,
    )
    page = browser.new_page(locale="fr-FR")
    page.goto(f"{live_server.url}/compte/invitation/{invitation.token}/")
    page.click("text=S'identifier avec ProConnect")
    sign_in_at_provider(page, provider_for_live_server.issuer)
    page.wait_for_url(f"{live_server.url}/conventions/{invitation.convention_id}/")
    assert "vous avez désormais accès à « CTG fictive d'accueil »" in page.content()
    page.close()
    user = User.objects.get(email="coordination.fictive@cauxseine.example")
    assert (user.first_name, user.last_name) == ("Camille", "Fictive")
    assert Membership.objects.get(user=user).role == Role.CONTRIBUTEUR
    assert ProConnectIdentity.objects.get(user=user).subject == "sub-camille"
