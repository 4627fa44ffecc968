import datetime
import io
import os
import shutil
import subprocess
from decimal import Decimal

import pytest
from docx import Document
from openpyxl import load_workbook

from ctg.plans import workbook as wb
from ctg.plans.demo import load_demo_plan
from ctg.plans.exports import build_csv, build_docx, build_xlsx
from ctg.plans.imports import plan_import_xlsx
from ctg.plans.models import Action, FollowUpIndicator, FundingLine
from tests.plans.factories import MeasureFactory, TargetFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 27)


@pytest.fixture
def demo_plan(caux_seine):
    convention = caux_seine["convention"]
    load_demo_plan(convention=convention)
    return caux_seine


def _history_count():
    return sum(model.history.count() for model in (Action, FundingLine, FollowUpIndicator))


def _edit(content: bytes, sheet: str, cell: str, value) -> bytes:
    book = load_workbook(io.BytesIO(content))
    book[sheet][cell] = value
    buffer = io.BytesIO()
    book.save(buffer)
    book.close()
    return buffer.getvalue()


def test_demo_plan_holds_the_documented_facts(demo_plan):
    convention = demo_plan["convention"]
    assert load_demo_plan(convention=convention) == {"created": 0}  # idempotent
    codes = set(Action.objects.filter(convention=convention).values_list("code", flat=True))
    assert codes == {"DIAG-01", "PE-01", "HAN-01", "PE-02", "PAR-01", "AD-01", "AD-02"}
    lines = {line.funder.name: line.amount_planned for line in FundingLine.objects.select_related("funder")}
    assert lines == {"Caux Seine agglo": Decimal("10900.00"), "CAF de la Seine-Maritime": Decimal("7500.00")}
    indicator = FollowUpIndicator.objects.get(code="PE-02-I1")
    assert indicator.baseline_state == "a_renseigner" and indicator.baseline_value is None
    assert set(Action.objects.exclude(code="DIAG-01").values_list("status", flat=True)) == {"a_venir"}


def test_xlsx_export_then_import_changes_nothing(demo_plan):
    convention = demo_plan["convention"]
    TargetFactory(indicator__action=Action.objects.get(code="HAN-01"), indicator__code="HAN-01-I1")
    MeasureFactory(indicator=FollowUpIndicator.objects.get(code="HAN-01-I1"), source="=cmd|' /C calc'!A0")
    content = build_xlsx(convention)
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == [
        wb.ACTIONS_SHEET,
        wb.FUNDING_SHEET,
        wb.INDICATORS_SHEET,
        wb.TOTALS_SHEET,
        wb.LISTS_SHEET,
    ]
    assert book[wb.ACTIONS_SHEET].data_validations.dataValidation  # lists of allowed values
    sources = [row[12] for row in book[wb.INDICATORS_SHEET].iter_rows(min_row=2, values_only=True)]
    assert "'=cmd|' /C calc'!A0" in sources  # neutralised
    book.close()
    before = _history_count()
    report = plan_import_xlsx(convention=convention, content=content, by=demo_plan["accounts"][0][1])
    assert report.ok, [str(e) for e in report.errors]
    assert report.changed == 0
    assert report.unchanged == {"actions": 7, "financements": 2, "indicateurs": 2, "cibles": 2, "mesures": 1}
    assert _history_count() == before


def test_xlsx_import_updates_and_creates(demo_plan):
    convention = demo_plan["convention"]
    content = build_xlsx(convention)
    content = _edit(content, wb.ACTIONS_SHEET, "B9", "Nouvelle action")
    content = _edit(content, wb.ACTIONS_SHEET, "A9", "NEW-01")
    content = _edit(content, wb.ACTIONS_SHEET, "T9", "En cours")
    content = _edit(content, wb.ACTIONS_SHEET, "U9", "Haute")
    content = _edit(content, wb.FUNDING_SHEET, "I2", 10900)  # granted on the first line
    report = plan_import_xlsx(convention=convention, content=content)
    assert report.ok, [str(e) for e in report.errors]
    assert report.created == {"actions": 1}
    assert report.updated == {"financements": 1}
    assert Action.objects.get(convention=convention, code="NEW-01").status == "en_cours"


def test_damaged_xlsx_is_rejected_whole_naming_line_and_column(demo_plan):
    convention = demo_plan["convention"]
    content = build_xlsx(convention)
    content = _edit(content, wb.ACTIONS_SHEET, "B2", "Titre modifié")  # a valid change, must not be written
    content = _edit(content, wb.FUNDING_SHEET, "A2", "XX-99")
    content = _edit(content, wb.FUNDING_SHEET, "G3", "beaucoup")
    content = _edit(content, wb.ACTIONS_SHEET, "P3", "31/02/2022")
    before = _history_count()
    report = plan_import_xlsx(convention=convention, content=content)
    assert not report.ok
    messages = [str(e) for e in report.errors]
    assert (
        "feuille « Financements », ligne 2, colonne « Code action » : aucune action ne porte le code « XX-99 »."
        in (messages)
    )
    assert (
        "feuille « Financements », ligne 3, colonne « Prévu (€) » : « beaucoup » n'est pas un nombre "
        "(chiffres, virgule ou point décimal, sans exposant)." in messages
    )
    assert (
        "feuille « Actions », ligne 3, colonne « Début prévu » : "
        "« 31/02/2022 » n'est pas une date (attendu JJ/MM/AAAA)." in messages
    )
    assert _history_count() == before
    assert not Action.objects.filter(title="Titre modifié").exists()


def test_not_a_workbook(demo_plan):
    report = plan_import_xlsx(convention=demo_plan["convention"], content=b"pas un classeur")
    assert not report.ok and "pas un classeur XLSX" in str(report.errors[0])


def test_csv_and_docx(demo_plan):
    convention = demo_plan["convention"]
    text = build_csv(convention, TODAY)
    assert text.startswith("\ufeffCode;Intitulé")
    assert "DIAG-01;Diagnostic territorial partagé avec le cabinet ARFOS" in text
    assert "18400,00" in text.replace("\u202f", "")
    document = Document(io.BytesIO(build_docx(convention, TODAY)))
    body = "\n".join(p.text for p in document.paragraphs)
    assert "Plan d'actions – CTG Caux Seine agglo" in body
    assert "prévus 18\u202f400,00 €" in body
    one = Document(io.BytesIO(build_docx(convention, TODAY, action=Action.objects.get(code="PE-02"))))
    headings = [p.text for p in one.paragraphs if p.style.name.startswith("Heading")]
    assert headings[0].startswith("PE-02 – ")
    cells = [c.text for t in one.tables for row in t.rows for c in row.cells]
    assert "à renseigner" in cells and "Ligne de base à renseigner" in cells


def test_libreoffice_opens_the_exports(demo_plan, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) doit être installé en intégration continue.")
        pytest.skip("soffice (LibreOffice) n'est pas installé sur ce poste.")
    convention = demo_plan["convention"]
    (tmp_path / "plan.xlsx").write_bytes(build_xlsx(convention))
    (tmp_path / "plan.docx").write_bytes(build_docx(convention, TODAY))
    for name in ("plan.xlsx", "plan.docx"):
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation=file://{tmp_path}/profile",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(tmp_path / name.split(".")[1]),
                str(tmp_path / name),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
        pdf = tmp_path / name.split(".")[1] / "plan.pdf"
        assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF")


def test_load_demo_plan_command(demo_plan):
    from django.core.management import call_command

    out = io.StringIO()
    call_command("load_demo_plan", stdout=out)
    assert "0 fiche créée." in out.getvalue()


def test_xlsx_import_creates_sub_actions_and_objective_indicators(demo_plan):
    from ctg.conventions.models import Theme
    from ctg.plans.services import objective_create

    convention = demo_plan["convention"]
    objective = objective_create(
        convention=convention, theme=Theme.objects.get(code="petite-enfance"), code="OS-PE", title="Accueil"
    )
    book = load_workbook(io.BytesIO(build_xlsx(convention)))
    book[wb.ACTIONS_SHEET].append(["PE-02.1", "Permanences du relais", "PE-02"] + [None] * 16 + ["À venir", "Moyenne"])
    book[wb.INDICATORS_SHEET].append(
        [
            "Indicateur",
            "OS-PE-I1",
            None,
            "OS-PE",
            "Places",
            "places",
            None,
            "Renseignée",
            120,
            "01/01/2022",
            None,
            None,
            "Coordination",
        ]
    )
    book[wb.INDICATORS_SHEET].append(
        ["Cible", "OS-PE-I1", None, None, None, None, None, None, None, None, datetime.date(2024, 12, 31), 150]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    book.close()
    report = plan_import_xlsx(convention=convention, content=buffer.getvalue())
    assert report.ok, [str(e) for e in report.errors]
    assert report.created == {"actions": 1, "indicateurs": 1, "cibles": 1}
    child = Action.objects.get(convention=convention, code="PE-02.1")
    assert child.parent.code == "PE-02"
    indicator = FollowUpIndicator.objects.get(code="OS-PE-I1")
    assert indicator.objective == objective and indicator.baseline_value == Decimal("120")
    assert indicator.targets.get().value == Decimal("150")
