"""INSEE "base comparateur de territoires" and "dossier complet": CODGEO then dated variables."""

import re

import polars as pl

from ctg.opendata.enums import GeoLevel
from ctg.opendata.readers.base import (
    CODE_PATTERNS,
    LICENCE_OUVERTE,
    ParsedFile,
    Table,
    check_codes,
    melt_values,
    two_digit_year,
)

INSEE_SECRET = {"s"}
INSEE_MISSING = {"", "nd", "ND", "n.d.", "nc"}
INSEE_TEXT_COLUMNS = {"LIBGEO", "LIBCOM", "REG", "DEP", "LIBREG", "LIBDEP"}
# The layout of the "base comparateur de territoires"; two digits stand for the year of each edition.
COMPARATEUR_LAYOUT = [
    r"P\d\d_POP",
    r"SUPERF",
    r"NAIS\d{4}",
    r"DECE\d{4}",
    r"P\d\d_MEN",
    r"NAISD\d\d",
    r"DECESD\d\d",
    r"P\d\d_LOG",
    r"P\d\d_RP",
    r"P\d\d_RSECOCC",
    r"P\d\d_LOGVAC",
    r"P\d\d_RP_PROP",
    r"NBMENFISC\d\d",
    r"PIMP\d\d",
    r"MED\d\d",
    r"TP60\d\d",
    r"P\d\d_EMPLT",
    r"P\d\d_EMPLT_SAL",
    r"P\d\d_POP1564",
    r"P\d\d_CHOM1564",
    r"P\d\d_ACT1564",
    r"ET(?:TOT|AZ|BE|FZ|GU|GZ|OQ|TEF1|TEFP10)\d\d",
]
COMPARATEUR_RE = re.compile("^(?:" + "|".join(COMPARATEUR_LAYOUT) + ")$")
INSEE_VARIABLE_RE = re.compile(r"^[A-Z][A-Z0-9_]*$")
CENSUS_PREFIX_RE = re.compile(r"^[A-Z]{1,3}(\d\d)_")
YEAR_INSIDE_RE = re.compile(r"_((?:19|20)\d\d)_")
TRAILING_DIGITS_RE = re.compile(r"(\d\d)$")
YEARLESS = {"SUPERF"}


def insee_variable_year(name: str) -> int | None:
    """The year a published INSEE variable describes, from its name.

    P22_POP → 2022 (census prefix); BPE_2024_B105 → 2024; NAIS1621 → 2021 (end of the cumulated period);
    MED21, ETTEFP1024, ELECTEURSLP2024, SNEMM_23 → the last two digits. None when the name carries no year.
    """
    if match := CENSUS_PREFIX_RE.match(name):
        return two_digit_year(match.group(1))
    if match := YEAR_INSIDE_RE.search(name):
        return int(match.group(1))
    if match := TRAILING_DIGITS_RE.search(name):
        return two_digit_year(match.group(1))
    return None


def insee_level_of(codes: pl.Series) -> str:
    if codes.str.contains(CODE_PATTERNS[GeoLevel.EPCI]).all():
        return GeoLevel.EPCI
    return GeoLevel.COMMUNE


def read_insee(table: Table, *, layout: str) -> ParsedFile:
    if table.header[0] != "CODGEO":
        table.fail(1, table.header[0], "la première colonne doit être CODGEO (code géographique INSEE).")
    level = insee_level_of(table.frame["CODGEO"])
    check_codes(table, "CODGEO", level)
    value_columns = [name for name in table.header[1:] if name not in INSEE_TEXT_COLUMNS]
    for name in value_columns:
        if layout == "insee_comparateur" and not COMPARATEUR_RE.match(name):
            table.fail(1, name, "colonne inconnue dans la base comparateur de territoires.")
        if not INSEE_VARIABLE_RE.match(name) or (name not in YEARLESS and insee_variable_year(name) is None):
            table.fail(1, name, "colonne inconnue : ce n'est pas un nom de variable INSEE daté (ex. P22_POP, MED21).")
    census_years = [two_digit_year(m.group(1)) for n in value_columns if (m := re.match(r"^P(\d\d)_", n))]
    variables = {}
    for name in value_columns:
        year = insee_variable_year(name) if name not in YEARLESS else max(census_years, default=None)
        if year is None:
            table.fail(1, name, "année introuvable : le fichier ne contient aucune variable du recensement (Pxx_).")
        variables[name] = year
    cells = melt_values(
        table,
        code_column="CODGEO",
        variables=variables,
        level=level,
        secret_markers=INSEE_SECRET,
        missing_markers=INSEE_MISSING,
    )
    edition = re.search(r"(20\d\d)", table.file_name)
    years = sorted(set(variables.values()))
    vintage = f"édition {edition.group(1)}" if edition else f"{years[0]}–{years[-1]}"
    title = "Base comparateur de territoires" if layout == "insee_comparateur" else "Dossier complet"
    return ParsedFile(
        format=layout,
        producer="INSEE",
        title=title,
        vintage=vintage,
        licence=LICENCE_OUVERTE,
        rows_read=table.frame.height,
        cells=cells,
        levels=[level],
    )
