"""Cells of a file published on an earlier geography, brought to today's communes (the 2026 referential).

Contract: `harmonise_communes` takes a file's parsed cells and the referential's history (`CommuneHistory`, from
FormerCommune) and returns the cells on today's communes, with a `note` column and a `GeographyReport`. Only
commune cells change; IRIS, EPCI, département, région and France cells are kept as published.

A current commune has changed since the file when the file still publishes one of its former communes under a
code that is no longer a commune. Its parts are then: its own code (when the file carries it, or when the
referential lists it as the former commune that kept its code), every delegated or associated commune the
referential names, and every other former code the file carries. Then, for each variable and year:
- an additive count is the sum of its parts, "ok" only when every part has a value; otherwise it has no value,
  is flagged incomplete, keeps the secret when a missing part is secret, and its note names the missing parts;
- a published statistic (median, rate, share...) has no value: "non publié pour ce périmètre (fusion …)", never
  the value of one part; a commune whose only part is a former code (renumbered, same territory) keeps it;
- a former code the referential places under several current communes (a split) gives none of them a value.
The cells of the former codes are replaced by those of the current commune. A code that is neither a current
commune nor a former one is kept as published and counted as unknown. Which variables are additive counts is a
rule per format (`is_additive`): anything not known as a count is treated as a published statistic.
"""

import dataclasses
import datetime
import decimal
import re

import polars as pl
from polars._typing import PolarsDataType

from ctg.core.formatting import counted, format_count
from ctg.opendata.enums import GeoLevel, ObservationStatus

# Counts that add up over communes, per format; every other variable is a published statistic.
ALL_ADDITIVE_FORMATS = {"caf_iris", "caf_allocataires", "cnaf_nbpla"}
ADDITIVE_PATTERNS: dict[str, re.Pattern] = {
    "filosofi_disp": re.compile(r"^(?:DISP_)?(?:NBMEN|NBPERS|NBUC)\d\d$"),
    "insee_comparateur": re.compile(r"^(?:[PC]\d\d_|NAIS\d|DECE\d|NAISD\d|DECESD\d|SUPERF$|NBMENFISC\d)"),
    "insee_dossier_complet": re.compile(r"^(?:[PC]\d\d_|NAIS\d|DECE\d|NAISD\d|DECESD\d|SUPERF$|NBMENFISC\d)"),
}
# Formats whose commune codes are brought to today's geography (local tidy data is on today's by contract).
HARMONISED_FORMATS = {
    "caf_iris",
    "caf_allocataires",
    "cnaf_txcouv",
    "cnaf_nbpla",
    "cnaf_tauxcouv",
    "filosofi_disp",
    "insee_comparateur",
    "insee_dossier_complet",
}
MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
NOTE_MAX = 255
UNPUBLISHED = "non publié"


def is_additive(file_format: str, variable: str) -> bool:
    if file_format in ALL_ADDITIVE_FORMATS:
        return True
    pattern = ADDITIVE_PATTERNS.get(file_format)
    return bool(pattern and pattern.match(variable))


@dataclasses.dataclass(frozen=True)
class FormerPart:
    code: str
    name: str = ""
    effective: datetime.date | None = None

    @property
    def label(self) -> str:
        return f"{self.name} ({self.code})" if self.name else self.code


@dataclasses.dataclass(frozen=True)
class CommuneHistory:
    """Today's commune codes and, for each commune with a history, its former communes."""

    current: frozenset[str]
    parts: dict[str, tuple[FormerPart, ...]]

    @property
    def owners(self) -> dict[str, tuple[str, ...]]:
        """Former code → the current communes its territory now belongs to (several for a split)."""
        owners: dict[str, list[str]] = {}
        for commune, parts in self.parts.items():
            for part in parts:
                owners.setdefault(part.code, []).append(commune)
        return {code: tuple(sorted(communes)) for code, communes in owners.items()}


def stored_commune_history() -> CommuneHistory:
    """The history as imported with the referential (two queries)."""
    from ctg.territories.models import Commune, FormerCommune

    parts: dict[str, list[FormerPart]] = {}
    for code, name, commune, effective in FormerCommune.objects.values_list("code", "name", "commune_id", "effective"):
        parts.setdefault(commune, []).append(FormerPart(code, name, effective))
    return CommuneHistory(
        current=frozenset(Commune.objects.values_list("code", flat=True)),
        parts={commune: tuple(sorted(found, key=lambda p: p.code)) for commune, found in parts.items()},
    )


@dataclasses.dataclass
class GeographyReport:
    """What the harmonisation did, counted in commune codes of the file."""

    geography_year: int | None = None
    converted: int = 0  # former codes renumbered one-to-one: the value is carried to the current code
    merged: int = 0  # former codes summed into (or withheld from) a current commune
    split: int = 0  # former codes whose territory is now shared between several communes
    unknown: int = 0  # codes neither current nor former: kept as published
    changed_communes: list[str] = dataclasses.field(default_factory=list)
    unknown_codes: list[str] = dataclasses.field(default_factory=list)
    # EPCI published on a perimeter that differs from today's (PerimeterFlag.summary() of each).
    epci_perimeters: list[str] = dataclasses.field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.converted or self.merged or self.split or self.unknown or self.epci_perimeters)

    def as_metadata(self) -> dict:
        return dataclasses.asdict(self)

    def summary(self) -> str:
        """E.g. "géographie 2019 : 2 codes fusionnés dans 1 commune actuelle, 0 renuméroté…"."""
        year = f"géographie {self.geography_year}" if self.geography_year else "géographie du fichier"
        text = (
            f"{year} : {counted(self.merged, 'code fusionné')} dans "
            f"{counted(len(self.changed_communes), 'commune actuelle')}, {counted(self.converted, 'renuméroté')}, "
            f"{counted(self.split, 'scindé')}, {counted(self.unknown, 'inconnu')} du référentiel"
        )
        if self.epci_perimeters:
            text += (
                f" ; {counted(len(self.epci_perimeters), 'EPCI publié', 'EPCI publiés')} sur un autre périmètre que "
                f"l'actuel : {' ; '.join(self.epci_perimeters)}"
            )
        return text


def french_date(day: datetime.date) -> str:
    first = "1er" if day.day == 1 else str(day.day)
    return f"{first} {MONTHS[day.month - 1]} {day.year}"


def change_note(kind: str, parts: list[FormerPart], geography_year: int | None) -> str:
    """E.g. "non publié pour ce périmètre (fusion au 1er janvier 2025)"."""
    dates = sorted({part.effective for part in parts if part.effective is not None})
    if dates:
        when = f"au {french_date(dates[-1])}"
    elif geography_year:
        when = f"postérieure à la géographie {geography_year} du fichier"
    else:
        when = "postérieure au fichier"
    return f"non publié pour ce périmètre ({kind} {when})"


def _parts_of(commune: str, history: CommuneHistory, file_codes: set[str]) -> list[FormerPart]:
    """The parts a file older than the change publishes separately (see the module docstring)."""
    parts = []
    own = [part for part in history.parts.get(commune, ()) if part.code == commune]
    if commune in file_codes or own:
        parts.append(own[0] if own else FormerPart(commune))
    for part in history.parts.get(commune, ()):
        if part.code != commune and (part.name or part.code in file_codes):
            parts.append(part)
    return parts


def harmonise_communes(
    cells: pl.DataFrame, history: CommuneHistory, *, file_format: str, geography_year: int | None = None
) -> tuple[pl.DataFrame, GeographyReport]:
    report = GeographyReport(geography_year=geography_year)
    if "note" not in cells.columns:
        cells = cells.with_columns(pl.lit("").alias("note"))
    is_commune = pl.col("level") == GeoLevel.COMMUNE.value
    if file_format not in HARMONISED_FORMATS or not history.current:
        return cells, report
    file_codes = set(cells.filter(is_commune)["code"].unique().to_list())
    stale = sorted(file_codes - history.current)
    if not stale:
        return cells, report
    owners = history.owners
    report.unknown_codes = [code for code in stale if code not in owners]
    report.unknown = len(report.unknown_codes)
    split_codes = [code for code in stale if len(owners.get(code, ())) > 1]
    report.split = len(split_codes)
    merged_codes = [code for code in stale if len(owners.get(code, ())) == 1]
    targets = sorted({owners[code][0] for code in merged_codes} | {c for code in split_codes for c in owners[code]})
    split_targets = {c for code in split_codes for c in owners[code]}
    plan = {commune: _parts_of(commune, history, file_codes) for commune in targets}
    for commune in targets:
        if commune in split_targets:
            continue
        if len(plan[commune]) == 1 and plan[commune][0].code != commune:
            report.converted += 1
        else:
            report.merged += sum(1 for part in plan[commune] if part.code != commune and part.code in file_codes)
    report.changed_communes = targets
    involved = {part.code for parts in plan.values() for part in parts} | set(targets) | set(split_codes)
    touched = cells.filter(is_commune & pl.col("code").is_in(sorted(involved)))
    rebuilt = _rebuild(touched, plan, split_targets, file_format=file_format, geography_year=geography_year)
    kept = cells.filter(~(is_commune & pl.col("code").is_in(sorted(involved))))
    return pl.concat([kept, rebuilt.select(kept.columns).cast(kept.schema)]), report


def _rebuild(
    touched: pl.DataFrame,
    plan: dict[str, list[FormerPart]],
    split_targets: set[str],
    *,
    file_format: str,
    geography_year: int | None,
) -> pl.DataFrame:
    """One cell per current commune, variable and year, built from the cells of its parts."""
    by_key: dict[tuple[str, str, int], dict] = {}
    for row in touched.iter_rows(named=True):
        by_key[(row["code"], row["variable"], row["year"])] = row
    series = sorted({(row["variable"], row["year"]) for row in by_key.values()})
    rows = []
    for commune, parts in plan.items():
        for variable, year in series:
            found = [(part, by_key.get((part.code, variable, year))) for part in parts]
            if all(cell is None for _part, cell in found):
                continue
            line = min(cell["_line"] for _part, cell in found if cell is not None)
            value, status, note = _combine(
                commune, found, split=commune in split_targets, additive=is_additive(file_format, variable)
            )
            if note == UNPUBLISHED:
                kind = "scission" if commune in split_targets else "fusion"
                note = change_note(kind, parts, geography_year)
            rows.append(
                {
                    "level": GeoLevel.COMMUNE.value,
                    "code": commune,
                    "variable": variable,
                    "year": year,
                    "value": value,
                    "status": status,
                    "incomplete": value is None,
                    "_line": line,
                    "note": note[:NOTE_MAX],
                }
            )
    schema: dict[str, PolarsDataType] = {
        "level": pl.String,
        "code": pl.String,
        "variable": pl.String,
        "year": touched.schema["year"],
        "value": pl.String,
        "status": pl.String,
        "incomplete": pl.Boolean,
        "_line": touched.schema["_line"],
        "note": pl.String,
    }
    return pl.DataFrame(rows, schema=schema, orient="row")


def _combine(commune: str, found: list, *, split: bool, additive: bool) -> tuple[str | None, str, str]:
    """(value, status, note) of a current commune from its parts' cells (None where a part has no cell)."""
    if split:
        return None, ObservationStatus.MISSING.value, UNPUBLISHED
    if len(found) == 1 and found[0][0].code != commune and found[0][1] is not None:
        # A renumbered commune: same territory, the published cell is carried over as it is.
        cell = found[0][1]
        return cell["value"], cell["status"], cell.get("note") or ""
    if not additive:
        return None, ObservationStatus.MISSING.value, UNPUBLISHED
    gaps = [(part, cell) for part, cell in found if cell is None or cell["status"] != ObservationStatus.OK.value]
    if not gaps:
        total = sum(decimal.Decimal(cell["value"]) for _part, cell in found)
        return f"{total:.6f}", ObservationStatus.OK.value, ""
    secret = any(cell is not None and cell["status"] == ObservationStatus.SECRET.value for _part, cell in gaps)
    described = []
    for part, cell in gaps:
        if cell is None:
            reason = "absente du fichier"
        elif cell["status"] == ObservationStatus.SECRET.value:
            reason = "secret statistique"
        else:
            reason = "non disponible"
        described.append(f"{part.label} {reason}")
    note = "incomplet : somme des anciennes communes impossible, " + ", ".join(described)
    status = ObservationStatus.SECRET.value if secret else ObservationStatus.MISSING.value
    return None, status, note


# EPCI perimeters: a published EPCI value describes the EPCI as it was in the file's year. On the same perimeter,
# the EPCI's count of fiscal households equals the sum over its communes in the same edition (Caux Seine 2016:
# 31,041 = 31,041). Up to this relative gap the published statistic still describes today's population (2 % of
# Caux Seine's 31,000 households is about 620, one of its small communes): it is shown with "périmètre de l'année
# N". Beyond it, communes have joined or left (Caux Seine 2014: 9.9 %, before its 2016 extension): a median or a
# rate of another population is not shown as today's EPCI's figure.
PERIMETER_THRESHOLD = decimal.Decimal("0.02")
# Household (Filosofi) or population counts of the same edition that measure an EPCI's perimeter, in order of
# preference; a Filosofi file's NBMENyy is compared with the communes' NBMENyy, or their NBMENFISCyy (the
# comparateur's name of the same count) when only that one is stored.
PERIMETER_COUNT_RE = re.compile(r"^(?:NBMEN|NBMENFISC|P)\d\d(?:_POP)?$")
PERIMETER_COUNT_PREFIXES = ("NBMEN", "NBMENFISC", "P")


@dataclasses.dataclass(frozen=True)
class PerimeterCheck:
    epci: str
    variable: str
    published: decimal.Decimal
    members_sum: decimal.Decimal
    members: int
    members_counted: int

    @property
    def gap(self) -> decimal.Decimal | None:
        """Relative gap between the EPCI's published count and the sum over today's members (None: unknown)."""
        if self.members_counted == self.members and self.members_sum:
            return abs(self.published - self.members_sum) / self.members_sum
        if self.members_sum > self.published:
            # Even the members with a count outnumber the EPCI of the file: the perimeter was smaller.
            return (self.members_sum - self.published) / self.members_sum
        return None


def epci_perimeter_checks(
    epci_cells: pl.DataFrame, commune_cells: pl.DataFrame, membership: dict[str, str], variable: str
) -> dict[str, PerimeterCheck]:
    """For each EPCI of the file, its published `variable` beside the sum of that variable over today's member
    communes in the same edition (commune cells already on today's geography)."""
    members: dict[str, list[str]] = {}
    for commune, epci in membership.items():
        members.setdefault(epci, []).append(commune)
    ok = pl.col("status") == ObservationStatus.OK.value
    commune_values = dict(
        commune_cells.filter((pl.col("variable") == variable) & ok).select("code", "value").iter_rows()
    )
    checks = {}
    for code, value in epci_cells.filter((pl.col("variable") == variable) & ok).select("code", "value").iter_rows():
        codes = members.get(code, [])
        counted = [decimal.Decimal(commune_values[c]) for c in codes if c in commune_values]
        checks[code] = PerimeterCheck(
            code, variable, decimal.Decimal(value), sum(counted, decimal.Decimal(0)), len(codes), len(counted)
        )
    return checks


def flag_epci_perimeters(
    cells: pl.DataFrame,
    checks: dict[str, PerimeterCheck],
    *,
    geography_year: int,
    threshold: decimal.Decimal = PERIMETER_THRESHOLD,
    year: int | None = None,
) -> tuple[pl.DataFrame, list[str]]:
    """EPCI cells of a perimeter that differs from today's: a small gap (≤ threshold) keeps the value with the note
    "périmètre de l'année N"; a larger one withholds it. Only the cells of `year` when given (a file of several
    years). Returns the cells and the EPCI flagged."""
    if "note" not in cells.columns:
        cells = cells.with_columns(pl.lit("").alias("note"))
    small = sorted(code for code, check in checks.items() if check.gap and check.gap <= threshold)
    large = sorted(code for code, check in checks.items() if check.gap and check.gap > threshold)
    if not small and not large:
        return cells, []
    is_epci = pl.col("level") == GeoLevel.EPCI.value
    if year is not None:
        is_epci = is_epci & (pl.col("year") == year)
    in_small, in_large = is_epci & pl.col("code").is_in(small), is_epci & pl.col("code").is_in(large)
    note = f"périmètre de l'année {geography_year}"
    cells = cells.with_columns(
        pl.when(in_large).then(None).otherwise(pl.col("value")).alias("value"),
        pl.when(in_large & (pl.col("status") == ObservationStatus.OK.value))
        .then(pl.lit(ObservationStatus.MISSING.value))
        .otherwise(pl.col("status"))
        .alias("status"),
        (pl.col("incomplete") | in_large).alias("incomplete"),
        pl.when(in_small)
        .then(pl.lit(note))
        .when(in_large)
        .then(pl.lit(f"non publié pour le périmètre actuel ({note}, différent de plus de {threshold * 100:.0f} %)"))
        .otherwise(pl.col("note"))
        .alias("note"),
    )
    return cells, small + large


@dataclasses.dataclass(frozen=True)
class PerimeterFlag:
    """An EPCI of a file whose perimeter differs from today's, as the import report lists it."""

    code: str
    year: int
    variable: str
    published: decimal.Decimal
    members_sum: decimal.Decimal
    gap: decimal.Decimal
    withheld: bool

    def summary(self) -> str:
        """E.g. "200010700 en 2014 : 27 665 (NBMEN14) contre 30 696 sur ses communes actuelles, écart de 9,9 % :
        valeurs retirées"."""
        outcome = "valeurs retirées" if self.withheld else f"valeurs notées « périmètre de l'année {self.year} »"
        gap = f"{self.gap * 100:.1f}".replace(".", ",")
        return (
            f"{self.code} en {self.year} : {format_count(int(self.published))} ({self.variable}) contre "
            f"{format_count(int(self.members_sum))} sur ses communes actuelles, écart de {gap} % : {outcome}"
        )


def _count_variable(variables: list[str]) -> str | None:
    """The count that measures a perimeter, by preference (households before population)."""
    for prefix in PERIMETER_COUNT_PREFIXES:
        found = sorted(v for v in variables if v.startswith(prefix) and PERIMETER_COUNT_RE.match(v))
        found = [v for v in found if prefix != "NBMEN" or not v.startswith("NBMENFISC")]
        if found:
            return found[0]
    return None


def perimeter_series(cells: pl.DataFrame) -> list[tuple[str, int]]:
    """(count variable, year) of each year whose EPCI cells carry a count that measures their perimeter."""
    epci = cells.filter(
        (pl.col("level") == GeoLevel.EPCI.value) & (pl.col("status") == ObservationStatus.OK.value)
    ).select("variable", "year")
    series = []
    for (year,), part in epci.unique().group_by(["year"]):
        variable = _count_variable(part.get_column("variable").unique().to_list())
        if variable is not None:
            series.append((variable, int(year)))
    return sorted(series, key=lambda item: item[1])


def _commune_counts(variable: str) -> list[str]:
    """The commune variables that count what an EPCI's `variable` counts (NBMEN14; NBMENFISC21 for NBMEN21)."""
    if variable.startswith("NBMEN") and not variable.startswith("NBMENFISC"):
        return [variable, "NBMENFISC" + variable.removeprefix("NBMEN")]
    return [variable]


def check_epci_perimeters(
    cells: pl.DataFrame,
    *,
    membership: dict[str, str],
    stored_communes: pl.DataFrame,
    geography_year: int | None,
) -> tuple[pl.DataFrame, list[PerimeterFlag]]:
    """The EPCI cells of a file checked against today's perimeters, year by year: the file's count (households,
    else population) beside the sum over today's members, from the file's own commune cells or else from the
    commune cells already stored (`stored_communes`: code, variable, year, value, status; on today's geography).
    Returns the cells (flagged by `flag_epci_perimeters`) and the EPCI flagged."""
    flags: list[PerimeterFlag] = []
    commune_level = pl.col("level") == GeoLevel.COMMUNE.value
    for variable, year in perimeter_series(cells):
        communes = None
        for candidate in _commune_counts(variable):
            for source in (cells.filter(commune_level), stored_communes):
                found = source.filter((pl.col("variable") == candidate) & (pl.col("year") == year))
                if found.height:
                    communes = found.with_columns(pl.lit(variable).alias("variable"))
                    break
            if communes is not None:
                break
        if communes is None:
            continue
        epci_cells = cells.filter((pl.col("level") == GeoLevel.EPCI.value) & (pl.col("year") == year))
        checks = epci_perimeter_checks(epci_cells, communes, membership, variable)
        cells, listed = flag_epci_perimeters(cells, checks, geography_year=geography_year or year, year=year)
        for code in listed:
            check = checks[code]
            gap = check.gap or decimal.Decimal(0)
            flags.append(
                PerimeterFlag(
                    code, year, variable, check.published, check.members_sum, gap, withheld=gap > PERIMETER_THRESHOLD
                )
            )
    return cells, flags


def stored_membership() -> dict[str, str]:
    """Today's commune → EPCI (one query)."""
    from ctg.territories.models import Commune

    return dict(Commune.objects.filter(epci__isnull=False).values_list("code", "epci_id"))


def stored_commune_counts(series: list[tuple[str, int]]) -> pl.DataFrame:
    """The commune cells already stored of the counts that measure perimeters (one query per series)."""
    from ctg.opendata.models import Observation

    schema: dict[str, PolarsDataType] = {
        "code": pl.String,
        "variable": pl.String,
        "year": pl.Int64,
        "value": pl.String,
        "status": pl.String,
    }
    rows = []
    for variable, year in series:
        for candidate in _commune_counts(variable):
            found = Observation.objects.filter(level=GeoLevel.COMMUNE, variable=candidate, year=year).values_list(
                "code", "variable", "year", "value", "status"
            )
            rows += [(code, name, y, None if v is None else str(v), st) for code, name, y, v, st in found]
    return pl.DataFrame(rows, schema=schema, orient="row")


def stored_perimeter_context(series: list[tuple[str, int]]) -> tuple[dict[str, str], pl.DataFrame]:
    """What `read_file` needs to check a file's EPCI perimeters at import: today's membership, stored counts."""
    return stored_membership(), stored_commune_counts(series)
