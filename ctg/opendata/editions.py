"""Known editions of the official files: what the official import path accepts.

An official dataset is national reference data; a file that says it is INSEE's or the CAF's must be one the
producer published. A file is accepted when its SHA-256 is that of a file shipped in `data/` (listed with its
checksum in `data/SHA256SUMS`), or when its layout is that of a known national edition: every column of the
edition is present (column names compared with their year digits replaced, so that a newer vintage of the same
edition matches: `P22_POP` and `P23_POP`, `Q219` and `Q220`) and the file has at least as many rows as the
national edition has territories at that level. An extract, a hand-made or a retouched file is refused here:
figures of a convention's own go to that convention's local data.
"""

import dataclasses
import functools
import re
from pathlib import Path

from django.conf import settings

from ctg.core.formatting import format_count
from ctg.opendata.enums import GeoLevel
from ctg.opendata.readers import FORMATS, DatasetError, ParsedFile

MANIFEST_NAME = "SHA256SUMS"
DIGITS = re.compile(r"\d+")


def column_shape(name: str) -> str:
    """A column name with its digits replaced: the same variable of another vintage has the same shape."""
    return DIGITS.sub("#", name.strip().upper())


@dataclasses.dataclass(frozen=True)
class Edition:
    format: str
    label: str
    columns: tuple[str, ...]
    # Fewest rows of the national file, per level of its cells ("*" for any level).
    min_rows: dict

    @functools.cached_property
    def shapes(self) -> frozenset[str]:
        return frozenset(column_shape(name) for name in self.columns)

    def rows_needed(self, levels: list[str]) -> int:
        needed = [self.min_rows[level] for level in levels if level in self.min_rows]
        return max(needed) if needed else self.min_rows.get("*", 1)


# Columns every published edition carries (taken from the files in data/ and the producers' documentation);
# minimum rows: INSEE publishes about 34,900 communes and 1,250 EPCI; Filosofi covers about 31,000 communes
# (the others are secret and absent) and 12,500 IRIS; the CAF IRIS files about 13,000 IRIS and communes.
EDITIONS = [
    Edition(
        "insee_comparateur",
        "INSEE, base comparateur de territoires (communes)",
        ("CODGEO", "P22_POP", "P16_POP", "SUPERF", "P22_MEN", "P22_LOG", "P22_RP", "P22_LOGVAC", "MED21", "TP6021"),
        {"*": 30_000},
    ),
    Edition(
        "insee_dossier_complet",
        "INSEE, dossier complet (communes)",
        ("CODGEO", "P22_POP0014", "P22_POP1529", "C22_MENPSEUL", "C22_MENFAM", "C22_FAMMONO"),
        {"*": 30_000},
    ),
    Edition(
        "filosofi_disp",
        "INSEE, Filosofi, revenus disponibles (communes, EPCI, départements, régions, France métropolitaine)",
        ("CODGEO", "LIBGEO", "NBMEN19", "NBPERS19", "NBUC19", "Q119", "Q219", "Q319"),
        {
            GeoLevel.COMMUNE: 25_000,
            GeoLevel.EPCI: 1_000,
            GeoLevel.DEPARTEMENT: 90,
            GeoLevel.REGION: 12,
            GeoLevel.FRANCE: 1,
        },
    ),
    Edition(
        "filosofi_disp",
        "INSEE, Filosofi, revenus disponibles à l'IRIS",
        ("IRIS", "LIBIRIS", "COM", "LIBCOM", "DISP_TP6019", "DISP_MED19"),
        {GeoLevel.IRIS: 10_000, "*": 10_000},
    ),
    Edition(
        "caf_iris",
        "CAF, données à l'IRIS",
        ("CODGEO", "A", "PERCOU", "AI", "AM", "ENF", "ENF_2", "AAL", "AAAH", "ARSAS"),
        {"*": 10_000},
    ),
    Edition(
        "iris_reference",
        "INSEE, référentiel des IRIS",
        ("CODE_IRIS", "LIB_IRIS", "TYP_IRIS", "DEPCOM", "LIBCOM"),
        {"*": 45_000},
    ),
]


@functools.cache
def shipped_checksums() -> dict[str, str]:
    """SHA-256 → path of every open-data file shipped in data/, read from its manifest."""
    manifest = Path(settings.DATA_DIR) / MANIFEST_NAME
    checksums = {}
    for line in manifest.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            digest, name = line.split(maxsplit=1)
            checksums[digest] = name.lstrip("*")
    return checksums


def header_of(path: Path) -> list[str]:
    """Column names of a CSV's first line, split like the readers do (`;`, tab or `,`; BOM and quotes removed)."""
    with open(path, "rb") as handle:
        first = handle.readline(1024 * 1024)
    text = first.decode("utf-8", errors="replace").lstrip("\ufeff").rstrip("\r\n")
    separator = ";" if ";" in text else "\t" if "\t" in text else ","
    return [name.strip().strip('"') for name in text.split(separator)]


def edition_check(*, parsed: ParsedFile, sha256: str, header: list[str], file_name: str) -> str:
    """Name the known edition the file belongs to; raise DatasetError (French) when it matches none."""
    shipped = shipped_checksums().get(sha256)
    if shipped is not None:
        return f"fichier livré avec Pilote CTG ({shipped})"
    shapes = {column_shape(name) for name in header}
    candidates = [edition for edition in EDITIONS if edition.format == parsed.format]
    reasons = []
    for edition in candidates:
        missing = [name for name in edition.columns if column_shape(name) not in shapes]
        needed = edition.rows_needed(parsed.levels)
        if not missing and parsed.rows_read >= needed:
            return edition.label
        if missing:
            reasons.append(f"colonnes absentes de « {edition.label} » : {', '.join(missing[:8])}")
        else:
            at_least = format_count(needed)
            reasons.append(
                f"{parsed.rows_read} ligne(s) alors que l'édition nationale « {edition.label} » en compte au moins "
                f"{at_least}"
            )
    claimed = FORMATS.get(parsed.format, parsed.format)
    raise DatasetError(
        f"{file_name} : ce fichier se présente comme « {claimed} » mais ne correspond à aucune édition publiée "
        f"connue ({' ; '.join(reasons) or 'format sans édition officielle'}). Les données officielles ne "
        "s'importent que telles que le producteur les publie, fichier national complet et non retouché. Un extrait "
        "ou des chiffres propres au territoire s'importent comme données locales, depuis la page « Données "
        "locales » de la convention."
    )
