"""The INSEE IRIS reference: each IRIS and the commune it belongs to."""

import re

import polars as pl

from ctg.opendata.enums import GeoLevel
from ctg.opendata.readers.base import (
    LICENCE_OUVERTE,
    ParsedFile,
    Table,
    check_codes,
)

IRIS_REFERENCE_COLUMNS = ["CODE_IRIS", "LIB_IRIS", "TYP_IRIS", "DEPCOM"]
IRIS_REFERENCE_OPTIONAL = re.compile(r"^(?:GRD_QUART|LIBCOM|UU\d{4}|REG|DEP)$")


def read_iris_reference(table: Table) -> ParsedFile:
    for name in IRIS_REFERENCE_COLUMNS:
        if name not in table.header:
            table.fail(1, None, f"colonne obligatoire « {name} » absente du référentiel IRIS.")
    for name in table.header:
        if name not in IRIS_REFERENCE_COLUMNS and not IRIS_REFERENCE_OPTIONAL.match(name):
            table.fail(1, name, "colonne inconnue dans le référentiel des IRIS.")
    check_codes(table, "CODE_IRIS", GeoLevel.IRIS)
    check_codes(table, "DEPCOM", GeoLevel.COMMUNE, unique=False)
    frame = table.frame
    wrong = frame.filter(pl.col("CODE_IRIS").str.slice(0, 5) != pl.col("DEPCOM"))
    if wrong.height:
        row = wrong.row(0, named=True)
        table.fail(row["_line"], "DEPCOM", f"l'IRIS {row['CODE_IRIS']} n'appartient pas à la commune {row['DEPCOM']}.")
    unknown_kind = frame.filter(~pl.col("TYP_IRIS").is_in(["H", "A", "D", "Z"]))
    if unknown_kind.height:
        row = unknown_kind.row(0, named=True)
        table.fail(row["_line"], "TYP_IRIS", f"type d'IRIS « {row['TYP_IRIS']} » inconnu (H, A, D ou Z attendu).")
    match = re.search(r"(20\d\d)", table.file_name)
    if not match:
        table.fail(1, None, "millésime introuvable : le nom du fichier doit contenir l'année (ex. iris_2021.csv).")
    zones = frame.select(
        pl.col("CODE_IRIS").alias("code"),
        pl.col("DEPCOM").alias("commune_code"),
        pl.col("LIB_IRIS").alias("name"),
        pl.col("TYP_IRIS").alias("kind"),
    )
    return ParsedFile(
        format="iris_reference",
        producer="INSEE",
        title="Référentiel des IRIS (IRIS → commune)",
        vintage=match.group(1),
        licence=LICENCE_OUVERTE,
        rows_read=frame.height,
        iris_zones=zones,
    )
