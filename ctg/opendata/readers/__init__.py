"""Readers of the published open-data formats. Each reader owns the quirks of its format and nothing else.

Contract: a reader turns a file as published into a `ParsedFile`: the provenance of the file and a long table
of cells (level, code, variable, year, value, status, incomplete, line). Values are decimal strings with six
decimals; secret and missing cells carry a status and no value. A file that cannot be read raises
`DatasetError` (the shared `ctg.core.imports.ImportRefused`) whose problems name the file, the line, the column
and the reason in French; no other exception escapes, whatever the bytes. Every reader is linear in its input:
the bounds on bytes, rows, columns and cell length (`base.MAX_*`) are checked before the file is split into
cells. Readers never touch the database, except the CAF reader which needs the IRIS reference to roll IRIS up to
communes.

One module per format (insee, filosofi, iris, caf, cnaf, cnaf_allocataires, tidy); the quirks common to all are in
`base`. This module detects the format from the header and dispatches, records the geography year of the file
(`geography_year_of`), and, when given the referential's history, brings commune codes of an earlier geography
to today's communes (ctg.opendata.geography).
"""

import re
from collections.abc import Callable
from pathlib import Path

import polars as pl

from ctg.opendata.enums import GeoLevel
from ctg.opendata.geography import (
    CommuneHistory,
    GeographyReport,
    check_epci_perimeters,
    harmonise_communes,
    perimeter_series,
)
from ctg.opendata.readers.base import (
    FRANCE_METRO_CODE,
    MAX_BYTES,
    DatasetError,
    ParsedFile,
    Table,
    parse_text,
    problem,
    quoted,
    read_table,
)
from ctg.opendata.readers.caf import CAF_CODE_COLUMNS, CAF_MARKERS, CAF_TEXT_COLUMNS, CAF_VARIABLES, read_caf_iris
from ctg.opendata.readers.cnaf import FAMILIES as CNAF_FAMILIES
from ctg.opendata.readers.cnaf import cnaf_family_of, read_cnaf_family, read_tauxcouv
from ctg.opendata.readers.cnaf_allocataires import is_allocataires_file, read_caf_allocataires
from ctg.opendata.readers.filosofi import read_filosofi
from ctg.opendata.readers.insee import COMPARATEUR_RE, INSEE_TEXT_COLUMNS, insee_variable_year, read_insee
from ctg.opendata.readers.iris import read_iris_reference
from ctg.opendata.readers.tidy import read_tidy

__all__ = [
    "FORMATS",
    "FRANCE_METRO_CODE",
    "MAX_BYTES",
    "DatasetError",
    "ParsedFile",
    "Table",
    "detect_format",
    "insee_variable_year",
    "parse_text",
    "read_file",
]

FORMATS = {
    "iris_reference": "INSEE – référentiel des IRIS",
    "insee_comparateur": "INSEE – base comparateur de territoires",
    "insee_dossier_complet": "INSEE – dossier complet",
    "filosofi_disp": "INSEE – Filosofi, revenus disponibles (DISP)",
    "caf_iris": "CAF – données à l'IRIS",
    "cnaf_txcouv": "Cnaf – taux de couverture petite enfance (txcouv_pe_nat, _dep, _epci, _com)",
    "cnaf_nbpla": "Cnaf – places d'accueil petite enfance (nbpla_pe_dep, _epci, _com)",
    "cnaf_tauxcouv": "Cnaf – taux de couverture par commune (TAUXCOUV<année>.csv)",
    "caf_allocataires": "CAF – allocataires et prestations par commune ou par EPCI",
    "tidy": "Données locales (code_geo;niveau;variable;annee;valeur)",
}


def detect_format(header: list[str], file_name: str = "") -> str | None:
    names = set(header)
    lowered = file_name.lower()
    first = header[0] if header else ""
    if {"CODE_IRIS", "TYP_IRIS", "DEPCOM"} <= names:
        return "iris_reference"
    if (cnaf := cnaf_family_of(header)) is not None:
        return cnaf
    if is_allocataires_file(header):
        return "caf_allocataires"
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


def geography_year_of(parsed: ParsedFile) -> int | None:
    """The COG year a file is published on: the year of its edition (Filosofi 2019 → 2019, CAF IRIS 2020 → 2020,
    INSEE comparateur or dossier complet 2025 → COG 2025, IRIS reference 2021 → 2021). A file spanning several
    years (CNAF series) has the geography of each year: None. Local data is on today's geography: None."""
    if parsed.format == "tidy":
        return None
    match = re.fullmatch(r"(?:édition )?(\d{4})", parsed.vintage)
    return int(match.group(1)) if match else None


def read_file(
    path: Path,
    *,
    format: str | None = None,
    file_name: str | None = None,
    iris_to_commune: Callable[[], dict[str, str]] = dict,
    commune_history: Callable[[], CommuneHistory] | None = None,
    perimeter_context: Callable[[list[tuple[str, int]]], tuple[dict[str, str], pl.DataFrame]] | None = None,
    max_bytes: int = MAX_BYTES,
) -> ParsedFile:
    """Read and validate a whole file; raise DatasetError on the first structural fault.

    `max_bytes` bounds the size on disk (uploads pass settings.UPLOAD_MAX_SIZE; see the limits in `base`).
    `commune_history` (ctg.opendata.geography.stored_commune_history for an import) brings the file's communes to
    today's geography; without it, codes are kept as published. `perimeter_context` (ctg.opendata.geography:
    today's commune → EPCI and the stored commune counts of the given series) checks the EPCI cells of a file that
    carries a perimeter count (Filosofi NBMENyy) against today's members: see `check_epci_perimeters`."""
    parsed = _read_format(
        path, format=format, file_name=file_name, iris_to_commune=iris_to_commune, max_bytes=max_bytes
    )
    parsed.geography_year = geography_year_of(parsed)
    if commune_history is not None and parsed.cells is not None:
        parsed.cells, report = harmonise_communes(
            parsed.cells, commune_history(), file_format=parsed.format, geography_year=parsed.geography_year
        )
        parsed.geography = report.as_metadata()
    if perimeter_context is not None and parsed.cells is not None and GeoLevel.EPCI.value in parsed.levels:
        series = perimeter_series(parsed.cells)
        if series:
            membership, stored = perimeter_context(series)
            parsed.cells, flags = check_epci_perimeters(
                parsed.cells, membership=membership, stored_communes=stored, geography_year=parsed.geography_year
            )
            report = GeographyReport(**parsed.geography) if parsed.geography else GeographyReport()
            report.geography_year = parsed.geography_year
            report.epci_perimeters = [flag.summary() for flag in flags]
            parsed.geography = report.as_metadata()
    return parsed


def _read_format(
    path: Path,
    *,
    format: str | None,
    file_name: str | None,
    iris_to_commune: Callable[[], dict[str, str]],
    max_bytes: int,
) -> ParsedFile:
    table = read_table(path, file_name, max_bytes=max_bytes)
    if format is None:
        format = detect_format(table.header, table.file_name)
        if format is None:
            raise DatasetError(
                problem(
                    table.file_name,
                    f"format non reconnu d'après l'en-tête (« {quoted(';'.join(table.header[:4]))} »). Précisez le "
                    f"format parmi : {', '.join(FORMATS)}.",
                    line=1,
                )
            )
    elif format not in FORMATS:
        raise DatasetError(
            problem(table.file_name, f"format « {quoted(format)} » inconnu (formats : {', '.join(FORMATS)}).")
        )
    if format == "iris_reference":
        return read_iris_reference(table)
    if format in ("insee_comparateur", "insee_dossier_complet"):
        return read_insee(table, layout=format)
    if format == "filosofi_disp":
        return read_filosofi(table)
    if format == "caf_iris":
        return read_caf_iris(table, iris_to_commune=iris_to_commune)
    if format in CNAF_FAMILIES:
        return read_cnaf_family(table, format=format)
    if format == "cnaf_tauxcouv":
        return read_tauxcouv(table)
    if format == "caf_allocataires":
        return read_caf_allocataires(table)
    return read_tidy(table)
