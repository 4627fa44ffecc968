"""CNAF open-data exports (data.caf.fr, Licence Ouverte): childcare coverage rate and places, and the older
all-commune TAUXCOUV<year>.csv files.

Layouts (column names as published, matched whatever their case; any other column is refused with the columns
found and expected):
- `txcouv_pe_nat`, `txcouv_pe_dep`, `txcouv_pe_epci`, `txcouv_pe_com` — coverage rate of formal childcare per 100
  children under 3, one row per area and year: the area's keys (`numdep`/`nomdep`, `numepci`/`nomepci`,
  `numcom`/`nomcom`; none in the national file), optional keys of the areas above it (`numepci`, `numdep`,
  `numreg`…), `annee` (an integer; a date in the national file), the global rate `txcouv_<scale>` and its
  components `txcouv_{psu_col,hors_psu_col,prescol,am_ind,gad_ind,eaje,ind}_<scale>`. The commune file covers
  communes of more than 10,000 inhabitants only.
- `nbpla_pe_dep`, `nbpla_pe_epci`, `nbpla_pe_com` — places: same keys, `pl_{…}_<scale>` and `tot_offre_<scale>`.
- `TAUXCOUV<year>.csv` — every commune: `NUM_COM;NOM_COM;NUM_EPCI;NOM_EPCI` (2021 adds `NUMZEMPL;NOMZEMPL`), then the
  global rate of the commune, its EPCI, département, région and France (`tauxcouv_com`, `tauxcouv_epci`,
  `tauxcouv_dep`, `tauxcouv_reg`, `tauxcouv_nat`), repeated on every commune's row; the year is the file name's.

Values are stored under the published name without its scale (`txcouv`, `txcouv_eaje`, `pl_eaje`, `tot_offre`) at
the level of the file, so that one published indicator reads them at every level. Rates are kept as published:
above 100 where the offer exceeds the children, never clamped, and the global rate is never recomputed from its
rounded components. Rows whose code or name is a run of X (`XX`, `XXX`: not an area) or whose code is a run of Z
(no EPCI) are dropped and counted (`ParsedFile.dropped_rows`). An empty cell is "non disponible".
"""

import dataclasses
import re
from collections.abc import Sequence
from typing import NoReturn

import polars as pl

from ctg.core.imports import quoted
from ctg.opendata.enums import GeoLevel
from ctg.opendata.readers.base import (
    LICENCE_OUVERTE,
    DatasetError,
    ParsedFile,
    Table,
    check_codes,
    melt_values,
    problem,
)
from ctg.territories.models import FRANCE_CODE

CNAF_PRODUCER = "CAF (Cnaf)"
SCALES: dict[str, str] = {
    "nat": GeoLevel.FRANCE,
    "dep": GeoLevel.DEPARTEMENT,
    "epci": GeoLevel.EPCI,
    "com": GeoLevel.COMMUNE,
}
SCALE_LABELS = {"nat": "France", "dep": "départements", "epci": "EPCI", "com": "communes"}
# The area's own code and name columns, per scale (the national file has none).
AREA_KEYS: dict[str, tuple[str, str] | None] = {
    "nat": None,
    "dep": ("numdep", "nomdep"),
    "epci": ("numepci", "nomepci"),
    "com": ("numcom", "nomcom"),
}
# Keys of the areas a row belongs to, carried for reading and not stored.
CONTEXT_KEYS: dict[str, tuple[str, ...]] = {
    "nat": (),
    "dep": ("numreg", "nomreg", "numregi", "nomregi"),
    "epci": ("numdep", "nomdep", "numreg", "nomreg", "numregi", "nomregi"),
    "com": ("numepci", "nomepci", "numdep", "nomdep", "numreg", "nomreg", "numregi", "nomregi"),
}
COMPONENTS = ("psu_col", "hors_psu_col", "prescol", "am_ind", "gad_ind", "eaje", "ind")
YEAR_COLUMN = "annee"
# A run of X is the producers' placeholder for "no area" (unknown commune, département not known); a run of Z is
# INSEE's code for "no EPCI".
PLACEHOLDER_CODE = r"^(?:[Xx]+|[Zz]+)$"
PLACEHOLDER_NAME = r"^[Xx]+$"
# An integer year, or a date (ISO, possibly with a time; or French day/month/year): its year is kept.
YEAR_PATTERNS = (
    r"^(\d{4})$",
    r"^(\d{4})-\d{2}-\d{2}(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$",
    r"^\d{2}/\d{2}/(\d{4})$",
)


@dataclasses.dataclass(frozen=True)
class Family:
    """One published family of files: the global column's stem, its component columns' stem, the title."""

    format: str
    total: str  # column `<total>_<scale>`, stored as `<total>` (txcouv, tot_offre)
    component: str  # columns `<component>_<c>_<scale>`, stored as `<component>_<c>`
    title: str
    scales: tuple[str, ...]

    def columns(self, scale: str) -> dict[str, str]:
        """Published value column → stored variable, for one scale."""
        columns = {f"{self.total}_{scale}": self.total}
        columns.update({f"{self.component}_{c}_{scale}": f"{self.component}_{c}" for c in COMPONENTS})
        return columns


TXCOUV = Family(
    "cnaf_txcouv",
    "txcouv",
    "txcouv",
    "Taux de couverture global en accueil du jeune enfant",
    ("nat", "dep", "epci", "com"),
)
NBPLA = Family("cnaf_nbpla", "tot_offre", "pl", "Places d'accueil du jeune enfant", ("dep", "epci", "com"))
FAMILIES = {family.format: family for family in (TXCOUV, NBPLA)}
TAUXCOUV_KEYS = ("NUM_COM", "NOM_COM", "NUM_EPCI", "NOM_EPCI")
TAUXCOUV_OPTIONAL = ("NUMZEMPL", "NOMZEMPL")
# Rate column → level it describes; the région's rate is checked but not stored (the file names no région).
TAUXCOUV_RATES = {
    "tauxcouv_com": GeoLevel.COMMUNE,
    "tauxcouv_epci": GeoLevel.EPCI,
    "tauxcouv_dep": GeoLevel.DEPARTEMENT,
    "tauxcouv_reg": GeoLevel.REGION,
    "tauxcouv_nat": GeoLevel.FRANCE,
}


def lowered(header: list[str]) -> set[str]:
    return {name.lower() for name in header}


def cnaf_family_of(header: list[str]) -> str | None:
    """The CNAF family whose global column the header holds (`txcouv_epci`, `tot_offre_com`…), if any."""
    names = lowered(header)
    for family in (TXCOUV, NBPLA):
        if any(f"{family.total}_{scale}" in names for scale in family.scales):
            return family.format
    if {key.lower() for key in TAUXCOUV_KEYS} <= names and "tauxcouv_com" in names:
        return "cnaf_tauxcouv"
    return None


def canonical_names(table: Table, expected: list[str], *, required: list[str], label: str) -> Table:
    """The table with its columns renamed to the expected spelling (names are matched whatever their case).

    A column outside `expected`, a missing required one or two columns of the same name are refused, with the
    columns found and those expected."""
    spelling = {name.lower(): name for name in expected}
    renamed: dict[str, str] = {}
    for name in table.header:
        wanted = spelling.get(name.lower())
        if wanted is None:
            layout_refusal(table, label, expected, required, unknown=[name])
        if wanted in renamed.values():
            table.fail(1, name, f"la colonne « {wanted} » figure deux fois (à la casse près).")
        renamed[name] = wanted
    missing = [name for name in required if name not in renamed.values()]
    if missing:
        layout_refusal(table, label, expected, required, missing=missing)
    header = [renamed[name] for name in table.header]
    return Table(file_name=table.file_name, header=header, frame=table.frame.rename(renamed))


def layout_refusal(
    table: Table,
    label: str,
    expected: list[str],
    required: list[str],
    *,
    unknown: Sequence[str] = (),
    missing: Sequence[str] = (),
) -> NoReturn:
    """Refuse a file whose columns are not those of the layout: name the columns found and those expected."""
    optional = [name for name in expected if name not in required]
    if unknown:
        reason = f"colonne « {quoted(unknown[0])} » inattendue dans « {label} »."
    else:
        reason = f"colonne(s) obligatoire(s) absente(s) de « {label} » : {', '.join(missing)}."
    message = (
        f"{reason} Colonnes trouvées : {', '.join(quoted(name) for name in table.header)}. Colonnes attendues : "
        f"{', '.join(required)}"
        + (f" ; facultatives : {', '.join(optional)}" if optional else "")
        + ". Le fichier n'est pas un export publié de ce jeu de données, ou sa disposition a changé."
    )
    column = unknown[0] if unknown else None
    table.fail(1, column, message)


def drop_placeholders(table: Table, code: str | None, name: str | None, *, extra_codes: tuple[str, ...] = ()):
    """The table without its placeholder rows (a run of X, or Z for a code), and how many were dropped."""
    conditions = []
    if code is not None:
        conditions.append(pl.col(code).str.contains(PLACEHOLDER_CODE) | pl.col(code).is_in(list(extra_codes)))
    if name is not None:
        conditions.append(pl.col(name).str.contains(PLACEHOLDER_NAME))
    if not conditions:
        return table, 0
    placeholder = pl.any_horizontal(conditions)
    kept = table.frame.filter(~placeholder)
    dropped = table.frame.height - kept.height
    if not kept.height:
        raise DatasetError(
            problem(table.file_name, "le fichier ne contient aucun territoire (seulement des lignes « XX »).", line=2)
        )
    return dataclasses.replace(table, frame=kept), dropped


def row_years(table: Table, column: str) -> pl.DataFrame:
    """`_line` and `year` of every row, from an integer year or a date; a cell that is neither is refused."""
    raw = pl.col(column)
    year = pl.coalesce([raw.str.extract(pattern, 1) for pattern in YEAR_PATTERNS])
    years = table.frame.select("_line", column, year.cast(pl.Int64, strict=False).alias("year"))
    bad = years.filter(pl.col("year").is_null() | (pl.col("year") < 1900) | (pl.col("year") > 2100))
    if bad.height:
        row = bad.row(0, named=True)
        table.fail(
            row["_line"],
            column,
            f"« {quoted(row[column])} » n'est ni une année (2022) ni une date (2022-12-31, 31/12/2022).",
        )
    return years.select("_line", "year")


def check_unique_per_year(table: Table, code: str | None, years: pl.DataFrame) -> None:
    keys = ["_code", "year"]
    frame = table.frame.select("_line", (pl.col(code) if code else pl.lit(FRANCE_CODE)).alias("_code")).join(
        years, on="_line"
    )
    duplicated = frame.group_by(keys).agg(pl.col("_line").sort().alias("lines")).filter(pl.col("lines").list.len() > 1)
    if duplicated.height:
        row = duplicated.sort(pl.col("lines").list.get(1)).row(0, named=True)
        table.fail(
            row["lines"][1],
            code,
            f"le territoire {row['_code']} figure déjà ligne {row['lines'][0]} pour l'année {row['year']} "
            "(ligne en double).",
        )


def melt_by_row(
    table: Table,
    *,
    code_column: str,
    columns: dict[str, str],
    level: str,
    years: pl.DataFrame,
    secret_markers: frozenset[str] = frozenset(),
    missing_markers: frozenset[str] = frozenset({""}),
) -> pl.DataFrame:
    """Long table of the value columns (published name → stored variable), each row with its own year."""
    long = melt_values(
        table,
        code_column=code_column,
        variables=dict.fromkeys(columns, 0),
        level=level,
        secret_markers=set(secret_markers),
        missing_markers=set(missing_markers),
    )
    mapping = pl.DataFrame({"variable": list(columns), "stored": list(columns.values())})
    return (
        long.drop("year")
        .join(years, on="_line")
        .join(mapping, on="variable")
        .select("level", "code", pl.col("stored").alias("variable"), "year", "value", "status", "incomplete", "_line")
    )


def vintage_of(years: list[int]) -> str:
    years = sorted(set(years))
    return str(years[0]) if len(years) == 1 else f"{years[0]}–{years[-1]}"


def read_cnaf_family(table: Table, *, format: str) -> ParsedFile:
    """A `txcouv_pe_*` or `nbpla_pe_*` export at one scale."""
    family = FAMILIES[format]
    names = lowered(table.header)
    scales = [scale for scale in family.scales if f"{family.total}_{scale}" in names]
    label = f"Cnaf, {family.title.lower()}"
    if len(scales) != 1:
        expected = [f"{family.total}_{scale}" for scale in family.scales]
        found = ", ".join(quoted(name) for name in table.header)
        table.fail(
            1,
            None,
            f"« {label} » : une et une seule colonne de total attendue parmi {', '.join(expected)}. Colonnes "
            f"trouvées : {found}.",
        )
    scale = scales[0]
    level = SCALES[scale]
    keys = AREA_KEYS[scale]
    values = family.columns(scale)
    required = [*(keys or ()), YEAR_COLUMN, f"{family.total}_{scale}"]
    expected = [*(keys or ()), *CONTEXT_KEYS[scale], YEAR_COLUMN, *values]
    label = f"{label} ({SCALE_LABELS[scale]})"
    table = canonical_names(table, expected, required=required, label=label)
    rows_read = table.frame.height
    code_column = keys[0] if keys else "_code"
    table, dropped = drop_placeholders(table, keys[0] if keys else None, keys[1] if keys else None)
    if keys is None:
        table = dataclasses.replace(table, frame=table.frame.with_columns(pl.lit(FRANCE_CODE).alias("_code")))
    else:
        check_codes(table, code_column, level, unique=False)
    years = row_years(table, YEAR_COLUMN)
    check_unique_per_year(table, keys[0] if keys else None, years)
    present = {column: variable for column, variable in values.items() if column in table.header}
    cells = melt_by_row(table, code_column=code_column, columns=present, level=level, years=years)
    year_list = years["year"].to_list()
    return ParsedFile(
        format=format,
        producer=CNAF_PRODUCER,
        title=f"{family.title} ({SCALE_LABELS[scale]})",
        vintage=vintage_of(year_list),
        licence=LICENCE_OUVERTE,
        rows_read=rows_read,
        cells=cells,
        levels=[level],
        dropped_rows=dropped,
    )


def tauxcouv_year(file_name: str) -> int | None:
    match = re.search(r"(?<!\d)((?:19|20)\d\d)(?!\d)", file_name)
    return int(match.group(1)) if match else None


def departement_of(commune: pl.Expr) -> pl.Expr:
    """The département of a commune code: three characters overseas (97x), two otherwise (2A, 2B included)."""
    return pl.when(commune.str.starts_with("97")).then(commune.str.slice(0, 3)).otherwise(commune.str.slice(0, 2))


def read_tauxcouv(table: Table) -> ParsedFile:
    """The older all-commune file: each row the commune's rate and those of its EPCI, département, région, France."""
    label = "Cnaf, taux de couverture par commune (TAUXCOUV)"
    expected = [*TAUXCOUV_KEYS, *TAUXCOUV_OPTIONAL, *TAUXCOUV_RATES]
    table = canonical_names(table, expected, required=[*TAUXCOUV_KEYS, "tauxcouv_com"], label=label)
    year = tauxcouv_year(table.file_name)
    if year is None:
        table.fail(1, None, "année introuvable : le nom du fichier doit contenir l'année (ex. TAUXCOUV2021.csv).")
    rows_read = table.frame.height
    table, dropped = drop_placeholders(table, "NUM_COM", "NOM_COM")
    check_codes(table, "NUM_COM", GeoLevel.COMMUNE)
    years = table.frame.select("_line", pl.lit(year, pl.Int64).alias("year"))
    rates = [name for name in TAUXCOUV_RATES if name in table.header]
    # Every rate column is typed, the région's too, before the repeated rates are reduced to one per area.
    long = melt_by_row(
        table, code_column="NUM_COM", columns={name: name for name in rates}, level=GeoLevel.COMMUNE, years=years
    )
    areas = table.frame.select(
        "_line",
        pl.col("NUM_COM").alias("commune"),
        pl.when(pl.col("NUM_EPCI").str.contains(PLACEHOLDER_CODE) | pl.col("NOM_EPCI").str.contains(PLACEHOLDER_NAME))
        .then(None)
        .otherwise(pl.col("NUM_EPCI"))
        .alias("epci"),
        departement_of(pl.col("NUM_COM")).alias("departement"),
        pl.lit(FRANCE_CODE).alias("france"),
    )
    epci_codes = areas.filter(pl.col("epci").is_not_null())
    bad = epci_codes.filter(~pl.col("epci").str.contains(r"^\d{9}$"))
    if bad.height:
        row = bad.row(0, named=True)
        table.fail(
            row["_line"],
            "NUM_EPCI",
            f"code « {quoted(row['epci'])} » invalide pour le niveau EPCI (SIREN à 9 chiffres).",
        )
    long = long.join(areas, on="_line")
    frames = []
    for column, level in TAUXCOUV_RATES.items():
        if column not in rates or level == GeoLevel.REGION:
            continue
        area = {GeoLevel.COMMUNE: "commune", GeoLevel.EPCI: "epci", GeoLevel.DEPARTEMENT: "departement"}.get(
            level, "france"
        )
        part = long.filter((pl.col("variable") == column) & pl.col(area).is_not_null())
        frames.append(_one_rate_per_area(table, part, area=area, level=level, column=column))
    cells = pl.concat(frames)
    return ParsedFile(
        format="cnaf_tauxcouv",
        producer=CNAF_PRODUCER,
        title="Taux de couverture global en accueil du jeune enfant (toutes communes)",
        vintage=str(year),
        licence=LICENCE_OUVERTE,
        rows_read=rows_read,
        cells=cells,
        levels=sorted({str(level) for level in cells["level"].unique().to_list()}),
        dropped_rows=dropped,
    )


def _one_rate_per_area(table: Table, part: pl.DataFrame, *, area: str, level: str, column: str) -> pl.DataFrame:
    """The rate of each area, repeated on its communes' rows: refused when two rows of one area differ."""
    distinct = part.group_by(area).agg(
        pl.col("value").n_unique().alias("values"),
        pl.col("status").n_unique().alias("statuses"),
        pl.col("_line").sort().alias("lines"),
    )
    differing = distinct.filter((pl.col("values") > 1) | (pl.col("statuses") > 1))
    if differing.height:
        row = differing.sort(pl.col("lines").list.get(0)).row(0, named=True)
        first = row["lines"][0]
        values = part.filter(pl.col(area) == row[area]).sort("_line")
        other = values.filter(
            (pl.col("value").fill_null("") != values["value"].fill_null("")[0])
            | (pl.col("status") != values["status"][0])
        )["_line"][0]
        table.fail(
            other,
            column,
            f"le taux de {row[area]} diffère de celui de la ligne {first} : un territoire n'a qu'un taux publié.",
        )
    return (
        part.sort("_line")
        .unique(subset=[area], keep="first", maintain_order=True)
        .select(
            pl.lit(str(level)).alias("level"),
            pl.col(area).alias("code"),
            pl.lit(TXCOUV.total).alias("variable"),
            "year",
            "value",
            "status",
            "incomplete",
            "_line",
        )
    )
