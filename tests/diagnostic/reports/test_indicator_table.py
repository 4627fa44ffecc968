import csv
import io
import zipfile

import pytest
from lxml import etree
from openpyxl import load_workbook

from ctg.diagnostic.reports.indicator_table import HEADER, build_indicator_csv, build_indicator_xlsx, indicator_rows
from ctg.indicators import catalogue
from tests.diagnostic.reports.conftest import MALICIOUS_NAME, build_report_demo, convert_with_libreoffice
from tests.held_data import held

pytestmark = pytest.mark.django_db

# EPCI, département, région, France, then the 50 communes, for every indicator of the catalogue.
ROW_COUNT = catalogue.LINE_COUNT * (4 + 50)
ODF_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
ODF_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"


def by_key(rows):
    return {(r[0], r[4], r[5]): r for r in rows}


def test_rows_hold_values_statuses_parts_and_sources(report_demo, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        rows = indicator_rows(convention=report_demo["convention"])
    assert len(rows) == ROW_COUNT
    rows = by_key(rows)
    epci = rows[("population", "EPCI", "200010700")]
    assert epci[6] == "CA Caux Seine Agglo"
    assert epci[9] == 77968 and epci[10] == "77\u00a0968" and epci[11] == "Disponible"
    # The line's source names the referential too: it gives the population of the département, région and France.
    assert epci[16] == (
        "INSEE, Base comparateur de territoires, millésime 2025 ; "
        "INSEE, recensement de la population 2022 (population municipale), via DGCL 2026"
    )
    youth = rows[("share_0_14", "EPCI", "200010700")]
    assert round(youth[9], 1) == 19.4 and youth[13] == pytest.approx(15087, abs=1) and youth[14] == 77968
    # The département's population is the referential's: Σ populationMunicipale (RP2022) of its 707 communes.
    department = rows[("population", "Département", "76")]
    assert department[9] == 1_260_205 and department[10] == "1\u00a0260\u00a0205" and department[11] == "Disponible"
    assert department[16].endswith("INSEE, recensement de la population 2022 (population municipale), via DGCL 2026")
    # A ratio of the imported files only has the 50 communes loaded: not its figure, a short note, never a number.
    department = rows[("share_0_14", "Département", "76")]
    assert department[9] is None and department[10] == "non disponible"
    assert department[11] == "Agrégat incomplet" and department[12] == "agrégat incomplet : 50 communes sur 707"
    assert department[13] is None
    secret = [r for r in rows.values() if r[11] == "Secret statistique"]
    assert secret and all(r[9] is None and r[10] == "secret statistique" for r in secret)
    estimate = rows[("children_under_3_estimate", "EPCI", "200010700")]
    assert estimate[15].startswith("Estimation : ")
    bolbec = rows[("population", "Commune", "76114")]
    assert bolbec[7] == "oui" and bolbec[9] == 11618


def test_csv_is_semicolon_utf8_with_bom_and_neutralised(report_demo):
    content = build_indicator_csv(convention=report_demo["convention"])
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == HEADER
    assert len(rows) == ROW_COUNT + 1
    keyed = by_key(rows[1:])
    assert keyed[("population", "Commune", "76114")][6] == "'" + MALICIOUS_NAME
    assert keyed[("population", "EPCI", "200010700")][9] == "77968"
    assert keyed[("share_0_14", "EPCI", "200010700")][9].startswith("19,")
    assert keyed[("population", "Département", "76")][9] == "1260205"
    assert keyed[("share_0_14", "Département", "76")][9] == ""
    assert keyed[("share_0_14", "Département", "76")][12] == "agrégat incomplet : 50 communes sur 707"
    assert not any(v.startswith(("=", "+", "@")) for row in rows for v in row)


@pytest.fixture(scope="class")
def shared_xlsx(_caux_seine_once, django_db_blocker):
    """The XLSX of report_demo's convention, built once for the tests of a class.

    Its data are written in a transaction held open while they run (each test's own is a savepoint inside it) and
    rolled back after the last one.
    """

    def build():
        demo = build_report_demo(_caux_seine_once.get_with_figures())
        return build_indicator_xlsx(convention=demo["convention"])

    yield from held(django_db_blocker, build)


@pytest.fixture
def xlsx(shared_xlsx, caux_seine_figures):
    return shared_xlsx


class TestXlsx:
    """The XLSX export of the indicator table, built once and read by each test."""

    def test_xlsx_reads_back_with_neutralised_text(self, xlsx):
        workbook = load_workbook(io.BytesIO(xlsx), read_only=True)
        sheet = workbook["Indicateurs"]
        rows = list(sheet.iter_rows(values_only=True))
        workbook.close()
        assert list(rows[0]) == HEADER
        assert len(rows) == ROW_COUNT + 1
        bolbec = by_key(rows[1:])[("population", "Commune", "76114")]
        assert bolbec[6] == "'" + MALICIOUS_NAME
        assert bolbec[9] == 11618
        assert not any(isinstance(v, str) and v.startswith(("=", "+", "-", "@")) for row in rows for v in row)

    def test_xlsx_sheets_read_and_print_as_tables(self, xlsx):
        workbook = load_workbook(io.BytesIO(xlsx))
        latest, history = workbook["Indicateurs"], workbook["Historique"]
        assert latest.auto_filter.ref == f"A1:S{ROW_COUNT + 1}"  # 19 columns
        assert history.auto_filter.ref == f"A1:S{history.max_row}" and history.max_row >= ROW_COUNT + 1
        for sheet in (latest, history):
            assert sheet.freeze_panes == "A2"
            assert sheet.page_setup.paperSize == 9 and sheet.page_setup.orientation == "landscape"
            assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0
            assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
            assert sheet.print_title_rows == "$1:$1"
            widths = {cell.value: sheet.column_dimensions[cell.column_letter].width for cell in sheet[1]}
            # Bounded: the sources wrap within 38 characters, the labels within 28.
            assert widths["Source"] == 38 and widths["Indicateur"] == 28
            # The codes and raw figures are folded: grouped and hidden, they do not print.
            folded = {
                cell.value
                for cell in sheet[1]
                if sheet.column_dimensions[cell.column_letter].hidden
                and sheet.column_dimensions[cell.column_letter].outline_level == 1
            }
            assert folded == {"Code indicateur", "Code territoire", "Numérateur", "Dénominateur", "Dernier millésime"}
            # A landscape A4 page holds about 130 characters at 100 %: the printed columns print at 55 % at least (the
            # 19 columns, 378 characters wide, printed at 34 %).
            assert sum(width for label, width in widths.items() if label not in folded) <= 130 / 0.55
            # Fitted: a code column is as wide as its longest code plus room, never the old fixed width.
            codes = [row[5] for row in sheet.iter_rows(min_row=2, values_only=True)]
            # (the header wraps: its longest word, « territoire », counts).
            assert widths["Code territoire"] == max(len("territoire"), *(len(str(c)) for c in codes)) + 2
            assert all(6 <= width <= 60 for width in widths.values())

    def test_xlsx_says_once_per_table_why_columns_are_missing(self, xlsx):
        workbook = load_workbook(io.BytesIO(xlsx), read_only=True)
        notes = list(workbook["Notes"].iter_rows(values_only=True))
        workbook.close()
        assert list(notes[0]) == ["Tableau du diagnostic", "Colonnes incomplètes", "Note"]
        # One row per table and group of columns sharing the same reasons: a column is explained once per table.
        columns = [(row[0], column) for row in notes[1:] for column in row[1].split(", ")]
        assert len(columns) == len(set(columns))
        territory = next(row for row in notes[1:] if row[0] == "Chiffres clés : Territoire et population")
        assert territory[1] == "Seine-Maritime, Normandie, France"
        assert territory[2].startswith("Seine-Maritime, Normandie et France : chiffres non calculés")
        assert "INSEE, Base comparateur de territoires, millésime 2025" in territory[2]

    def test_libreoffice_opens_the_xlsx(self, xlsx, tmp_path):
        """LibreOffice reads every sheet and writes it again as its own format, the formula-like name as text."""
        path = tmp_path / "indicateurs.xlsx"
        path.write_bytes(xlsx)
        ods = convert_with_libreoffice(path, tmp_path, fmt="ods")
        with zipfile.ZipFile(ods) as archive:
            content = etree.fromstring(archive.read("content.xml"))
        names = [table.get(f"{{{ODF_TABLE}}}name") for table in content.iter(f"{{{ODF_TABLE}}}table")]
        assert names == ["Indicateurs", "Historique", "Notes"]
        # The neutralised name is a text cell (the quote the export adds kept), and no cell is a formula.
        assert "'" + MALICIOUS_NAME in {paragraph.text for paragraph in content.iter(f"{{{ODF_TEXT}}}p")}
        assert not any(cell.get(f"{{{ODF_TABLE}}}formula") for cell in content.iter(f"{{{ODF_TABLE}}}table-cell"))
