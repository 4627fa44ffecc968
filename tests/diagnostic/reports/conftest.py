import os
import shutil
import subprocess

import pytest

from ctg.conventions.models import Convention
from ctg.territories.models import Commune
from tests.diagnostic.factories import EnjeuFactory

MALICIOUS_NAME = '=HYPERLINK("http://exemple.invalid";"x")'
MALICIOUS_ENJEU = "+SOMME(1;2) Accès aux droits des familles"


@pytest.fixture
def report_demo(caux_seine_figures):
    """The demo convention with the real INSEE figures computed, a commune with a formula-like name and an
    enjeu whose title starts like a formula."""
    return build_report_demo(caux_seine_figures)


def build_report_demo(caux_seine: dict) -> dict:
    """report_demo over caux_seine with its figures (the caux_seine_figures fixture)."""
    convention = Convention.objects.select_related("epci").get(pk=caux_seine["convention"].pk)
    # Bolbec is renamed so that every export carries a name that a spreadsheet would run as a formula.
    assert Commune.objects.filter(code="76114").update(name=MALICIOUS_NAME) == 1
    EnjeuFactory(
        convention=convention,
        theme=convention.themes.order_by("order").first(),
        title=MALICIOUS_ENJEU,
        text="Les familles éloignées du numérique renoncent à des droits.",
        validated=True,
    )
    return {**caux_seine, "convention": convention}


def convert_with_libreoffice(path, tmp_path, fmt: str = "pdf"):
    """Convert a document headless, to PDF unless told (a spreadsheet of thousands of rows is read back as ODS in a
    few seconds, where printing it takes half a minute); skip when LibreOffice is missing outside CI."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) est requis en CI.")
        pytest.skip("LibreOffice (soffice) n'est pas installé.")
    out = tmp_path / "lo-out"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path}/lo-profile",
            "--headless",
            "--convert-to",
            fmt,
            "--outdir",
            str(out),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return out / f"{path.stem}.{fmt}"
