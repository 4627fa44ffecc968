"""The diagnostic report as an editable DOCX: title page, method and sources, one chapter per theme (figures,
map, table), the enjeux, and an annex of every indicator per commune.

Headings use the Heading 1/2 styles so that word processors build a table of contents from them.
"""

import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from ctg.core.text import printable
from ctg.indicators.formatting import format_number
from ctg.reports.common import diagnostic_report

FONT = "DejaVu Sans"
TABLE_STYLE = "Table Grid"


def _paragraph(document, text: str = "", style: str | None = None):
    # Every text goes through `printable`: one control character stored in a name or an enjeu would otherwise
    # make the document impossible to write (XML refuses it).
    return document.add_paragraph(printable(text), style=style)


def _run(paragraph, text: str):
    return paragraph.add_run(printable(text))


def _heading(document, text: str, *, level: int):
    return document.add_heading(printable(text), level=level)


def _cell_text(cell: dict) -> str:
    text = cell["display"]
    if cell["note"]:
        text += f" ({cell['note']})"
    return text


def _source_text(indicator: dict) -> str:
    if not indicator["available"]:
        return f"Non disponible : {indicator['source']} (aucune donnée importée ou calculée)"
    text = f"Source : {indicator['source']} ; données {indicator['period']}"
    if indicator["is_published"]:
        text += " – statistique publiée, non recalculée"
    return text


def _repeat_header(row) -> None:
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def _caption(document, text: str) -> None:
    _paragraph(document, text, style="Caption")


def _table(document, header: list[str], rows: list[list[str]], *, font_size: float = 8) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = TABLE_STYLE
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = ""
        run = _run(cell.paragraphs[0], text)
        run.bold = True
        run.font.size = Pt(font_size)
    _repeat_header(table.rows[0])
    for values in rows:
        cells = table.add_row().cells
        for index, (cell, text) in enumerate(zip(cells, values, strict=True)):
            paragraph = cell.paragraphs[0]
            run = _run(paragraph, text)
            run.font.size = Pt(font_size)
            if index > 0:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _page_break(document) -> None:
    _paragraph(document).add_run().add_break(WD_BREAK.PAGE)


def _setup(document) -> None:
    style = document.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(10)
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2))


def _title_page(document, report: dict) -> None:
    convention = report["convention"]
    _paragraph(document, report["title"], style="Title")
    _paragraph(document, report["subtitle"], style="Subtitle")
    facts = [
        f"Territoire : {convention.epci.name} ({report['commune_count']} communes, dont "
        f"{report['engaged_count']} engagées dans la convention)",
        f"Convention territoriale globale {convention.period_label}",
    ]
    if report["signed_on"]:
        facts.append(f"Signée le {report['signed_on']}")
    facts.append(f"Document produit par Pilote CTG le {report['generated_on']}, à partir des données importées.")
    for fact in facts:
        _paragraph(document, fact)
    _page_break(document)


def _contents(document) -> None:
    """A table of contents field over Heading 1-2, filled in when the word processor updates the fields."""
    # Not a heading itself, so that the table of contents does not list its own title.
    title = _run(_paragraph(document), "Sommaire")
    title.bold = True
    title.font.size = Pt(16)
    paragraph = _paragraph(document)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), 'TOC \\o "1-2" \\h \\z \\u')
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "Sommaire à mettre à jour : clic droit puis « Mettre à jour le champ » (ou F9)."
    run.append(text)
    field.append(run)
    paragraph._p.append(field)
    _page_break(document)


def _method(document, report: dict) -> None:
    _heading(document, "Méthode et sources", level=1)
    for text in report["method"]:
        _paragraph(document, text)
    _heading(document, "Cartes", level=2)
    _paragraph(
        document,
        "Une carte par thématique représente son indicateur principal (le premier indicateur de la thématique "
        "disponible par commune) : "
        + " ; ".join(f"{m.indicator['label']} ({m.indicator['period']})" for m in report["maps"])
        + ". Les autres valeurs par commune figurent dans l'annexe.",
    )
    _heading(document, "Sources des indicateurs", level=2)
    for source in report["sources"]:
        _paragraph(document, source, style="List Bullet")
    _page_break(document)


def _theme_chapter(document, report: dict, theme: dict) -> None:
    _heading(document, theme["label"], level=1)
    _heading(document, "Chiffres clés", level=2)
    territories = report["territories"]
    rows = [
        [i["label"] + (f" ({i['unit']})" if i["unit"] not in {"", "%", "€"} else "")]
        + [_cell_text(c) for c in i["territory_cells"]]
        for i in theme["indicators"]
    ]
    _caption(document, f"Tableau : {theme['label']}, l'EPCI comparé à son département, sa région et la France")
    _table(document, ["Indicateur"] + [t["name"] for t in territories], rows)
    _heading(document, "Sources, définitions et méthodes", level=2)
    for indicator in theme["indicators"]:
        paragraph = _paragraph(document, style="List Bullet")
        _run(paragraph, indicator["label"]).bold = True
        text = f" : {indicator['definition']} {_source_text(indicator)}."
        if indicator["is_estimate"]:
            text += f" {indicator['method']}"
        _run(paragraph, text)
    if theme["code"] == "petite-enfance":
        _childcare(document, report)
    if theme["map"]:
        _heading(document, f"Carte : {theme['map'].title}", level=2)
        document.add_picture(io.BytesIO(theme["map"].png), width=Cm(15))
        _caption(document, theme["map"].caption)
    _page_break(document)


def _childcare(document, report: dict) -> None:
    _heading(document, "Offre d'accueil du jeune enfant", level=2)
    rows = [[r["label"], r["display"], str(r["year"]), r["source"]] for r in report["offer_rows"]]
    if rows:
        _caption(document, "Tableau : chiffres publiés pour l'ensemble de l'EPCI")
        _table(document, ["Indicateur", "Valeur", "Année", "Source"], rows)
    registry = report["childcare"]["registry"]
    if registry["places"] is None:
        _paragraph(
            document, "Places recensées dans le registre de l'offre : non disponible (aucune capacité renseignée)."
        )
    else:
        _paragraph(
            document,
            f"Places recensées dans le registre de l'offre : {format_number(registry['places'], 0)} "
            f"({registry['source']})"
            + (" – registre incomplet." if report["childcare"]["completeness"] == "partial" else "."),
        )
    relais = report["relais"]
    if relais["known"]:
        _paragraph(
            document,
            f"Communes couvertes par un relais petite enfance : {relais['covered_count']} sur "
            f"{relais['commune_count']} ({relais['source']})"
            + (" – couverture incomplète." if relais["completeness"] == "partial" else "."),
        )
    else:
        _paragraph(document, "Couverture des communes par les relais petite enfance : non renseignée.")


def _enjeux(document, report: dict) -> None:
    _heading(document, "Enjeux", level=1)
    enjeux = report["enjeux"]
    _paragraph(
        document, f"{enjeux['count']} enjeu(x) enregistré(s), dont {enjeux['validated_count']} validé(s) par le COPIL."
    )
    for group in enjeux["themes"]:
        _heading(document, group["theme"].label, level=2)
        if not group["enjeux"]:
            _paragraph(document, "Aucun enjeu enregistré pour cette thématique.")
        for enjeu in group["enjeux"]:
            paragraph = _paragraph(document)
            _run(paragraph, enjeu.title).bold = True
            status = enjeu.get_status_display()
            if enjeu.validated_on:
                status += f" le {enjeu.validated_on.strftime('%d/%m/%Y')}"
            _run(paragraph, f" – priorité {enjeu.get_priority_display().lower()} – {status}")
            _paragraph(document, enjeu.text)
    _page_break(document)


def _annex(document, report: dict) -> None:
    section = document.add_section()
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21)
    _heading(document, "Annexe : indicateurs par commune", level=1)
    _paragraph(
        document,
        "Dernier millésime disponible de chaque indicateur, pour chaque commune de l'EPCI. « (E) » signale une "
        "commune engagée dans la convention.",
    )
    for theme in report["themes"]:
        if not theme["annex_indicators"]:
            continue
        _heading(document, theme["label"], level=2)
        _caption(document, f"Tableau : {theme['label']}, valeurs par commune")
        header = ["Commune", *theme["annex_headers"]]
        rows = [
            [row["name"] + (" (E)" if row["engaged"] else "")] + [_cell_text(c) for c in row["cells"]]
            for row in theme["annex_rows"]
        ]
        _table(document, header, rows, font_size=7)
        sources = "; ".join(sorted({i["source"] for i in theme["annex_indicators"]}))
        _paragraph(document, f"Sources : {sources}.")


def _page_numbers(document) -> None:
    # Later sections' footers are linked to the first one: numbering it numbers every page.
    paragraph = document.sections[0].footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(paragraph, "Page ")
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


def build_diagnostic_docx(*, convention, report: dict | None = None) -> bytes:
    report = report or diagnostic_report(convention=convention)
    document = Document()
    _setup(document)
    document.core_properties.title = printable(report["title"])
    document.core_properties.language = "fr-FR"
    _title_page(document, report)
    _contents(document)
    _method(document, report)
    for theme in report["themes"]:
        _theme_chapter(document, report, theme)
    _enjeux(document, report)
    _annex(document, report)
    _page_numbers(document)
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()
