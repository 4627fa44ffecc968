import pytest

from ctg.conventions.models import Convention
from ctg.evaluation.models import CarriedAction
from ctg.plans.demo import load_demo_plan
from ctg.plans.models import Action

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_coordinator_prepares_the_next_convention_with_one_action_carried_over(live_server, caux_seine, browser):
    convention = caux_seine["convention"]
    load_demo_plan(convention=convention)
    page = browser.new_page(locale="fr-FR")
    console_errors = []
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))

    page.goto(f"{live_server.url}/conventions/{convention.pk}/")
    page.fill("#id_username", "coordination")
    page.fill("#id_password", caux_seine["password"])
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/conventions/{convention.pk}/")

    page.get_by_role("link", name="Préparer la convention suivante").click()
    assert page.locator("h1").inner_text() == "Préparer la convention suivante"
    # The four years after the demo convention's end (31 December 2024), and no action ticked beforehand.
    assert page.locator("#id_start_date").input_value() == "2025-01-01"
    assert page.locator("#id_end_date").input_value() == "2028-12-31"
    actions = page.locator("input[name=actions]")
    assert actions.count() == Action.objects.filter(convention=convention).count() > 1
    assert all(not actions.nth(i).is_checked() for i in range(actions.count()))
    chosen = Action.objects.get(pk=int(actions.first.get_attribute("value")))
    actions.first.check()
    page.get_by_role("button", name="Créer la convention suivante").click()

    assert page.locator("h1").inner_text() == "Ce qui a été repris de la convention précédente"
    main = page.locator("main").inner_text()
    assert "Actions reprises (1)" in main
    assert f"{chosen.code} – {chosen.title}" in main
    successor = Convention.objects.get(previous=convention)
    assert CarriedAction.objects.get(renewal__successor=successor).origin == chosen
    assert Action.objects.filter(convention=successor).count() == 1

    # The lineage on the new convention's page.
    page.goto(f"{live_server.url}/conventions/{successor.pk}/")
    assert "Convention précédente" in page.locator("main").inner_text()
    assert console_errors == [], "\n".join(console_errors)
    page.close()
