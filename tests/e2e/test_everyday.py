"""A coordinator's everyday gestures in Chromium: an indicator chosen from the pick list, the plan filtered then
reloaded, a status changed in place."""

import re

import pytest
from playwright.sync_api import expect

from ctg.diagnostic.models import Enjeu
from ctg.plans.demo import load_demo_plan
from ctg.plans.enums import ActionStatus
from ctg.plans.models import Action

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def signed_in(browser, live_server, caux_seine, path):
    page = browser.new_page(locale="fr-FR")
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}{path}")
    page.fill("#id_username", "coordination")
    page.fill("#id_password", caux_seine["password"])
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}{path}")
    return page, errors


def test_choosing_an_indicator_from_the_pick_list(live_server, caux_seine, browser):
    convention = caux_seine["convention"]
    page, errors = signed_in(browser, live_server, caux_seine, f"/conventions/{convention.pk}/enjeux/ajouter/")
    checklist = page.locator(".checklist")
    assert checklist.locator(".checklist-group legend").first.inner_text() == "Territoire et population"
    # The filter box added by the script keeps the options whose label holds what is typed, accents ignored.
    page.get_by_label("Filtrer la liste").fill("pauvrete")
    visible = checklist.locator("[data-pick-item]:visible")
    assert visible.count() >= 1
    assert all("pauvreté" in text.lower() for text in visible.all_inner_texts())
    assert page.locator(".pick-list-count").inner_text().endswith("sur 54")
    page.get_by_label("Taux de pauvreté (seuil à 60 % du revenu médian)").check()
    assert "Taux de pauvreté (seuil à 60 % du revenu médian)" in page.locator(".checklist-summary").inner_text()
    page.get_by_label("Filtrer la liste").fill("")
    page.select_option("#id_theme", label="Accès aux droits")
    page.fill("#id_title", "Des familles pauvres dans les communes rurales")
    page.fill("#id_text", "Constat de test (fictif).")
    page.click("button:has-text('Enregistrer')")
    page.wait_for_url(re.compile(r"/enjeux/\d+/$"))
    assert Enjeu.objects.get(title="Des familles pauvres dans les communes rurales").indicator_codes == [
        "poverty_rate_2021"
    ]
    linked = page.locator(".indicator-codes li").all_inner_texts()
    assert linked == ["Taux de pauvreté (seuil à 60 % du revenu médian)"]  # the label, never the code
    assert "poverty_rate_2021" not in page.content()
    assert errors == [], "\n".join(errors)
    page.close()


def test_filtering_the_plan_then_reloading_keeps_the_view(live_server, caux_seine, browser):
    convention = caux_seine["convention"]
    load_demo_plan(convention=convention)
    path = f"/conventions/{convention.pk}/plan/"
    page, errors = signed_in(browser, live_server, caux_seine, path)
    total = page.locator("#plan-compte").inner_text()
    sections = page.locator("#plan-arbre details.plan-theme").count()
    assert sections > 1
    page.select_option("#id_theme", label="Petite enfance")
    page.wait_for_url(re.compile(r"\?(.*&)?theme=\d+"))  # htmx put the filter in the address
    expect(page.locator("#plan-compte")).to_contain_text("correspondant aux filtres")
    expect(page.locator("#plan-arbre details.plan-theme")).to_have_count(1)
    filtered = page.locator("#plan-compte").inner_text()
    assert filtered != total
    assert page.locator("#plan-arbre h2").first.inner_text() == "Petite enfance"
    filtered_url = page.url
    page.reload()
    assert page.url == filtered_url
    assert page.locator("#plan-compte").inner_text() == filtered
    assert page.locator("#id_theme option:checked").inner_text() == "Petite enfance"
    assert page.locator("#plan-arbre details.plan-theme").count() == 1
    # Titles lead to their fiche.
    first = page.locator("#plan-arbre table tbody tr td:nth-child(2) a").first
    title = first.inner_text()
    first.click()
    page.wait_for_url(re.compile(r"/plan/actions/\d+/$"))
    assert title in page.locator("h1").inner_text()
    page.go_back()
    page.wait_for_url(filtered_url)
    assert page.locator("#plan-compte").inner_text() == filtered
    assert errors == [], "\n".join(errors)
    page.close()


def test_changing_a_status_in_place(live_server, caux_seine, browser):
    convention = caux_seine["convention"]
    load_demo_plan(convention=convention)
    action = Action.objects.filter(convention=convention).exclude(status=ActionStatus.BLOQUEE).order_by("code")[0]
    path = f"/conventions/{convention.pk}/plan/actions/{action.pk}/"
    page, errors = signed_in(browser, live_server, caux_seine, path)
    follow_up = page.locator(f"#suivi-{action.pk}")
    follow_up.get_by_role("link", name=re.compile("Mettre à jour le suivi")).click()
    form = page.locator(f"form#suivi-{action.pk}")
    form.wait_for()
    assert page.url == f"{live_server.url}{path}"  # in place: the page did not change
    # Focus on the first field: htmx focuses the [autofocus] field once the swapped form has settled.
    page.wait_for_function("document.activeElement && document.activeElement.name === 'status'", timeout=5000)
    form.get_by_label("Statut").select_option(label="Bloquée")
    form.get_by_role("button", name=re.compile("Enregistrer le suivi")).click()
    saved = page.locator(f"#suivi-{action.pk} [role=status]")
    saved.wait_for()
    assert saved.inner_text() == f"Suivi de la fiche {action.code} enregistré."
    assert page.url == f"{live_server.url}{path}"
    assert page.locator(f"#suivi-{action.pk} .badge.status-bloquee").inner_text() == "Bloquée"
    action.refresh_from_db()
    assert action.status == ActionStatus.BLOQUEE
    page.reload()
    assert page.locator(f"#suivi-{action.pk} .badge.status-bloquee").inner_text() == "Bloquée"
    assert errors == [], "\n".join(errors)
    page.close()


def test_relais_communes_checklist(live_server, caux_seine, browser):
    convention = caux_seine["convention"]
    page, errors = signed_in(browser, live_server, caux_seine, f"/conventions/{convention.pk}/offre/ajouter/")
    communes = page.locator(".offer-communes")
    # Only a relais covers communes: the list shows once that type is chosen (no script needed, CSS :has()).
    page.select_option("#id_kind", value="eaje")
    expect(communes).to_be_hidden()
    page.select_option("#id_kind", value="rpe")
    expect(communes).to_be_visible()
    page.get_by_label("Filtrer la liste").fill("bolbec")
    expect(communes.locator("[data-pick-item]:visible")).to_have_count(1)
    communes.get_by_label("Bolbec").check()
    assert "Sélection (1 sur 50) : Bolbec (76114)." in communes.locator(".checklist-summary").inner_text()
    page.get_by_label("Filtrer la liste").fill("")
    communes.get_by_label("Toutes les communes de l'EPCI").check()
    assert communes.locator("[data-pick-item] input:checked").count() == 50
    assert communes.locator(".checklist-summary").inner_text() == "Sélection : Toutes les communes de l'EPCI."
    assert errors == [], "\n".join(errors)
    page.close()
