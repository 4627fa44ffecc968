import io
import os
import shutil
import subprocess

import pytest
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from ctg.reports.docx_helpers import add_landscape_section, add_paragraph, document_bytes, set_up_a4
from ctg.reports.docx_tables import CELL_PADDING_PT, FIGURES, add_row, add_table, text_width_pt


def _reopened(document):
    buffer = io.BytesIO()
    document.save(buffer)
    return Document(io.BytesIO(buffer.getvalue()))


def _texts(table):
    return [[cell.text for cell in row.cells] for row in table.rows]


def test_plain_table_with_header_and_rows():
    document = Document()
    add_table(document, [["PE-01", "Relais"], ["PE-02", "Crèche"]], header=["Code", "Intitulé"])
    table = _reopened(document).tables[0]
    assert _texts(table) == [["Code", "Intitulé"], ["PE-01", "Relais"], ["PE-02", "Crèche"]]
    assert table.style.name == "Table Grid"
    assert table.rows[0].cells[0].paragraphs[0].runs[0].bold is None


def test_table_without_header_and_rows_added_later():
    document = Document()
    table = add_table(document, [], columns=2)
    add_row(table, ["Statut", "En cours"])
    assert _texts(_reopened(document).tables[0]) == [["Statut", "En cours"]]


def test_control_characters_never_reach_the_document():
    document = Document()
    add_table(document, [["nom\x07caché"]], header=["Nom\x00"])
    assert _texts(_reopened(document).tables[0]) == [["Nom"], ["nomcaché"]]


def test_figures_look():
    document = Document()
    add_table(document, [["Bolbec", "12,5"]], header=["Commune", "Taux"], look=FIGURES)
    table = _reopened(document).tables[0]
    header, row = table.rows
    assert table.alignment == WD_TABLE_ALIGNMENT.CENTER
    assert header._tr.trPr.xml.count("tblHeader") == 1
    assert all(cell.paragraphs[0].runs[0].bold for cell in header.cells)
    assert [cell.paragraphs[0].alignment for cell in row.cells] == [None, WD_ALIGN_PARAGRAPH.RIGHT]
    assert row.cells[1].paragraphs[0].runs[0].font.size == Pt(8)


# Column sizing: read back from the saved document.
LONG_HEADER = [
    "Code",
    "Établissement",
    "Cofinancements",
    "Dénominateur",
    "Bénéficiaires",
    "Réalisation",
    "Observations complémentaires",
]


def _widths_cm(table) -> list[float]:
    return [round(column.w.cm, 2) for column in table._tbl.tblGrid.gridCol_lst]


def _landscape_a4():
    document = Document()
    set_up_a4(document)
    add_landscape_section(document)  # text width 29.7 - 2 × 2 = 25.7 cm
    return document


def test_columns_share_the_text_width_and_fit_their_header_words():
    rows = [["PE-01", "Crèche", "12 400,00 €", "1 234", "56", "oui", "Ouverture prévue en septembre, après travaux"]]
    document = _landscape_a4()
    add_table(document, rows, header=LONG_HEADER, look=FIGURES)
    table = _reopened(document).tables[0]
    widths = _widths_cm(table)
    assert abs(sum(widths) - 25.7) < 0.02
    for label, width in zip(LONG_HEADER, widths, strict=True):
        longest = max(label.split(), key=len)
        needed_cm = (text_width_pt(longest, 8, bold=True) + CELL_PADDING_PT) / 72 * 2.54
        assert width >= needed_cm - 0.001, label
    # The observations, the longest text, get the most room; every cell of a column carries the grid's width.
    assert widths[-1] == max(widths)
    assert all(round(row.cells[6].width.cm, 2) == widths[6] for row in table.rows)
    assert table._tbl.tblPr.xml.count('w:type="fixed"') == 1


def test_portrait_text_width_and_widths_can_be_given():
    document = Document()
    set_up_a4(document)
    add_table(document, [["a", "b"]], header=["Commune", "Taux"])
    add_table(document, [["a", "b"]], header=["Commune", "Taux"], widths=[3, 5])
    first, second = _reopened(document).tables
    assert abs(sum(_widths_cm(first)) - 17.0) < 0.02  # 21 - 2 × 2
    assert _widths_cm(second) == [3.0, 5.0]


def _printed_words(document, tmp_path) -> str:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None or shutil.which("pdftotext") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) et pdftotext sont requis en CI.")
        pytest.skip("LibreOffice (soffice) ou pdftotext n'est pas installé.")
    path = tmp_path / "tableau.docx"
    path.write_bytes(document_bytes(document))
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--convert-to", "pdf", "--outdir",
         str(tmp_path), str(path)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    result = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "tableau.pdf"), "-"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result.stdout


def test_libreoffice_prints_every_header_word_whole(tmp_path):
    rows = [["PE-01", "Crèche", "12 400,00 €", "1 234", "56", "oui", "Ouverture prévue en septembre, après travaux"]]
    document = _landscape_a4()
    add_table(document, rows, header=LONG_HEADER, look=FIGURES)
    # The same table with even columns of 1.2 cm: the test would see a header word cut.
    add_paragraph(document, "Témoin")
    add_table(document, rows, header=["Identification", *LONG_HEADER[1:]], look=FIGURES, widths=[1.2] * 7)
    printed = _printed_words(document, tmp_path)
    # Laid out as printed: the header is the first line, and the control table's follows "Témoin".
    before, after = printed.split("Témoin")
    first_line = next(line for line in before.splitlines() if line.strip("\f "))
    assert first_line.split() == " ".join(LONG_HEADER).split()
    assert "Identification" not in after.split()  # cut in the narrow column: the check above can fail
