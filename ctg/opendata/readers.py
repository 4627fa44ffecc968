"""Readers of the published open-data formats. Each reader owns the quirks of its format and nothing else.

Contract: a reader turns a file as published into a `ParsedFile`: the provenance of the file and a long table
of cells (level, code, variable, year, value, status, incomplete, line). Values are decimal strings with six
decimals; secret and missing cells carry a status and no value. A file that cannot be read raises
`DatasetError` whose message names the file, the line, the column and the reason in French. Readers never
touch the database, except the CAF reader which needs the IRIS reference to roll IRIS up to communes.

Shared quirks handled once in `read_table`: UTF-8 with or without BOM (UTF-16 and Latin-1 are refused with
the line of the first bad byte), CRLF or LF line ends, `;` (or tab, or `,`) separators, ragged or truncated
lines, blank trailing lines, duplicate or empty column names.
"""

import csv
import dataclasses
import re
from collections.abc import Callable
from pathlib import Path

import polars as pl

from ctg.opendata.enums import GeoLevel, ObservationStatus

VALUE_DTYPE = pl.Decimal(20, 6)
MAX_ERRORS = 20
# Codes of each level; IRIS codes are the commune code followed by four digits ("0000" for a commune not split).
CODE_PATTERNS = {
    GeoLevel.IRIS: r"^(?:\d{5}|2[AB]\d{3})\d{4}$",
    GeoLevel.COMMUNE: r"^(?:\d{5}|2[AB]\d{3})$",
    GeoLevel.EPCI: r"^\d{9}$",
    GeoLevel.DEPARTEMENT: r"^(?:\d{2,3}|2[AB])$",
    GeoLevel.REGION: r"^\d{2}$",
    GeoLevel.FRANCE: r"^[A-Z]{2,8}$",
}
CODE_HINTS = {
    GeoLevel.IRIS: "9 caractères : code commune puis 4 chiffres",
    GeoLevel.COMMUNE: "5 caractères, zéro initial compris",
    GeoLevel.EPCI: "SIREN à 9 chiffres",
    GeoLevel.DEPARTEMENT: "2 ou 3 caractères, zéro initial compris",
    GeoLevel.REGION: "2 chiffres",
    GeoLevel.FRANCE: "FR ou FRMETRO",
}
# Filosofi publishes metropolitan France only: it is stored under its own code, never as the whole of France.
FRANCE_METRO_CODE = "FRMETRO"
NUMBER_PATTERN = r"^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$"
# Spaces, non-breaking spaces and narrow non-breaking spaces used as thousands separators.
THOUSANDS_PATTERN = "[ \u00a0\u202f]"


class DatasetError(Exception):
    """A file cannot be imported. `errors` lists French messages naming file, line, column and reason."""

    def __init__(self, errors):
        self.errors = [errors] if isinstance(errors, str) else list(errors)
        super().__init__(self.errors[0] if len(self.errors) == 1 else " ; ".join(self.errors[:3]))


@dataclasses.dataclass
class Table:
    """A CSV file decoded and split: strings only, with the file line number of each row."""

    file_name: str
    header: list[str]
    frame: pl.DataFrame  # one String column per header name, plus "_line"

    def column_number(self, name: str) -> int:
        return self.header.index(name) + 1

    def fail(self, line: int, column: str | None, reason: str):
        raise DatasetError(self.locate(line, column, reason))

    def locate(self, line: int, column: str | None, reason: str) -> str:
        where = f"{self.file_name}, ligne {line}"
        if column is not None:
            where += f", colonne {self.column_number(column)} « {column} »"
        return f"{where} : {reason}"


@dataclasses.dataclass
class ParsedFile:
    format: str
    producer: str
    title: str
    vintage: str
    licence: str
    rows_read: int
    cells: pl.DataFrame | None = None  # level, code, variable, year, value, status, incomplete
    iris_zones: pl.DataFrame | None = None  # code, commune_code, name, kind (IRIS reference only)
    levels: list[str] = dataclasses.field(default_factory=list)


LICENCE_OUVERTE = "Licence Ouverte / Open Licence 2.0"


# --- Shared file reading -------------------------------------------------------------------------------------


def decode(raw: bytes, file_name: str) -> str:
    """UTF-8 text without BOM; any other encoding is refused with the line of the first bad byte."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(raw) > 3 and (raw[1:2] == b"\x00" or raw[0:1] == b"\x00")):
        raise DatasetError(
            f"{file_name}, ligne 1 : le fichier est encodé en UTF-16. Enregistrez-le en UTF-8 (CSV UTF-8) "
            "puis importez-le à nouveau."
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise DatasetError(
            f"{file_name}, ligne {line} : caractère illisible (octet {raw[exc.start]:#04x}) : le fichier n'est pas "
            "encodé en UTF-8 (probablement Latin-1 / Windows-1252). Enregistrez-le en UTF-8 puis importez-le à "
            "nouveau."
        ) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise DatasetError(f"{file_name}, ligne {line} : caractère nul : ce n'est pas un fichier texte CSV.")
    return text


def read_table(path: Path, file_name: str | None = None) -> Table:
    path = Path(path)
    file_name = file_name or path.name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DatasetError(f"{file_name} : fichier illisible ({exc.strerror}).") from None
    return parse_text(decode(raw, file_name), file_name)


def parse_text(text: str, file_name: str) -> Table:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines or not lines[0].strip():
        raise DatasetError(f"{file_name}, ligne 1 : le fichier est vide ou n'a pas de ligne d'en-tête.")
    first = lines[0]
    separator = ";" if ";" in first else "\t" if "\t" in first else ","
    if '"' in text:
        rows = list(csv.reader(lines, delimiter=separator))
    else:
        rows = [line.split(separator) for line in lines]
    header = [name.strip() for name in rows[0]]
    for index, name in enumerate(header):
        if not name:
            raise DatasetError(f"{file_name}, ligne 1, colonne {index + 1} : nom de colonne vide.")
        if name in header[:index]:
            raise DatasetError(f"{file_name}, ligne 1, colonne {index + 1} : la colonne « {name} » est en double.")
    width = len(header)
    data_rows, line_numbers = [], []
    for number, row in enumerate(rows[1:], start=2):
        if len(row) == 1 and not row[0].strip():
            raise DatasetError(f"{file_name}, ligne {number} : ligne vide au milieu du fichier.")
        if len(row) != width:
            reason = "ligne tronquée ?" if len(row) < width else "séparateur en trop dans une valeur ?"
            raise DatasetError(
                f"{file_name}, ligne {number} : {len(row)} champs au lieu de {width} attendus ({reason})."
            )
        data_rows.append(row)
        line_numbers.append(number)
    if not data_rows:
        raise DatasetError(f"{file_name}, ligne 2 : le fichier ne contient aucune ligne de données.")
    columns = {name: [row[i].strip() for row in data_rows] for i, name in enumerate(header)}
    columns["_line"] = line_numbers
    frame = pl.DataFrame(columns, schema={**dict.fromkeys(header, pl.String), "_line": pl.Int64})
    return Table(file_name=file_name, header=header, frame=frame)


# --- Shared cell handling ------------------------------------------------------------------------------------


def check_codes(table: Table, column: str, level: str, *, unique: bool = True) -> None:
    codes = table.frame[column]
    bad = table.frame.filter(~codes.str.contains(CODE_PATTERNS[level]))
    if bad.height:
        row = bad.row(0, named=True)
        table.fail(
            row["_line"],
            column,
            f"code « {row[column]} » invalide pour le niveau {GeoLevel(level).label} ({CODE_HINTS[level]}). "
            "Un code a-t-il perdu son zéro initial à l'ouverture dans un tableur ?",
        )
    if unique:
        duplicated = table.frame.filter(codes.is_duplicated())
        if duplicated.height:
            code = duplicated[column][0]
            lines = duplicated.filter(pl.col(column) == code)["_line"].to_list()
            table.fail(lines[1], column, f"le code « {code} » figure déjà ligne {lines[0]} (code en double).")


def melt_values(
    table: Table,
    *,
    code_column: str,
    variables: dict[str, int],
    level: str | pl.Expr,
    secret_markers: set[str],
    missing_markers: set[str],
) -> pl.DataFrame:
    """Long table of the value columns, each cell typed; text in a number column raises DatasetError.

    `variables` maps each published column to the year its values describe.
    """
    if not variables:
        raise DatasetError(f"{table.file_name}, ligne 1 : aucune colonne de valeurs reconnue.")
    level_expr = level if isinstance(level, pl.Expr) else pl.lit(str(level))
    long = (
        table.frame.select(code_column, "_line", *variables, level_expr.alias("_level"))
        .unpivot(
            index=[code_column, "_line", "_level"], on=list(variables), variable_name="variable", value_name="raw"
        )
        .rename({code_column: "code", "_level": "level"})
    )
    cleaned = pl.col("raw").str.replace_all(THOUSANDS_PATTERN, "").str.replace(",", ".", literal=True)
    long = long.with_columns(
        pl.when(pl.col("raw").is_in(list(secret_markers)))
        .then(pl.lit(ObservationStatus.SECRET.value))
        .when(pl.col("raw").is_in(list(missing_markers)))
        .then(pl.lit(ObservationStatus.MISSING.value))
        .otherwise(pl.lit(ObservationStatus.OK.value))
        .alias("status"),
        cleaned.alias("cleaned"),
    )
    is_ok = pl.col("status") == ObservationStatus.OK.value
    invalid = long.filter(is_ok & ~pl.col("cleaned").str.contains(NUMBER_PATTERN))
    if invalid.height:
        raise DatasetError(
            [
                table.locate(row["_line"], row["variable"], f"« {row['raw']} » n'est pas un nombre.")
                for row in invalid.sort("_line").head(MAX_ERRORS).iter_rows(named=True)
            ]
        )
    long = long.with_columns(
        pl.when(is_ok).then(pl.col("cleaned").cast(VALUE_DTYPE, strict=False).cast(pl.String)).alias("value"),
    )
    too_big = long.filter(is_ok & pl.col("value").is_null())
    if too_big.height:
        row = too_big.row(0, named=True)
        table.fail(row["_line"], row["variable"], f"« {row['raw']} » dépasse la précision enregistrable.")
    years = pl.DataFrame(
        {"variable": list(variables), "year": list(variables.values())}, schema_overrides={"year": pl.Int64}
    )
    return long.join(years, on="variable", how="left").select(
        "level", "code", "variable", "year", "value", "status", pl.lit(False).alias("incomplete"), "_line"
    )


def two_digit_year(digits: str) -> int:
    return 2000 + int(digits) if int(digits) < 70 else 1900 + int(digits)


# --- INSEE comparateur de territoires and dossier complet ---------------------------------------------------

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


# --- INSEE Filosofi, disposable income (DISP) ---------------------------------------------------------------

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
    r"^(?:DISP_)?(?:NBMEN|NBPERS|NBUC|TP60|Q1|Q2|Q3|Q3_Q1|MED|EQ|D[1-9]|RD|S80S20|GI|PACT|PTSA|PCHO|PBEN|PPEN|PPAT"
    r"|PPSOC|PPFAM|PPMINI|PPLOGT|PIMPOT)(?:\d\d)?$"
)
FILOSOFI_LEVEL_LABELS = {
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


# --- IRIS reference ------------------------------------------------------------------------------------------

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


# --- CAF data per IRIS ---------------------------------------------------------------------------------------

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
            f"{table.file_name} : le référentiel des IRIS n'est pas importé. Importez d'abord "
            "data/insee/iris_2021.csv (commande import_dataset)."
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

    Otherwise the commune cell is stored with status missing and `incomplete` set: an aggregate that would
    silently leave out part of the commune is never shown as a figure.
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
        .otherwise(pl.lit(ObservationStatus.MISSING.value))
        .alias("status"),
        (~complete).alias("incomplete"),
        "_line",
    )


# --- Tidy CSV for local data ---------------------------------------------------------------------------------

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
    frame = table.frame
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


# --- Format detection ----------------------------------------------------------------------------------------

FORMATS = {
    "iris_reference": "INSEE – référentiel des IRIS",
    "insee_comparateur": "INSEE – base comparateur de territoires",
    "insee_dossier_complet": "INSEE – dossier complet",
    "filosofi_disp": "INSEE – Filosofi, revenus disponibles (DISP)",
    "caf_iris": "CAF – données à l'IRIS",
    "tidy": "Données locales (code_geo;niveau;variable;annee;valeur)",
}


def detect_format(header: list[str], file_name: str = "") -> str | None:
    names = set(header)
    lowered = file_name.lower()
    first = header[0] if header else ""
    if {"CODE_IRIS", "TYP_IRIS", "DEPCOM"} <= names:
        return "iris_reference"
    if {"code_geo", "niveau", "variable"} & names:
        return "tidy"
    if first == "IRIS" and any(name.startswith("DISP_") for name in names):
        return "filosofi_disp"
    if first == "CODGEO" and any(re.match(r"^(?:Q2|NBMEN)\d\d$", name) for name in names):
        return "filosofi_disp"
    caf_values = [name for name in header[1:] if name not in CAF_TEXT_COLUMNS]
    if first in CAF_CODE_COLUMNS and (
        CAF_MARKERS <= names or (caf_values and all(name in CAF_VARIABLES for name in caf_values))
    ):
        return "caf_iris"
    if first == "CODGEO":
        # INSEE's own file names say which base the file comes from; otherwise the columns decide.
        if "comparateur" in lowered:
            return "insee_comparateur"
        if "dossier_complet" in lowered or "dossier-complet" in lowered:
            return "insee_dossier_complet"
        values = [name for name in header[1:] if name not in INSEE_TEXT_COLUMNS]
        if values and all(COMPARATEUR_RE.match(name) for name in values):
            return "insee_comparateur"
        return "insee_dossier_complet"
    return None


def read_file(
    path: Path,
    *,
    format: str | None = None,
    file_name: str | None = None,
    iris_to_commune: Callable[[], dict[str, str]] = dict,
) -> ParsedFile:
    """Read and validate a whole file; raise DatasetError on the first structural fault."""
    table = read_table(path, file_name)
    if format is None:
        format = detect_format(table.header, table.file_name)
        if format is None:
            raise DatasetError(
                f"{table.file_name}, ligne 1 : format non reconnu d'après l'en-tête "
                f"(« {';'.join(table.header[:4])}… »). Précisez le format parmi : {', '.join(FORMATS)}."
            )
    elif format not in FORMATS:
        raise DatasetError(f"{table.file_name} : format « {format} » inconnu (formats : {', '.join(FORMATS)}).")
    if format == "iris_reference":
        return read_iris_reference(table)
    if format in ("insee_comparateur", "insee_dossier_complet"):
        return read_insee(table, layout=format)
    if format == "filosofi_disp":
        return read_filosofi(table)
    if format == "caf_iris":
        return read_caf_iris(table, iris_to_commune=iris_to_commune)
    return read_tidy(table)
