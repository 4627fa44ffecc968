"""Crafted workbooks against the plan import: each is refused in French, bounded in memory, and changes nothing."""

import datetime
import io
import tracemalloc
import zipfile
from decimal import Decimal

import pytest
from openpyxl import Workbook

from ctg.plans import workbook as wb
from ctg.plans import workbook_guard as guard
from ctg.plans.exports import build_xlsx
from ctg.plans.imports import plan_import_xlsx
from ctg.plans.models import FundingLine
from tests.conventions.factories import ConventionFactory
from tests.organisations.factories import OrganisationFactory
from tests.plans.factories import ActionFactory, FundingLineFactory, IndicatorFactory, MeasureFactory, TargetFactory
from tests.plans.workbooks import edit_cells, plan_state, replace_in_member, rewrite_member

pytestmark = pytest.mark.django_db

ACTIONS_XML = "xl/worksheets/sheet1.xml"
FUNDING_XML = "xl/worksheets/sheet2.xml"
MEMORY_LIMIT = 50 * 1024 * 1024


@pytest.fixture
def plan():
    convention = ConventionFactory()
    action = ActionFactory(convention=convention, code="PE-01", title="Relais petite enfance")
    line = FundingLineFactory(
        action=action, funder=OrganisationFactory(name="CAF de test"), year=2022, amount_planned=Decimal("1000")
    )
    indicator = IndicatorFactory(action=action, code="PE-01-I1")
    TargetFactory(indicator=indicator)
    MeasureFactory(indicator=indicator)
    return {"convention": convention, "action": action, "line": line, "export": build_xlsx(convention)}


def refused(plan, content: bytes) -> list[str]:
    """Import the content, assert it is refused and changed nothing; return the messages."""
    before = plan_state(plan["convention"])
    report = plan_import_xlsx(convention=plan["convention"], content=content)
    assert not report.ok
    assert plan_state(plan["convention"]) == before
    return [str(error) for error in report.errors]


def peak_memory_of(function):
    tracemalloc.start()
    try:
        result = function()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_export_itself_is_accepted_unchanged(plan):
    report = plan_import_xlsx(convention=plan["convention"], content=plan["export"])
    assert report.ok, [str(e) for e in report.errors]
    assert report.changed == 0
    assert report.unchanged == {"actions": 1, "financements": 1, "indicateurs": 1, "cibles": 1, "mesures": 1}


class TestSize:
    def test_far_cell_is_refused_by_the_declared_dimension_in_bounded_memory(self, plan):
        # One cell at ZZ200000: a 702-column by 200,000-row grid that used to be materialised (gigabytes).
        content = edit_cells(plan["export"], wb.ACTIONS_SHEET, {"ZZ200000": "x"})
        before = plan_state(plan["convention"])
        report, peak = peak_memory_of(lambda: plan_import_xlsx(convention=plan["convention"], content=content))
        assert [str(e) for e in report.errors] == [
            "feuille « Actions » : la feuille déclare une zone de 200000 lignes sur 702 colonnes ; un classeur du "
            "plan en a au plus 5000 lignes et 60 colonnes par feuille : supprimez les lignes et colonnes au-delà "
            "(même vides) puis enregistrez à nouveau."
        ]
        assert peak < MEMORY_LIMIT
        assert plan_state(plan["convention"]) == before

    def test_lying_dimension_with_too_many_rows_is_refused_by_counting(self, plan):
        book = Workbook()
        sheets = {wb.ACTIONS_SHEET: wb.ACTION_COLUMNS, wb.FUNDING_SHEET: wb.FUNDING_COLUMNS}
        sheets[wb.INDICATORS_SHEET] = wb.INDICATOR_COLUMNS
        book.active.title = wb.ACTIONS_SHEET
        for name, columns in sheets.items():
            sheet = book[name] if name in book.sheetnames else book.create_sheet(name)
            sheet.append([label for _, label in columns])
        for index in range(6000):
            book[wb.ACTIONS_SHEET].append([f"X-{index}", "Titre"])
        buffer = io.BytesIO()
        book.save(buffer)
        content = replace_in_member(
            buffer.getvalue(), ACTIONS_XML, b'<dimension ref="A1:V6001"/>', b'<dimension ref="A1:B2"/>'
        )
        messages, peak = peak_memory_of(lambda: refused(plan, content))
        assert messages == [
            "classeur : une feuille du classeur (xl/worksheets/sheet1.xml) compte plus de 5\u202f000 lignes ; la "
            "limite est de 5\u202f000 lignes par feuille : supprimez les lignes au-delà."
        ]
        assert peak < MEMORY_LIMIT

    def test_lying_dimension_over_a_far_row_is_refused_when_the_count_reaches_the_limit(self, plan):
        # Two rows only, the second numbered 200,000, under a dimension declaring two rows: openpyxl would have
        # dropped it silently, and iterating over the gap fills 199,998 empty rows.
        content = edit_cells(plan["export"], wb.ACTIONS_SHEET, {"A200000": "X-1"})
        content = replace_in_member(
            content, ACTIONS_XML, b'<dimension ref="A1:W200000"/>', b'<dimension ref="A1:W2"/>'
        )
        messages, peak = peak_memory_of(lambda: refused(plan, content))
        assert messages == [
            "feuille « Actions », ligne 5001 : la feuille compte plus de 5000 lignes ; supprimez les lignes au-delà."
        ]
        assert peak < MEMORY_LIMIT

    def test_rows_beyond_a_small_declared_dimension_are_still_read(self, plan):
        content = edit_cells(plan["export"], wb.ACTIONS_SHEET, {"A3": "NEW-01", "B3": "Nouvelle", "T3": "À venir"})
        content = edit_cells(content, wb.ACTIONS_SHEET, {"U3": "Moyenne"})
        content = replace_in_member(content, ACTIONS_XML, b'<dimension ref="A1:W3"/>', b'<dimension ref="A1:W2"/>')
        report = plan_import_xlsx(convention=plan["convention"], content=content)
        assert report.ok, [str(e) for e in report.errors]
        assert report.created == {"actions": 1}

    def test_row_of_too_many_cells_is_refused_before_parsing(self, plan):
        cells = "".join(f'<c r="{column}2" t="n"><v>1</v></c>' for column in _columns(100))
        content = replace_in_member(plan["export"], ACTIONS_XML, b'<row r="2">', b'<row r="2">' + cells.encode())
        messages = refused(plan, content)
        assert messages == [
            "classeur : une ligne d'une feuille du classeur (xl/worksheets/sheet1.xml, ligne 2) compte plus de 60 "
            "cellules ; la limite est de 60 colonnes : supprimez les colonnes au-delà."
        ]

    def test_zip_bomb_is_refused_from_the_declared_sizes(self, plan):
        padding = b" " * (guard.MAX_UNCOMPRESSED_BYTES + 1)
        content = rewrite_member(
            plan["export"], FUNDING_XML, lambda data: data.replace(b"<sheetData>", padding + b"<sheetData>")
        )
        assert len(content) < 200_000  # a few kilobytes that inflate past the limit
        messages, peak = peak_memory_of(lambda: refused(plan, content))
        assert len(messages) == 1 and messages[0].startswith(
            "classeur : le classeur occupe 20,0 Mo une fois décompressé"
        )
        assert peak < MEMORY_LIMIT

    def test_too_many_members(self, plan):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for index in range(guard.MAX_MEMBERS + 1):
                archive.writestr(f"x/{index}.txt", b"")
        assert refused(plan, buffer.getvalue()) == [
            f"classeur : l'archive contient {guard.MAX_MEMBERS + 1} fichiers ; un classeur du plan en compte au plus "
            f"{guard.MAX_MEMBERS}."
        ]


def _columns(count):
    from openpyxl.utils import get_column_letter

    return [get_column_letter(index) for index in range(1, count + 1)]


class TestNumbers:
    @pytest.mark.parametrize(
        "typed, reason",
        [
            ("1e400000", "« 1e400000 » n'est pas un nombre (chiffres, virgule ou point décimal, sans exposant)."),
            ("1e30", "« 1e30 » n'est pas un nombre (chiffres, virgule ou point décimal, sans exposant)."),
            ("Infinity", "« Infinity » n'est pas un nombre (chiffres, virgule ou point décimal, sans exposant)."),
            ("NaN", "« NaN » n'est pas un nombre (chiffres, virgule ou point décimal, sans exposant)."),
            ("-sNaN", "« -sNaN » n'est pas un nombre (chiffres, virgule ou point décimal, sans exposant)."),
            (
                "9" * 5000,
                "« " + "9" * 39 + "… » n'est pas un nombre (chiffres, virgule ou point décimal, sans exposant).",
            ),
            ("12345678901", "« 12345678901 » est trop grand (moins de 10\u202f000\u202f000\u202f000 attendu)."),
            (1e30, "« 1e+30 » est trop grand (moins de 10\u202f000\u202f000\u202f000 attendu)."),
        ],
    )
    def test_amounts_typed_as_text_or_numbers(self, plan, typed, reason):
        content = edit_cells(plan["export"], wb.FUNDING_SHEET, {"G2": typed})
        assert refused(plan, content) == [f"feuille « Financements », ligne 2, colonne « Prévu (€) » : {reason}"]

    @pytest.mark.parametrize(
        "stored, shown",
        [(b"1e400000", "inf"), (b"-1e400000", "-inf"), (b"1e30", "1e+30"), (b"1E-400000", None)],
    )
    def test_amounts_stored_as_xml_numbers(self, plan, stored, shown):
        # A number cell holding 1e400000 reaches the importer as float('inf'), never as a Decimal to quantize.
        content = edit_cells(plan["export"], wb.FUNDING_SHEET, {"G2": 123456789})
        content = replace_in_member(content, FUNDING_XML, b"<v>123456789</v>", b"<v>" + stored + b"</v>")
        if shown is None:  # 1E-400000 is 0.0: a plain zero
            report = plan_import_xlsx(convention=plan["convention"], content=content)
            assert report.ok, [str(e) for e in report.errors]
            assert FundingLine.objects.get().amount_planned == Decimal("0.00")
            return
        (message,) = refused(plan, content)
        assert message.startswith("feuille « Financements », ligne 2, colonne « Prévu (€) » : ")
        assert f"« {shown} »" in message

    @pytest.mark.parametrize("stored", [b"NaN", b"Infinity", b"9" * 5000, b"1..2"])
    def test_unparsable_xml_numbers_make_a_damaged_sheet(self, plan, stored):
        content = edit_cells(plan["export"], wb.FUNDING_SHEET, {"G2": 123456789})
        content = replace_in_member(content, FUNDING_XML, b"<v>123456789</v>", b"<v>" + stored + b"</v>")
        assert refused(plan, content) == [
            "feuille « Financements » : cette feuille est endommagée et ne peut pas être lue."
        ]

    @pytest.mark.parametrize("typed", ["1e400000", "2e3", "2022.5", "deux mille", "99999999999999999999"])
    def test_years_are_whole_numbers(self, plan, typed):
        content = edit_cells(plan["export"], wb.FUNDING_SHEET, {"C2": typed})
        (message,) = refused(plan, content)
        assert message.startswith("feuille « Financements », ligne 2, colonne « Année » : ")

    def test_year_as_float_cell_and_as_text_digits_are_accepted(self, plan):
        for typed in (2022.0, "2022", " 2022 "):
            content = edit_cells(plan["export"], wb.FUNDING_SHEET, {"C2": typed})
            report = plan_import_xlsx(convention=plan["convention"], content=content)
            assert report.ok, [str(e) for e in report.errors]
            assert report.unchanged["financements"] == 1

    @pytest.mark.parametrize("typed", ["1e400000", "1e2", "50.5", 50.5, -1, 101])
    def test_progress_is_a_whole_percentage(self, plan, typed):
        content = edit_cells(plan["export"], wb.ACTIONS_SHEET, {"V2": typed})
        (message,) = refused(plan, content)
        assert message.startswith("feuille « Actions », ligne 2, colonne « Avancement saisi (%) » : ")

    def test_french_decimal_comma_is_read(self, plan):
        content = edit_cells(plan["export"], wb.FUNDING_SHEET, {"G2": "1\u202f250,50"})
        report = plan_import_xlsx(convention=plan["convention"], content=content)
        assert report.ok, [str(e) for e in report.errors]
        assert FundingLine.objects.get().amount_planned == Decimal("1250.50")


class TestMalformedFiles:
    def test_not_a_zip(self, plan):
        assert refused(plan, b"PK\x03\x04 pas vraiment un classeur") == [f"classeur : {guard.NOT_A_WORKBOOK}"]
        assert refused(plan, "Code;Intitulé\nPE-01;Relais\n".encode()) == [f"classeur : {guard.NOT_A_WORKBOOK}"]

    def test_malformed_workbook_xml(self, plan):
        content = rewrite_member(plan["export"], "xl/workbook.xml", lambda data: data[: len(data) // 2])
        (message,) = refused(plan, content)
        assert message.startswith("classeur : le fichier xl/workbook.xml du classeur n'est pas un XML bien formé")

    def test_well_formed_but_meaningless_workbook_xml(self, plan):
        content = rewrite_member(
            plan["export"], "xl/workbook.xml", lambda data: b"<workbook><sheets><x/></sheets></workbook>"
        )
        assert refused(plan, content) == [f"classeur : {guard.NOT_A_WORKBOOK}"]

    def test_billion_laughs_in_shared_strings(self, plan):
        laughs = (
            b'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
            b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
            b"<si><t>&d;</t></si></sst>"
        )
        content = _with_shared_strings(plan["export"], laughs)
        (message,) = refused(plan, content)
        assert message == (
            "classeur : le fichier xl/sharedStrings.xml du classeur contient une déclaration de type de document "
            "(DTD), qu'aucun tableur n'écrit et qui peut cacher une expansion d'entités : le classeur est refusé."
        )

    def test_external_entity_in_a_sheet(self, plan):
        content = rewrite_member(
            plan["export"],
            ACTIONS_XML,
            lambda data: (
                b'<!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                + data.replace(b"<t>Relais petite enfance</t>", b"<t>&x;</t>")
            ),
        )
        (message,) = refused(plan, content)
        assert "xl/worksheets/sheet1.xml du classeur contient une déclaration de type de document (DTD)" in message

    def test_shared_strings_written_by_a_spreadsheet_are_read(self, plan):
        # Excel and LibreOffice store text in sharedStrings.xml, not inline like openpyxl.
        table = (
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
            b"<si><t>Relais renomm\xc3\xa9</t></si></sst>"
        )
        content = _with_shared_strings(plan["export"], table)
        report = plan_import_xlsx(convention=plan["convention"], content=content)
        assert report.ok, [str(e) for e in report.errors]
        plan["action"].refresh_from_db()
        assert plan["action"].title == "Relais renommé"

    def test_missing_sheet(self, plan):
        content = replace_in_member(plan["export"], "xl/workbook.xml", b'name="Financements"', b'name="Autre"')
        assert refused(plan, content) == ["feuille « Financements » : feuille absente du classeur."]


def _with_shared_strings(content: bytes, table: bytes) -> bytes:
    """The export with a shared string table whose string 0 replaces the title of the first action (cell B2)."""
    content = replace_in_member(
        content,
        "[Content_Types].xml",
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    content = replace_in_member(
        content,
        "xl/_rels/workbook.xml.rels",
        b"</Relationships>",
        b'<Relationship Id="rIdStrings" Target="sharedStrings.xml" '
        b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/></Relationships>',
    )
    content = replace_in_member(
        content,
        ACTIONS_XML,
        b'<c r="B2" t="inlineStr"><is><t>Relais petite enfance</t></is></c>',
        b'<c r="B2" t="s"><v>0</v></c>',
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info.filename))
        target.writestr("xl/sharedStrings.xml", table)
    return buffer.getvalue()


class TestText:
    def test_control_character_in_a_text_cell(self, plan):
        content = edit_cells(plan["export"], wb.ACTIONS_SHEET, {"D2": "Avant\x7faprès"})
        assert refused(plan, content) == [
            "feuille « Actions », ligne 2, colonne « Description » : caractère de contrôle invisible (code 0x7f) en "
            "position 6 : supprimez-le (il vient souvent d'un copier-coller) puis enregistrez à nouveau."
        ]

    def test_text_longer_than_a_cell(self, plan):
        content = edit_cells(plan["export"], wb.FUNDING_SHEET, {"N2": "x" * 32_767})
        content = replace_in_member(content, FUNDING_XML, b"x" * 32_767, b"x" * 40_000)
        (message,) = refused(plan, content)
        assert message == (
            "feuille « Financements », ligne 2, colonne « Commentaire » : texte de 40000 caractères ; une cellule en "
            "contient au plus 32767."
        )

    def test_dates_are_bounded_before_parsing(self, plan):
        content = edit_cells(plan["export"], wb.ACTIONS_SHEET, {"P2": "01/01/2022" + " " * 10_000 + "x"})
        (message,) = refused(plan, content)
        assert message.startswith("feuille « Actions », ligne 2, colonne « Début prévu » : « 01/01/2022")
        assert message.endswith("» n'est pas une date (attendu JJ/MM/AAAA).")

    def test_date_cells_are_read(self, plan):
        content = edit_cells(plan["export"], wb.ACTIONS_SHEET, {"P2": datetime.datetime(2022, 2, 1)})
        report = plan_import_xlsx(convention=plan["convention"], content=content)
        assert report.ok, [str(e) for e in report.errors]
        plan["action"].refresh_from_db()
        assert plan["action"].planned_start == datetime.date(2022, 2, 1)
