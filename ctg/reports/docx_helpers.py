"""DOCX building blocks on python-docx, shared by every editable report.

Every text goes through `printable`: one control character stored in a name or an enjeu would otherwise make the
document impossible to write (XML refuses it). Headings use the Heading 1/2 styles so that word processors build
a table of contents from them. Tables: ctg.reports.docx_tables.
"""

import io
from collections.abc import Iterable

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from ctg.core.text import printable

FONT = "DejaVu Sans"
A4_SHORT_CM, A4_LONG_CM = 21, 29.7
MUTED_SIZE = Pt(8)


def add_paragraph(document, text: str = "", style: str | None = None):
    return document.add_paragraph(printable(text), style=style)


def add_run(paragraph, text: str):
    return paragraph.add_run(printable(text))


def add_heading(document, text: str, *, level: int):
    return document.add_heading(printable(text), level=level)


def add_caption(document, text: str) -> None:
    add_paragraph(document, text, style="Caption")


def add_muted(document, text: str) -> None:
    """A secondary line (a generation date, a source, an empty table's notice): small italics."""
    run = add_run(add_paragraph(document), text)
    run.italic = True
    run.font.size = MUTED_SIZE


def add_page_break(document) -> None:
    add_paragraph(document).add_run().add_break(WD_BREAK.PAGE)


def set_up_a4(document, *, font: str = FONT, font_size: float = 10, margin_cm: float = 2) -> None:
    """Portrait A4 pages with even margins, in a font that every office suite shipped with Linux has."""
    style = document.styles["Normal"]
    style.font.name = font
    style.font.size = Pt(font_size)
    section = document.sections[0]
    section.page_width, section.page_height = Cm(A4_SHORT_CM), Cm(A4_LONG_CM)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(margin_cm))


def add_landscape_section(document):
    """A new section on landscape A4 pages (wide tables)."""
    section = document.add_section()
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(A4_LONG_CM), Cm(A4_SHORT_CM)
    return section


def add_portrait_section(document):
    """A new section on portrait A4 pages (back from a landscape one)."""
    section = document.add_section()
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(A4_SHORT_CM), Cm(A4_LONG_CM)
    return section


def add_table_of_contents(document, *, title: str = "Sommaire") -> None:
    """A table of contents field over Heading 1-2, filled in when the word processor updates the fields."""
    # Not a heading itself, so that the table of contents does not list its own title.
    title_run = add_run(add_paragraph(document), title)
    title_run.bold = True
    title_run.font.size = Pt(16)
    paragraph = add_paragraph(document)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), 'TOC \\o "1-2" \\h \\z \\u')
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "Sommaire à mettre à jour : clic droit puis « Mettre à jour le champ » (ou F9)."
    run.append(text)
    field.append(run)
    paragraph._p.append(field)
    add_page_break(document)


def add_page_numbers(document) -> None:
    """The page number ("Page n") centred in the footer of every page."""
    # Later sections' footers are linked to the first one: numbering it numbers every page.
    paragraph = document.sections[0].footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    add_run(paragraph, "Page ")
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)


def new_report(*, title: str, subtitle: str, facts: Iterable[str] = (), note: str = ""):
    """A report in French on numbered A4 pages, opened by its title page (title, subtitle, one paragraph per fact,
    an optional muted note) and its table of contents; the chapters follow."""
    document = Document()
    set_up_a4(document)
    document.core_properties.title = printable(title)
    document.core_properties.language = "fr-FR"
    add_paragraph(document, title, style="Title")
    add_paragraph(document, subtitle, style="Subtitle")
    for fact in facts:
        add_paragraph(document, fact)
    if note:
        add_muted(document, note)
    add_page_break(document)
    add_table_of_contents(document)
    add_page_numbers(document)
    return document


def document_bytes(document) -> bytes:
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()
