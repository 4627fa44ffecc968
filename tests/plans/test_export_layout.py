"""The plan workbook as people read and print it: widths, euro formats, frozen header, filters, print setup and
the totals sheet, read back from the file; the totals sheet never reaches the import. The DOCX on A4 pages."""

import datetime
import io
from decimal import Decimal

import pytest
from docx import Document
from openpyxl import load_workbook

from ctg.organisations.models import Organisation
from ctg.plans import workbook as wb
from ctg.plans.demo import load_demo_plan
from ctg.plans.exports import build_docx, build_xlsx
from ctg.plans.imports import plan_import_xlsx
from ctg.plans.models import Action, FollowUpIndicator
from ctg.reports.docx_tables import CELL_PADDING_PT, text_width_pt
from ctg.reports.xlsx import EUROS, EUROS_CENTS
from tests.plans.factories import FundingLineFactory, MeasureFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 27)


@pytest.fixture
def plan_book(caux_seine):
    """The demo plan (2021: 10,900 € planned by Caux Seine agglo, 7,500 € by the CAF on DIAG-01) plus two 2022
    lines: 2,000 € planned by the agglo on PE-01, 1,234.50 € planned and 1,000 € granted by the CAF on PE-02."""
    convention = caux_seine["convention"]
    load_demo_plan(convention=convention)
    agglo = Organisation.objects.get(name="Caux Seine agglo")
    caf = Organisation.objects.get(name="CAF de la Seine-Maritime")
    actions = {a.code: a for a in Action.objects.filter(convention=convention)}
    FundingLineFactory(action=actions["PE-01"], funder=agglo, year=2022, amount_planned=Decimal("2000"))
    FundingLineFactory(
        action=actions["PE-02"],
        funder=caf,
        year=2022,
        amount_planned=Decimal("1234.50"),
        amount_granted=Decimal("1000"),
    )
    content = build_xlsx(convention, TODAY)
    return {**caux_seine, "content": content, "book": load_workbook(io.BytesIO(content))}


def _block(sheet, title: str) -> list[list]:
    """The rows under a block title of the totals sheet: its header, then its rows up to the next empty row."""
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    start = next(i for i, row in enumerate(rows) if row[0] == title) + 1
    block = []
    for row in rows[start:]:
        if all(value is None for value in row):
            break
        block.append(row)
    return block


def test_every_sheet_prints_on_a4_landscape_fit_to_width_with_its_header_repeated(plan_book):
    book = plan_book["book"]
    for name in (wb.ACTIONS_SHEET, wb.FUNDING_SHEET, wb.INDICATORS_SHEET, wb.LISTS_SHEET):
        sheet = book[name]
        assert sheet.page_setup.paperSize == 9, name  # A4
        assert sheet.page_setup.orientation == "landscape", name
        assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0, name
        assert sheet.sheet_properties.pageSetUpPr.fitToPage is True, name
        assert sheet.print_title_rows == "$1:$1", name
        assert sheet.freeze_panes == "A2", name
    totals = book[wb.TOTALS_SHEET]
    assert totals.page_setup.paperSize == 9 and totals.page_setup.orientation == "portrait"
    assert totals.sheet_properties.pageSetUpPr.fitToPage is True and totals.page_setup.fitToWidth == 1


def test_data_sheets_filter_their_rows_and_fit_their_columns(plan_book):
    book = plan_book["book"]
    # Financements: 14 columns and the version (O); 4 lines under the header.
    assert book[wb.FUNDING_SHEET].auto_filter.ref == "A1:O5"
    # Actions: 22 columns and the version (W); the 7 fiches.
    actions = book[wb.ACTIONS_SHEET]
    assert actions.auto_filter.ref == "A1:W8"
    widths = {actions.cell(row=1, column=c).value: actions.column_dimensions[chr(64 + c)].width for c in range(1, 24)}
    assert widths["Code"] == len("DIAG-01") + 2  # the longest code, plus room
    # "Description" is a long text: the column stops at 50 characters and its cells wrap.
    assert widths["Description"] == 50
    description = actions["D2"]
    assert len(description.value) > 50 and description.alignment.wrap_text
    # A header wraps between words: its column is at least as wide as its longest word.
    assert widths["Pilote (identifiant du compte)"] >= len("identifiant") + 2
    assert wb.LISTS_SHEET not in [name for name in book.sheetnames if book[name].auto_filter.ref]


def test_amounts_are_euros_and_dates_french(plan_book):
    sheet = plan_book["book"][wb.FUNDING_SHEET]
    header = [cell.value for cell in sheet[1]]
    planned, granted = header.index("Prévu (€)") + 1, header.index("Accordé (€)") + 1
    values = {sheet.cell(row=r, column=planned).value: sheet.cell(row=r, column=planned) for r in range(2, 6)}
    assert set(values) == {10900, 7500, 2000, 1234.5}
    # One amount of the column has cents: the column shows cents.
    assert {cell.number_format for cell in values.values()} == {EUROS_CENTS}
    granted_cells = [sheet.cell(row=r, column=granted) for r in range(2, 6)]
    assert [c.number_format for c in granted_cells if c.value is not None] == [EUROS]  # 1 000 €, whole euros
    actions = plan_book["book"][wb.ACTIONS_SHEET]
    start = [cell.value for cell in actions[1]].index("Début prévu") + 1
    row = next(r for r in range(2, 9) if actions.cell(row=r, column=1).value == "DIAG-01")
    diag = actions.cell(row=row, column=start)
    assert diag.value == datetime.datetime(2021, 9, 1) and diag.number_format == "DD/MM/YYYY"


def test_totals_sheet_figures(plan_book):
    sheet = plan_book["book"][wb.TOTALS_SHEET]
    header = ["Financeur", "Année", "Lignes", "Prévu (€)", "Demandé (€)", "Accordé (€)", "Versé (€)"]
    caf, agglo = "CAF de la Seine-Maritime", "Caux Seine agglo"
    per_funder_year = _block(sheet, "Financements par financeur et par année")
    assert [list(r[:7]) for r in per_funder_year] == [
        header,
        [caf, 2021, 1, 7500, None, None, None],
        [caf, 2022, 1, 1234.5, None, 1000, None],
        [agglo, 2021, 1, 10900, None, None, None],
        [agglo, 2022, 1, 2000, None, None, None],
    ]
    # Per funder: 7,500 + 1,234.50 = 8,734.50 (CAF); 10,900 + 2,000 = 12,900 (agglo).
    assert [list(r[:7]) for r in _block(sheet, "Financements par financeur")][1:] == [
        [caf, "toutes", 2, 8734.5, None, 1000, None],
        [agglo, "toutes", 2, 12900, None, None, None],
    ]
    # Per year: 2021 = 10,900 + 7,500 = 18,400; 2022 = 2,000 + 1,234.50 = 3,234.50.
    assert [list(r[:7]) for r in _block(sheet, "Financements par année")][1:] == [
        ["tous", 2021, 2, 18400, None, None, None],
        ["tous", 2022, 2, 3234.5, None, 1000, None],
    ]
    assert [list(r[:7]) for r in _block(sheet, "Financements, ensemble du plan")][1:] == [
        ["tous", "toutes", 4, 21634.5, None, 1000, None]
    ]
    overall_row = next(r for r in sheet.iter_rows(min_row=1) if r[0].value == "tous" and r[1].value == "toutes")
    assert overall_row[3].number_format == EUROS_CENTS and overall_row[5].number_format == EUROS
    # Actions per status: PE-01 counts under Petite enfance and Parentalité; DIAG-01 has no theme.
    statuses = _block(sheet, "Actions par statut et par thématique")
    assert statuses[0] == [
        "Thématique", "À venir", "En cours", "Réalisée", "En pause", "Bloquée", "Abandonnée", "Total"
    ]  # fmt: skip
    assert [list(r[:8]) for r in statuses[1:]] == [
        ["Accès aux droits", 2, 0, 0, 0, 0, 0, 2],
        ["Petite enfance", 2, 0, 0, 0, 0, 0, 2],
        ["Parentalité", 2, 0, 0, 0, 0, 0, 2],
        ["Handicap à visée inclusive", 1, 0, 0, 0, 0, 0, 1],
        ["Sans thématique", 0, 1, 0, 0, 0, 0, 1],
        ["Toutes les actions (chacune une fois)", 6, 1, 0, 0, 0, 0, 7],
    ]


def test_the_import_ignores_the_totals_sheet(plan_book):
    book = plan_book["book"]
    book[wb.TOTALS_SHEET]["A10"] = "n'importe quoi"
    book[wb.TOTALS_SHEET]["D11"] = "=1/0"
    buffer = io.BytesIO()
    book.save(buffer)
    report = plan_import_xlsx(convention=plan_book["convention"], content=buffer.getvalue())
    assert report.ok, [str(e) for e in report.errors]
    assert report.changed == 0
    assert report.unchanged == {"actions": 7, "financements": 4, "indicateurs": 1, "cibles": 1}


def _docx_widths_cm(table) -> list[float]:
    return [column.w.cm for column in table._tbl.tblGrid.gridCol_lst]


def test_plan_and_fiche_docx_on_a4_with_tables_sized_to_the_page(plan_book):
    convention = plan_book["convention"]
    indicator = FollowUpIndicator.objects.get(code="PE-02-I1")
    MeasureFactory(indicator=indicator, date=datetime.date(2023, 6, 30), value=Decimal("31"), source="Registre")
    for content in (
        build_docx(convention, TODAY),
        build_docx(convention, TODAY, action=Action.objects.get(code="PE-02")),
    ):
        document = Document(io.BytesIO(content))
        for section in document.sections:
            assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
            assert round(section.left_margin.cm, 1) == round(section.right_margin.cm, 1) == 2.0
        for table in document.tables:
            widths = _docx_widths_cm(table)
            assert abs(sum(widths) - 17.0) < 0.02  # the text width between the margins
            for cell, width in zip(table.rows[0].cells, widths, strict=True):
                run = cell.paragraphs[0].runs[0]
                size = run.font.size.pt if run.font.size else 10
                longest = max(cell.text.split(" "), key=len)
                needed = text_width_pt(longest, size, bold=bool(run.bold)) + CELL_PADDING_PT
                assert width * 72 / 2.54 >= needed - 0.1, cell.text
    # The fiche's indicators: baseline, every target and the latest measure, each with its date.
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "Indicateur")
    assert [c.text for c in table.rows[0].cells] == [
        "Indicateur", "Ligne de base", "Cibles", "Dernière mesure", "Trajectoire", "Source"
    ]  # fmt: skip
    assert [c.text for c in table.rows[1].cells][:4] == [
        "Communes couvertes par le Relais petite enfance",
        "à renseigner",
        "50 communes au 31/12/2024",
        "31 communes au 30/06/2023",
    ]
