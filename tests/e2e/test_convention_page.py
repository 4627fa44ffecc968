import pytest

from tests.www.conventions_views.test_views import ENGAGED_19

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_coordinator_opens_the_demo_convention(live_server, caux_seine, browser):
    convention = caux_seine["convention"]
    page = browser.new_page(locale="fr-FR")
    console_errors = []
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))

    page.goto(f"{live_server.url}/conventions/{convention.pk}/")
    # Not signed in: the login page comes first.
    assert page.locator("h1").inner_text() == "Connexion"
    page.fill("#id_username", "coordination")
    page.fill("#id_password", caux_seine["password"])
    page.click("button[type=submit]")

    page.wait_for_url(f"{live_server.url}/conventions/{convention.pk}/")
    assert page.locator("h1").inner_text() == "CTG Caux Seine agglo – CAF de la Seine-Maritime 2021-2024"
    map_figure = page.locator(".chart[role=img]")
    assert map_figure.count() == 1
    assert "19 engagées" in map_figure.get_attribute("aria-label")
    assert map_figure.locator("svg path").count() >= 50
    assert map_figure.bounding_box()["height"] > 200

    rows = page.locator("#communes-engagees tbody tr")
    assert rows.count() == 19
    names = [rows.nth(i).locator("td").first.inner_text() for i in range(19)]
    assert names == ENGAGED_19
    # The Content-Security-Policy blocks nothing the page needs.
    assert console_errors == [], "\n".join(console_errors)
    page.close()
