import io

import pytest
from docx import Document
from docx.oxml.ns import qn

from ctg.diagnostic.reports.docx_report import build_diagnostic_docx
from ctg.indicators import catalogue
from tests.diagnostic.reports.conftest import (
    MALICIOUS_ENJEU,
    MALICIOUS_NAME,
    build_report_demo,
    convert_with_libreoffice,
)
from tests.held_data import held

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="class")
def shared_docx(_caux_seine_once, django_db_blocker):
    """The DOCX of report_demo's convention, built once for the tests of the class that read it."""

    def build():
        demo = build_report_demo(_caux_seine_once.get_with_figures())
        return build_diagnostic_docx(convention=demo["convention"])

    yield from held(django_db_blocker, build)


@pytest.fixture
def docx_bytes(shared_docx, caux_seine_figures):
    return shared_docx


def headings(document, level):
    return [p.text for p in document.paragraphs if p.style.name == f"Heading {level}"]


class TestDiagnosticDocx:
    """The diagnostic's DOCX, built once and read by each test."""

    def test_structure_title_method_themes_enjeux_annex(self, docx_bytes):
        document = Document(io.BytesIO(docx_bytes))
        assert document.paragraphs[0].style.name == "Title"
        assert document.paragraphs[0].text == "Diagnostic territorial : CA Caux Seine Agglo"
        chapters = headings(document, 1)
        theme_labels = [label for _, label in catalogue.THEMES]
        # Territory chapter plus the CAF's seven themes, between the method and the enjeux, then the annex.
        assert chapters == [
            "Méthode et sources",
            *theme_labels,
            "Enjeux",
            "Annexe : indicateurs par commune",
            "Annexe : évolution des indicateurs",
        ]
        assert len([label for code, label in catalogue.THEMES if code != "territoire"]) == 7
        assert "Chiffres clés" in headings(document, 2)
        # A page break closes every chapter before the annex (title page, contents, method, 8 themes, enjeux).
        breaks = sum(1 for p in document.paragraphs for r in p.runs if 'w:type="page"' in r._r.xml)
        assert breaks == 12
        # The contents field lists Heading 1 and 2 once the word processor updates it.
        fields = document.element.body.findall(".//" + qn("w:fldSimple"))
        assert [f.get(qn("w:instr")) for f in fields] == ['TOC \\o "1-2" \\h \\z \\u']

    def test_figures_with_source_vintage_and_explicit_statuses(self, docx_bytes):
        document = Document(io.BytesIO(docx_bytes))
        key_figures = document.tables[0]
        assert [c.text for c in key_figures.rows[0].cells] == [
            "Indicateur",
            "CA Caux Seine Agglo",
            "Seine-Maritime",
            "Normandie",
            "France",
        ]
        population = next(r for r in key_figures.rows if r.cells[0].text.startswith("Population municipale ("))
        assert population.cells[1].text == "77\u00a0968"
        text = "\n".join(p.text for p in document.paragraphs)
        assert "Source : INSEE, Base comparateur de territoires, millésime 2025" in text
        assert "Estimation : 3 × la moyenne annuelle des naissances domiciliées 2016-2021" in text
        cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
        assert "secret statistique" in cells
        # The referential's census population of every commune: Σ of the 707 communes of Seine-Maritime (the test
        # database holds département 76 only, so Normandie and France are the same sum).
        assert [c.text for c in population.cells[2:]] == ["1\u00a0260\u00a0205"] * 3
        # A column the imported files do not cover reads "non disponible" alone: why, and which file to import, is said
        # once per table, not in every cell.
        assert not any("agrégat incomplet" in c or "somme partielle" in c for c in cells)
        youth = next(
            r for t in document.tables for r in t.rows if r.cells[0].text.startswith("Part des moins de 15 ans")
        )
        assert [c.text for c in youth.cells[2:]] == ["non disponible"] * 3
        notes = [p.text for p in document.paragraphs if p.text.startswith("Seine-Maritime, Normandie et France : ")]
        assert notes and "INSEE, Base comparateur de territoires, millésime 2025" in notes[0]  # the territory's table
        # At most once per key figures' table (one per theme; the demo has no table of several vintages).
        assert len(notes) <= text.count("Colonnes incomplètes :") <= len(catalogue.THEMES)
        assert "19,4\u00a0%" in cells  # 0-14 share of the EPCI: 15,087 / 77,968

    def test_maps_enjeux_and_annex(self, docx_bytes):
        document = Document(io.BytesIO(docx_bytes))
        # One map per theme with commune values: the handicap theme has only CAF figures, not loaded here.
        assert len(document.inline_shapes) == 7
        captions = [p.text for p in document.paragraphs if p.style.name == "Caption" and p.text.startswith("Carte")]
        assert len(captions) == 7
        assert all("contours IGN Admin Express COG 2018" in c for c in captions)
        text = "\n".join(p.text for p in document.paragraphs)
        assert MALICIOUS_ENJEU in text
        assert "Validé par le COPIL le 01/06/2022" in text
        annex = document.tables[-1]
        assert annex.rows[0].cells[0].text == "Commune"
        assert len(annex.rows) == 51  # header + the 50 communes
        assert any(r.cells[0].text.startswith(MALICIOUS_NAME) for r in annex.rows)
        assert document.sections[-1].page_width > document.sections[-1].page_height  # landscape annex

    def test_libreoffice_opens_the_docx(self, docx_bytes, tmp_path):
        path = tmp_path / "diagnostic.docx"
        path.write_bytes(docx_bytes)
        pdf = convert_with_libreoffice(path, tmp_path)
        assert pdf.exists()
        assert pdf.read_bytes().startswith(b"%PDF")
