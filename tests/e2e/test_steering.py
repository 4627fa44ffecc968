import datetime
import io

import pytest
from django.utils import timezone
from docx import Document
from pptx import Presentation

from ctg.plans.demo import load_demo_plan
from ctg.plans.enums import ActionStatus
from ctg.plans.models import Action
from ctg.steering.demo import load_demo_steering
from ctg.steering.enums import MeetingState
from ctg.steering.models import Meeting, MinutesVersion, Outcome
from tests.jobs.helpers import background_worker

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.long
def test_coordinator_records_a_copil_decision_and_sends_the_minutes(live_server, caux_seine, browser, tmp_path):
    convention = caux_seine["convention"]
    load_demo_plan(convention=convention)
    load_demo_steering(convention=convention)
    action = Action.objects.get(convention=convention, code="PE-02")
    assert action.status == ActionStatus.A_VENIR
    yesterday = timezone.localdate() - datetime.timedelta(days=1)

    page = browser.new_page(locale="fr-FR", accept_downloads=True)
    console_errors = []
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
    page.goto(f"{live_server.url}/conventions/{convention.pk}/")
    page.fill("#id_username", "coordination")
    page.fill("#id_password", caux_seine["password"])
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/conventions/{convention.pk}/")

    # The convention's navigation leads to the steering, where the demo COPIL is listed.
    page.click("nav.convention-nav >> text=Pilotage")
    assert page.locator("h1").inner_text() == "Pilotage de la convention"
    page.click("text=Comité de pilotage")
    page.click("text=Programmer une réunion")
    page.fill("#id_date", yesterday.isoformat())
    page.fill("#id_time", "14:30")
    page.fill("#id_place", "Siège de Caux Seine agglo, Lillebonne")
    page.click("button:has-text('Enregistrer')")
    assert "La réunion est créée" in page.locator(".messages").inner_text()

    # An agenda item about the relais fiche.
    page.click("text=Ajouter un point à l'ordre du jour")
    page.fill("#id_title", "Extension du Relais petite enfance")
    page.fill("#id_duration_minutes", "30")
    page.select_option("#id_action", str(action.pk))
    page.click("button:has-text('Enregistrer')")
    assert page.locator(".agenda-item h3").inner_text() == "Extension du Relais petite enfance"
    assert "PE-02" in page.locator(".agenda-item").inner_text()

    page.click("button:has-text('Noter la réunion tenue')")
    assert page.locator("#etat-reunion").inner_text() == "Tenue"

    # The decision starts the action.
    page.click("text=Consigner une décision, une information ou une tâche")
    page.select_option("#id_kind", "decision")
    page.fill("#id_text", "Le COPIL engage l'extension du Relais aux communes non couvertes.")
    page.select_option("#id_subject", "statut_action")
    assert page.locator("#id_action").input_value() == str(action.pk)
    page.select_option("#id_new_status", "en_cours")
    page.click("button:has-text('Enregistrer')")
    assert "Décision enregistrée." in page.locator(".messages").inner_text()
    assert "Le COPIL engage l'extension" in page.locator(".outcomes").inner_text()

    page.click("text=Rédiger le compte rendu")
    page.fill("textarea", "Présentation de la couverture actuelle ; le COPIL engage l'extension.")
    page.click("button:has-text('Enregistrer')")
    page.click("button:has-text('Envoyer le compte rendu aux collèges signataires')")
    state = page.locator("#etat-reunion").inner_text()
    today = timezone.localdate()
    tacit = today + datetime.timedelta(days=10)
    assert state == (f"Compte rendu envoyé le {today:%d/%m/%Y} : approuvé sans observation le {tacit:%d/%m/%Y}")
    assert (
        "En attente de réponse : CAF, EPCI, Commune." in page.locator("section[aria-labelledby=titre-cr]").inner_text()
    )

    # The COPIL pack, as an editable document and as a slide deck, built by the worker.
    meeting_url = page.url
    saved = {}
    for link, extension in (("Dossier de séance (DOCX, modifiable)", "docx"), ("Diaporama (PPTX)", "pptx")):
        with background_worker():
            page.get_by_role("link", name=link).click()
            # The job's page polls until the worker has built the file.
            page.wait_for_selector("#job-status.job-done, #job-status.job-failed", timeout=60_000)
        assert "Dossier de séance" in page.locator("#job-status").inner_text()
        assert "prêt." in page.locator("#job-status").inner_text()
        with page.expect_download() as download_info:
            page.locator("#job-status a", has_text="Télécharger").click()
        download = download_info.value
        assert download.suggested_filename.startswith("dossier-de-seance-")
        assert download.suggested_filename.endswith(f".{extension}")
        saved[extension] = tmp_path / download.suggested_filename
        download.save_as(saved[extension])
        page.goto(meeting_url)
    document = Document(io.BytesIO(saved["docx"].read_bytes()))
    paragraphs = [p.text for p in document.paragraphs]
    assert "Ordre du jour" in paragraphs and "Ce qui a changé depuis la réunion précédente" in paragraphs
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert "Extension du Relais petite enfance" in cells
    deck = Presentation(io.BytesIO(saved["pptx"].read_bytes()))
    titles = [slide.shapes.title.text for slide in deck.slides]
    assert titles[0].startswith("Dossier de séance – Comité de pilotage du ")
    assert "Ordre du jour" in titles and "Financements" in titles and "Décisions à prendre" in titles
    assert console_errors == [], "\n".join(console_errors)
    page.close()

    action.refresh_from_db()
    assert action.status == ActionStatus.EN_COURS
    record = action.history.order_by("-history_id").first()
    assert record.history_change_reason == f"décision du COPIL du {yesterday:%d/%m/%Y}"
    assert record.history_user.username == "coordination"
    meeting = Meeting.objects.get(body__convention=convention)
    assert meeting.state == MeetingState.CR_ENVOYE
    assert MinutesVersion.objects.get(meeting=meeting).sent_on == today
    assert Outcome.objects.get().action == action
