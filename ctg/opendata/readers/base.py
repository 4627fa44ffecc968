"""What every reader shares: bounded decoding and splitting, code checks and typing of value cells.

Quirks handled once here: the encoding (ctg.core.imports.decode_text: UTF-8 with or without BOM, a file wholly in
Latin-1 / Windows-1252 read as such, UTF-16 or mixed encodings refused with their line), CRLF or LF line ends,
`;` (or tab, or `,`) separators, quoted fields, ragged or truncated lines, blank trailing lines, duplicate or empty
column names, comma decimals and space thousands separators. C0 control characters (NUL included) are refused
with their line and column.

Limits, checked before the file is split into cells so that a hostile file is refused in time and memory
linear in its size (a shipped national file is well inside each of them):
- `MAX_BYTES` (1 Gio): size of the file on disk. Uploads are held to `settings.UPLOAD_MAX_SIZE` before they
  reach a reader; this bound is for the command-line imports of national files (the dossier complet of every
  commune is about 35,000 rows × 1,900 columns, a few hundred Mo);
- `MAX_ROWS` (200,000): data lines (Filosofi communes 31,360; CAF IRIS files ~50,000; IRIS reference 49,405);
- `MAX_COLUMNS` (2,500): columns of the header (the dossier complet has ~1,900);
- `MAX_CELL_CHARS` (1,000): characters of one cell or column name (the longest shipped cell has 78).
Every refusal is a `DatasetError` (the shared ImportRefused) whose problems name the file, the line and, where
there is one, the column.
"""

import csv
import dataclasses
from pathlib import Path
from typing import NoReturn

import polars as pl

from ctg.core.formatting import format_count
from ctg.core.imports import ImportProblem, ImportRefused, decode_text, quoted
from ctg.core.text import CONTROL_CHARACTERS, control_character_message
from ctg.opendata.enums import GeoLevel, ObservationStatus

MAX_BYTES = 1024 * 1024 * 1024
MAX_ROWS = 200_000
MAX_COLUMNS = 2_500
MAX_CELL_CHARS = 1_000
VALUE_DTYPE = pl.Decimal(20, 6)
MAX_ERRORS = 20
LINE_COLUMN = "_line"
# Codes of each level; IRIS codes are the commune code followed by four digits ("0000" for a commune not split).
CODE_PATTERNS: dict[str, str] = {
    GeoLevel.IRIS: r"^(?:\d{5}|2[AB]\d{3})\d{4}$",
    GeoLevel.COMMUNE: r"^(?:\d{5}|2[AB]\d{3})$",
    GeoLevel.EPCI: r"^\d{9}$",
    GeoLevel.DEPARTEMENT: r"^(?:\d{2,3}|2[AB])$",
    GeoLevel.REGION: r"^\d{2}$",
    GeoLevel.FRANCE: r"^[A-Z]{2,8}$",
}
CODE_HINTS: dict[str, str] = {
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


def thousands(number: int) -> str:
    return format_count(number)


# The refusal of an open-data file: the refusal every importer raises, under the name open-data callers know.
DatasetError = ImportRefused


def problem(file_name: str, message: str, *, line: int = 0, column_number: int = 0, column: str = "") -> ImportProblem:
    return ImportProblem(message, file=file_name, line=line, column_number=column_number, column=column)


@dataclasses.dataclass
class Table:
    """A CSV file decoded and split: strings only, with the file line number of each row."""

    file_name: str
    header: list[str]
    frame: pl.DataFrame  # one String column per header name, plus "_line"

    def column_number(self, name: str) -> int:
        return self.header.index(name) + 1

    def fail(self, line: int, column: str | None, reason: str) -> NoReturn:
        raise DatasetError(self.locate(line, column, reason))

    def locate(self, line: int, column: str | None, reason: str) -> ImportProblem:
        if column is None:
            return problem(self.file_name, reason, line=line)
        return problem(
            self.file_name, reason, line=line, column_number=self.column_number(column), column=quoted(column)
        )


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
    # Rows of the file that are not areas (placeholders such as "XX", residents abroad), left out by the reader.
    dropped_rows: int = 0
    # The year of the communes' geography the file is published on (None: each year its own, or not territorial).
    geography_year: int | None = None
    # What ctg.opendata.geography did to bring commune codes to today's (GeographyReport.as_metadata()).
    geography: dict = dataclasses.field(default_factory=dict)

    @property
    def value_cells(self) -> pl.DataFrame:
        """The cells of a file of values (every format but the IRIS reference, which carries zones)."""
        if self.cells is None:
            raise TypeError(f"A {self.format} file carries no value cells.")
        return self.cells


LICENCE_OUVERTE = "Licence Ouverte / Open Licence 2.0"


def read_table(path: Path, file_name: str | None = None, *, max_bytes: int = MAX_BYTES) -> Table:
    path = Path(path)
    file_name = file_name or path.name
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise DatasetError(
                problem(
                    file_name,
                    f"le fichier pèse {thousands(size)} octets, au-delà de la limite de {thousands(max_bytes)} "
                    "octets. Découpez-le ou ne gardez que les territoires utiles.",
                )
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise DatasetError(problem(file_name, f"fichier illisible ({exc.strerror}).")) from None
    return parse_text(decode_text(raw, file_name), file_name)


def parse_text(text: str, file_name: str) -> Table:
    """Split a decoded CSV into a Table after the bounded checks of the module docstring, in that order."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Trailing blank lines are dropped; the last non-blank line keeps its trailing separators.
    end = len(text.rstrip())
    end = text.find("\n", end)
    body = text if end == -1 else text[:end]
    header_end = body.find("\n")
    first = body if header_end == -1 else body[:header_end]
    if not first.strip():
        raise DatasetError(problem(file_name, "le fichier est vide ou n'a pas de ligne d'en-tête.", line=1))
    separator = ";" if ";" in first else "\t" if "\t" in first else ","
    header = _checked_header(first, separator, file_name)
    data_lines = body.count("\n")
    if data_lines > MAX_ROWS:
        raise DatasetError(
            problem(
                file_name,
                f"le fichier compte {thousands(data_lines)} lignes de données, au-delà de la limite de "
                f"{thousands(MAX_ROWS)}. Découpez-le en plusieurs fichiers.",
                line=MAX_ROWS + 2,
            )
        )
    if data_lines == 0:
        raise DatasetError(problem(file_name, "le fichier ne contient aucune ligne de données.", line=2))
    if (match := CONTROL_CHARACTERS.search(body)) is not None:
        _fail_on_control_character(body, match.start(), header, separator, file_name)
    if '"' in body:
        frame = _split_quoted(body, header, separator, file_name)
    else:
        frame = _split_plain(body[header_end + 1 :], header, separator, file_name)
    _check_cell_lengths(frame, header, file_name)
    return Table(file_name=file_name, header=header, frame=frame)


def _checked_header(first: str, separator: str, file_name: str) -> list[str]:
    """The column names of the first line, refused when too many, too long, empty, reserved or repeated."""
    # Without quotes, counting separators gives the number of columns before anything is split.
    count = first.count(separator) + 1
    if count > MAX_COLUMNS and '"' not in first:
        raise _too_many_columns(file_name, count)
    if len(first) > MAX_COLUMNS * (MAX_CELL_CHARS + 3):
        raise DatasetError(
            problem(file_name, "la ligne d'en-tête est trop longue pour un fichier de données.", line=1)
        )
    try:
        header = [name.strip() for name in next(csv.reader([first], delimiter=separator))]
    except csv.Error:
        raise DatasetError(_cell_too_long(file_name, 1)) from None
    if len(header) > MAX_COLUMNS:
        raise _too_many_columns(file_name, len(header))
    positions: dict[str, int] = {}
    for number, name in enumerate(header, start=1):
        reason = None
        if not name:
            reason = "nom de colonne vide."
        elif len(name) > MAX_CELL_CHARS:
            reason = f"nom de colonne de plus de {thousands(MAX_CELL_CHARS)} caractères."
        elif name == LINE_COLUMN:
            reason = f"« {LINE_COLUMN} » n'est pas un nom de colonne de données publiées."
        elif name in positions:
            reason = f"la colonne « {quoted(name)} » est en double (déjà colonne {positions[name]})."
        if reason is not None:
            raise DatasetError(problem(file_name, reason, line=1, column_number=number))
        positions[name] = number
    return header


def _too_many_columns(file_name: str, count: int) -> DatasetError:
    return DatasetError(
        problem(
            file_name,
            f"l'en-tête compte {thousands(count)} colonnes, au-delà de la limite de {thousands(MAX_COLUMNS)}. "
            "Vérifiez le séparateur, ou ne gardez que les colonnes utiles.",
            line=1,
        )
    )


def _cell_too_long(file_name: str, line: int) -> ImportProblem:
    return problem(
        file_name, f"une cellule dépasse {thousands(MAX_CELL_CHARS)} caractères (guillemet non refermé ?).", line=line
    )


def _fail_on_control_character(
    body: str, position: int, header: list[str], separator: str, file_name: str
) -> NoReturn:
    start = body.rfind("\n", 0, position) + 1
    end = body.find("\n", position)
    line_text = body[start : len(body) if end == -1 else end]
    line = body.count("\n", 0, position) + 1
    # Only the faulty line is split, to name the column.
    try:
        cells = next(csv.reader([line_text], delimiter=separator))
    except csv.Error:
        cells = line_text.split(separator)
    for number, cell in enumerate(cells, start=1):
        message = control_character_message(cell)
        if message is not None:
            name = quoted(header[number - 1]) if number <= len(header) else ""
            raise DatasetError(problem(file_name, message, line=line, column_number=number, column=name))
    raise DatasetError(problem(file_name, control_character_message(line_text) or "", line=line))


def _wrong_width(file_name: str, line: int, count: int, width: int) -> DatasetError:
    reason = "ligne tronquée ?" if count < width else "séparateur en trop dans une valeur ?"
    return DatasetError(problem(file_name, f"{count} champs au lieu de {width} attendus ({reason}).", line=line))


def _split_plain(data: str, header: list[str], separator: str, file_name: str) -> pl.DataFrame:
    """Without quotes, each line is checked by counting its separators, then polars splits the whole text."""
    width = len(header)
    lines = data.split("\n")
    for number, line in enumerate(lines, start=2):
        count = line.count(separator) + 1
        if count == 1 and not line.strip():
            raise DatasetError(problem(file_name, "ligne vide au milieu du fichier.", line=number))
        if count != width:
            raise _wrong_width(file_name, number, count, width)
    frame = pl.read_csv(
        data.encode(),
        has_header=False,
        separator=separator,
        quote_char=None,
        schema=dict.fromkeys(header, pl.String),
        empty_string_is_null=False,
        raise_if_empty=True,
    )
    if frame.height != len(lines):
        raise DatasetError(problem(file_name, f"{frame.height} lignes lues au lieu de {len(lines)}."))
    return frame.select(pl.col(header).str.strip_chars()).with_columns(
        pl.int_range(2, frame.height + 2, dtype=pl.Int64).alias(LINE_COLUMN)
    )


def _split_quoted(body: str, header: list[str], separator: str, file_name: str) -> pl.DataFrame:
    """Quoted fields may hold separators and line ends: the csv module splits them, row by row."""
    width = len(header)
    reader = csv.reader(body.split("\n"), delimiter=separator)
    data_rows: list[list[str]] = []
    line_numbers: list[int] = []
    try:
        next(reader)
        # A quoted field may span lines: each row starts on the line after the last one read.
        number = reader.line_num + 1
        for row in reader:
            if len(row) == 1 and not row[0].strip():
                raise DatasetError(problem(file_name, "ligne vide au milieu du fichier.", line=number))
            if len(row) != width:
                raise _wrong_width(file_name, number, len(row), width)
            data_rows.append(row)
            line_numbers.append(number)
            number = reader.line_num + 1
    except csv.Error:
        # The csv module refuses a field over 131,072 characters, far beyond MAX_CELL_CHARS.
        raise DatasetError(_cell_too_long(file_name, reader.line_num)) from None
    columns: dict[str, list[str] | list[int]] = {
        name: [row[i].strip() for row in data_rows] for i, name in enumerate(header)
    }
    columns[LINE_COLUMN] = line_numbers
    return pl.DataFrame(columns, schema={**dict.fromkeys(header, pl.String), LINE_COLUMN: pl.Int64})


def _check_cell_lengths(frame: pl.DataFrame, header: list[str], file_name: str) -> None:
    longest = frame.select(pl.col(header).str.len_chars().max()).row(0)
    for name, length in zip(header, longest, strict=True):
        if length is not None and length > MAX_CELL_CHARS:
            line = frame.filter(pl.col(name).str.len_chars() > MAX_CELL_CHARS)[LINE_COLUMN][0]
            raise DatasetError(
                problem(
                    file_name,
                    f"la cellule compte {thousands(length)} caractères, au-delà de la limite de "
                    f"{thousands(MAX_CELL_CHARS)}.",
                    line=line,
                    column_number=header.index(name) + 1,
                    column=quoted(name),
                )
            )


def check_codes(table: Table, column: str, level: str, *, unique: bool = True) -> None:
    codes = table.frame[column]
    bad = table.frame.filter(~codes.str.contains(CODE_PATTERNS[level]))
    if bad.height:
        row = bad.row(0, named=True)
        table.fail(
            row["_line"],
            column,
            f"code « {quoted(row[column])} » invalide pour le niveau {GeoLevel(level).label} ({CODE_HINTS[level]}). "
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
        raise DatasetError(problem(table.file_name, "aucune colonne de valeurs reconnue.", line=1))
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
                table.locate(row["_line"], row["variable"], f"« {quoted(row['raw'])} » n'est pas un nombre.")
                for row in invalid.sort("_line").head(MAX_ERRORS).iter_rows(named=True)
            ]
        )
    long = long.with_columns(
        pl.when(is_ok).then(pl.col("cleaned").cast(VALUE_DTYPE, strict=False).cast(pl.String)).alias("value"),
    )
    too_big = long.filter(is_ok & pl.col("value").is_null())
    if too_big.height:
        row = too_big.row(0, named=True)
        table.fail(
            row["_line"],
            row["variable"],
            f"« {quoted(row['raw'])} » dépasse la précision enregistrable (14 chiffres avant la virgule, 6 après).",
        )
    years = pl.DataFrame(
        {"variable": list(variables), "year": list(variables.values())}, schema_overrides={"year": pl.Int64}
    )
    return long.join(years, on="variable", how="left").select(
        "level", "code", "variable", "year", "value", "status", pl.lit(False).alias("incomplete"), "_line"
    )


def two_digit_year(digits: str) -> int:
    return 2000 + int(digits) if int(digits) < 70 else 1900 + int(digits)
