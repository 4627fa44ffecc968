"""Reads for diagnostic pages, reports and exports: plain dicts, a fixed number of queries whatever the size.

A cell is {"value", "display", "status", "status_label", "note", "partial_value", "year", "denominator",
"small_number", "rounded_value"}. An incomplete aggregate (some communes without a value) is never shown as the
territory's figure: its value is None, its display "non disponible", and its note gives the count of communes and
the partial sum, named as such (`partial_value` keeps the number for exports that print it in a note column).
A share computed on a denominator under the indicator's threshold is flagged `small_number` ("effectif faible",
said in its note); `rounded_value` is the number its display writes (half up), for maps and charts to draw.
A published statistic missing at a level reads "non publié à ce niveau" only where the producer does not publish
it; where the producer's file of that level was not imported, it reads "fichier non importé" and names the file.
The note a figure's source cell carries (IndicatorValue.note, from Observation.note) is kept: a statistic not
published for today's perimeter reads it in place of "non disponible" ("non publié pour ce périmètre (fusion …)"),
any other (a former commune missing from a sum, "périmètre de l'année N", an EPCI count published by its producer)
is joined to the cell's note, which pages, maps and exports print.
Every indicator carries its source (datasets of the computed series, with their vintage), its period, and its
method when it is an estimate.
"""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q

from ctg.indicators import catalogue
from ctg.indicators.enums import Kind, ValueStatus
from ctg.indicators.formatting import (
    format_value,
    incomplete_note,
    iris_gap_display,
    joined_names,
    parts_note,
    rounded_value,
    small_number_note,
    unimported_note,
)
from ctg.indicators.models import IndicatorSeries, IndicatorValue
from ctg.territories.enums import Level
from ctg.territories.models import FRANCE_CODE, FRANCE_NAME, Commune
from ctg.territories.selectors import REFERENTIAL_POPULATION_SOURCE, REFERENTIAL_POPULATION_YEAR, population_totals

MISSING_LABEL = "non disponible"
UNPUBLISHED_LABEL = "non publié à ce niveau"
UNIMPORTED_LABEL = "fichier non importé"
ABSENT_NOTE = "territoire absent du fichier importé"
# CAF data per IRIS: the file carries only IRIS of communes split into IRIS.
NOT_SPLIT_LABEL = "absente du fichier (commune non découpée en IRIS)"
# A source cell's note that replaces "non disponible" (ctg.opendata.geography: "non publié pour ce périmètre
# (fusion …)", "non publié pour le périmètre actuel (périmètre de l'année N …)").
UNPUBLISHED_PREFIX = "non publié pour"
# Producers publish some statistics for France métropolitaine only (Filosofi): the cell says so.
PUBLISHED_FRANCE_NAMES = {"FRMETRO": "France métropolitaine"}


def _joined(*notes: str) -> str:
    return " ; ".join(note for note in notes if note)


def _missing_published(indicator: catalogue.Indicator, level: str | None, imported: bool | None) -> tuple[str, str]:
    """(display, note) of a published statistic without a value at `level`: not published there, its file not
    imported (named), or the territory absent from the imported file. `imported` is None when not checked."""
    if level is None or level not in indicator.levels:
        return UNPUBLISHED_LABEL, ""
    if imported is False:
        return UNIMPORTED_LABEL, unimported_note(indicator.published_file(level) or indicator.source)
    if imported:
        return MISSING_LABEL, ABSENT_NOTE
    return MISSING_LABEL, ""


def _cell(
    indicator: catalogue.Indicator,
    row: dict | None,
    *,
    explain: bool = False,
    level: str | None = None,
    imported: bool | None = None,
) -> dict:
    """The display of one figure. An incomplete aggregate has no value: its partial sum is only in the note.
    With `explain` (key figures, not the commune table), a missing figure carries the catalogue's reason.
    `level` and `imported` (whether any territory of that level has the series' year) say why a published
    statistic is missing."""
    per_iris = indicator.source == catalogue.CAF_IRIS and level == Level.COMMUNE
    if row is None:
        display, note = MISSING_LABEL, indicator.missing_note if explain else ""
        if indicator.kind == Kind.PUBLISHED:
            display, note = _missing_published(indicator, level, imported)
        elif per_iris and imported:
            display = NOT_SPLIT_LABEL
        return {
            "value": None,
            "display": display,
            "status": ValueStatus.MISSING.value,
            "status_label": ValueStatus.MISSING.label,
            "note": note,
            "partial_value": None,
            "year": None,
            "denominator": None,
            "small_number": False,
            "rounded_value": None,
        }
    status = ValueStatus(row["status"])
    source_note = row.get("note") or ""
    if status != ValueStatus.OK and source_note.startswith(UNPUBLISHED_PREFIX):
        # A statistic not published for today's perimeter (a commune merged since the file, an EPCI whose perimeter
        # changed): the cell says so instead of "non disponible".
        return {
            "value": None,
            "display": source_note,
            "status": status.value,
            "status_label": status.label,
            "note": "",
            "partial_value": None,
            "year": row["year"],
            "denominator": None,
            "small_number": False,
            "rounded_value": None,
        }
    if per_iris and status != ValueStatus.OK and row.get("parts_expected"):
        display, note = iris_gap_display(status, row.get("parts_present"), row["parts_expected"])
        return {
            "value": None,
            "display": display,
            "status": status.value,
            "status_label": status.label,
            "note": _joined(source_note, note),
            "partial_value": None,
            "year": row["year"],
            "denominator": None,
            "small_number": False,
            "rounded_value": None,
        }
    if status == ValueStatus.INCOMPLETE:
        partial = format_value(row["value"], unit=indicator.unit, decimals=indicator.decimals)
        return {
            "value": None,
            "display": MISSING_LABEL,
            "status": status.value,
            "status_label": status.label,
            "note": _joined(
                source_note,
                incomplete_note(
                    row["parts_present"],
                    row["parts_expected"],
                    partial=partial if row["value"] is not None else "",
                    is_ratio=indicator.is_ratio,
                ),
            ),
            "partial_value": row["value"],
            "year": row["year"],
            "denominator": None,
            "small_number": False,
            "rounded_value": None,
        }
    denominator = row.get("denominator") if indicator.is_ratio and status == ValueStatus.OK else None
    small_number = denominator is not None and denominator < indicator.small_number_threshold
    notes = [
        source_note,
        row.get("published_for") or "",
        small_number_note(denominator, indicator.small_number_threshold)
        if denominator is not None and small_number
        else "",
    ]
    return {
        "value": row["value"],
        "display": format_value(row["value"], unit=indicator.unit, decimals=indicator.decimals, status=status),
        "status": status.value,
        "status_label": status.label,
        "note": " ; ".join(note for note in notes if note),
        "partial_value": None,
        "year": row["year"],
        "denominator": denominator,
        "small_number": small_number,
        "rounded_value": rounded_value(row["value"], indicator.decimals),
    }


def epci_territories(epci) -> list[dict]:
    """The EPCI, its main département (where most of its communes lie), that département's région, France."""
    main = (
        Commune.objects.filter(epci=epci)
        .values("departement_id", "departement__name", "departement__region_id", "departement__region__name")
        .annotate(n=Count("code"))
        .order_by("-n", "departement_id")
        .first()
    )
    territories = [{"level": Level.EPCI.value, "code": epci.siren, "name": epci.name}]
    if main:
        territories += [
            {"level": Level.DEPARTEMENT.value, "code": main["departement_id"], "name": main["departement__name"]},
            {
                "level": Level.REGION.value,
                "code": main["departement__region_id"],
                "name": main["departement__region__name"],
            },
        ]
    territories.append({"level": Level.FRANCE.value, "code": FRANCE_CODE, "name": FRANCE_NAME})
    return territories


def _values(indicators, territories, commune_codes) -> dict:
    """(indicator, level, code) -> {year: row}, in one query; France is matched whatever its published code."""
    commune_codes = set(commune_codes) | {t["code"] for t in territories if t["level"] == Level.COMMUNE}
    codes = [i.code for i in indicators]
    # Each branch names indicator, level and code so that it is a seek in the unique index on both backends.
    condition = Q(indicator__in=codes, level=Level.COMMUNE, code__in=sorted(commune_codes))
    for territory in territories:
        if territory["level"] == Level.FRANCE:
            condition |= Q(indicator__in=codes, level=Level.FRANCE)
        elif territory["level"] != Level.COMMUNE:
            condition |= Q(indicator__in=codes, level=territory["level"], code=territory["code"])
    rows = IndicatorValue.objects.filter(condition).values(
        "indicator",
        "level",
        "code",
        "year",
        "value",
        "denominator",
        "status",
        "parts_present",
        "parts_expected",
        "note",
    )
    found: dict = {}
    for values in rows:
        row: dict[str, Any] = dict(values)
        code = row["code"]
        if row["level"] == Level.FRANCE:
            code, row["published_for"] = FRANCE_CODE, PUBLISHED_FRANCE_NAMES.get(row["code"], "")
        found.setdefault((row["indicator"], row["level"], code), {})[row["year"]] = row
    return found


def _sources(indicators, levels=()) -> dict:
    """(indicator, year) -> {source, computed_at, levels}: `levels` are those of `levels` where some territory has
    a value of the series, i.e. where the producer's file of that level was imported. One query (an index probe
    per series and level)."""
    probes = {
        f"has_{level}": Exists(
            IndicatorValue.objects.filter(indicator=OuterRef("indicator"), level=level, year=OuterRef("year"))
        )
        for level in levels
    }
    rows = (
        IndicatorSeries.objects.filter(indicator__in=[i.code for i in indicators])
        .annotate(**probes)
        .values("indicator", "year", "source", "computed_at", *probes)
    )
    return {
        (s["indicator"], s["year"]): {**s, "levels": {level for level in levels if s[f"has_{level}"]}} for s in rows
    }


def _referential_row(totals: dict | None) -> dict | None:
    """A value row (as `_values` reads them) of the referential's population of a territory: ok when every commune
    has it, incomplete when some do, none when no commune does."""
    if not totals or not totals["present"]:
        return None
    complete = totals["present"] == totals["expected"]
    return {
        "value": float(totals["value"]),
        "status": ValueStatus.OK.value if complete else ValueStatus.INCOMPLETE.value,
        "parts_present": None if complete else totals["present"],
        "parts_expected": None if complete else totals["expected"],
        "year": REFERENTIAL_POPULATION_YEAR,
        "note": "",
        "denominator": None,
        "referential": True,
    }


def _commune_referential_row(commune: Mapping[str, Any]) -> dict | None:
    """The referential's population of a commune dict that carries it (population, population_year)."""
    if commune.get("population") is None or commune.get("population_year") != REFERENTIAL_POPULATION_YEAR:
        return None
    return {"present": 1, "expected": 1, "value": commune["population"]}


def _explained_by_table(cell: dict, *, indicator, row: dict | None, level: str, imported: bool, source: str) -> dict:
    """A territory's cell whose reason is said once for the whole table (`column_notes`): it reads "non disponible"
    alone, its short `explanation` is for assistive technologies and one-line exports, its `gap` for the table's
    note. A source cell's own note (another perimeter, a merged commune) stays on the cell."""
    if cell["status"] == ValueStatus.INCOMPLETE.value:
        explanation = (
            incomplete_note(row["parts_present"], row["parts_expected"], partial="", is_ratio=False) if row else ""
        )
        # The referential lacks the population of some communes (islands without an EPCI, overseas collectivities):
        # no file of the platform gives it, the note says how many communes have it.
        referential = bool(row and row.get("referential"))
        return {
            **cell,
            "note": (row or {}).get("note") or "",
            "explanation": explanation,
            "gap": {
                "kind": "referential" if referential else "incomplete",
                "what": f"{source} ({parts_note(row['parts_present'], row['parts_expected'])})"
                if referential and row
                else source,
            },
        }
    if row is None and indicator.kind == Kind.PUBLISHED and level in indicator.levels and imported is False:
        return {
            **cell,
            "display": MISSING_LABEL,
            "note": "",
            "explanation": UNIMPORTED_LABEL,
            "gap": {"kind": "unimported", "what": indicator.published_file(level) or indicator.source},
        }
    return cell


def column_notes(rows: Iterable[Sequence[Mapping[str, Any]]], territories: list[dict]) -> list[dict]:
    """Why the columns of a comparison table have no figure, said once for the table: per group of columns sharing
    the same reasons, {"territories", "incomplete", "unimported", "referential", "text"}. `rows` are the table's rows
    of cells (one per territory); `incomplete` names the sources whose communes are not all imported (a file of every
    commune is to be imported), `unimported` the producer's files of that level that are not imported, `referential`
    the referential's population where it is not dated for every commune. Cells of a `comparison` with
    `table_notes=True` carry the `gap` read here."""
    rows = list(rows)
    reasons: dict[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]], list[str]] = {}
    for index, territory in enumerate(territories):
        if territory["level"] == Level.COMMUNE:
            continue
        found: dict[str, list[str]] = {"incomplete": [], "unimported": [], "referential": []}
        for cells in rows:
            gap = cells[index].get("gap")
            if gap and gap["what"] not in found[gap["kind"]]:
                found[gap["kind"]].append(gap["what"])
        if found["incomplete"] or found["unimported"] or found["referential"]:
            key = (tuple(found["incomplete"]), tuple(found["unimported"]), tuple(found["referential"]))
            reasons.setdefault(key, []).append(territory["name"])
    notes = []
    for (incomplete, unimported, referential), names in reasons.items():
        parts = []
        if referential:
            parts.append(
                "population non calculée, le référentiel des communes ne la datant pas pour toutes leurs communes : "
                + " ; ".join(referential)
            )
        if incomplete:
            parts.append(
                "chiffres non calculés, les données importées ne couvrant pas toutes leurs communes ; à importer "
                "pour toutes les communes (fichier national, au niveau des communes) : " + " ; ".join(incomplete)
            )
        if unimported:
            parts.append("fichier du producteur à ce niveau non importé : " + " ; ".join(unimported))
        notes.append(
            {
                "territories": names,
                "incomplete": list(incomplete),
                "unimported": list(unimported),
                "referential": list(referential),
                "text": f"{joined_names(names)} : " + ". ".join(parts) + ".",
            }
        )
    return notes


class _Cells:
    """The cells of a comparison: the stored figure, or the referential's population where the files have none."""

    def __init__(self, *, values: dict, sources: dict, territories: list[dict], communes, explained: bool):
        self.values, self.sources, self.territories, self.explained = values, sources, territories, explained
        self.commune_population = {c["code"]: _commune_referential_row(c) for c in communes}
        self.referential: dict | None = None

    def referential_row(self, level: str, code: str) -> dict | None:
        if level == Level.COMMUNE and code in self.commune_population:
            return _referential_row(self.commune_population[code])
        if self.referential is None:
            # One aggregate over the communes, only when a territory's population is not in the imported files.
            self.referential = population_totals(self.territories)
        return _referential_row(self.referential.get((level, code)))

    def row(self, indicator, level: str, code: str, year, from_referential: set) -> dict | None:
        row = self.values.get((indicator.code, level, code), {}).get(year)
        if not indicator.from_referential or year != REFERENTIAL_POPULATION_YEAR:
            return row
        # A file's statement about a commune (secret, not published for its perimeter) and an aggregate's secret or
        # note are kept: the referential only fills a figure the files do not give, or an incomplete sum.
        if row is not None and (
            level == Level.COMMUNE
            or row["status"] in (ValueStatus.OK, ValueStatus.SECRET)
            or (row["status"] == ValueStatus.MISSING and row.get("note"))
        ):
            return row
        # The imported files do not give this territory's figure: the referential's, when it has more of it.
        found = self.referential_row(level, code)
        if found and (
            row is None
            or found["status"] == ValueStatus.OK
            or (found["parts_present"] or 0) > (row.get("parts_present") or 0)
        ):
            from_referential.add(year)
            return found
        return row

    def cell(self, indicator, level: str, code: str, year, *, explain: bool, from_referential: set) -> dict:
        row = self.row(indicator, level, code, year, from_referential)
        # At a commune, "imported" is whether the series has that year (a commune absent from a CAF file).
        imported = (
            (year is not None)
            if level == Level.COMMUNE
            else level in self.sources.get((indicator.code, year), {}).get("levels", ())
        )
        cell = _cell(indicator, row, explain=explain, level=level, imported=imported)
        if not self.explained or level == Level.COMMUNE:
            return cell
        source = self.sources.get((indicator.code, year), {}).get("source", indicator.source)
        if row is not None and row.get("referential"):
            source = REFERENTIAL_POPULATION_SOURCE
        return _explained_by_table(cell, indicator=indicator, row=row, level=level, imported=imported, source=source)


def comparison(
    *,
    indicators,
    territories: list[dict],
    communes: Sequence[Mapping[str, Any]],
    commune_history: bool = False,
    table_notes: bool = False,
) -> dict:
    """Figures of the indicators for the territories (key figures) and for each commune (table), 2 queries, and a
    third (one aggregate over the communes) when the referential's population fills a territory the imported files
    do not cover.

    `territories` are dicts (level, code, name), `communes` dicts with at least code and name (and population,
    population_year to show the referential's population where the files have none). Each indicator dict holds its
    latest year, its cells per territory, the history over every year when several exist, and its source. With
    `commune_history` (exports of every vintage), it also holds its years and the communes' cells of each year
    (`commune_history`: {year: {code: cell}}). With `table_notes`, a territory's figure missing because the imported
    files do not cover it reads "non disponible" alone: its reason is said once, by `column_notes`.
    """
    explained_by_table = table_notes
    values = _values(indicators, territories, [c["code"] for c in communes])
    levels = sorted({t["level"] for t in territories if t["level"] != Level.COMMUNE})
    sources = _sources(indicators, levels)
    years_of: dict[str, set] = {}
    with_communes: set[str] = set()
    for (code, level, _), by_year in values.items():
        years_of.setdefault(code, set()).update(by_year)
        if level == Level.COMMUNE:
            with_communes.add(code)
    cells = _Cells(
        values=values, sources=sources, territories=territories, communes=communes, explained=explained_by_table
    )
    result = []
    for indicator in indicators:
        years = sorted(years_of.get(indicator.code, ()))
        if indicator.from_referential:
            years = sorted({*years, REFERENTIAL_POPULATION_YEAR})
        latest = years[-1] if years else None
        from_referential: set[int] = set()

        def cells_for(level, code, year, indicator=indicator, explain=False, from_referential=from_referential):
            return cells.cell(indicator, level, code, year, explain=explain, from_referential=from_referential)

        series = sources.get((indicator.code, latest)) if latest else None
        territory_cells = [
            cells_for(t["level"], t["code"], latest, explain=index == 0) for index, t in enumerate(territories)
        ]
        history = (
            [{"year": year, "cells": [cells_for(t["level"], t["code"], year) for t in territories]} for year in years]
            if len(years) > 1
            else []
        )
        commune_cells = {c["code"]: cells_for(Level.COMMUNE, c["code"], latest) for c in communes}
        territory_history = (
            {year: [cells_for(t["level"], t["code"], year) for t in territories] for year in years}
            if commune_history
            else {}
        )
        commune_years = (
            {year: {c["code"]: cells_for(Level.COMMUNE, c["code"], year) for c in communes} for year in years}
            if commune_history
            else {}
        )

        def source_of(year, indicator=indicator, from_referential=from_referential):
            """The series' datasets, and the referential where it gave figures of that year."""
            series_source = sources.get((indicator.code, year), {}).get("source", "")
            if year in from_referential:
                return _joined(series_source, REFERENTIAL_POPULATION_SOURCE)
            return series_source or indicator.source

        for step in history:
            step["source"] = source_of(step["year"])
        result.append(
            {
                "code": indicator.code,
                "label": indicator.label,
                "definition": indicator.definition,
                "unit": indicator.unit,
                "decimals": indicator.decimals,
                "theme": indicator.theme,
                "kind": indicator.kind,
                # A figure computed with an estimated part (a hook over estimated children) names its method too.
                "is_estimate": indicator.kind == Kind.ESTIMATE or bool(indicator.method),
                "is_published": indicator.kind == Kind.PUBLISHED,
                "method": indicator.method,
                "direction": indicator.direction,
                "year": latest,
                "period": indicator.period or (str(latest) if latest else ""),
                "source": source_of(latest) if latest else indicator.source,
                "producer_source": indicator.source,
                "computed_at": series["computed_at"] if series else None,
                "available": latest is not None and (indicator.code in years_of or bool(from_referential)),
                # The reason of a missing figure is given once, in the first column, not repeated on every level.
                "territory_cells": territory_cells,
                "history": history,
                "commune_cells": commune_cells,
                "has_commune_values": indicator.code in with_communes
                or any(cell["value"] is not None for cell in commune_cells.values()),
            }
        )
        if commune_history:
            result[-1]["years"] = years
            result[-1]["year_sources"] = {year: source_of(year) for year in years}
            result[-1]["commune_history"] = commune_years
            result[-1]["territory_history"] = territory_history
    lines = _merged_lines(result)
    for line in lines:
        # With `table_notes`: why columns of the history table have no figure, once for that table.
        line["history_notes"] = (
            column_notes([step["cells"] for step in line["history"]], territories) if explained_by_table else []
        )
    return {"territories": territories, "indicators": lines}


# A cell of a line's computed indicator shown where its published one has no figure (see `_merged_lines`).
COMPUTED_NOTE = "taux calculé d'après le registre de l'offre, faute de taux publié par la Cnaf"


def _pick(published: dict, computed: dict) -> tuple[dict, bool]:
    """(the cell a merged line shows, whether it is the computed one): the published figure where there is one
    or where its absence says more than "non disponible" (secret, not published for this perimeter); otherwise the
    computed figure, named; otherwise the published cell's reason followed by the computed one's."""
    if published["value"] is not None or published["status"] == ValueStatus.SECRET.value:
        return published, False
    if published["display"].startswith(UNPUBLISHED_PREFIX):
        return published, False
    if computed["value"] is not None:
        return {**computed, "note": _joined(COMPUTED_NOTE, computed["note"])}, True
    # Neither: the published figure's reason (its file not imported, the area absent from it), then the computed's.
    return {**published, "note": _joined(published["note"], computed["note"])}, False


def _merged_lines(result: list[dict]) -> list[dict]:
    """One line per `catalogue.MERGED_LINES` pair present: at the published indicator's place, under the computed
    indicator's code and label, each cell the published figure or, where it has none, the computed one (named as
    such); the computed line is not listed apart. Other lines are returned as they are."""
    by_code = {line["code"]: line for line in result}
    merged: dict[str, dict] = {}
    for published_code, computed_code in catalogue.MERGED_LINES:
        published, computed = by_code.get(published_code), by_code.get(computed_code)
        if published is None or computed is None:
            continue
        used = False

        def pick(first: dict, second: dict) -> dict:
            nonlocal used
            cell, from_computed = _pick(first, second)
            used = used or from_computed
            return cell

        line = {
            **published,
            "code": computed["code"],
            "label": computed["label"],
            "definition": computed["definition"],
            "territory_cells": [
                pick(first, second)
                for first, second in zip(published["territory_cells"], computed["territory_cells"], strict=True)
            ],
            "commune_cells": {
                code: pick(cell, computed["commune_cells"][code]) for code, cell in published["commune_cells"].items()
            },
            "history": _merged_history(published["history"], computed["history"], pick),
            "has_commune_values": published["has_commune_values"] or computed["has_commune_values"],
            "available": published["available"] or computed["available"],
        }
        if "years" in published:
            years = sorted(set(published["years"]) | set(computed["years"]))
            line["years"] = years
            line["year_sources"] = {
                year: _joined(published["year_sources"].get(year, ""), computed["year_sources"].get(year, ""))
                for year in years
            }
            line["territory_history"] = {
                year: [
                    pick(first, second)
                    for first, second in zip(
                        published["territory_history"].get(year) or computed["territory_history"][year],
                        computed["territory_history"].get(year) or published["territory_history"][year],
                        strict=True,
                    )
                ]
                for year in years
            }
            line["commune_history"] = {
                year: {
                    code: pick(
                        (published["commune_history"].get(year) or computed["commune_history"][year])[code],
                        (computed["commune_history"].get(year) or published["commune_history"][year])[code],
                    )
                    for code in (published["commune_history"].get(year) or computed["commune_history"][year])
                }
                for year in years
            }
        if not published["available"]:
            for key in ("kind", "is_published", "is_estimate", "method", "year", "period", "computed_at"):
                line[key] = computed[key]
        if used or not line["available"]:
            # The computed figures are shown, or nothing is: both sources are named.
            first = published["source"] if published["available"] else published["producer_source"]
            line["source"] = _joined(first, computed["source"])
        merged[published_code] = line
        merged[computed_code] = {}
    return [merged.get(line["code"], line) for line in result if merged.get(line["code"], line)]


def line_indicators(indicator: catalogue.Indicator) -> list[catalogue.Indicator]:
    """The indicators `comparison` needs to show `indicator`'s line: both of a merged pair, else itself alone."""
    for published, computed in catalogue.MERGED_LINES:
        if indicator.code in (published, computed):
            return [catalogue.get(published), catalogue.get(computed)]
    return [indicator]


def _merged_history(published: list[dict], computed: list[dict], pick) -> list[dict]:
    """The history steps of a merged line, by year; a year only one side has keeps that side's cells."""
    steps = {step["year"]: step for step in computed}
    steps.update({step["year"]: step for step in published})
    merged = []
    for year in sorted(steps):
        first = next((step for step in published if step["year"] == year), None)
        second = next((step for step in computed if step["year"] == year), None)
        if first is None or second is None:
            merged.append(steps[year])
            continue
        cells = [pick(a, b) for a, b in zip(first["cells"], second["cells"], strict=True)]
        merged.append({"year": year, "cells": cells, "source": _joined(first["source"], second["source"])})
    return merged


def convention_diagnostic(*, convention, theme: str, sort: str = "", descending: bool = False) -> dict:
    """One theme of a convention's diagnostic: EPCI beside département, région and France; the commune table."""
    indicators = catalogue.for_theme(theme)
    communes = list(
        Commune.objects.filter(epci_id=convention.epci_id)
        .order_by("name")
        .values("code", "name", "population", "population_year")
    )
    engaged = set(convention.communes.values_list("code", flat=True))
    territories = epci_territories(convention.epci)
    data = comparison(indicators=indicators, territories=territories, communes=communes, table_notes=True)
    # The lines, after merging (catalogue.MERGED_LINES): the commune table has one column per line.
    lines = data["indicators"]
    rows: list[dict[str, Any]] = [
        {
            "code": c["code"],
            "name": c["name"],
            "engaged": c["code"] in engaged,
            "cells": [line["commune_cells"][c["code"]] for line in lines],
        }
        for c in communes
    ]
    codes = [line["code"] for line in lines]
    if sort in codes:
        position = codes.index(sort)
        known = [r for r in rows if r["cells"][position]["value"] is not None]
        unknown = [r for r in rows if r["cells"][position]["value"] is None]
        known.sort(key=lambda r: r["cells"][position]["value"], reverse=descending)
        rows = known + unknown
    return {
        **data,
        "table_notes": column_notes([line["territory_cells"] for line in lines], territories),
        "theme": theme,
        "theme_label": catalogue.THEME_LABELS[theme],
        "rows": rows,
        "engaged_count": len(engaged),
        "commune_count": len(communes),
    }


def convention_key_figures(*, convention) -> dict:
    """Every theme's key figures for a convention's EPCI beside its département, région and France, without
    the commune table: what reports (DOCX, PDF) and exports print. Four queries."""
    territories = epci_territories(convention.epci)
    data = comparison(indicators=catalogue.CATALOGUE, territories=territories, communes=[], table_notes=True)
    return {"territories": territories, "themes": themes_of(data["indicators"], territories)}


def themes_of(lines: list[dict], territories: list[dict]) -> list[dict]:
    """The lines grouped by theme, each theme with its table's notes (`column_notes`)."""
    themes = []
    for code, label in catalogue.THEMES:
        indicators = [line for line in lines if line["theme"] == code]
        themes.append(
            {
                "code": code,
                "label": label,
                "indicators": indicators,
                "table_notes": column_notes([line["territory_cells"] for line in indicators], territories),
            }
        )
    return themes


def commune_profile(*, commune) -> dict:
    """Every indicator of a commune beside its EPCI, département, région and France, grouped by theme."""
    territories = [{"level": Level.COMMUNE.value, "code": commune.code, "name": commune.name}]
    if commune.epci_id:
        territories += epci_territories(commune.epci)
    else:
        territories.append({"level": Level.FRANCE.value, "code": FRANCE_CODE, "name": FRANCE_NAME})
    data = comparison(indicators=catalogue.CATALOGUE, territories=territories, communes=[], table_notes=True)
    return {"territories": territories, "themes": themes_of(data["indicators"], territories)}
