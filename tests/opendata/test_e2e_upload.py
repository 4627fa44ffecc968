import contextlib
import os
import shutil

import pytest

from ctg.opendata.models import Dataset, Observation
from tests.jobs.helpers import background_worker
from tests.opendata.extracts import COMPARATEUR
from tests.opendata.factories import data_administrator

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
PASSWORD = "mot-de-passe-de-test"


@contextlib.contextmanager
def chromium_page():
    # Playwright runs its own event loop: the ORM is only used before and after the browser session.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run"]
        )
        yield browser.new_page(locale="fr-FR")
        browser.close()


@pytest.mark.skipif(not CHROMIUM, reason="Chromium n'est pas installé (paquet Debian « chromium »).")
def test_data_administrator_checks_then_imports_a_file(live_server, tmp_path):
    user = data_administrator()
    damaged = tmp_path / "base_cc_comparateur_2025.csv"
    damaged.write_text("CODGEO;P22_POP\n76114;onze mille\n", encoding="utf-8")
    console_errors = []
    with chromium_page() as page:
        page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
        page.goto(f"{live_server.url}/donnees/importer/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url(f"{live_server.url}/donnees/importer/")

        # Simulation is ticked by default: the file is checked and counted, nothing is saved.
        page.set_input_files("#id_file", str(COMPARATEUR))
        page.click("main button[type=submit]")
        assert "Résultat de la simulation" in page.locator("#report-title").inner_text()
        page.click("text=Données ouvertes")
        assert "Aucun fichier n'a encore été importé." in page.locator("main").inner_text()

        page.goto(f"{live_server.url}/donnees/importer/")
        page.set_input_files("#id_file", str(COMPARATEUR))
        page.uncheck("#id_dry_run")
        with background_worker():
            page.click("main button[type=submit]")
            # The job's page polls until the worker has imported the file and recomputed the indicators.
            page.wait_for_selector("#job-status.job-done", timeout=60_000)
        assert "1\u202f550 valeurs créées" in page.locator("#job-status").inner_text()

        page.goto(f"{live_server.url}/donnees/importer/")
        page.set_input_files("#id_file", str(damaged))
        page.click("main button[type=submit]")
        assert "ligne 2, colonne 2 « P22_POP »" in page.locator("[role=alert]").inner_text()

        page.click("text=Données ouvertes")
        assert page.locator("table.opendata-datasets tbody tr").count() == 1
    # The Content-Security-Policy blocks nothing the pages need.
    assert console_errors == [], "\n".join(console_errors)
    assert Dataset.objects.get().imported_by == user
    assert Observation.objects.count() == 1550
