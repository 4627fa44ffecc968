"""The COPIL pack and the annual review as files: every part present, text cells neutralised, and the DOCX, PPTX
and PDF open in LibreOffice, every PDF page rendering."""

import datetime
import html as html_module
import io
import os
import shutil
import subprocess
from decimal import Decimal

import pytest
import time_machine
from docx import Document
from pptx import Presentation

from ctg.plans.enums import ActionStatus
from ctg.steering.enums import DecisionSubject, MeetingState, OutcomeKind
from ctg.steering.pack.content import annual_review, meeting_pack
from ctg.steering.pack.document import PackDocument, Section, Table
from ctg.steering.pack.docx_pack import build_docx
from ctg.steering.pack.pdf_pack import build_pdf, render_html
from ctg.steering.pack.pptx_pack import build_pptx
from ctg.steering.services import outcome_create
from tests.accounts.factories import UserFactory
from tests.conventions.factories import ConventionFactory
from tests.diagnostic.reports.test_pdf_report import page_count
from tests.organisations.factories import OrganisationFactory
from tests.plans.factories import (
    ActionFactory,
    FundingLineFactory,
    IndicatorFactory,
    MeasureFactory,
    ObjectiveFactory,
    TargetFactory,
    ThemeFactory,
)
from tests.steering.factories import PARIS, AgendaItemFactory, BodyFactory, MeetingFactory

pytestmark = pytest.mark.django_db

FORMULA_TITLE = '=HYPERLINK("http://exemple.invalid";"x")'
NOW = datetime.datetime(2024, 6, 25, 9, 0, tzinfo=PARIS)


@pytest.fixture
def steering():
    with time_machine.travel(datetime.datetime(2024, 1, 10, 9, 0, tzinfo=PARIS), tick=False):
        convention = ConventionFactory(start_date=datetime.date(2022, 1, 1), end_date=datetime.date(2025, 12, 31))
        early, youth = ThemeFactory(label="Petite enfance"), ThemeFactory(label="Jeunesse")
        convention.themes.add(early, youth)
        blocked = ActionFactory(convention=convention, code="A1", title=FORMULA_TITLE, status=ActionStatus.BLOQUEE)
        blocked.themes.add(early)
        late = ActionFactory(
            convention=convention, code="A2", title="Accueil de loisirs", status=ActionStatus.EN_COURS
        )
        late.themes.add(youth)
        # Under a theme through its objective only, as the plan tree places it.
        ActionFactory(
            convention=convention,
            code="A3",
            title="Point information jeunesse",
            status=ActionStatus.BLOQUEE,
        ).objectives.add(ObjectiveFactory(convention=convention, theme=youth))
        line = FundingLineFactory(
            action=late, funder=OrganisationFactory(name="CAF de la Seine-Maritime"), year=2024, amount_granted=900
        )
        indicator = IndicatorFactory(action=late, code="IND-1", label="Enfants accueillis")
        TargetFactory(indicator=indicator, date=datetime.date(2025, 1, 1), value=Decimal("30"))
        body = BodyFactory(convention=convention)
        previous = MeetingFactory(
            body=body, starts_at=datetime.datetime(2024, 3, 12, 14, 0, tzinfo=PARIS), state=MeetingState.TENUE
        )
        item = AgendaItemFactory(meeting=previous, title="Financement de l'accueil de loisirs", action=late)
        coordinator = UserFactory()
        outcome_create(
            agenda_item=item,
            kind=OutcomeKind.DECISION,
            subject=DecisionSubject.OTHER,
            text="Le COPIL valide le principe d'un accueil de loisirs intercommunal.",
            by=coordinator,
        )
        outcome_create(
            agenda_item=item,
            kind=OutcomeKind.TASK,
            text="Chiffrer l'ouverture d'un second site.",
            assignee_name="Coordination CTG",
            due_date=datetime.date(2024, 5, 31),
            by=coordinator,
        )
        meeting = MeetingFactory(body=body, starts_at=datetime.datetime(2024, 6, 27, 14, 0, tzinfo=PARIS))
        AgendaItemFactory(meeting=meeting, order=1, title="Point d'étape du plan", duration_minutes=30)
        AgendaItemFactory(meeting=meeting, order=2, title="Accorder la ligne CAF", funding_line=line)
    with time_machine.travel(datetime.datetime(2024, 4, 2, 10, 0, tzinfo=PARIS), tick=False):
        MeasureFactory(indicator=indicator, date=datetime.date(2024, 3, 31), value=Decimal("18"))
    return {"convention": convention, "meeting": meeting}


@pytest.fixture
def pack(steering):
    with time_machine.travel(NOW, tick=False):
        return meeting_pack(meeting=steering["meeting"])


def test_meeting_pack_has_every_part(pack):
    titles = [s.title for s in pack.sections]
    assert titles == [
        "Ordre du jour",
        "Ce qui a changé depuis la réunion précédente",
        "Avancement par thématique",
        "Jeunesse",
        "Petite enfance",
        "Actions en retard ou bloquées",
        "Financements",
        "Indicateurs de suivi",
        "Décisions à prendre",
        "Suites de la réunion précédente",
    ]
    html = html_module.unescape(render_html(pack))
    assert "Dossier de séance – Comité de pilotage du 27 juin 2024" in html
    # Since the previous meeting: the measure of 2 April only.
    assert "Mesure du 31/03/2024 : 18 places" in html
    assert "Accorder la ligne CAF" in html and "accordé 900,00" in html
    assert "En retard : échéance du 31/05/2024 dépassée (Coordination CTG)" in html
    assert "Le COPIL valide le principe" in html
    assert "Dans la trajectoire" in html or "En retard sur la trajectoire" in html
    assert "Source : registre des financements du plan" in html
    youth = next(s for s in pack.sections if s.title == "Jeunesse")
    assert sorted(row[0] for row in youth.tables[1].rows) == [
        "A2 – Accueil de loisirs",
        "A3 – Point information jeunesse",
    ]


def test_text_cells_are_neutralised(pack):
    docx = Document(io.BytesIO(build_docx(pack)))
    cells = {cell.text for table in docx.tables for row in table.rows for cell in row.cells}
    assert f"'A1 – {FORMULA_TITLE}" not in cells  # the code comes first: nothing to neutralise
    assert any(text.startswith("A1 – =HYPERLINK") for text in cells)
    assert not any(text.startswith(("=", "+", "@")) for text in cells)
    deck = Presentation(io.BytesIO(build_pptx(pack)))
    texts = [
        cell.text
        for slide in deck.slides
        for shape in slide.shapes
        if shape.has_table
        for row in shape.table.rows
        for cell in row.cells
    ]
    assert texts and not any(text.startswith(("=", "+", "@")) for text in texts)


def test_docx_has_a_table_of_contents_field(pack):
    xml = Document(io.BytesIO(build_docx(pack))).element.xml
    assert 'w:instr="TOC \\o' in xml


def test_deck_has_the_slides(pack):
    deck = Presentation(io.BytesIO(build_pptx(pack)))
    titles = [slide.shapes.title.text for slide in deck.slides]
    assert titles[0].startswith("Dossier de séance")
    for expected in (
        "Ordre du jour",
        "Jeunesse",
        "Petite enfance",
        "Financements",
        "Indicateurs de suivi",
        "Décisions à prendre",
    ):
        assert expected in titles


def test_annual_review_covers_the_year(steering):
    with time_machine.travel(NOW, tick=False):
        review = annual_review(convention=steering["convention"], year=2024)
    html = html_module.unescape(render_html(review))
    assert "Bilan annuel 2024" in html
    assert "Financements de l'année 2024" in html
    assert "Comité de pilotage du 12/03/2024" in html
    assert "Chiffrer l'ouverture d'un second site." in html
    assert "1 mesure enregistrée en 2024" in html


def _soffice():
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) est requis en CI.")
        pytest.skip("LibreOffice (soffice) n'est pas installé.")
    return soffice


def _render_every_page(path, tmp_path) -> None:
    if shutil.which("pdftoppm") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("pdftoppm (poppler) est requis en CI.")
        pytest.skip("pdftoppm n'est pas installé.")
    pages = page_count(path.read_bytes())
    assert pages >= 1
    prefix = tmp_path / f"{path.stem}-page"
    subprocess.run(["pdftoppm", "-r", "20", "-png", str(path), str(prefix)], check=True, timeout=120)
    assert len(list(tmp_path.glob(f"{path.stem}-page*.png"))) == pages


@pytest.mark.slow
def test_documents_open_in_libreoffice_and_every_page_renders(steering, tmp_path):
    soffice = _soffice()
    with time_machine.travel(NOW, tick=False):
        pack = meeting_pack(meeting=steering["meeting"])
        review = annual_review(convention=steering["convention"], year=2024)
    files = {
        "dossier-texte.docx": build_docx(pack),
        "dossier-diaporama.pptx": build_pptx(pack),
        "bilan.docx": build_docx(review),
    }
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation=file://{tmp_path}/lo-profile",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(tmp_path / "converted"),
                str(tmp_path / name),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
    for name in files:
        converted = tmp_path / "converted" / (name.rsplit(".", 1)[0] + ".pdf")
        assert converted.read_bytes().startswith(b"%PDF")
    (tmp_path / "dossier-weasy.pdf").write_bytes(build_pdf(pack))
    (tmp_path / "bilan-weasy.pdf").write_bytes(build_pdf(review))
    for path in [
        *(tmp_path / "converted").glob("*.pdf"),
        tmp_path / "dossier-weasy.pdf",
        tmp_path / "bilan-weasy.pdf",
    ]:
        _render_every_page(path, tmp_path)


def test_a_long_table_prints_as_lines_naming_their_columns():
    rows = [[f"{day:02d}/04/2024", f"A{day} – Action", "En cours → Bloquée"] for day in range(1, 31)]
    section = Section("Ce qui a changé")
    section.table(Table(caption="Changement de statut", header=["Date", "Objet", "Changement"], rows=rows))
    document = PackDocument("Titre", "Sous-titre", [], "Produit le", [section], "test")
    html = html_module.unescape(render_html(document))
    assert "<table>" not in html
    assert html.count("· Changement : En cours → Bloquée") == 30
    assert "Changement de statut</strong> (30)" in html
    assert "· Objet : A30 – Action" in html and "· Changement : En cours → Bloquée" in html
