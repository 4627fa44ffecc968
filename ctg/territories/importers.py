"""Import of the national referential from the Etalab « découpage administratif » files and of boundaries.

Contract: each import reads and validates whole files first, then writes in one transaction. A malformed
file raises ReferentialImportError with a French message naming the file, the entry and the field, and
nothing is written. Running the same files twice changes nothing (0 created, 0 updated).

The referential's history is imported with it: every former commune (`anciensCodes` of the current communes,
delegated and associated communes with their `chefLieu`) and the current commune it belongs to (FormerCommune).
"""

import dataclasses
import gzip
import json
from pathlib import Path

from django.conf import settings
from django.db import connection, models, transaction

from ctg.core.formatting import counted
from ctg.territories.enums import CommuneChangeKind, EpciKind
from ctg.territories.models import EPCI, Commune, Departement, FormerCommune, Region

REFERENTIAL_DIR = Path(settings.DATA_DIR) / "referentiel" / "decoupage-administratif-6.0.0"
# The EPCI file lists, for each member, the population municipale of the INSEE census RP2022
# (equal to P22_POP in the INSEE comparateur de territoires).
EPCI_POPULATION_YEAR = 2022
EPCI_POPULATION_SOURCE = "INSEE, recensement de la population 2022 (population municipale), via DGCL 2026"
COMMUNE_POPULATION_SOURCE = "INSEE, populations légales (découpage administratif Etalab 6.0.0, millésime non précisé)"
EPCI_KINDS = {"CA": EpciKind.CA, "CC": EpciKind.CC, "CU": EpciKind.CU, "METRO": EpciKind.ME, "MET69": EpciKind.ME}
BATCH_SIZE = 2000


class ReferentialImportError(Exception):
    """A file of the referential cannot be imported; the message is meant for the user."""


@dataclasses.dataclass
class ImportCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0

    def __str__(self):
        text = (
            f"{counted(self.created, 'entrée créée')}, {counted(self.updated, 'mise à jour', 'mises à jour')}, "
            f"{counted(self.unchanged, 'inchangée')}"
        )
        return text + (f", {counted(self.skipped, 'ignorée')}" if self.skipped else "")


def load_json(path: Path):
    """Read a JSON or gzip-compressed JSON file; a damaged file raises ReferentialImportError."""
    path = Path(path)
    if not path.exists():
        raise ReferentialImportError(f"Fichier introuvable : {path}. Vérifiez le chemin indiqué.")
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as handle:
            return json.load(handle)
    except json.JSONDecodeError as exc:
        raise ReferentialImportError(
            f"{path.name} : JSON invalide ligne {exc.lineno}, colonne {exc.colno} ({exc.msg}). "
            "Le fichier est peut-être tronqué : téléchargez-le à nouveau."
        ) from None
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise ReferentialImportError(
            f"{path.name} : fichier illisible ({exc}). Le fichier est peut-être tronqué ou n'est pas au bon format."
        ) from None


def _entry_error(file_name: str, index: int, message: str, code=None) -> ReferentialImportError:
    """The error of one entry of a referential file, located by its position and, when known, its code."""
    where = f"{file_name}, entrée n° {index + 1}" + (f" (code {code})" if code is not None else "")
    return ReferentialImportError(f"{where} : {message}")


def _require(entry, field: str, file_name: str, index: int, kind=str):
    if not isinstance(entry, dict):
        raise _entry_error(file_name, index, "un objet JSON est attendu.")
    value = entry.get(field)
    if value is None or value == "":
        raise _entry_error(file_name, index, f"le champ « {field} » est absent ou vide.", entry.get("code", "?"))
    if not isinstance(value, kind):
        raise _entry_error(
            file_name,
            index,
            f"le champ « {field} » n'a pas le type attendu ({type(value).__name__}).",
            entry.get("code", "?"),
        )
    return value


def _expect_list(data, file_name: str):
    if not isinstance(data, list):
        raise ReferentialImportError(f"{file_name} : une liste d'entrées est attendue au premier niveau.")
    return data


@dataclasses.dataclass
class ParsedReferential:
    regions: dict[str, dict]
    departements: dict[str, dict]
    epcis: dict[str, dict]
    communes: dict[str, dict]
    # (former code, current commune code) → name, kind, effective date.
    former_communes: dict[tuple[str, str], dict] = dataclasses.field(default_factory=dict)


def _parse_regions(raw: list) -> dict[str, dict]:
    return {
        _require(entry, "code", "regions.json", i): {"name": _require(entry, "nom", "regions.json", i)}
        for i, entry in enumerate(raw)
    }


def _parse_departements(raw: list, regions: dict) -> dict[str, dict]:
    """Departements keyed by code; each must belong to a region of regions.json."""
    departements = {}
    for i, entry in enumerate(raw):
        code = _require(entry, "code", "departements.json", i)
        region = _require(entry, "region", "departements.json", i)
        if region not in regions:
            raise _entry_error("departements.json", i, f"région « {region} » inconnue.", code)
        departements[code] = {"name": _require(entry, "nom", "departements.json", i), "region_id": region}
    return departements


def _parse_epci(entry, i: int) -> tuple[str, dict]:
    """(SIREN, fields) of one EPCI entry, checked field by field in the order of the messages."""
    siren = _require(entry, "code", "epci.json.gz", i)
    if len(siren) != 9 or not siren.isdigit():
        raise _entry_error("epci.json.gz", i, f"le code « {siren} » n'est pas un SIREN à 9 chiffres.")
    kind = _require(entry, "type", "epci.json.gz", i)
    if kind not in EPCI_KINDS:
        raise _entry_error(
            "epci.json.gz", i, f"type d'EPCI « {kind} » inconnu (attendus : {', '.join(EPCI_KINDS)}).", siren
        )
    population = entry.get("populationMunicipale")
    return siren, {
        "name": _require(entry, "nom", "epci.json.gz", i),
        "kind": EPCI_KINDS[kind],
        "financing": entry.get("modeFinancement") or "",
        "population": population,
        "population_year": EPCI_POPULATION_YEAR if population is not None else None,
    }


def _parse_epcis(raw: list) -> tuple[dict[str, dict], dict[str, tuple]]:
    """EPCIs keyed by SIREN, and their members: commune code → (SIREN, population municipale of the member)."""
    epcis, membership = {}, {}
    for i, entry in enumerate(raw):
        siren, epcis[siren] = _parse_epci(entry, i)
        for j, member in enumerate(_require(entry, "membres", "epci.json.gz", i, kind=list)):
            member_code = _require(member, "code", f"epci.json.gz (EPCI {siren}, membres)", j)
            membership[member_code] = (siren, member.get("populationMunicipale"))
    return epcis, membership


def _commune_population(entry: dict, member_population) -> tuple:
    """(population, year, source) of a commune: the EPCI file's figure has a known census year, so it wins over
    the undated figure of the communes file."""
    if member_population is not None:
        return member_population, EPCI_POPULATION_YEAR, EPCI_POPULATION_SOURCE
    if entry.get("population") is not None:
        return entry["population"], None, COMMUNE_POPULATION_SOURCE
    return None, None, ""


def _parse_commune(entry: dict, i: int, departements: dict, membership: dict) -> tuple[str, dict]:
    """(INSEE code, fields) of one current commune, with its EPCI and population taken from the EPCI file."""
    code = _require(entry, "code", "communes.json.gz", i)
    if len(code) != 5:
        raise _entry_error("communes.json.gz", i, f"le code INSEE « {code} » doit compter 5 caractères.")
    departement = _require(entry, "departement", "communes.json.gz", i)
    if departement not in departements:
        raise _entry_error("communes.json.gz", i, f"département « {departement} » inconnu.", code)
    epci_id, member_population = membership.get(code, (None, None))
    population, year, source = _commune_population(entry, member_population)
    return code, {
        "name": _require(entry, "nom", "communes.json.gz", i),
        "siren": entry.get("siren") or "",
        "departement_id": departement,
        "epci_id": epci_id,
        "postal_codes": entry.get("codesPostaux") or [],
        "population": population,
        "population_year": year,
        "population_source": source,
    }


def _parse_communes(raw: list, departements: dict, membership: dict) -> dict[str, dict]:
    """Current communes keyed by INSEE code."""
    communes = {}
    for i, entry in enumerate(raw):
        if not isinstance(entry, dict):
            raise _entry_error("communes.json.gz", i, "un objet JSON est attendu.")
        # Delegated and associated communes and municipal arrondissements are not communes.
        if entry.get("type") != "commune-actuelle":
            continue
        code, communes[code] = _parse_commune(entry, i, departements, membership)
    return communes


FORMER_TYPES = ("commune-deleguee", "commune-associee")


def _parse_former_communes(raw: list, communes: dict) -> dict[tuple[str, str], dict]:
    """Former communes and the current commune each belongs to, from `anciensCodes` and the delegated and
    associated communes' `chefLieu`. A former code found under several current communes was split between them.
    Entries pointing to a commune absent from the file (an extract of the referential) are left out."""
    names: dict[str, str] = {}
    links: set[tuple[str, str]] = set()
    for entry in raw:
        if entry.get("type") == "commune-actuelle":
            for old in entry.get("anciensCodes") or []:
                links.add((old, entry["code"]))
        elif entry.get("type") in FORMER_TYPES and entry.get("chefLieu"):
            links.add((entry["code"], entry["chefLieu"]))
            names[entry["code"]] = entry.get("nom") or ""
    links = {(old, current) for old, current in links if current in communes}
    owners: dict[str, int] = {}
    for old, _current in links:
        owners[old] = owners.get(old, 0) + 1
    return {
        (old, current): {
            "name": names.get(old, ""),
            "kind": CommuneChangeKind.SPLIT if owners[old] > 1 else CommuneChangeKind.MERGED,
            "effective": None,
        }
        for old, current in sorted(links)
    }


def _check_members(membership: dict, communes: dict) -> None:
    """Every EPCI member must be a current commune: otherwise the two files come from different versions."""
    unknown_members = set(membership) - set(communes)
    if unknown_members:
        sample = ", ".join(sorted(unknown_members)[:5])
        raise ReferentialImportError(
            f"epci.json.gz : {counted(len(unknown_members), 'commune membre absente', 'communes membres absentes')} "
            f"de communes.json.gz ({sample}). "
            "Les deux fichiers doivent venir de la même version du découpage administratif."
        )


def parse_referential(directory: Path = REFERENTIAL_DIR) -> ParsedReferential:
    """Read and validate the four files; returns plain dicts keyed by code, ready to compare with the DB."""
    directory = Path(directory)
    # Every file is read before any is validated: a missing or damaged file is reported first.
    regions_raw = _expect_list(load_json(directory / "regions.json"), "regions.json")
    departements_raw = _expect_list(load_json(directory / "departements.json"), "departements.json")
    communes_raw = _expect_list(load_json(directory / "communes.json.gz"), "communes.json.gz")
    epcis_raw = _expect_list(load_json(directory / "epci.json.gz"), "epci.json.gz")
    regions = _parse_regions(regions_raw)
    departements = _parse_departements(departements_raw, regions)
    # The EPCI file comes before the communes: it gives each commune its EPCI and its dated population.
    epcis, membership = _parse_epcis(epcis_raw)
    communes = _parse_communes(communes_raw, departements, membership)
    _check_members(membership, communes)
    return ParsedReferential(
        regions=regions,
        departements=departements,
        epcis=epcis,
        communes=communes,
        former_communes=_parse_former_communes(communes_raw, communes),
    )


def _sync(model, key: str, rows: dict[str, dict], counts: ImportCounts) -> None:
    """Create missing rows and update changed ones; rows identical to the file are left alone."""
    fields = list(next(iter(rows.values())).keys()) if rows else []
    existing = (
        {obj[key]: obj for obj in model.objects.filter(pk__in=list(rows)).values(key, *fields)}
        if model.objects.exists()
        else {}
    )
    to_create, to_update = [], []
    for code, values in rows.items():
        current = existing.get(code)
        if current is None:
            to_create.append((code, values))
        elif any(current[f] != v for f, v in values.items()):
            to_update.append(model(**{key: code}, **values))
        else:
            counts.unchanged += 1
    _insert_rows(model, key, to_create)
    if to_update:
        model.objects.bulk_update(to_update, fields, batch_size=BATCH_SIZE)
    counts.created += len(to_create)
    counts.updated += len(to_update)


def _insert_rows(model, key: str, rows: list[tuple[str, dict]]) -> None:
    """Insert new rows with one parametrised statement per batch: the ORM's per-object work is the bottleneck
    of a national import, and these rows need no signals or defaults beyond what the file provides."""
    if not rows:
        return
    fields = [key, *rows[0][1].keys()]
    model_fields = [model._meta.get_field(name) for name in fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in model_fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608 (names from the models, values bound)
    json_positions = [i for i, f in enumerate(model_fields) if isinstance(f, models.JSONField)]
    json_fields = {i: model_fields[i] for i in json_positions}
    if connection.vendor == "postgresql":
        # COPY is PostgreSQL's bulk path: an order of magnitude faster than batched INSERTs.
        copy_sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(copy_sql) as copy:
            for code, values in rows:
                row = [code, *values.values()]
                for i in json_positions:
                    row[i] = json.dumps(row[i])
                copy.write_row(row)
        return
    params = []
    for code, values in rows:
        row = [code, *values.values()]
        for i, field in json_fields.items():
            row[i] = field.get_db_prep_save(row[i], connection)
        params.append(row)
    with connection.cursor() as cursor:
        for start in range(0, len(params), BATCH_SIZE):
            cursor.executemany(sql, params[start : start + BATCH_SIZE])


def _sync_former_communes(rows: dict[tuple[str, str], dict], counts: ImportCounts) -> None:
    """Former communes as in the file: new links created, changed ones updated, links the file no longer has
    removed (counted as updated)."""
    existing: dict[tuple[str, str], dict] = {
        (row["code"], row["commune_id"]): dict(row)
        for row in FormerCommune.objects.values("id", "code", "commune_id", "name", "kind", "effective")
    }
    to_create, to_update = [], []
    for (code, commune_id), values in rows.items():
        current = existing.pop((code, commune_id), None)
        if current is None:
            to_create.append(FormerCommune(code=code, commune_id=commune_id, **values))
        elif any(current[field] != value for field, value in values.items()):
            to_update.append(FormerCommune(id=current["id"], code=code, commune_id=commune_id, **values))
        else:
            counts.unchanged += 1
    if existing:
        FormerCommune.objects.filter(id__in=[row["id"] for row in existing.values()]).delete()
    FormerCommune.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    FormerCommune.objects.bulk_update(to_update, ["name", "kind", "effective"], batch_size=BATCH_SIZE)
    counts.created += len(to_create)
    counts.updated += len(to_update) + len(existing)


def import_referential(directory: Path = REFERENTIAL_DIR) -> dict[str, ImportCounts]:
    parsed = parse_referential(directory)
    result = {name: ImportCounts() for name in ("regions", "departements", "epci", "communes", "former_communes")}
    with transaction.atomic():
        _sync(Region, "code", parsed.regions, result["regions"])
        _sync(Departement, "code", parsed.departements, result["departements"])
        _sync(EPCI, "siren", parsed.epcis, result["epci"])
        _sync(Commune, "code", parsed.communes, result["communes"])
        _sync_former_communes(parsed.former_communes, result["former_communes"])
    return result
