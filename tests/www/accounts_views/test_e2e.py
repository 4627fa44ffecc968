"""End to end in Chromium: a coordinator invites a person who joins, then everyone's pages obey the CSP."""

import re

import pytest
from django.core import mail

from ctg.accounts.models import Membership, User

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def watch_console(page):
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    return errors


def test_invitation_journey_and_pages_without_csp_violation(live_server, caux_seine, browser):
    convention = caux_seine["convention"]
    coordinator = browser.new_page(locale="fr-FR")
    errors = watch_console(coordinator)
    coordinator.goto(f"{live_server.url}/compte/connexion/")
    coordinator.fill("#id_username", "coordination")
    coordinator.fill("#id_password", caux_seine["password"])
    coordinator.click("button[type=submit]")
    coordinator.wait_for_url(f"{live_server.url}/")

    coordinator.goto(f"{live_server.url}/compte/conventions/{convention.pk}/membres/")
    assert coordinator.locator("h1").inner_text() == "Membres de la convention"
    assert coordinator.locator(".members-table tbody tr").count() == 5
    coordinator.fill("#id_email", "nouvelle.personne@exemple.invalid")
    coordinator.select_option("#id_role", "contributeur")
    coordinator.click("text=Envoyer l'invitation")
    assert "Invitation envoyée à nouvelle.personne@exemple.invalid" in coordinator.locator(".messages").inner_text()

    # Publication, then the public page seen by a visitor without an account.
    coordinator.check("#id_is_public")
    coordinator.click("#titre-publication ~ form button")
    assert "La page publique de la convention est en ligne" in coordinator.locator(".messages").inner_text()
    for path in [f"/compte/conventions/{convention.pk}/journal/", "/compte/mon-compte/"]:
        coordinator.goto(f"{live_server.url}{path}")
    assert coordinator.locator("h1").inner_text() == "Mon compte"

    link = re.search(r"(/compte/invitation/\S+/)", mail.outbox[-1].body).group(1)
    invitee = browser.new_page(locale="fr-FR")
    invitee_errors = watch_console(invitee)
    invitee.goto(f"{live_server.url}/public/conventions/{convention.pk}/")
    assert invitee.locator(".chart[role=img] svg path").count() >= 50
    assert invitee.locator("#communes-engagees tbody tr").count() == 19
    invitee.goto(f"{live_server.url}{link}")
    invitee.fill("#id_first_name", "Lou")
    invitee.fill("#id_last_name", "Martin")
    invitee.fill("#id_password1", "un-secret-tres-solide-2024")
    invitee.fill("#id_password2", "un-secret-tres-solide-2024")
    invitee.click("button[type=submit]")
    invitee.wait_for_url(f"{live_server.url}/conventions/{convention.pk}/")
    user = User.objects.get(email="nouvelle.personne@exemple.invalid")
    assert Membership.objects.get(user=user, convention=convention).role == "contributeur"
    # The link served once.
    invitee.goto(f"{live_server.url}{link}")
    assert "déjà été utilisée" in invitee.locator(".message-error").inner_text()

    assert errors == [], "\n".join(errors)
    assert [e for e in invitee_errors if "410" not in e] == [], "\n".join(invitee_errors)
    coordinator.close()
    invitee.close()
