import io

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from ctg.reports.docx_tables import FIGURES, add_row, add_table


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
