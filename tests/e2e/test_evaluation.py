import openpyxl
import pytest
from docx import Document

from ctg.evaluation.enums import Criterion
from ctg.evaluation.models import ActionEvaluation, DiagnosticSnapshot
from ctg.indicators.services import indicators_compute
from ctg.plans.demo import load_demo_plan
from ctg.plans.models import Action
from tests.indicators.shipped import load_insee_extracts
from tests.jobs.helpers import background_worker

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_coordinator_sees_what_changed_since_the_signature_and_downloads_it(
    live_server, caux_seine, browser, tmp_path
):
    convention = caux_seine["convention"]
    load_insee_extracts()
    indicators_compute(codes=["population", "population_2016", "population_change", "share_0_14"])
    page = browser.new_page(locale="fr-FR", accept_downloads=True)
    console_errors = []
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))

    page.goto(f"{live_server.url}/conventions/{convention.pk}/")
    page.fill("#id_username", "coordination")
    page.fill("#id_password", caux_seine["password"])
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/conventions/{convention.pk}/")

    page.get_by_role("navigation", name="Sections de la convention").get_by_role("link", name="Évaluation").click()
    assert page.locator("h1").inner_text() == "Évaluation de la convention"
    # Signed on 6 September 2021, before the platform froze anything: the snapshot is rebuilt, and says so.
    page.get_by_role("link", name="Reconstituer la photographie à la signature").click()
    assert page.locator("#id_vintage_limit").input_value() == "2018"
    page.get_by_role("button", name="Enregistrer").click()
    assert "Reconstituée après coup à partir des données présentes" in page.locator("main").inner_text()
    assert DiagnosticSnapshot.objects.get(convention=convention).vintage_limit == 2018

    page.get_by_role("link", name="Ce qui a changé depuis la signature").click()
    assert page.locator("h1").inner_text() == "Ce qui a changé depuis la signature"
    table = page.locator("#theme-territoire + .table-scroll table")
    population = table.locator("tr", has_text="CA Caux Seine Agglo").first
    text = population.inner_text()
    # 2016 census → 2022 census (77 968 inhabitants, data/README.md), with both vintages named.
    assert "77\u00a0968" in text and "millésime 2016" in text and "millésime 2022" in text

    with background_worker():
        page.get_by_role("link", name="Tableau XLSX").click()
        # The job's page polls until the worker has built the workbook.
        page.wait_for_selector("#job-status.job-done, #job-status.job-failed", timeout=60_000)
    assert "Ce qui a changé depuis la photographie (XLSX) prêt." in page.locator("#job-status").inner_text()
    with page.expect_download() as download_info:
        page.get_by_role("link", name=f"Télécharger ce-qui-a-change-convention-{convention.pk}.xlsx").click()
    download = download_info.value
    assert download.suggested_filename == f"ce-qui-a-change-convention-{convention.pk}.xlsx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    workbook = openpyxl.load_workbook(saved)
    sheet = workbook["Ce qui a changé"]
    header = [cell.value for cell in sheet[1]]
    rows = [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)]
    epci = next(r for r in rows if r["Code indicateur"] == "population" and r["Niveau territorial"] == "EPCI")
    assert (epci["Millésime (photographie)"], epci["Millésime (actuel)"]) == ("2016", "2022")
    assert console_errors == [], "\n".join(console_errors)
    page.close()


def test_coordinator_fills_an_action_grid_and_downloads_the_final_report(live_server, caux_seine, browser, tmp_path):
    convention = caux_seine["convention"]
    load_demo_plan(convention=convention)
    action = Action.objects.filter(convention=convention).order_by("code").first()
    page = browser.new_page(locale="fr-FR", accept_downloads=True)
    console_errors = []
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))

    page.goto(f"{live_server.url}/conventions/{convention.pk}/")
    page.fill("#id_username", "coordination")
    page.fill("#id_password", caux_seine["password"])
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/conventions/{convention.pk}/")
    page.get_by_role("navigation", name="Sections de la convention").get_by_role("link", name="Évaluation").click()
    page.get_by_role("link", name=f"{action.code} – {action.title}").click()
    assert page.locator("h1").inner_text() == f"Grille d'évaluation : {action.code} – {action.title}"
    for criterion in Criterion:
        page.select_option(f"#id_{criterion.value}_level", "partiel")
        page.fill(f"#id_{criterion.value}_justification", f"Constat de la coordination sur la {criterion.label}.")
    page.get_by_role("button", name="Enregistrer").click()
    assert "Grille d'évaluation de « " in page.locator("main").inner_text()
    assert ActionEvaluation.objects.get(action=action).is_complete

    page.get_by_role("navigation", name="Fil d'Ariane").get_by_role("link", name="Évaluation").click()
    page.get_by_role("link", name="Synthèse de l'évaluation et rapport d'évaluation").click()
    assert page.locator("h1").inner_text() == "Synthèse de l'évaluation"
    with background_worker():
        page.get_by_role("link", name="Rapport d'évaluation (DOCX, modifiable)").click()
        page.wait_for_selector("#job-status.job-done, #job-status.job-failed", timeout=120_000)
    assert "Rapport d'évaluation (DOCX) prêt." in page.locator("#job-status").inner_text()
    name = f"rapport-evaluation-convention-{convention.pk}.docx"
    with page.expect_download() as download_info:
        page.get_by_role("link", name=f"Télécharger {name}").click()
    saved = tmp_path / name
    download_info.value.save_as(saved)
    text = "\n".join(p.text for p in Document(str(saved)).paragraphs)
    assert "Rapport d'évaluation de la convention territoriale globale" in text
    assert f"{action.code} – {action.title}" in text
    assert "Constat de la coordination sur la Pertinence." in "\n".join(
        cell.text for table in Document(str(saved)).tables for row in table.rows for cell in row.cells
    )
    assert console_errors == [], "\n".join(console_errors)
    page.close()
