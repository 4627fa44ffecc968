"""CAF data per IRIS (Cnaf), rolled up to communes where every IRIS is present and published.

Editions read: 2016 and 2017 (labels LIBGEO, DEPCOM, LIBCOM, EPCI, REG, and UU in 2017; two more variables,
APRES50 and APRES100, allocataires whose income depends for at least 50 % / for 100 % on CAF benefits), 2018
(labels and NOTE), 2019 and later (CODGEO and NOTE only). Counts may carry a thousands separator (a space or a
no-break space: `2 256`), removed by `base.melt_values`. A column that no edition publishes is refused.

A commune's cell is the sum of its IRIS only when every IRIS of the commune (IRIS reference) is in the file and
published. Otherwise it has no value and is flagged incomplete: "secret" when one of its IRIS is secret (the
secret stays secret through the roll-up), "missing" when an IRIS is absent or unknown to the reference.
"""

import re
from collections.abc import Callable

import polars as pl

from ctg.opendata.enums import GeoLevel, ObservationStatus
from ctg.opendata.readers.base import (
    LICENCE_OUVERTE,
    VALUE_DTYPE,
    DatasetError,
    ParsedFile,
    Table,
    check_codes,
    melt_values,
    problem,
)

CAF_CODE_COLUMNS = ("CODGEO", "IRIS", "CODE_IRIS")
CAF_TEXT_COLUMNS = {"LIBGEO", "LIBIRIS", "DEPCOM", "LIBCOM", "EPCI", "UU", "REG", "DEP", "NOTE"}
CAF_VARIABLES = [
    "A",
    "PERCOU",
    "AI",
    "AM",
    "ACSSENF",
    "ACAVENF",
    "AC3ENF",
    "ENF",
    "ENF_2",
    "ENF_3_5",
    "ENF_6_10",
    "ENF_11_14",
    "ENF_15_17",
    "ENF_18_24",
    "A_ETUD",
    "A_NETUD_24",
    "AAL",
    "AAPL",
    "AAAH",
    "APPA",
    "ARSAS",
    # 2016 and 2017 editions only: allocataires whose income depends for >= 50 % / 100 % on CAF benefits.
    "APRES50",
    "APRES100",
]
CAF_MARKERS = {"A", "PERCOU", "ENF"}


def caf_year(file_name: str) -> int | None:
    match = re.search(r"(?<!\d)(20\d\d)(?!\d)", file_name)
    return int(match.group(1)) if match else None


def read_caf_iris(table: Table, *, iris_to_commune: Callable[[], dict[str, str]]) -> ParsedFile:
    code_column = table.header[0]
    if code_column not in CAF_CODE_COLUMNS:
        table.fail(1, code_column, "la première colonne doit être le code IRIS (CODGEO).")
    year = caf_year(table.file_name)
    if year is None:
        table.fail(
            1, None, "année introuvable : le nom du fichier doit contenir l'année (ex. data_CAF_2020_IRIS.csv)."
        )
    variables = {}
    for name in table.header[1:]:
        if name in CAF_TEXT_COLUMNS:
            continue
        if name not in CAF_VARIABLES:
            table.fail(1, name, "colonne inconnue dans les données CAF à l'IRIS.")
        variables[name] = year
    check_codes(table, code_column, GeoLevel.IRIS)
    reference = iris_to_commune()
    if not reference:
        raise DatasetError(
            problem(
                table.file_name,
                "le référentiel des IRIS n'est pas importé. Importez d'abord data/insee/iris_2021.csv (commande "
                "import_dataset).",
            )
        )
    iris = melt_values(
        table,
        code_column=code_column,
        variables=variables,
        level=GeoLevel.IRIS,
        secret_markers={""},
        missing_markers=set(),
    )
    communes = roll_up_to_communes(iris, reference)
    return ParsedFile(
        format="caf_iris",
        producer="CAF (Cnaf)",
        title="Données CAF à l'IRIS (allocataires et prestations)",
        vintage=str(year),
        licence=LICENCE_OUVERTE,
        rows_read=table.frame.height,
        cells=pl.concat([iris, communes]),
        levels=[GeoLevel.IRIS, GeoLevel.COMMUNE],
    )


def roll_up_to_communes(iris: pl.DataFrame, reference: dict[str, str]) -> pl.DataFrame:
    """Commune sums of IRIS counts, only where every IRIS of the commune is present and none is secret.

    Otherwise the commune cell has no value and `incomplete` set: an aggregate that would silently leave out part
    of the commune is never shown as a figure. Its status is secret when one of its IRIS is secret (never
    "missing": the secret survives the roll-up), missing when an IRIS is absent or unknown to the reference.
    """
    ref = pl.DataFrame(
        {"code": list(reference), "commune": list(reference.values())},
        schema={"code": pl.String, "commune": pl.String},
    )
    expected = ref.group_by("commune").agg(pl.len().alias("expected"))
    cells = iris.join(ref, on="code", how="left").with_columns(
        pl.col("commune").fill_null(pl.col("code").str.slice(0, 5)),
        pl.col("commune").is_null().alias("unknown_iris"),
    )
    grouped = cells.group_by("commune", "variable", "year").agg(
        pl.len().alias("present"),
        pl.col("unknown_iris").any().alias("unknown_iris"),
        (pl.col("status") != ObservationStatus.OK.value).any().alias("has_gap"),
        (pl.col("status") == ObservationStatus.SECRET.value).any().alias("has_secret"),
        pl.col("value").cast(VALUE_DTYPE).sum().alias("total"),
        pl.col("_line").min().alias("_line"),
    )
    grouped = grouped.join(expected, on="commune", how="left")
    complete = ((pl.col("present") == pl.col("expected")) & ~pl.col("unknown_iris") & ~pl.col("has_gap")).fill_null(
        False
    )
    return grouped.select(
        pl.lit(GeoLevel.COMMUNE.value).alias("level"),
        pl.col("commune").alias("code"),
        "variable",
        "year",
        pl.when(complete).then(pl.col("total").cast(VALUE_DTYPE).cast(pl.String)).alias("value"),
        pl.when(complete)
        .then(pl.lit(ObservationStatus.OK.value))
        .when(pl.col("has_secret"))
        .then(pl.lit(ObservationStatus.SECRET.value))
        .otherwise(pl.lit(ObservationStatus.MISSING.value))
        .alias("status"),
        (~complete).alias("incomplete"),
        "_line",
    )
