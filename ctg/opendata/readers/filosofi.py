"""INSEE Filosofi, disposable income (DISP) files at every level, IRIS included.

Editions read: 2014 to 2019 (communes, EPCI, départements, régions, France métropolitaine) and the IRIS file.
Variables carry the year's two digits (Q214, NBMEN18…) except Q3_Q1 and RD; the 2014 edition has fewer columns
(no PACT / PCHO) and names wages and salaries PTSAC14 where later editions have PTSA. A quoted name with doubled
quotes inside (an EPCI of the 2016 edition) and a last line without its CRLF are read as published. Every
edition is on the geography of its own vintage: codes are imported as published.
"""

import dataclasses
import re
from pathlib import Path

import polars as pl

from ctg.opendata.enums import GeoLevel
from ctg.opendata.readers.base import (
    CODE_PATTERNS,
    FRANCE_METRO_CODE,
    LICENCE_OUVERTE,
    ParsedFile,
    Table,
    check_codes,
    melt_values,
    two_digit_year,
)

FILOSOFI_LEVEL_TOKENS = {
    "IRIS": GeoLevel.IRIS,
    "COM": GeoLevel.COMMUNE,
    "EPCI": GeoLevel.EPCI,
    "DEP": GeoLevel.DEPARTEMENT,
    "REG": GeoLevel.REGION,
    "METROPOLE": GeoLevel.FRANCE,
    "FRANCE": GeoLevel.FRANCE,
}
FILOSOFI_TEXT_COLUMNS = {"LIBGEO", "LIBIRIS", "COM", "LIBCOM"}
# Quality flags, not statistics: summing or averaging them means nothing.
FILOSOFI_SKIPPED = re.compile(r"^(?:DISP_)?NOTE\d\d$")
# Variables of the DISP files; the IRIS file prefixes them with DISP_; most end with the two-digit year.
FILOSOFI_VARIABLE_RE = re.compile(
    r"^(?:DISP_)?(?:NBMEN|NBPERS|NBUC|TP60|Q1|Q2|Q3|Q3_Q1|MED|EQ|D[1-9]|RD|S80S20|GI|PACT|PTSAC|PTSA|PCHO|PBEN|PPEN|PPAT"
    r"|PPSOC|PPFAM|PPMINI|PPLOGT|PIMPOT)(?:\d\d)?$"
)
FILOSOFI_LEVEL_LABELS: dict[str, str] = {
    GeoLevel.IRIS: "IRIS",
    GeoLevel.COMMUNE: "communes",
    GeoLevel.EPCI: "EPCI",
    GeoLevel.DEPARTEMENT: "départements",
    GeoLevel.REGION: "régions",
    GeoLevel.FRANCE: "France métropolitaine",
}


def filosofi_year(header: list[str], file_name: str) -> int | None:
    for name in header:
        if match := re.match(r"^(?:DISP_MED|Q2|NBMEN)(\d\d)$", name):
            return two_digit_year(match.group(1))
    if match := re.search(r"FILO(20\d\d)|_(20\d\d)\.", file_name.upper()):
        return int(match.group(1) or match.group(2))
    return None


def filosofi_level(table: Table) -> str:
    if table.header[0] == "IRIS":
        return GeoLevel.IRIS
    tokens = re.split(r"[^A-Z]+", Path(table.file_name).stem.upper())
    for token in reversed(tokens):
        if token in FILOSOFI_LEVEL_TOKENS:
            return FILOSOFI_LEVEL_TOKENS[token]
    codes = table.frame["CODGEO"]
    for level in (GeoLevel.COMMUNE, GeoLevel.EPCI):
        if codes.str.contains(CODE_PATTERNS[level]).all():
            return level
    if table.frame.height == 1 and codes[0] == "1":
        return GeoLevel.FRANCE
    table.fail(
        1,
        "CODGEO",
        "niveau géographique indéterminé : nommez le fichier comme l'INSEE (…_COM, _EPCI, _DEP, _REG, _METROPOLE).",
    )


def read_filosofi(table: Table) -> ParsedFile:
    code_column = table.header[0]
    if code_column not in ("CODGEO", "IRIS"):
        table.fail(1, code_column, "la première colonne doit être CODGEO ou IRIS.")
    year = filosofi_year(table.header, table.file_name)
    if year is None:
        table.fail(
            1, None, "millésime Filosofi introuvable (ni dans les noms de colonnes, ni dans le nom du fichier)."
        )
    level = filosofi_level(table)
    frame = table.frame
    if level == GeoLevel.FRANCE:
        if frame.height != 1:
            table.fail(3, code_column, "le fichier France métropolitaine ne doit compter qu'une ligne.")
        frame = frame.with_columns(pl.lit(FRANCE_METRO_CODE).alias(code_column))
        table = dataclasses.replace(table, frame=frame)
    check_codes(table, code_column, level)
    variables = {}
    for name in table.header[1:]:
        if name in FILOSOFI_TEXT_COLUMNS or FILOSOFI_SKIPPED.match(name):
            continue
        if not FILOSOFI_VARIABLE_RE.match(name):
            table.fail(1, name, "colonne inconnue : ce n'est pas une variable Filosofi des revenus disponibles.")
        variables[name] = year
    cells = melt_values(
        table, code_column=code_column, variables=variables, level=level, secret_markers={""}, missing_markers=set()
    )
    return ParsedFile(
        format="filosofi_disp",
        producer="INSEE",
        title=f"Filosofi {year}, revenus disponibles ({FILOSOFI_LEVEL_LABELS[level]})",
        vintage=str(year),
        licence=LICENCE_OUVERTE,
        rows_read=table.frame.height,
        cells=cells,
        levels=[level],
    )
