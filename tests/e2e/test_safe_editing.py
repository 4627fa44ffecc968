"""In Chromium: a delete is confirmed on a page, a deleted fiche is restored from the trash, an edit conflict is
resolved in one click without retyping, and a form posted after the session expired comes back after login."""

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from ctg.accounts.enums import Role
from ctg.plans.models import Action, FundingLine
from tests.accounts.factories import MembershipFactory
from tests.conventions.factories import ConventionFactory
from tests.plans.factories import ActionFactory, FundingLineFactory, MilestoneFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "motdepasse-de-test-2024"


@pytest.fixture
def fiche():
    convention = ConventionFactory()
    action = ActionFactory(convention=convention, code="PE-01", title="Relais petite enfance")
    line = FundingLineFactory(action=action, year=2023, amount_planned=Decimal("1000"))
    MilestoneFactory(action=action, title="Ouverture du relais", due_date=datetime.date(2023, 9, 1))
    users = {}
    for role in (Role.ADMINISTRATEUR, Role.CONTRIBUTEUR):
        user = MembershipFactory(convention=convention, role=role, user__username=role).user
        user.set_password(PASSWORD)
        user.save()
        users[role] = user
    return {"convention": convention, "action": action, "line": line, "users": users}


def log_in(page, username):
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")


def open_as(browser, live_server, username, path):
    page = browser.new_page(locale="fr-FR")
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto(f"{live_server.url}{path}")
    log_in(page, username)
    page.wait_for_url(f"{live_server.url}{path}")
    return page, errors


def test_delete_a_funding_line_then_a_fiche_and_restore_it(live_server, browser, fiche):
    convention, action = fiche["convention"], fiche["action"]
    detail = reverse("plans_views:action_detail", args=[convention.pk, action.pk])
    page, errors = open_as(browser, live_server, Role.ADMINISTRATEUR, detail)

    funding = page.locator("#titre-financements").locator("xpath=..")
    delete = funding.locator("a.button-delete", has_text="Supprimer")
    # Visible: red on white, not the header's white-on-white link.
    assert delete.evaluate("e => getComputedStyle(e).color") == "rgb(164, 22, 26)"
    assert delete.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(255, 255, 255)"
    delete.click()
    assert "Ligne de financement" in page.locator("main h2").first.inner_text()
    assert FundingLine.objects.count() == 1  # the link only asked
    page.click("button.button-danger")
    page.wait_for_url(f"{live_server.url}{detail}")
    assert "Aucune ligne de financement." in page.locator("main").inner_text()
    assert not FundingLine.objects.exists()

    page.click("a.button-danger")  # « Supprimer la fiche »
    assert "1 jalon" in page.locator("main").inner_text()
    page.click("button.button-danger")
    page.wait_for_url(f"{live_server.url}{reverse('plans_views:index', args=[convention.pk])}")
    assert "mise à la corbeille" in page.locator(".messages").inner_text()
    assert "PE-01" not in page.locator("main").inner_text().split("corbeille")[-1]

    page.get_by_role("link", name="Corbeille", exact=True).click()
    row = page.locator("tbody tr", has_text="PE-01")
    assert "1 jalon" in row.inner_text()
    row.locator("button", has_text="Restaurer").click()
    page.wait_for_url(f"{live_server.url}{detail}")
    assert "La fiche PE-01 a été restaurée." in page.locator(".messages").inner_text()
    assert "Ouverture du relais" in page.locator("main").inner_text()
    assert Action.objects.filter(pk=action.pk).exists()
    assert errors == [], "\n".join(errors)
    page.close()


def test_edit_conflict_resolved_in_one_click(live_server, browser, fiche):
    convention, action = fiche["convention"], fiche["action"]
    edit = reverse("plans_views:action_edit", args=[convention.pk, action.pk])
    mine, _ = open_as(browser, live_server, Role.CONTRIBUTEUR, edit)
    theirs, _ = open_as(browser, live_server, Role.ADMINISTRATEUR, edit)
    # Both opened version 1; the other saves a new title first.
    theirs.fill("#id_title", "Relais petite enfance intercommunal")
    theirs.click("main form button[type=submit]")
    theirs.wait_for_url(f"{live_server.url}{reverse('plans_views:action_detail', args=[convention.pk, action.pk])}")
    # Meanwhile I typed the public and a progress.
    mine.fill("#id_target_public", "Assistantes maternelles et parents")
    mine.fill("#id_progress_manual", "40")
    mine.click("main form button[type=submit]")
    conflict = mine.locator(".conflict")
    assert "Modifié par quelqu'un d'autre pendant votre saisie" in conflict.inner_text()
    assert "Relais petite enfance intercommunal" in conflict.inner_text()
    # The form holds their title and my values, and the new version: one click, nothing retyped.
    assert mine.input_value("#id_title") == "Relais petite enfance intercommunal"
    assert mine.input_value("#id_target_public") == "Assistantes maternelles et parents"
    mine.click("text=Appliquer mes valeurs à la version actuelle")
    mine.wait_for_url(f"{live_server.url}{reverse('plans_views:action_detail', args=[convention.pk, action.pk])}")
    action.refresh_from_db()
    assert action.title == "Relais petite enfance intercommunal"
    assert (action.target_public, action.progress_manual, action.version) == (
        "Assistantes maternelles et parents",
        40,
        3,
    )
    mine.close()
    theirs.close()


def test_form_posted_after_session_expiry_is_recovered_after_login(live_server, browser, fiche):
    convention, action = fiche["convention"], fiche["action"]
    create = reverse("plans_views:note_create", args=[convention.pk, action.pk])
    page, _ = open_as(browser, live_server, Role.CONTRIBUTEUR, create)
    page.fill("#id_date", "2024-03-01")
    page.fill("#id_text", "Rencontre avec les assistantes maternelles de Bolbec")
    # The session expires on the server while the note is typed (the browser keeps its cookies).
    Session.objects.all().delete()
    page.click("main form button[type=submit]")
    assert page.locator("h1").inner_text() == "Connexion"
    assert "gardé 30 minutes" in page.locator(".messages").inner_text()
    log_in(page, Role.CONTRIBUTEUR)
    page.wait_for_url(f"{live_server.url}{create}")
    assert page.input_value("#id_text") == "Rencontre avec les assistantes maternelles de Bolbec"
    assert page.input_value("#id_date") == "2024-03-01"
    assert not action.notes.exists()  # nothing saved without the user
    page.click("main form button[type=submit]")
    # Back on the fiche, at its notes section (the URL ends with the section's anchor).
    fiche = f"{live_server.url}{reverse('plans_views:action_detail', args=[convention.pk, action.pk])}"
    page.wait_for_url(re.compile(re.escape(fiche) + r"(#[\w-]+)?$"))
    assert action.notes.get().text == "Rencontre avec les assistantes maternelles de Bolbec"
    page.close()
