"""The chapter « Par commune » of the final evaluation report, as plain texts and table rows for both formats, and its
DOCX writer (the PDF prints it through reports/includes/evaluation_communes.html).

It prints the record per commune of ctg.evaluation.communes for the whole territory: one row per commune (own
actions and their money, shared actions, items of the offer registry by opening period), the shared actions once
with their money « non réparti par commune », the actions naming no commune, the communes that got nothing, the
figures published for the whole EPCI, and the sources.
"""

from typing import Any

from django.utils import timezone

from ctg.core.formatting import counted, format_count, format_euros
from ctg.evaluation.communes import Money, Places, commune_results
from ctg.reports.docx_helpers import add_heading, add_paragraph
from ctg.reports.docx_tables import FIGURES, add_table

MONEY_WORDS = {"amount_planned": "prévu", "amount_granted": "accordé", "amount_paid": "versé"}


def money_text(money: Money) -> str:
    """« prévu 3 000 € · accordé 800 € (1 ligne sans montant) · versé … »; unknown sums said so, never 0."""
    if not money.lines:
        return "aucune ligne de financement"
    parts = []
    for field, value, unknown in money.amounts():
        text = f"{MONEY_WORDS[field]} {format_euros(value)}"
        if unknown:
            text += f" ({counted(unknown, 'ligne sans montant', 'lignes sans montant')})"
        parts.append(text)
    return " · ".join(parts)


def items_text(places: Places) -> str:
    return counted(places.items, "équipement") if places.items else "aucun"


def places_text(places: Places) -> str:
    """Items and their places: known capacities summed, unknown ones counted beside, never as 0."""
    if not places.items:
        return "aucun"
    if places.places is None:
        return f"{counted(places.items, 'équipement')}, places non renseignées"
    text = f"{counted(places.items, 'équipement')}, {counted(places.places, 'place')}"
    if places.capacity_unknown:
        text += (
            f" connues (+ {counted(places.capacity_unknown, 'capacité non renseignée', 'capacités non renseignées')})"
        )
    return text


def communes_chapter(*, convention) -> dict[str, Any]:
    data = commune_results(convention=convention, today=timezone.localdate())
    labels = data["period_labels"]
    with_offer = bool(data["offer_items"])
    header = ["Commune", "Actions propres", "Financement des actions propres", "Actions partagées"]
    if with_offer:
        header += [labels["before"], labels["during"], labels["unknown"], "Places jeune enfant ouvertes"]
    rows = []
    for record in data["communes"]:
        row = [
            record.commune.name + (" (engagée)" if record.engaged else ""),
            str(len(record.own)),
            money_text(record.money) if record.own else "sans objet",
            str(len(record.shared)),
        ]
        if with_offer:
            row += [
                items_text(record.offer["before"]),
                items_text(record.offer["during"]),
                items_text(record.offer["unknown"]),
                places_text(record.childcare["during"]),
            ]
        rows.append(row)
    own = [
        f"{record.commune.name} : "
        + " ; ".join(
            f"{f.action.code} – {f.action.title} ({f.status_label.lower()}"
            + (f", avancement {f.action.progress} %" if f.action.progress is not None else "")
            + f" ; {money_text(f.money)})"
            for f in record.own
        )
        for record in data["communes"]
        if record.own
    ]
    shared = [
        f"{f.action.code} – {f.action.title} ("
        + ("toutes les communes du territoire" if f.action.all_communes else counted(len(f.commune_ids), "commune"))
        + f" ; {f.status_label.lower()}) : {money_text(f.money)}, non réparti par commune."
        for f in data["shared"]
    ]
    nothing = data["nothing"]
    return {
        "intro": [
            "Pour chaque commune du territoire, les actions qui lui sont propres (elles désignent cette seule "
            "commune) avec leurs financements, et le nombre d'actions partagées (sur toutes les communes ou sur "
            "plusieurs) : les financements d'une action partagée ne sont jamais répartis entre les communes, ils "
            "figurent une fois, action par action. Un montant non renseigné n'est jamais compté comme zéro.",
            f"Le registre de l'offre classe chaque équipement par son année d'ouverture : avant {data['period_start']}"
            f", de {data['period_start']} à {data['period_end']}, ou année inconnue (non classé). Les places de types "
            "différents ne sont pas additionnées ; une capacité non renseignée n'est jamais comptée comme zéro.",
            data["summary"],
        ],
        "header": header,
        "rows": rows,
        "without_offer": ""
        if with_offer
        else "Le registre de l'offre ne compte aucun équipement ni service : les ouvertures avant et pendant la "
        "convention ne peuvent pas être établies par commune.",
        "epci_totals": [
            f"{t['label']} : {format_count(t['value'])} ({t['year']}, source : {t['source']})"
            for t in data["epci_totals"]
        ],
        "own": own,
        "shared": shared,
        "unplaced": [f"{f.action.code} – {f.action.title}" for f in data["unplaced"]],
        "nothing": (
            counted(len(nothing), "commune n'a", "communes n'ont")
            + " ni action propre ni équipement au registre de l'offre : "
            + ", ".join(r.commune.name for r in nothing)
            + "."
            if nothing
            else "Chaque commune a au moins une action propre ou un équipement au registre de l'offre."
        ),
        "sources": [data["sources"]["plan"], data["sources"]["funding"], data["sources"]["offer"]],
    }


def write_communes_docx(document, block: dict[str, Any]) -> None:
    """The chapter « Par commune » of the DOCX."""
    add_heading(document, "Par commune", level=1)
    for paragraph in block["intro"]:
        add_paragraph(document, paragraph)
    add_table(document, block["rows"], header=block["header"], look=FIGURES)
    if block["without_offer"]:
        add_paragraph(document, block["without_offer"])
    if block["epci_totals"]:
        add_paragraph(document, "Chiffres publiés pour l'ensemble de l'EPCI, jamais répartis entre les communes :")
        for line in block["epci_totals"]:
            add_paragraph(document, line, style="List Bullet")
    add_paragraph(document, block["nothing"])
    add_heading(document, "Actions propres à une commune", level=2)
    for line in block["own"] or ["Aucune action ne désigne une seule commune."]:
        add_paragraph(document, line, style="List Bullet")
    add_heading(document, "Actions partagées, financements non répartis par commune", level=2)
    for line in block["shared"] or ["Aucune action ne concerne plusieurs communes ou tout le territoire."]:
        add_paragraph(document, line, style="List Bullet")
    if block["unplaced"]:
        add_paragraph(document, "Actions qui ne désignent aucune commune (dans aucun bilan communal) :")
        for line in block["unplaced"]:
            add_paragraph(document, line, style="List Bullet")
    add_paragraph(document, "Sources : " + " ; ".join(block["sources"]) + ".")
