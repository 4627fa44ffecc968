"""The final evaluation report: what it prints, that LibreOffice opens the DOCX, that every PDF page renders, and
that the worker reuses the file while nothing changes."""

import html as html_module
import io
import os
import shutil
import subprocess

import pytest
from docx import Document

from ctg.conventions.enums import SignatoryRole
from ctg.conventions.models import Signatory
from ctg.evaluation.final_report.content import final_report
from ctg.evaluation.final_report.docx_report import build_final_report_docx
from ctg.evaluation.final_report.pdf_report import build_final_report_pdf, render_final_report_html
from ctg.evaluation.jobs import final_report_request, report_data_version
from ctg.evaluation.models import PartnerSurvey
from ctg.evaluation.services import convention_evaluation_save, partner_answer_save
from tests.diagnostic.reports.conftest import convert_with_libreoffice
from tests.diagnostic.reports.test_pdf_report import page_count
from tests.evaluation.test_rollups import plan  # noqa: F401 (four synthetic actions with grids, money, indicators)
from tests.organisations.factories import OrganisationFactory

pytestmark = pytest.mark.django_db
FORMULA = '=HYPERLINK("http://exemple.invalid";"x")'


@pytest.fixture
def evaluated(plan):  # noqa: F811
    convention = plan["convention"]
    partner = OrganisationFactory(name="Département fictif")
    Signatory.objects.create(convention=convention, organisation=partner, role=SignatoryRole.PARTENAIRE)
    survey = PartnerSurvey.objects.create(convention=convention)
    partner_answer_save(
        survey=survey,
        organisation=partner,
        data={"pertinence": "oui", "efficacite": "plutot_non", "comment": "Des places d'accueil manquent encore."},
        on_behalf=True,
        by=None,
    )
    convention_evaluation_save(
        convention=convention,
        conclusions=f"La petite enfance a progressé.\x07\n{FORMULA}",
        recommendations="Reprendre l'action A3 dans la convention suivante.",
        by=None,
    )
    return plan


def docx_text(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts.extend(cell.text for row in table.rows for cell in row.cells)
    return "\n".join(parts)


def test_the_report_prints_every_chapter(evaluated):
    convention = evaluated["convention"]
    report = final_report(convention=convention)
    content = build_final_report_docx(convention=convention, report=report)
    text = docx_text(content)
    for heading in (
        "Méthode",
        "Les questions d'évaluation",
        "Ce qui a changé depuis la signature",
        "Par thématique",
        "Par action",
        "Synthèse des financements",
        "Les réponses des partenaires",
        "Conclusions et recommandations",
    ):
        assert heading in text, heading
    # The whole plan's levels of pertinence (hand-computed in tests/evaluation/test_rollups.py).
    assert "Niveaux retenus dans les grilles des actions : atteint 1 ; partiellement atteint 1 ; non atteint 0" in text
    assert "prévu 3 500 €" in text.replace("\u202f", " ").replace("\u00a0", " ")
    assert "Des places d'accueil manquent encore." in text and "Département fictif" in text
    assert "A3 – Action" in text and "Reprendre l'action A3" in text
    # A control character stored in a text is dropped, a formula-like text is printed as text.
    assert "\x07" not in text and FORMULA in text
    assert b"TOC \\o" in content or "TOC \\o" in zipped_document_xml(content)
    html = render_final_report_html(convention=convention, report=report)
    assert "<h1>Les réponses des partenaires</h1>" in html and "http://exemple.invalid" in html


def zipped_document_xml(content: bytes) -> str:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.read("word/document.xml").decode()


def test_the_pdf_prints_each_action_as_lines_naming_their_columns(evaluated):
    html = html_module.unescape(render_final_report_html(convention=evaluated["convention"]))
    start = html.index("<h1>Par action</h1>")
    per_action = html[start : html.index("<h1>", start + 1)]
    # Hundreds of small tables would cost most of the printing time: each grid line and indicator is one line.
    assert "<table" not in per_action
    # A2's grid (tests/evaluation/test_rollups.py): pertinence partiel without justification, efficience not filled.
    assert "<strong>Pertinence</strong> · Niveau : Partiellement atteint · Justification : —" in per_action
    assert "<strong>Efficience</strong> · Niveau : à évaluer · Justification : —" in per_action
    # A1's indicator: baseline 10, measured 20, target 20.
    assert "· Cible : 20" in per_action and "· Taux d'atteinte : 100 %" in per_action


def _render_every_page(pdf: bytes, tmp_path, name: str) -> int:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    pages = page_count(pdf)
    if shutil.which("pdfinfo"):
        # poppler reads the page tree whatever the PDF's compression.
        info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True, timeout=60).stdout
        pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    if shutil.which("pdftoppm") or os.environ.get("CI") == "true":
        subprocess.run(["pdftoppm", "-r", "20", "-png", str(path), str(tmp_path / name)], check=True, timeout=120)
        assert len(list(tmp_path.glob(f"{name}*.png"))) == pages
    return pages


def test_the_pdf_renders_every_page(evaluated, tmp_path):
    pdf = build_final_report_pdf(convention=evaluated["convention"])
    assert pdf.startswith(b"%PDF") and pdf.rstrip().endswith(b"%%EOF")
    # Title page, method, questions, the landscape table, themes, actions, funding, partners, conclusions.
    assert _render_every_page(pdf, tmp_path, "rapport") >= 9


def test_libreoffice_opens_the_docx_and_every_page_of_its_conversion_renders(evaluated, tmp_path):
    path = tmp_path / "rapport-evaluation.docx"
    path.write_bytes(build_final_report_docx(convention=evaluated["convention"]))
    converted = convert_with_libreoffice(path, tmp_path)
    assert converted.exists()
    assert _render_every_page(converted.read_bytes(), tmp_path, "libreoffice") >= 5


def test_the_worker_reuses_the_report_while_nothing_changes(evaluated):
    convention = evaluated["convention"]
    version = report_data_version(convention)
    first = final_report_request(convention=convention, fmt="pdf", by=None)
    assert final_report_request(convention=convention, fmt="pdf", by=None).pk == first.pk
    assert report_data_version(convention) == version
    convention_evaluation_save(convention=convention, conclusions="Autre conclusion.", recommendations="", by=None)
    assert report_data_version(convention) != version
    assert final_report_request(convention=convention, fmt="pdf", by=None).pk != first.pk
