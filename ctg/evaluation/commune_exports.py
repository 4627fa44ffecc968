"""The record per commune (ctg.evaluation.communes) as XLSX and CSV.

XLSX: sheet "Par commune", one row per commune; sheet "Actions partagées", one row per shared action with its money
not divided among the communes; sheet "Offre par équipement", one row per item of the registry with the period its
opening year falls in; sheet "Sources". CSV: the "Par commune" sheet alone. An unknown amount or capacity leaves its
cell empty and is counted in its own column, never 0. Every text cell goes through ctg.reports.cells.neutralise.
"""

import csv
import io
from decimal import Decimal
from typing import Any

from openpyxl import Workbook

from ctg.core.text import printable
from ctg.evaluation.communes import OFFER_PERIODS, CommuneRecord, Money, offer_period
from ctg.reports import xlsx
from ctg.reports.cells import csv_number, neutralise

CENTS = Decimal("0.01")
MONEY_COLUMNS = [("amount_planned", "prévu"), ("amount_granted", "accordé"), ("amount_paid", "versé")]


def commune_header(data: dict[str, Any]) -> list[str]:
    labels = data["period_labels"]
    return [
        "Code INSEE",
        "Commune",
        "Commune engagée",
        "Actions propres",
        "Codes des actions propres",
        *(f"Financement {label} des actions propres (€)" for _, label in MONEY_COLUMNS),
        *(f"Lignes sans montant {label}" for _, label in MONEY_COLUMNS),
        "Actions partagées (financement non réparti par commune)",
        "Codes des actions partagées",
        *(f"Équipements : {labels[p].lower()}" for p in OFFER_PERIODS),
        *(f"Places d'accueil du jeune enfant : {labels[p].lower()}" for p in OFFER_PERIODS),
        *(f"Capacités non renseignées (jeune enfant) : {labels[p].lower()}" for p in OFFER_PERIODS),
        "Ni action propre ni équipement",
    ]


def commune_row(record: CommuneRecord) -> list:
    money: Money = record.money
    return [
        record.commune.code,
        record.commune.name,
        "oui" if record.engaged else "non",
        len(record.own),
        ", ".join(f.action.code for f in record.own),
        *(money.sums[field] for field, _ in MONEY_COLUMNS),
        *(money.unknown[field] for field, _ in MONEY_COLUMNS),
        len(record.shared),
        ", ".join(f.action.code for f in record.shared),
        *(record.offer[p].items for p in OFFER_PERIODS),
        *(record.childcare[p].places for p in OFFER_PERIODS),
        *(record.childcare[p].capacity_unknown for p in OFFER_PERIODS),
        "oui" if record.got_nothing else "non",
    ]


SHARED_HEADER = [
    "Code",
    "Action",
    "Statut",
    "Avancement (%)",
    "Communes concernées",
    *(f"Financement {label} de l'action, non réparti par commune (€)" for _, label in MONEY_COLUMNS),
    "Lignes de financement",
]
ITEM_HEADER = ["Code INSEE", "Commune", "Type", "Nom", "Année d'ouverture", "Période", "Capacité (places)", "Source"]


def _shared_rows(data: dict[str, Any], names: dict[str, str]) -> list[list]:
    rows = []
    for fiche in data["shared"]:
        scope = (
            "toutes les communes du territoire"
            if fiche.action.all_communes
            else ", ".join(names.get(code, code) for code in fiche.commune_ids)
        )
        rows.append(
            [
                fiche.action.code,
                fiche.action.title,
                fiche.status_label,
                fiche.action.progress,
                scope,
                *(fiche.money.sums[field] for field, _ in MONEY_COLUMNS),
                fiche.money.lines,
            ]
        )
    return rows


def _item_rows(data: dict[str, Any]) -> list[list]:
    rows = []
    for record in data["communes"]:
        for period in OFFER_PERIODS:
            for item in record.items[period]:
                rows.append(
                    [
                        record.commune.code,
                        record.commune.name,
                        item.get_kind_display(),
                        item.name,
                        item.opening_year,
                        data["period_labels"][offer_period(item.opening_year, *data["years"])],
                        item.capacity,
                        f"{item.source} ({item.reference_year})",
                    ]
                )
    return rows


def build_communes_xlsx(*, data: dict[str, Any], convention) -> bytes:
    workbook = Workbook(write_only=True)
    header = commune_header(data)
    money_labels = {h for h in header if h.endswith("(€)")}
    columns = [
        xlsx.Column(label, kind=xlsx.AMOUNT if label in money_labels else "text", max_width=30) for label in header
    ]
    xlsx.write_table(
        workbook.create_sheet("Par commune"),
        columns,
        [[neutralise(value) for value in commune_row(record)] for record in data["communes"]],
    )
    names = {record.commune.code: record.commune.name for record in data["communes"]}
    xlsx.write_table(
        workbook.create_sheet("Actions partagées"),
        [
            xlsx.Column(label, kind=xlsx.AMOUNT if label.endswith("(€)") else "text", max_width=40)
            for label in SHARED_HEADER
        ],
        [[neutralise(value) for value in row] for row in _shared_rows(data, names)],
    )
    xlsx.write_table(
        workbook.create_sheet("Offre par équipement"),
        [xlsx.Column(label, max_width=40) for label in ITEM_HEADER],
        [[neutralise(value) for value in row] for row in _item_rows(data)],
    )
    sources = workbook.create_sheet("Sources")
    for label, text in (
        ("Convention", convention.title),
        ("Plan d'actions", data["sources"]["plan"]),
        ("Financements", data["sources"]["funding"]),
        ("Offre", data["sources"]["offer"]),
        (
            "Règles",
            "Les financements des actions partagées (toutes les communes ou plusieurs communes) ne sont jamais "
            "répartis entre les communes. Un montant ou une capacité non renseignés laissent la cellule vide.",
        ),
    ):
        sources.append([label, neutralise(text)])
    workbook.properties.title = printable(f"Bilan par commune : {convention.title}")
    return xlsx.workbook_bytes(workbook)


def _csv_cell(value) -> str:
    """An amount to the cent with a decimal comma (the same on every database), a count, or a neutralised text."""
    if isinstance(value, Decimal):
        return csv_number(value.quantize(CENTS))
    if isinstance(value, int):
        return csv_number(value)
    return neutralise(value or "")


def build_communes_csv(*, data: dict[str, Any]) -> bytes:
    output = io.StringIO()
    writer = csv.writer(output, delimiter=";", lineterminator="\r\n")
    writer.writerow(commune_header(data))
    for record in data["communes"]:
        writer.writerow([_csv_cell(value) for value in commune_row(record)])
    return "\ufeff".encode() + output.getvalue().encode("utf-8")
