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
    # The producer publishes one file of every year (one row per area and year): the floor is per year present.
    per_year: bool = False

    @functools.cached_property
    def shapes(self) -> frozenset[str]:
        return frozenset(column_shape(name) for name in self.columns)

    def rows_needed(self, levels: list[str], years: int = 1) -> int:
        needed = [self.min_rows[level] for level in levels if level in self.min_rows]
        floor = max(needed) if needed else self.min_rows.get("*", 1)
        return floor * max(years, 1) if self.per_year else floor


def _cnaf_editions() -> list[Edition]:
    """The data.caf.fr exports (layouts in ctg.opendata.readers.cnaf and cnaf_allocataires), one row per area and
    year. Floors per year: the commune coverage file covers communes of more than 10,000 inhabitants only (about
    1,000); EPCI about 1,250; départements about 101; France 1. The all-commune files (TAUXCOUV, allocataires
    par commune) cover about 35,000 communes."""
    editions = []
    floors = {"nat": 1, "dep": 90, "epci": 1_000, "com": 800}
    labels = {"nat": "France", "dep": "départements", "epci": "EPCI", "com": "communes de plus de 10 000 habitants"}
    keys = {"nat": (), "dep": ("numdep", "nomdep"), "epci": ("numepci", "nomepci"), "com": ("numcom", "nomcom")}
    for scale in ("nat", "dep", "epci", "com"):
        editions.append(
            Edition(
                "cnaf_txcouv",
                f"Cnaf, taux de couverture petite enfance txcouv_pe_{scale} ({labels[scale]})",
                (*keys[scale], "annee", f"txcouv_{scale}", f"txcouv_eaje_{scale}", f"txcouv_am_ind_{scale}"),
                {"*": floors[scale]},
                per_year=True,
            )
        )
        if scale != "nat":
            editions.append(
                Edition(
                    "cnaf_nbpla",
                    f"Cnaf, places d'accueil petite enfance nbpla_pe_{scale} ({labels[scale]})",
                    (*keys[scale], "annee", f"tot_offre_{scale}", f"pl_eaje_{scale}", f"pl_am_ind_{scale}"),
                    {"*": floors[scale]},
                    per_year=True,
                )
            )
    editions += [
        Edition(
            "cnaf_tauxcouv",
            "Cnaf, taux de couverture par commune (TAUXCOUV, toutes communes)",
            ("NUM_COM", "NOM_COM", "NUM_EPCI", "NOM_EPCI", "tauxcouv_com"),
            {"*": 30_000},
        ),
        Edition(
            "caf_allocataires",
            "CAF, allocataires par commune (NUMCOM, DTREF)",
            ("NUMCOM", "DTREF", "NB_Allocataires"),
            {"*": 30_000},
            per_year=True,
        ),
        Edition(
            "caf_allocataires",
            "CAF, allocataires par commune (Codes_Insee, année dans le nom du fichier)",
            ("Codes_Insee", "NB_Allocataires"),
            {"*": 30_000},
        ),
        Edition(
            "caf_allocataires",
            "CAF, allocataires par EPCI (NUMEPCI, DTREF)",
            ("NUMEPCI", "DTREF", "NB_Allocataires"),
            # A commune file carries NUMEPCI too: at another level, it needs the communes' floor.
            {GeoLevel.EPCI: 1_000, "*": 30_000},
            per_year=True,
        ),
    ]
    return editions


CNAF_EDITIONS = _cnaf_editions()

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
        "CAF, données à l'IRIS (éditions 2016-2017 : libellés, APRES50 et APRES100)",
        ("CODGEO", "LIBGEO", "DEPCOM", "LIBCOM", "EPCI", "REG", "A", "PERCOU", "ENF", "ARSAS", "APRES50", "APRES100"),
        {"*": 10_000},
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
    *CNAF_EDITIONS,
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
    years = parsed.cells["year"].n_unique() if parsed.cells is not None and parsed.cells.height else 1
    reasons = []
    for edition in candidates:
        missing = [name for name in edition.columns if column_shape(name) not in shapes]
        needed = edition.rows_needed(parsed.levels, years)
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
