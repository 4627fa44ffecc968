"""The portfolio of a département as CSV and XLSX: the rows shown on the page (same filters, same order), then the
EPCI of the département without a convention. A figure that is not known leaves its cell empty, never 0; every text
cell goes through ctg.reports.cells.neutralise (a name starting with "=" is not run as a formula)."""

import csv
import datetime
import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.utils import timezone
from openpyxl import Workbook

from ctg.core.formatting import format_date, format_number
from ctg.core.text import printable
from ctg.reports import xlsx
from ctg.reports.cells import csv_number, neutralise

HEADER = [
    "EPCI",
    "SIREN",
    "Convention",
    "Phase",
    "Début",
    "Fin",
    "Mois restants",
    "Actions",
    "Avancement moyen (%)",
    "Actions en retard",
    "Lignes de financement de la CAF",
    "Prévu par la CAF (€)",
    "Lignes au montant prévu renseigné",
    "Accordé par la CAF (€)",
    "Lignes au montant accordé renseigné",
    "Versé par la CAF (€)",
    "Lignes au montant versé renseigné",
    "Tâches décidées non faites",
    "dont en retard",
    "Dernier COPIL",
    "Prochain COPIL",
    "Communes de l'EPCI",
    "Communes couvertes par un relais",
    "Part des communes couvertes (%)",
    "Couverture des relais",
    "Tableau de bord",
]
COMPLETENESS = {
    "none": "non renseignée",
    "partial": "partiellement renseignée",
    "complete": "renseignée",
}
NO_CONVENTION = "Sans convention"


def _day(value: datetime.datetime | None) -> datetime.date | None:
    return timezone.localtime(value).date() if value is not None else None


def table(*, rows: list[dict[str, Any]], without_convention: list, link: Callable[[Any], str]) -> list[list[Any]]:
    """The export's rows as typed values (text, int, Decimal, date or None); `link(convention)` is the dashboard's
    absolute address."""
    out: list[list[Any]] = []
    for row in rows:
        convention, coverage, caf = row["convention"], row["coverage"], row["caf"]
        out.append(
            [
                row["epci"].name,
                row["epci"].siren,
                convention.title,
                row["phase_label"],
                row["start"],
                row["end"],
                row["months_left"],
                row["count"],
                row["progress"],
                row["late"],
                row["caf_lines"],
                caf["planned"]["value"],
                caf["planned"]["known"],
                caf["granted"]["value"],
                caf["granted"]["known"],
                caf["paid"]["value"],
                caf["paid"]["known"],
                row["follow_ups"]["open"],
                row["follow_ups"]["overdue"],
                _day(row["last_copil"]),
                _day(row["next_copil"]),
                coverage["commune_count"],
                coverage["covered_count"],
                coverage["share_communes"],
                COMPLETENESS[coverage["completeness"]],
                link(convention),
            ]
        )
    for epci in without_convention:
        out.append([epci.name, epci.siren, NO_CONVENTION] + [None] * (len(HEADER) - 3))
    return out


def build_csv(values: list[list[Any]]) -> bytes:
    """Semicolon-separated, UTF-8 with BOM, comma decimals: what French spreadsheet software opens as is."""
    output = io.StringIO()
    writer = csv.writer(output, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in values:
        writer.writerow([_csv_cell(value) for value in row])
    return "\ufeff".encode() + output.getvalue().encode("utf-8")


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return format_date(value)
    if isinstance(value, Decimal):
        # Amounts in euros with their cents, whatever the database returns for a sum (SQLite drops trailing zeros).
        return format_number(value, 2, thousands="")
    if isinstance(value, int | float):
        return csv_number(value)
    return neutralise(str(value))


AMOUNT_COLUMNS = {"Prévu par la CAF (€)", "Accordé par la CAF (€)", "Versé par la CAF (€)"}
MAX_WIDTHS = {"EPCI": 36, "Convention": 40, "Couverture des relais": 24, "Tableau de bord": 60}
COLUMNS = [
    xlsx.Column(
        label, xlsx.AMOUNT if label in AMOUNT_COLUMNS else "text", max_width=MAX_WIDTHS.get(label, xlsx.MAX_WIDTH)
    )
    for label in HEADER
]


def build_xlsx(values: list[list[Any]], *, title: str) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Portefeuille")
    xlsx.write_table(sheet, COLUMNS, [[neutralise(value) for value in row] for row in values])
    workbook.properties.title = printable(title)
    return xlsx.workbook_bytes(workbook)
