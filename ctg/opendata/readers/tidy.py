"""The documented tidy CSV for local data: code_geo;niveau;variable;annee;valeur."""

import dataclasses
from pathlib import Path

import polars as pl

from ctg.opendata.enums import GeoLevel
from ctg.opendata.readers.base import (
    ParsedFile,
    Table,
    check_codes,
    melt_values,
)

TIDY_COLUMNS = ["code_geo", "niveau", "variable", "annee", "valeur"]
TIDY_OPTIONAL = {"libelle", "source"}
TIDY_VARIABLE_RE = r"^[A-Za-z][A-Za-z0-9_]{0,59}$"


def read_tidy(table: Table) -> ParsedFile:
    for name in table.header:
        if name not in TIDY_COLUMNS and name not in TIDY_OPTIONAL:
            table.fail(1, name, f"colonne inconnue (colonnes attendues : {';'.join(TIDY_COLUMNS)}).")
    for name in TIDY_COLUMNS:
        if name not in table.header:
            table.fail(1, None, f"colonne obligatoire « {name} » absente.")
    # Levels are matched whatever their case ("Commune", "EPCI"); codes are kept as written.
    frame = table.frame.with_columns(pl.col("niveau").str.to_lowercase())
    table = dataclasses.replace(table, frame=frame)
    levels = [level.value for level in GeoLevel]
    bad_level = frame.filter(~pl.col("niveau").is_in(levels))
    if bad_level.height:
        row = bad_level.row(0, named=True)
        table.fail(row["_line"], "niveau", f"niveau « {row['niveau']} » inconnu (attendu : {', '.join(levels)}).")
    for level in frame["niveau"].unique().to_list():
        sub = dataclasses.replace(table, frame=frame.filter(pl.col("niveau") == level))
        check_codes(sub, "code_geo", level, unique=False)
    bad_variable = frame.filter(~pl.col("variable").str.contains(TIDY_VARIABLE_RE))
    if bad_variable.height:
        row = bad_variable.row(0, named=True)
        table.fail(row["_line"], "variable", f"nom de variable « {row['variable']} » invalide (lettres, chiffres, _).")
    bad_year = frame.filter(~pl.col("annee").str.contains(r"^(?:19|20)\d\d$"))
    if bad_year.height:
        row = bad_year.row(0, named=True)
        table.fail(row["_line"], "annee", f"« {row['annee']} » n'est pas une année sur quatre chiffres.")
    keys = ["code_geo", "niveau", "variable", "annee"]
    duplicated = frame.group_by(keys).agg(pl.col("_line").sort().alias("lines")).filter(pl.col("lines").list.len() > 1)
    if duplicated.height:
        row = duplicated.sort(pl.col("lines").list.get(1)).row(0, named=True)
        table.fail(
            row["lines"][1],
            "code_geo",
            f"la valeur de {row['variable']} {row['annee']} pour {row['code_geo']} figure déjà ligne "
            f"{row['lines'][0]} (code en double).",
        )
    # Each row is one cell: type the "valeur" column, then take variable and year from the row itself.
    long = melt_values(
        table,
        code_column="code_geo",
        variables={"valeur": 0},
        level=pl.col("niveau"),
        secret_markers={"s", "secret"},
        missing_markers={"", "nd", "ND"},
    )
    long = long.drop("variable", "year").join(
        frame.select("_line", "variable", pl.col("annee").cast(pl.Int64).alias("year")), on="_line"
    )
    long = long.select("level", "code", "variable", "year", "value", "status", "incomplete", "_line")
    years = sorted(set(long["year"].to_list()))
    return ParsedFile(
        format="tidy",
        producer="Données locales",
        title=Path(table.file_name).stem,
        vintage=str(years[0]) if len(years) == 1 else f"{years[0]}–{years[-1]}",
        licence="Données locales (licence à préciser)",
        rows_read=frame.height,
        cells=long,
        levels=sorted(set(long["level"].to_list())),
    )
