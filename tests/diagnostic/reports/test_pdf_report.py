import os
import re
import shutil
import subprocess
import zlib

import pytest

from ctg.diagnostic.reports.content import diagnostic_report
from ctg.diagnostic.reports.docx_report import build_diagnostic_docx
from ctg.diagnostic.reports.pdf_report import build_diagnostic_pdf, render_diagnostic_html
from tests.diagnostic.reports.conftest import MALICIOUS_ENJEU, build_report_demo
from tests.held_data import held

pytestmark = pytest.mark.django_db


def page_count(pdf: bytes) -> int:
    """Page objects of a PDF whose objects may sit in compressed object streams (no PDF library needed)."""
    chunks = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            chunks.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return sum(len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", chunk)) for chunk in chunks)


def test_html_of_the_report_has_every_part(report_demo):
    html = render_diagnostic_html(convention=report_demo["convention"])
    assert "<h1>Diagnostic territorial : CA Caux Seine Agglo</h1>" in html
    assert html.count('<section class="chapter">') == 10  # method, 8 themes, enjeux
    assert "77\u00a0968" in html
    assert "Source : INSEE, Base comparateur de territoires, millésime 2025" in html
    assert "Estimation : 3 × la moyenne annuelle des naissances domiciliées 2016-2021" in html
    assert "secret statistique" in html
    assert MALICIOUS_ENJEU in html
    assert html.count('src="data:image/png;base64,') == 7
    assert "http://" not in html.replace("http://exemple.invalid", "")


@pytest.fixture(scope="class")
def shared_documents(_caux_seine_once, django_db_blocker):
    """The DOCX and the PDF of report_demo's convention, both from one gathering of the figures, built once for the
    tests of the class that read them."""

    def build():
        convention = build_report_demo(_caux_seine_once.get_with_figures())["convention"]
        report = diagnostic_report(convention=convention)
        return {
            "docx": build_diagnostic_docx(convention=convention, report=report),
            "pdf": build_diagnostic_pdf(convention=convention, report=report),
        }

    yield from held(django_db_blocker, build)


@pytest.fixture
def documents(shared_documents, caux_seine_figures):
    return shared_documents


class TestDocuments:
    def test_pdf_renders_every_page(self, documents, tmp_path):
        pdf = documents["pdf"]
        assert pdf.startswith(b"%PDF")
        assert pdf.rstrip().endswith(b"%%EOF")
        # Title page, method, eight theme chapters, enjeux and a landscape annex of seven tables of 50 communes.
        pages = page_count(pdf)
        assert pages >= 15
        # Rendering every page needs poppler's pdftoppm, installed by .ci/run: in CI its absence is a failure.
        if shutil.which("pdftoppm") or os.environ.get("CI") == "true":
            path = tmp_path / "diagnostic.pdf"
            path.write_bytes(pdf)
            subprocess.run(
                ["pdftoppm", "-r", "20", "-png", str(path), str(tmp_path / "page")], check=True, timeout=120
            )
            assert len(list(tmp_path.glob("page*.png"))) == pages

    def test_docx_and_pdf_of_the_demo_convention_are_generated(self, documents):
        """Both documents of the demo convention are generated from one gathering of the figures; their timing
        against the HTML diagnostic page is measured in bench/reports.py (target under 10 s)."""
        assert documents["docx"].startswith(b"PK") and len(documents["docx"]) > 100_000
        assert documents["pdf"].startswith(b"%PDF") and len(documents["pdf"]) > 100_000
