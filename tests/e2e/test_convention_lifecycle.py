import re

import pytest
from django.core import mail

from ctg.accounts.enums import Role
from ctg.accounts.models import Membership
from ctg.conventions.models import Convention

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_caf_agent_opens_the_next_convention_and_its_coordinator_joins(live_server, caux_seine, browser):
    demo = caux_seine["convention"]
    mail.outbox.clear()
    page = browser.new_page(locale="fr-FR")
    console_errors = []
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))

    page.goto(f"{live_server.url}/")
    page.fill("#id_username", "caf")
    page.fill("#id_password", caux_seine["password"])
    page.click("button[type=submit]")
    page.get_by_role("link", name="Ouvrir une convention").click()

    # Step 1: the EPCI, from the referential of the agent's département (Seine-Maritime).
    epci = demo.epci.name
    page.select_option("#id_epci", value="200010700")
    page.get_by_role("button", name="Continuer").click()
    assert "epci=200010700" in page.url
    assert page.locator("h2", has_text=f"2. La convention avec {epci}").count() == 1
    # The CAF of the agent is proposed; the communes are the EPCI's 50 members.
    assert page.locator("#id_caf option:checked").inner_text() == "CAF de la Seine-Maritime"
    assert page.locator("input[name=communes]").count() == 50

    page.fill("#id_start_date", "2025-01-01")
    page.fill("#id_end_date", "2028-12-31")
    page.get_by_label("Bolbec (76114)", exact=True).check()
    page.get_by_label("Lillebonne (76384)", exact=True).check()
    page.fill("#id_coordinator_email", "coordination.ctg@cauxseine.example")
    page.get_by_role("button", name="Créer la convention et inviter la coordination").click()

    page.wait_for_url(re.compile(r"/conventions/\d+/$"))
    title = f"CTG {epci} – CAF de la Seine-Maritime 2025-2028"
    assert page.locator("h1").inner_text() == title
    assert "coordination.ctg@cauxseine.example est invité·e à l'administrer" in page.locator(".messages").inner_text()
    assert "2 sur 50 communes" in page.locator(".facts").inner_text()
    convention = Convention.objects.get(title=title)
    assert convention.previous == demo
    page.close()

    # The coordinator follows the e-mailed link, creates an account and administers the convention.
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["coordination.ctg@cauxseine.example"]
    link = re.search(r"https?://\S+/invitation/\S+/", mail.outbox[0].body)[0]
    coordinator = browser.new_page(locale="fr-FR")
    coordinator.goto(link)
    coordinator.fill("#id_first_name", "Camille")
    coordinator.fill("#id_last_name", "Fictive")
    coordinator.fill("#id_password1", "une phrase de passe très longue 2025")
    coordinator.fill("#id_password2", "une phrase de passe très longue 2025")
    coordinator.locator("form button[type=submit]").click()
    coordinator.wait_for_url(f"{live_server.url}/conventions/{convention.pk}/")
    assert coordinator.get_by_role("button", name="Passer à la phase « Diagnostic partagé »").count() == 1
    membership = Membership.objects.get(convention=convention, user__email="coordination.ctg@cauxseine.example")
    assert membership.role == Role.ADMINISTRATEUR
    assert console_errors == [], "\n".join(console_errors)
    coordinator.close()
