import os
import re
import shutil
import subprocess
import zlib

import pytest

from ctg.diagnostic.reports.content import diagnostic_report
from ctg.diagnostic.reports.docx_report import build_diagnostic_docx
from ctg.diagnostic.reports.pdf_report import build_diagnostic_pdf, render_diagnostic_html
from tests.diagnostic.reports.conftest import MALICIOUS_ENJEU

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


def test_pdf_renders_every_page(report_demo, tmp_path):
    pdf = build_diagnostic_pdf(convention=report_demo["convention"])
    assert pdf.startswith(b"%PDF")
    assert pdf.rstrip().endswith(b"%%EOF")
    # Title page, method, eight theme chapters, enjeux and a landscape annex of seven tables of 50 communes.
    pages = page_count(pdf)
    assert pages >= 15
    # Rendering every page needs poppler's pdftoppm, installed by .ci/run: in CI its absence is a failure.
    if shutil.which("pdftoppm") or os.environ.get("CI") == "true":
        path = tmp_path / "diagnostic.pdf"
        path.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", "20", "-png", str(path), str(tmp_path / "page")], check=True, timeout=120)
        assert len(list(tmp_path.glob("page*.png"))) == pages


def test_docx_and_pdf_of_the_demo_convention_are_generated(report_demo):
    """Both documents of the demo convention are generated from one gathering of the figures; their timing
    against the HTML diagnostic page is measured in bench/reports.py (target under 10 s)."""
    report = diagnostic_report(convention=report_demo["convention"])
    docx = build_diagnostic_docx(convention=report_demo["convention"], report=report)
    pdf = build_diagnostic_pdf(convention=report_demo["convention"], report=report)
    assert docx.startswith(b"PK") and len(docx) > 100_000
    assert pdf.startswith(b"%PDF") and len(pdf) > 100_000
