import io

from docx import Document
from docx.enum.section import WD_ORIENT

from ctg.reports.docx_helpers import (
    add_heading,
    add_landscape_section,
    add_page_numbers,
    add_paragraph,
    add_table_of_contents,
    document_bytes,
    set_up_a4,
)


def reopened(document) -> Document:
    return Document(io.BytesIO(document_bytes(document)))


def test_text_with_control_characters_is_written():
    document = Document()
    add_heading(document, "Enjeu\x0b prioritaire", level=1)
    add_paragraph(document, "Commune\x00 de Bolbec")
    texts = [p.text for p in reopened(document).paragraphs]
    assert texts == ["Enjeu prioritaire", "Commune de Bolbec"]


def test_a4_pages_then_a_landscape_section():
    document = Document()
    set_up_a4(document)
    add_landscape_section(document)
    portrait, landscape = reopened(document).sections
    assert (round(portrait.page_width.cm, 1), round(portrait.page_height.cm, 1)) == (21.0, 29.7)
    assert landscape.orientation == WD_ORIENT.LANDSCAPE
    assert (round(landscape.page_width.cm, 1), round(landscape.page_height.cm, 1)) == (29.7, 21.0)


def test_table_of_contents_and_page_number_fields():
    document = Document()
    add_table_of_contents(document)
    add_page_numbers(document)
    document = reopened(document)
    body = document.element.body.xml
    assert 'w:instr="TOC \\o &quot;1-2&quot; \\h \\z \\u"' in body
    assert document.paragraphs[0].text == "Sommaire"
    footer = document.sections[0].footer.paragraphs[0]
    assert footer.text == "Page "
    assert "PAGE" in footer._p.xml
