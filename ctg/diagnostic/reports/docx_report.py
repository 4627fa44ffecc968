"""The diagnostic report as an editable DOCX: title page, method and sources, one chapter per theme (figures,
map, table), the enjeux, and an annex of every indicator per commune.

Headings use the Heading 1/2 styles so that word processors build a table of contents from them.
"""

import dataclasses
import io

from docx.shared import Cm

from ctg.core.formatting import counted
from ctg.diagnostic.reports.content import diagnostic_report
from ctg.indicators.formatting import format_number
from ctg.reports.docx_helpers import (
    add_caption,
    add_heading,
    add_landscape_section,
    add_page_break,
    add_paragraph,
    add_run,
    document_bytes,
    new_report,
)
from ctg.reports.docx_tables import FIGURES, add_table

# The annex has a column per indicator of the theme: smaller figures.
ANNEX = dataclasses.replace(FIGURES, font_size=7)


def _cell_text(cell: dict) -> str:
    text = cell["display"]
    if cell["note"]:
        text += f" ({cell['note']})"
    return text


def _table_notes(document, notes: list[dict]) -> None:
    """Why whole columns of the next table have no figure and which file to import, once for the table."""
    if not notes:
        return
    add_paragraph(document, "Colonnes incomplètes :")
    for note in notes:
        add_paragraph(document, note["text"], style="List Bullet")
    add_paragraph(document, "Ces fichiers sont importés par les administrateurs des données de la plateforme.")


def _source_text(indicator: dict) -> str:
    if not indicator["available"]:
        return f"Non disponible : {indicator['source']} (aucune donnée importée ou calculée)"
    text = f"Source : {indicator['source']} ; données {indicator['period']}"
    if indicator["is_published"]:
        text += " – statistique publiée, non recalculée"
    return text


def _title_facts(report: dict) -> list[str]:
    convention = report["convention"]
    facts = [
        f"Territoire : {convention.epci.name} ({report['commune_count']} communes, dont "
        f"{report['engaged_count']} engagées dans la convention)",
        f"Convention territoriale globale {convention.period_label}",
    ]
    if report["signed_on"]:
        facts.append(f"Signée le {report['signed_on']}")
    facts.append(f"Document produit par Pilote CTG le {report['generated_on']}, à partir des données importées.")
    return facts


def _method(document, report: dict) -> None:
    add_heading(document, "Méthode et sources", level=1)
    for text in report["method"]:
        add_paragraph(document, text)
    add_heading(document, "Cartes", level=2)
    add_paragraph(
        document,
        "Une carte par thématique représente son indicateur principal (le premier indicateur de la thématique "
        "disponible par commune) : "
        + " ; ".join(f"{m.indicator['label']} ({m.indicator['period']})" for m in report["maps"])
        + ". Les autres valeurs par commune figurent dans l'annexe.",
    )
    add_heading(document, "Sources des indicateurs", level=2)
    for source in report["sources"]:
        add_paragraph(document, source, style="List Bullet")
    add_page_break(document)


def _theme_chapter(document, report: dict, theme: dict) -> None:
    add_heading(document, theme["label"], level=1)
    add_heading(document, "Chiffres clés", level=2)
    territories = report["territories"]
    rows = [
        [i["label"] + (f" ({i['unit']})" if i["unit"] not in {"", "%", "€"} else "")]
        + [_cell_text(c) for c in i["territory_cells"]]
        for i in theme["indicators"]
    ]
    add_caption(document, f"Tableau : {theme['label']}, l'EPCI comparé à son département, sa région et la France")
    _table_notes(document, theme["table_notes"])
    add_table(document, rows, header=["Indicateur"] + [t["name"] for t in territories], look=FIGURES)
    add_heading(document, "Sources, définitions et méthodes", level=2)
    for indicator in theme["indicators"]:
        paragraph = add_paragraph(document, style="List Bullet")
        add_run(paragraph, indicator["label"]).bold = True
        text = f" : {indicator['definition']} {_source_text(indicator)}."
        if indicator["is_estimate"]:
            text += f" {indicator['method']}"
        add_run(paragraph, text)
    if theme["code"] == "petite-enfance":
        _childcare(document, report)
    if theme["map"]:
        add_heading(document, f"Carte : {theme['map'].title}", level=2)
        document.add_picture(io.BytesIO(theme["map"].png), width=Cm(15))
        add_caption(document, theme["map"].caption)
    add_page_break(document)


def _childcare(document, report: dict) -> None:
    add_heading(document, "Offre d'accueil du jeune enfant", level=2)
    rows = [[r["label"], r["display"], str(r["year"]), r["source"]] for r in report["offer_rows"]]
    if rows:
        add_caption(document, "Tableau : chiffres publiés pour l'ensemble de l'EPCI")
        add_table(document, rows, header=["Indicateur", "Valeur", "Année", "Source"], look=FIGURES)
    registry = report["childcare"]["registry"]
    if registry["places"] is None:
        add_paragraph(
            document, "Places recensées dans le registre de l'offre : non disponible (aucune capacité renseignée)."
        )
    else:
        add_paragraph(
            document,
            f"Places recensées dans le registre de l'offre : {format_number(registry['places'], 0)} "
            f"({registry['source']})"
            + (" – registre incomplet." if report["childcare"]["completeness"] == "partial" else "."),
        )
    relais = report["relais"]
    if relais["known"]:
        add_paragraph(
            document,
            f"Communes couvertes par un relais petite enfance : {relais['covered_count']} sur "
            f"{relais['commune_count']} ({relais['source']})"
            + (" – couverture incomplète." if relais["completeness"] == "partial" else "."),
        )
    else:
        add_paragraph(document, "Couverture des communes par les relais petite enfance : non renseignée.")


def _enjeux(document, report: dict) -> None:
    add_heading(document, "Enjeux", level=1)
    enjeux = report["enjeux"]
    add_paragraph(
        document,
        f"{counted(enjeux['count'], 'enjeu enregistré', 'enjeux enregistrés')}, dont "
        f"{counted(enjeux['validated_count'], 'validé')} par le COPIL.",
    )
    for group in enjeux["themes"]:
        add_heading(document, group["theme"].label, level=2)
        if not group["enjeux"]:
            add_paragraph(document, "Aucun enjeu enregistré pour cette thématique.")
        for enjeu in group["enjeux"]:
            paragraph = add_paragraph(document)
            add_run(paragraph, enjeu.title).bold = True
            status = enjeu.get_status_display()
            if enjeu.validated_on:
                status += f" le {enjeu.validated_on.strftime('%d/%m/%Y')}"
            add_run(paragraph, f" – priorité {enjeu.get_priority_display().lower()} – {status}")
            add_paragraph(document, enjeu.text)
    add_page_break(document)


def _annex(document, report: dict) -> None:
    add_landscape_section(document)
    add_heading(document, "Annexe : indicateurs par commune", level=1)
    add_paragraph(
        document,
        "Dernier millésime disponible de chaque indicateur, pour chaque commune de l'EPCI. « (E) » signale une "
        "commune engagée dans la convention.",
    )
    for theme in report["themes"]:
        if not theme["annex_indicators"]:
            continue
        add_heading(document, theme["label"], level=2)
        add_caption(document, f"Tableau : {theme['label']}, valeurs par commune")
        header = ["Commune", *theme["annex_headers"]]
        rows = [
            [row["name"] + (" (E)" if row["engaged"] else "")] + [_cell_text(c) for c in row["cells"]]
            for row in theme["annex_rows"]
        ]
        add_table(document, rows, header=header, look=ANNEX)
        sources = "; ".join(sorted({i["source"] for i in theme["annex_indicators"]}))
        add_paragraph(document, f"Sources : {sources}.")


def _history_annex(document, report: dict) -> None:
    add_heading(document, "Annexe : évolution des indicateurs", level=1)
    if not report["history"]:
        add_paragraph(document, "Aucun indicateur n'a plusieurs millésimes importés.")
        return
    add_paragraph(
        document,
        "Tous les millésimes importés des indicateurs qui en ont plusieurs, pour l'EPCI, son département, sa région "
        "et la France, avec la source de chaque millésime.",
    )
    header = ["Millésime", *(t["name"] for t in report["territories"]), "Source"]
    for indicator in report["history"]:
        add_caption(document, f"Tableau : évolution, {indicator['label']}")
        _table_notes(document, indicator["history_notes"])
        rows = [
            [str(step["year"]), *(_cell_text(c) for c in step["cells"]), step["source"]]
            for step in indicator["history"]
        ]
        add_table(document, rows, header=header, look=ANNEX)


def build_diagnostic_docx(*, convention, report: dict | None = None) -> bytes:
    report = report or diagnostic_report(convention=convention)
    document = new_report(title=report["title"], subtitle=report["subtitle"], facts=_title_facts(report))
    _method(document, report)
    for theme in report["themes"]:
        _theme_chapter(document, report, theme)
    _enjeux(document, report)
    _annex(document, report)
    _history_annex(document, report)
    return document_bytes(document)
