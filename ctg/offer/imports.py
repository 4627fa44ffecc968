"""Import of an offer of services from a CSV file.

Columns (header on the first line, names as below, any order; separator « ; » or « , »; UTF-8 with or without
BOM, or Windows-1252 as saved by spreadsheet software):

- type (required): a code (eaje, micro_creche, mam, assistants_maternels, rpe, laep, alsh, accueil_jeunes,
  centre_social, evs, france_services, ludotheque, autre) or its French label;
- nom (required);
- code_commune (required): INSEE code of the commune where the item is located, in the convention's EPCI;
- capacite: number of places, empty when not known (never written as 0 when unknown);
- gestionnaire: organisation that runs the item;
- annee_ouverture: year of opening;
- source (required): where the information comes from;
- annee_reference (required): year the information describes;
- communes_couvertes: relais petite enfance only, INSEE codes separated by « | » or spaces.

An item is identified by (type, commune, nom): an existing one is updated, an identical one left unchanged, so
the same file twice changes nothing. Any error rejects the whole file, nothing is written, and each error names
its line and column.
"""

import csv
import dataclasses
import io
import re

from django.core.exceptions import ValidationError
from django.db import transaction

from ctg.accounts.enums import SecurityEventKind
from ctg.accounts.journal import security_event_record
from ctg.conventions.models import Convention
from ctg.offer.enums import OfferKind
from ctg.offer.models import OfferItem
from ctg.offer.services import offer_item_create, offer_item_update
from ctg.territories.models import Commune

REQUIRED_COLUMNS = ["type", "nom", "code_commune", "source", "annee_reference"]
OPTIONAL_COLUMNS = ["capacite", "gestionnaire", "annee_ouverture", "communes_couvertes"]
MAX_ROWS = 10_000
COLUMNS_HELP = [
    (
        "type",
        True,
        "code ou libellé du type : eaje, micro_creche, mam, assistants_maternels, rpe, laep, alsh, "
        "accueil_jeunes, centre_social, evs, france_services, ludotheque, autre",
    ),
    ("nom", True, "nom de l'équipement ou du service"),
    ("code_commune", True, "code INSEE de la commune d'implantation, dans l'EPCI de la convention"),
    ("capacite", False, "nombre de places ; vide si inconnu (jamais 0 par défaut)"),
    ("gestionnaire", False, "organisation gestionnaire"),
    ("annee_ouverture", False, "année d'ouverture"),
    ("source", True, "origine de l'information"),
    ("annee_reference", True, "année décrite par l'information"),
    ("communes_couvertes", False, "relais petite enfance : codes INSEE des communes couvertes, séparés par « | »"),
]
FIELD_COLUMNS = {
    "kind": "type",
    "name": "nom",
    "commune": "code_commune",
    "capacity": "capacite",
    "manager_name": "gestionnaire",
    "opening_year": "annee_ouverture",
    "source": "source",
    "reference_year": "annee_reference",
    "covered_communes": "communes_couvertes",
}
_KIND_LOOKUP = {
    **{value: value for value in OfferKind.values},
    **{label.casefold(): value for value, label in OfferKind.choices},
}


@dataclasses.dataclass
class ImportProblem:
    line: int
    column: str
    message: str

    def __str__(self):
        where = f"Ligne {self.line}" + (f", colonne « {self.column} »" if self.column else "")
        return f"{where} : {self.message}"


class OfferImportError(Exception):
    def __init__(self, errors: list[ImportProblem]):
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors[:5]))


@dataclasses.dataclass
class OfferImportReport:
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False

    def summary(self) -> str:
        prefix = "Simulation : " if self.dry_run else ""
        return (
            f"{prefix}{self.read} ligne(s) lue(s), {self.created} créée(s), {self.updated} mise(s) à jour, "
            f"{self.unchanged} inchangée(s), 0 rejetée."
        )


@dataclasses.dataclass
class _Row:
    line: int
    kind: str
    name: str
    commune: Commune
    capacity: int | None
    manager_name: str
    opening_year: int | None
    source: str
    reference_year: int
    covered_communes: list[Commune]

    @property
    def key(self):
        return (self.kind, self.commune.code, self.name.casefold())


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="strict")


def _int_or_none(value: str, *, line: int, column: str, errors: list) -> int | None:
    value = value.strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    if not value:
        return None
    if not re.fullmatch(r"[0-9]+", value):
        errors.append(ImportProblem(line, column, f"« {value} » n'est pas un nombre entier positif."))
        return None
    return int(value)


def read_offer_csv(*, convention: Convention, content: bytes) -> list[_Row]:
    """Parse and validate every line; raises OfferImportError listing all the errors found."""
    try:
        text = _decode(content)
    except UnicodeDecodeError:
        raise OfferImportError([ImportProblem(1, "", "le fichier n'est ni en UTF-8 ni en Windows-1252.")]) from None
    if not text.strip():
        raise OfferImportError([ImportProblem(1, "", "le fichier est vide.")])
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [h.strip().casefold() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        names = ", ".join(f"« {c} »" for c in missing)
        raise OfferImportError([ImportProblem(1, "", f"colonne(s) obligatoire(s) absente(s) : {names}.")])
    unknown = [c for c in header if c and c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        names = ", ".join(f"« {c} »" for c in unknown)
        raise OfferImportError([ImportProblem(1, "", f"colonne(s) inconnue(s) : {names}.")])

    communes = {c.code: c for c in Commune.objects.filter(epci_id=convention.epci_id)}
    errors: list[ImportProblem] = []
    rows: list[_Row] = []
    seen: dict[tuple, int] = {}
    for index, raw in enumerate(reader):
        line = index + 2
        if index >= MAX_ROWS:
            errors.append(ImportProblem(line, "", f"le fichier dépasse {MAX_ROWS} lignes."))
            break
        if None in raw:
            errors.append(ImportProblem(line, "", "la ligne compte plus de valeurs que l'en-tête."))
            continue
        cells = {k: (v or "").strip() for k, v in raw.items()}
        if not any(cells.values()):
            continue
        line_errors: list[ImportProblem] = []
        kind = _KIND_LOOKUP.get(cells["type"].casefold()) if cells["type"] else None
        if kind is None:
            line_errors.append(ImportProblem(line, "type", f"type d'équipement inconnu : « {cells['type']} »."))
        if not cells["nom"]:
            line_errors.append(ImportProblem(line, "nom", "le nom est obligatoire."))
        commune = communes.get(cells["code_commune"])
        if commune is None:
            line_errors.append(
                ImportProblem(
                    line,
                    "code_commune",
                    f"la commune « {cells['code_commune']} » n'appartient pas à l'EPCI {convention.epci.name}.",
                )
            )
        if not cells["source"]:
            line_errors.append(ImportProblem(line, "source", "la source est obligatoire."))
        capacity = _int_or_none(cells.get("capacite", ""), line=line, column="capacite", errors=line_errors)
        opening_year = _int_or_none(
            cells.get("annee_ouverture", ""), line=line, column="annee_ouverture", errors=line_errors
        )
        reference_year = _int_or_none(
            cells["annee_reference"], line=line, column="annee_reference", errors=line_errors
        )
        if reference_year is None and not any(e.column == "annee_reference" for e in line_errors):
            line_errors.append(ImportProblem(line, "annee_reference", "l'année de référence est obligatoire."))
        covered = []
        for code in re.split(r"[|\s]+", cells.get("communes_couvertes", "")):
            if not code:
                continue
            if code not in communes:
                line_errors.append(
                    ImportProblem(
                        line,
                        "communes_couvertes",
                        f"la commune « {code} » n'appartient pas à l'EPCI {convention.epci.name}.",
                    )
                )
            else:
                covered.append(communes[code])
        if line_errors:
            errors.extend(line_errors)
            continue
        row = _Row(
            line=line,
            kind=kind,
            name=cells["nom"],
            commune=commune,
            capacity=capacity,
            manager_name=cells.get("gestionnaire", ""),
            opening_year=opening_year,
            source=cells["source"],
            reference_year=reference_year,
            covered_communes=covered,
        )
        if row.key in seen:
            errors.append(ImportProblem(line, "nom", f"même type, commune et nom qu'à la ligne {seen[row.key]}."))
            continue
        seen[row.key] = line
        rows.append(row)
    if errors:
        raise OfferImportError(errors)
    return rows


def _unchanged(item: OfferItem, row: _Row, covered_codes: set[str]) -> bool:
    return (
        item.capacity == row.capacity
        and item.manager_name == row.manager_name
        and item.opening_year == row.opening_year
        and item.source == row.source
        and item.reference_year == row.reference_year
        and item.name == row.name
        and covered_codes == {c.code for c in row.covered_communes}
    )


@transaction.atomic
def offer_import_csv(
    *, convention: Convention, content: bytes, file_name: str = "", dry_run: bool = False, by=None
) -> OfferImportReport:
    """Import an offer CSV into the convention; all or nothing. Raises OfferImportError on any error."""
    rows = read_offer_csv(convention=convention, content=content)
    existing = {
        (item.kind, item.commune_id, item.name.casefold()): item
        for item in OfferItem.objects.filter(convention=convention).prefetch_related("covered_communes")
    }
    report = OfferImportReport(read=len(rows), dry_run=dry_run)
    errors: list[ImportProblem] = []
    for row in rows:
        item = existing.get(row.key)
        fields = {
            "kind": row.kind,
            "name": row.name,
            "commune": row.commune,
            "capacity": row.capacity,
            "manager_name": row.manager_name,
            "opening_year": row.opening_year,
            "source": row.source,
            "reference_year": row.reference_year,
            "covered_communes": row.covered_communes,
        }
        try:
            if item is None:
                report.created += 1
                if not dry_run:
                    offer_item_create(convention=convention, by=by, **fields)
            elif _unchanged(item, row, {c.code for c in item.covered_communes.all()}):
                report.unchanged += 1
            else:
                report.updated += 1
                if not dry_run:
                    offer_item_update(item=item, expected_version=None, by=by, **fields)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items() if hasattr(exc, "error_dict") else [("", exc.messages)]:
                for message in messages:
                    errors.append(ImportProblem(row.line, FIELD_COLUMNS.get(field, ""), message))
    if errors:
        # Raising inside the atomic block rolls back every line already written.
        raise OfferImportError(errors)
    if not dry_run:
        security_event_record(
            kind=SecurityEventKind.IMPORT,
            user=by,
            convention=convention,
            detail=f"Offre de services {file_name or 'CSV'} : {report.summary()}",
        )
    return report
