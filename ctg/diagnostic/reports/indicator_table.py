"""The diagnostic's indicator table as XLSX and CSV: one long table, one row per indicator × territory × vintage.

Figures are the cells of the diagnostic pages (ctg.indicators.selectors.comparison); the stored numerator and
denominator of each value are read alongside in one query. The XLSX's first sheet holds the latest vintage of each
indicator, its sheet "Historique" every vintage, its sheet "Notes" why whole columns of the diagnostic's tables have no
figure and which file to import (said once per table, each such cell keeping a short note); the CSV holds every
vintage, the column "Dernier millésime" telling the latest. A share on a small denominator says "oui" in the column
"Effectif faible" (and its note says so). Secret and missing values leave the value cell empty and say so in the status
column, never 0. Every text cell goes through ctg.reports.cells.neutralise so that no cell can start a formula nor hold
a control character.
"""

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

from django.db.models import Q
from openpyxl import Workbook

from ctg.core.text import printable
from ctg.indicators import catalogue
from ctg.indicators.enums import ValueStatus
from ctg.indicators.models import IndicatorValue
from ctg.indicators.selectors import column_notes, comparison, epci_territories
from ctg.reports import xlsx
from ctg.reports.cells import csv_number, neutralise
from ctg.territories.enums import Level
from ctg.territories.models import FRANCE_CODE, Commune

HEADER = [
    "Code indicateur",
    "Indicateur",
    "Thématique",
    "Unité",
    "Niveau territorial",
    "Code territoire",
    "Territoire",
    "Engagée dans la convention",
    "Millésime",
    "Valeur",
    "Valeur affichée",
    "Statut",
    "Note",
    "Numérateur",
    "Dénominateur",
    "Méthode",
    "Source",
    "Effectif faible",
    "Dernier millésime",
]
LEVEL_LABELS = dict(Level.choices)
# An incomplete aggregate is not the territory's figure: no value, numerator or denominator; its note says why.
KNOWN_STATUSES = {ValueStatus.OK.value}
LATEST_COLUMN = HEADER.index("Dernier millésime")


def _parts(codes: list[str], territories: list[dict], communes: Sequence[Mapping[str, Any]]) -> dict:
    """(indicator, level, code, year) -> (numerator, denominator), one query; France keyed by FRANCE_CODE."""
    condition = Q(indicator__in=codes, level=Level.COMMUNE, code__in=[c["code"] for c in communes])
    for territory in territories:
        if territory["level"] == Level.FRANCE:
            condition |= Q(indicator__in=codes, level=Level.FRANCE)
        else:
            condition |= Q(indicator__in=codes, level=territory["level"], code=territory["code"])
    rows = IndicatorValue.objects.filter(condition).values_list(
        "indicator", "level", "code", "year", "numerator", "denominator"
    )
    return {
        (indicator, level, FRANCE_CODE if level == Level.FRANCE else code, year): (numerator, denominator)
        for indicator, level, code, year, numerator, denominator in rows
    }


def _vintages(indicator: dict, communes: Sequence[Mapping[str, Any]]) -> list[tuple]:
    """(year, period, source, cells of the places, is latest) of every vintage of an indicator, oldest first; one
    vintage without a year when the indicator has no figure."""
    if not indicator["years"]:
        cells = indicator["territory_cells"] + [indicator["commune_cells"][c["code"]] for c in communes]
        return [(None, "", indicator["source"], cells, True)]
    return [
        (
            year,
            indicator["period"] if year == indicator["year"] else str(year),
            indicator["year_sources"][year],
            indicator["territory_history"][year] + [indicator["commune_history"][year][c["code"]] for c in communes],
            year == indicator["year"],
        )
        for year in indicator["years"]
    ]


def indicator_table(*, convention, notes: list | None = None) -> list[list]:
    """Rows of the long table (without its header) for every vintage: per indicator, per vintage (oldest first),
    the territories then the communes. A territory without a figure because the imported files do not cover it has
    a short note; the reason and the file to import are said once per table of the diagnostic, appended to `notes`
    (rows of the sheet "Notes": table, columns, note)."""
    territories = epci_territories(convention.epci)
    communes = list(
        Commune.objects.filter(epci_id=convention.epci_id)
        .order_by("name")
        .values("code", "name", "population", "population_year")
    )
    engaged = set(convention.communes.values_list("code", flat=True))
    data = comparison(
        indicators=catalogue.CATALOGUE,
        territories=territories,
        communes=communes,
        commune_history=True,
        table_notes=True,
    )
    if notes is not None:
        notes.extend(_notes(data["indicators"], territories))
    parts = _parts([i.code for i in catalogue.CATALOGUE], territories, communes)
    places = [(t["level"], t["code"], t["name"], "") for t in territories] + [
        (Level.COMMUNE.value, c["code"], c["name"], "oui" if c["code"] in engaged else "non") for c in communes
    ]
    rows = []
    for indicator in data["indicators"]:
        method = indicator["method"] if indicator["is_estimate"] else ""
        for year, period, source, cells, is_latest in _vintages(indicator, communes):
            for (level, code, name, is_engaged), cell in zip(places, cells, strict=True):
                numerator, denominator = parts.get((indicator["code"], level, code, year), (None, None))
                known = cell["status"] in KNOWN_STATUSES
                rows.append(
                    [
                        indicator["code"],
                        indicator["label"],
                        catalogue.THEME_LABELS[indicator["theme"]],
                        indicator["unit"],
                        LEVEL_LABELS[level],
                        code,
                        name,
                        is_engaged,
                        period,
                        cell["value"] if known else None,
                        cell["display"],
                        cell["status_label"],
                        " ; ".join(text for text in (cell.get("explanation", ""), cell["note"]) if text),
                        numerator if known else None,
                        denominator if known else None,
                        method,
                        source,
                        "oui" if cell["small_number"] else "",
                        "oui" if is_latest else "non",
                    ]
                )
    return rows


NOTES_HEADER = ["Tableau du diagnostic", "Colonnes incomplètes", "Note"]


def _notes(lines: list[dict], territories: list[dict]) -> list[list]:
    """Rows of the sheet "Notes": why columns of each table of the diagnostic (key figures of a theme, history of
    an indicator) have no figure, and which file to import, once per table."""
    rows = []
    for code, label in catalogue.THEMES:
        cells = [line["territory_cells"] for line in lines if line["theme"] == code]
        for note in column_notes(cells, territories):
            rows.append([f"Chiffres clés : {label}", ", ".join(note["territories"]), note["text"]])
    for line in lines:
        for note in line["history_notes"]:
            rows.append([f"Évolution : {line['label']}", ", ".join(note["territories"]), note["text"]])
    return rows


def latest_rows(rows: list[list]) -> list[list]:
    """The rows of the latest vintage of each indicator."""
    return [row for row in rows if row[LATEST_COLUMN] == "oui"]


def indicator_rows(*, convention) -> list[list]:
    """Rows of the long table (without its header), latest vintage of each indicator, territories first then
    communes."""
    return latest_rows(indicator_table(convention=convention))


# Long texts wrap within these widths (characters); the codes and raw figures, meant for formulas and filters, are
# folded (a « + » unfolds them) and do not print. The 14 printed columns add up to about 230 characters, where a
# landscape A4 page holds about 130 at 100 %: they print one page wide at about 57 % (the 19 columns, 378 characters
# wide, printed at 34 %). A word longer than its column breaks inside it; a row whose text wraps grows to its lines.
# Numbers never wrap: their columns take their widest value.
MAX_WIDTHS = {
    "Indicateur": 28,
    "Thématique": 14,
    "Unité": 12,
    "Territoire": 18,
    "Valeur affichée": 14,
    "Statut": 12,
    "Note": 26,
    "Méthode": 14,
    "Source": 38,
}
FOLDED = {"Code indicateur", "Code territoire", "Numérateur", "Dénominateur", "Dernier millésime"}
COLUMNS = [
    xlsx.Column(label, max_width=MAX_WIDTHS.get(label, xlsx.MAX_WIDTH), folded=label in FOLDED) for label in HEADER
]


def _sheet(sheet, rows: list[list]) -> None:
    xlsx.write_table(sheet, COLUMNS, [[neutralise(value) for value in row] for row in rows])


NOTES_COLUMNS: list[xlsx.Column | str] = [
    xlsx.Column(NOTES_HEADER[0], max_width=40),
    xlsx.Column(NOTES_HEADER[1], max_width=40),
    NOTES_HEADER[2],
]


def _notes_sheet(sheet, notes: list[list]) -> None:
    xlsx.write_table(sheet, NOTES_COLUMNS, [[neutralise(value) for value in row] for row in notes])


def build_indicator_xlsx(*, convention, rows: list[list] | None = None) -> bytes:
    """Sheet "Indicateurs": the latest vintage of each indicator; sheet "Historique": every vintage. `rows` are
    those of `indicator_table` (every vintage)."""
    notes: list[list] = []
    rows = rows if rows is not None else indicator_table(convention=convention, notes=notes)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Indicateurs"
    _sheet(sheet, latest_rows(rows))
    _sheet(workbook.create_sheet("Historique"), rows)
    if notes:
        _notes_sheet(workbook.create_sheet("Notes"), notes)
    workbook.properties.title = printable(f"Indicateurs du diagnostic : {convention.epci.name}")
    return xlsx.workbook_bytes(workbook)


def build_indicator_csv(*, convention, rows: list[list] | None = None) -> bytes:
    """Every vintage (rows of `indicator_table`), the column "Dernier millésime" telling the latest."""
    rows = rows if rows is not None else indicator_table(convention=convention)
    output = io.StringIO()
    writer = csv.writer(output, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow(
            [csv_number(value) if isinstance(value, int | float) else neutralise(value or "") for value in row]
        )
    return "\ufeff".encode() + output.getvalue().encode("utf-8")
