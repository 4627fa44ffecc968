"""Every export of the diagnostic carries every vintage of the indicators (XLSX sheet "Historique", CSV rows, the
DOCX/PDF annex "Évolution des indicateurs"), and flags the shares on small denominators ("effectif faible")."""

import csv
import io

import pytest
from docx import Document
from openpyxl import load_workbook

from ctg.diagnostic.reports.content import diagnostic_report
from ctg.diagnostic.reports.docx_report import build_diagnostic_docx
from ctg.diagnostic.reports.indicator_table import (
    HEADER,
    build_indicator_csv,
    build_indicator_xlsx,
    indicator_rows,
    indicator_table,
)
from ctg.diagnostic.reports.pdf_report import render_diagnostic_html
from ctg.indicators import catalogue
from ctg.indicators.services import indicators_compute
from ctg.territories.models import Commune
from tests.indicators.factories import DatasetFactory, ObservationFactory

pytestmark = pytest.mark.django_db

YEAR = HEADER.index("Millésime")
SMALL = HEADER.index("Effectif faible")
LATEST = HEADER.index("Dernier millésime")
PLACES = 4 + 50


@pytest.fixture
def two_vintages(report_demo):
    """CAF allocataires of 2019 and 2020 for every commune of Caux Seine agglo: 100 and 110 each."""
    codes = list(Commune.objects.filter(epci_id="200010700").values_list("code", flat=True))
    for year, value in ((2019, 100), (2020, 110)):
        dataset = DatasetFactory(producer="Cnaf", title=f"CAF {year}", vintage=str(year))
        for code in codes:
            ObservationFactory(dataset=dataset, code=code, variable="A", year=year, value=value)
    indicators_compute(codes=["caf_allocataires"])
    return report_demo


def test_the_table_holds_every_vintage_and_the_first_sheet_the_latest(two_vintages):
    rows = indicator_table(convention=two_vintages["convention"])
    # One more vintage of one indicator: 54 more rows than the latest table.
    assert len(rows) == catalogue.LINE_COUNT * PLACES + PLACES
    allocataires = [r for r in rows if r[0] == "caf_allocataires" and r[4] == "EPCI"]
    # 50 communes × 100 in 2019, × 110 in 2020.
    assert [(r[YEAR], r[9], r[10], r[16], r[LATEST]) for r in allocataires] == [
        ("2019", 5000, "5\u00a0000", "Cnaf, CAF 2019, millésime 2019", "non"),
        ("2020", 5500, "5\u00a0500", "Cnaf, CAF 2020, millésime 2020", "oui"),
    ]
    latest = indicator_rows(convention=two_vintages["convention"])
    assert len(latest) == catalogue.LINE_COUNT * PLACES
    assert all(r[LATEST] == "oui" for r in latest)


def test_xlsx_has_a_history_sheet(two_vintages):
    workbook = load_workbook(io.BytesIO(build_indicator_xlsx(convention=two_vintages["convention"])), read_only=True)
    assert workbook.sheetnames[:2] == ["Indicateurs", "Historique"]  # then "Notes" when a column is incomplete
    latest = list(workbook["Indicateurs"].iter_rows(values_only=True))
    history = list(workbook["Historique"].iter_rows(values_only=True))
    workbook.close()
    assert list(latest[0]) == list(history[0]) == HEADER
    assert len(latest) - 1 == catalogue.LINE_COUNT * PLACES
    assert len(history) - 1 == catalogue.LINE_COUNT * PLACES + PLACES
    years = [(r[YEAR], r[9]) for r in history[1:] if r[0] == "caf_allocataires" and r[5] == "76114"]
    assert years == [("2019", 100), ("2020", 110)]


def test_csv_has_every_vintage_with_the_latest_marked(two_vintages):
    content = build_indicator_csv(convention=two_vintages["convention"])
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == HEADER
    bolbec = [(r[YEAR], r[9], r[LATEST]) for r in rows[1:] if r[0] == "caf_allocataires" and r[5] == "76114"]
    assert bolbec == [("2019", "100", "non"), ("2020", "110", "oui")]


def test_docx_and_pdf_annex_give_every_vintage(two_vintages):
    report = diagnostic_report(convention=two_vintages["convention"], with_maps=False)
    assert [i["code"] for i in report["history"]] == ["caf_allocataires"]
    document = Document(io.BytesIO(build_diagnostic_docx(convention=two_vintages["convention"], report=report)))
    table = document.tables[-1]
    assert [c.text for c in table.rows[0].cells][0] == "Millésime"
    assert [[c.text for c in row.cells][:2] for row in table.rows[1:]] == [
        ["2019", "5\u00a0000"],
        ["2020", "5\u00a0500"],
    ]
    html = render_diagnostic_html(convention=two_vintages["convention"], report=report)
    assert "<h1>Annexe : évolution des indicateurs</h1>" in html
    assert "Évolution : Allocataires CAF" in html and "5\u00a0000" in html


def test_a_report_without_several_vintages_says_so(report_demo):
    report = diagnostic_report(convention=report_demo["convention"], with_maps=False)
    assert report["history"] == []
    html = render_diagnostic_html(convention=report_demo["convention"], report=report)
    assert "Aucun indicateur n'a plusieurs millésimes importés." in html


def test_small_numbers_are_flagged_in_every_export(report_demo):
    # Unemployment of the 15-24 year-olds in 76181: 0 unemployed out of 6 actives (census 2022): 0,0 % on 6 people.
    rows = {(r[0], r[5]): r for r in indicator_rows(convention=report_demo["convention"])}
    small = rows[("unemployment_15_24", "76181")]
    assert (small[10], small[SMALL]) == ("0,0\u00a0%", "oui")
    assert small[12] == "effectif faible : 6 au dénominateur (moins de 30)"
    assert rows[("unemployment_15_24", "200010700")][SMALL] == ""  # the EPCI's thousands of actives
    assert rows[("population", "76181")][SMALL] == ""  # a count is never flagged
    report = diagnostic_report(convention=report_demo["convention"], with_maps=False)
    assert any(catalogue.SMALL_NUMBER_THRESHOLD == 30 and "effectif faible" in p for p in report["method"])
    html = render_diagnostic_html(convention=report_demo["convention"], report=report)
    assert "effectif faible : 6 au dénominateur (moins de 30)" in html
