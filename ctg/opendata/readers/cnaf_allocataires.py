"""CAF allocataires by commune and by EPCI (data.caf.fr "par commune" / "par EPCI" datasets, Licence Ouverte).

Each dataset is one benefit's counts: the area's code (`NUMCOM`, or `Codes_Insee` in the older editions; `NUMEPCI`
in the EPCI datasets), optional names and keys of the areas above it, `DTREF` (date of reference: its year is the
year of the values; without it, the year of the file name), `NB_Allocataires` and the dataset's counts. Column
names are matched whatever their case (the producer wrote `NB_Allocataires` and `NB_allocataires`); any column
outside the known layouts is refused with the columns found and expected.

Counts whose meaning is that of a variable of the CAF IRIS files are stored under the IRIS name, so that the
same indicators read both (`VARIABLES`, and the sums of `DERIVED`); the others keep their published name. An empty
cell is secret or missing (the producer does not say which; secret below 5): it is stored as secret, never 0. Rows
of unknown commune (`XXXXX`) and of residents abroad (`99999`) are not areas: dropped and counted.
"""

import re

import polars as pl

from ctg.opendata.enums import GeoLevel, ObservationStatus
from ctg.opendata.readers.base import LICENCE_OUVERTE, VALUE_DTYPE, ParsedFile, Table, check_codes
from ctg.opendata.readers.cnaf import (
    CNAF_PRODUCER,
    canonical_names,
    check_unique_per_year,
    drop_placeholders,
    melt_by_row,
    row_years,
    vintage_of,
)

COMMUNE_CODES = ("NUMCOM", "Codes_Insee")
EPCI_CODE = "NUMEPCI"
TEXT_COLUMNS = ("NOMCOM", "Communes", "NOMEPCI", "NUMDEP", "NOMDEP", "NUMREG", "NOMREG")
DATE_COLUMN = "DTREF"
TOTAL = "NB_Allocataires"
ABROAD = "99999"
# Published column → stored variable. The IRIS names where the meaning is the same (foyers allocataires counted the
# same way): A allocataires, AAAH AAH, APPA prime d'activité, AAL any housing aid, AAPL APL, ACSSENF couples without
# children. The other counts keep their published names.
VARIABLES: dict[str, str] = {
    TOTAL: "A",
    # AAH
    "ALL_AAH": "AAAH",
    # Prime d'activité
    "ALL_PPA": "APPA",
    # Housing aid
    "total_allocataires_logement": "AAL",
    "total_APL": "AAPL",
    "total_ALF": "total_ALF",
    "total_ALS": "total_ALS",
    "locataire_ALF": "locataire_ALF",
    "locataire_ALS": "locataire_ALS",
    "locataire_APL": "locataire_APL",
    "proprietaire_ALF": "proprietaire_ALF",
    "proprietaire_ALS": "proprietaire_ALS",
    "proprietaire_APL": "proprietaire_APL",
    "total_locataire": "total_locataire",
    "total_proprietaire": "total_proprietaire",
    # RSA
    "NB_allocataire_RSA": "NB_allocataire_RSA",
    "Dont_RSA_jeune": "Dont_RSA_jeune",
    "RSA_SOCLE_non_Majore": "RSA_SOCLE_non_Majore",
    "RSA_SOCLE_Majore": "RSA_SOCLE_Majore",
    "RSA_activite": "RSA_activite",
    # PAJE
    "ALL_PAJE": "ALL_PAJE",
    "ALL_PRIM": "ALL_PRIM",
    "ALL_BASEP": "ALL_BASEP",
    "ALL_CMG": "ALL_CMG",
    "ALL_CMG_ASMA": "ALL_CMG_ASMA",
    "ALL_CMG_DOM": "ALL_CMG_DOM",
    "ALL_CMG_A": "ALL_CMG_A",
    "ALL_Clca": "ALL_Clca",
    "ALL_Clca_Colca": "ALL_Clca_Colca",
    # Family type
    "COUP_0_ENF": "ACSSENF",
    "COUP_1_ENF": "COUP_1_ENF",
    "COUP_2_ENF": "COUP_2_ENF",
    "COUP_3_ENF": "COUP_3_ENF",
    "COUP_4plus_ENF": "COUP_4plus_ENF",
    "Homme_Isole": "Homme_Isole",
    "Femme_Isolee": "Femme_Isolee",
    "MONO_1_ENF": "MONO_1_ENF",
    "MONO_2_ENF": "MONO_2_ENF",
    "MONO_3_ENF": "MONO_3_ENF",
    "MONO_4plus_ENF": "MONO_4plus_ENF",
}
# IRIS variables that are sums of published counts: stored when every part is in the file; secret when a part is.
DERIVED: dict[str, tuple[str, ...]] = {
    "AM": ("MONO_1_ENF", "MONO_2_ENF", "MONO_3_ENF", "MONO_4plus_ENF"),
    "AI": ("Homme_Isole", "Femme_Isolee"),
    "ACAVENF": ("COUP_1_ENF", "COUP_2_ENF", "COUP_3_ENF", "COUP_4plus_ENF"),
    "AC3ENF": ("COUP_3_ENF", "COUP_4plus_ENF"),
}
LEVEL_LABELS = {GeoLevel.COMMUNE: "communes", GeoLevel.EPCI: "EPCI"}


def is_allocataires_file(header: list[str]) -> bool:
    names = {name.lower() for name in header}
    codes = {name.lower() for name in (*COMMUNE_CODES, EPCI_CODE)}
    return TOTAL.lower() in names and bool(codes & names)


def file_year(file_name: str) -> int | None:
    match = re.search(r"(?<!\d)((?:19|20)\d\d)(?!\d)", file_name)
    return int(match.group(1)) if match else None


def read_caf_allocataires(table: Table) -> ParsedFile:
    names = {name.lower(): name for name in table.header}
    commune_codes = [code for code in COMMUNE_CODES if code.lower() in names]
    code_column = commune_codes[0] if commune_codes else EPCI_CODE
    level = GeoLevel.COMMUNE if commune_codes else GeoLevel.EPCI
    label = f"CAF, allocataires par {'commune' if level == GeoLevel.COMMUNE else 'EPCI'}"
    keys = [code_column] if level == GeoLevel.EPCI else [code_column, EPCI_CODE]
    expected = [*keys, *TEXT_COLUMNS, DATE_COLUMN, *VARIABLES]
    table = canonical_names(table, expected, required=[code_column, TOTAL], label=label)
    rows_read = table.frame.height
    name_column = next((name for name in ("NOMCOM", "Communes", "NOMEPCI") if name in table.header), None)
    if level == GeoLevel.EPCI and name_column != "NOMEPCI":
        name_column = "NOMEPCI" if "NOMEPCI" in table.header else None
    table, dropped = drop_placeholders(table, code_column, name_column, extra_codes=(ABROAD,))
    check_codes(table, code_column, level, unique=False)
    if DATE_COLUMN in table.header:
        years = row_years(table, DATE_COLUMN)
    else:
        year = file_year(table.file_name)
        if year is None:
            table.fail(
                1,
                None,
                f"année introuvable : ni colonne {DATE_COLUMN}, ni année dans le nom du fichier "
                "(ex. AAH_Com_2014.csv).",
            )
        years = table.frame.select("_line", pl.lit(year, pl.Int64).alias("year"))
    check_unique_per_year(table, code_column, years)
    columns = {name: variable for name, variable in VARIABLES.items() if name in table.header}
    cells = melt_by_row(
        table,
        code_column=code_column,
        columns=columns,
        level=level,
        years=years,
        secret_markers=frozenset({""}),
        missing_markers=frozenset(),
    )
    derived = [
        _sum_of_parts(cells, variable, parts)
        for variable, parts in DERIVED.items()
        if set(parts) <= set(cells["variable"].unique().to_list())
    ]
    return ParsedFile(
        format="caf_allocataires",
        producer=CNAF_PRODUCER,
        title=f"Allocataires et prestations ({LEVEL_LABELS[level]})",
        vintage=vintage_of(years["year"].to_list()),
        licence=LICENCE_OUVERTE,
        rows_read=rows_read,
        cells=pl.concat([cells, *derived]),
        levels=[level],
        dropped_rows=dropped,
    )


def _sum_of_parts(cells: pl.DataFrame, variable: str, parts: tuple[str, ...]) -> pl.DataFrame:
    """One IRIS variable as the sum of its published parts; secret as soon as one part is not a number."""
    ok = pl.col("status") == ObservationStatus.OK.value
    grouped = (
        cells.filter(pl.col("variable").is_in(list(parts)))
        .group_by("level", "code", "year")
        .agg(
            ok.all().alias("complete"),
            pl.col("value").cast(VALUE_DTYPE).sum().alias("total"),
            pl.col("_line").min().alias("_line"),
        )
    )
    complete = pl.col("complete")
    return grouped.select(
        "level",
        "code",
        pl.lit(variable).alias("variable"),
        "year",
        pl.when(complete).then(pl.col("total").cast(VALUE_DTYPE).cast(pl.String)).alias("value"),
        pl.when(complete)
        .then(pl.lit(ObservationStatus.OK.value))
        .otherwise(pl.lit(ObservationStatus.SECRET.value))
        .alias("status"),
        pl.lit(False).alias("incomplete"),
        "_line",
    )
