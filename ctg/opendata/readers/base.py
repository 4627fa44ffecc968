"""What every reader shares: decoding, splitting, code checks and typing of value cells.

Quirks handled once here: UTF-8 with or without BOM (UTF-16 and Latin-1 are refused with the line of the first
bad byte), CRLF or LF line ends, `;` (or tab, or `,`) separators, quoted fields, ragged or truncated lines,
blank trailing lines, duplicate or empty column names, comma decimals and space thousands separators.
"""

import csv
import dataclasses
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
