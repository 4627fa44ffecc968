"""Import of an offer of services from a CSV file.

Columns (header on the first line, names as below, any order; separator « ; » or « , »; encoding as every CSV
import reads it, see ctg.core.imports.decode_text: UTF-8 with or without BOM, or a file wholly in Windows-1252 as
saved by spreadsheet software):

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
its line and column (`OfferImportError`, the shared ImportRefused). The simulation (dry run) runs the very same
writes and validations inside a transaction that is then rolled back: it refuses exactly what the real import
refuses. A real import writes its security journal entry (who, from which address, what it did).

Limits, checked on the raw bytes and text before the file is split: `MAX_BYTES` (settings.UPLOAD_MAX_SIZE),
`MAX_ROWS` data lines, `MAX_COLUMNS` columns, `MAX_CELL_CHARS` characters per cell. A UTF-16 file is named as
such, a file mixing encodings refused with its line; a cell holding a control character (NUL included) is refused
with its line and column.
"""

import csv
import dataclasses
import io
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from ctg.accounts.enums import SecurityEventKind
from ctg.accounts.journal import security_event_record
from ctg.accounts.models import User
from ctg.conventions.models import Convention
from ctg.core.imports import ImportProblem, ImportRefused, ImportReport, decode_text, quoted
from ctg.core.text import control_character_message
from ctg.offer.enums import OfferKind
from ctg.offer.models import OfferItem
from ctg.offer.services import offer_item_create, offer_item_update
from ctg.territories.models import Commune

REQUIRED_COLUMNS = ["type", "nom", "code_commune", "source", "annee_reference"]
OPTIONAL_COLUMNS = ["capacite", "gestionnaire", "annee_ouverture", "communes_couvertes"]
MAX_ROWS = 10_000
MAX_COLUMNS = 50
MAX_CELL_CHARS = 1_000
# Counts and years: nine digits are plenty, and far below Python's limit on the digits of an integer.
MAX_DIGITS = 9
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


# The refusal of an offer file: the refusal every importer raises, under the name offer callers know.
OfferImportError = ImportRefused


def _problem(line: int, column: str, message: str) -> ImportProblem:
    return ImportProblem(message, line=line, column=column)


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
    if len(content) > settings.UPLOAD_MAX_SIZE:
        limit = settings.UPLOAD_MAX_SIZE
        size = f"{limit // (1024 * 1024)} Mo" if limit >= 1024 * 1024 else f"{limit} octets"
        raise _refused(f"le fichier dépasse la taille autorisée ({size}).")
    return decode_text(content)


def _refused(message: str, line: int = 1, column: str = "") -> ImportRefused:
    return OfferImportError(_problem(line, column, message))


def _check_bounds(text: str) -> None:
    """Rows and columns are counted on the text, before the csv module splits anything."""
    if not text.strip():
        raise _refused("le fichier est vide.")
    first_line = text.split("\n", 1)[0]
    if max(first_line.count(";"), first_line.count(",")) >= MAX_COLUMNS:
        raise _refused(f"l'en-tête compte plus de {MAX_COLUMNS} colonnes : ce n'est pas un fichier d'offre.")
    if text.rstrip().count("\n") > MAX_ROWS:
        raise _refused(f"le fichier dépasse {MAX_ROWS} lignes : découpez-le.", MAX_ROWS + 2)


def _int_or_none(value: str, *, line: int, column: str, errors: list) -> int | None:
    value = value.strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    if not value:
        return None
    if not re.fullmatch(r"[0-9]+", value):
        errors.append(_problem(line, column, f"« {quoted(value)} » n'est pas un nombre entier positif."))
        return None
    if len(value.lstrip("0")) > MAX_DIGITS:
        errors.append(_problem(line, column, f"« {quoted(value)} » est trop grand ({MAX_DIGITS} chiffres au plus)."))
        return None
    return int(value)


def _header(reader: csv.DictReader) -> list[str]:
    header = [h.strip().casefold() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        names = ", ".join(f"« {c} »" for c in missing)
        raise _refused(f"colonne(s) obligatoire(s) absente(s) : {names}.")
    unknown = [c for c in header if c and c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        names = ", ".join(f"« {quoted(c)} »" for c in unknown)
        raise _refused(f"colonne(s) inconnue(s) : {names}.")
    repeated = sorted({c for c in header if c and header.count(c) > 1})
    if repeated:
        raise _refused(f"colonne(s) en double : {', '.join(f'« {c} »' for c in repeated)}.")
    return header


def _cell_problems(cells: dict[str, str], line: int) -> list[ImportProblem]:
    """Cells too long or holding a control character, each with its line and column."""
    problems = []
    for column, value in cells.items():
        if len(value) > MAX_CELL_CHARS:
            problems.append(_problem(line, column, f"la cellule dépasse {MAX_CELL_CHARS} caractères."))
        elif (message := control_character_message(value)) is not None:
            problems.append(_problem(line, column, message))
    return problems


def read_offer_csv(*, convention: Convention, content: bytes) -> list[_Row]:
    """Parse and validate every line; raises OfferImportError listing all the errors found."""
    text = _decode(content)
    _check_bounds(text)
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        reader.fieldnames = _header(reader)
    except csv.Error:
        raise _refused(f"une cellule dépasse {MAX_CELL_CHARS} caractères (guillemet non refermé ?).") from None
    communes = {c.code: c for c in Commune.objects.filter(epci_id=convention.epci_id)}
    errors: list[ImportProblem] = []
    rows: list[_Row] = []
    seen: dict[tuple, int] = {}
    line = reader.line_num + 1
    try:
        for raw in reader:
            if None in raw:
                errors.append(_problem(line, "", "la ligne compte plus de valeurs que l'en-tête."))
            elif (row := _read_row(raw, line, convention, communes, errors)) is not None:
                if row.key in seen:
                    errors.append(_problem(line, "nom", f"même type, commune et nom qu'à la ligne {seen[row.key]}."))
                else:
                    seen[row.key] = line
                    rows.append(row)
            # A quoted cell may span lines: the next row starts after the last line read.
            line = reader.line_num + 1
    except csv.Error:
        # DictReader counts lines after each row only: its inner reader knows where it stopped.
        message = f"une cellule dépasse {MAX_CELL_CHARS} caractères (guillemet non refermé ?)."
        errors.append(_problem(reader.reader.line_num, "", message))
    if errors:
        raise OfferImportError(errors)
    return rows


def _read_row(raw: dict, line: int, convention: Convention, communes: dict, errors: list) -> _Row | None:
    """One line typed into a _Row; its problems are appended to `errors` and None returned."""
    cells = {k: (v or "").strip() for k, v in raw.items()}
    if not any(cells.values()):
        return None
    line_errors = _cell_problems(cells, line)
    if line_errors:
        errors.extend(line_errors)
        return None
    kind = _KIND_LOOKUP.get(cells["type"].casefold()) if cells["type"] else None
    if kind is None:
        line_errors.append(_problem(line, "type", f"type d'équipement inconnu : « {quoted(cells['type'])} »."))
    if not cells["nom"]:
        line_errors.append(_problem(line, "nom", "le nom est obligatoire."))
    commune = communes.get(cells["code_commune"])
    if commune is None:
        line_errors.append(
            _problem(
                line,
                "code_commune",
                f"la commune « {quoted(cells['code_commune'])} » n'appartient pas à l'EPCI {convention.epci.name}.",
            )
        )
    if not cells["source"]:
        line_errors.append(_problem(line, "source", "la source est obligatoire."))
    capacity = _int_or_none(cells.get("capacite", ""), line=line, column="capacite", errors=line_errors)
    opening_year = _int_or_none(
        cells.get("annee_ouverture", ""), line=line, column="annee_ouverture", errors=line_errors
    )
    reference_year = _int_or_none(cells["annee_reference"], line=line, column="annee_reference", errors=line_errors)
    if reference_year is None and not any(e.column == "annee_reference" for e in line_errors):
        line_errors.append(_problem(line, "annee_reference", "l'année de référence est obligatoire."))
    covered = []
    for code in re.split(r"[|\s]+", cells.get("communes_couvertes", "")):
        if not code:
            continue
        if code not in communes:
            line_errors.append(
                _problem(
                    line,
                    "communes_couvertes",
                    f"la commune « {quoted(code)} » n'appartient pas à l'EPCI {convention.epci.name}.",
                )
            )
        else:
            covered.append(communes[code])
    if line_errors or kind is None or commune is None or reference_year is None:
        errors.extend(line_errors)
        return None
    return _Row(
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
    *,
    convention: Convention,
    content: bytes,
    file_name: str = "",
    dry_run: bool = False,
    by: User | None = None,
    ip_address: str | None = None,
) -> ImportReport:
    """Import an offer CSV into the convention; all or nothing. Raises OfferImportError on any error.

    A dry run performs every write, with the services' validations, then rolls them back. A real import is
    journaled for `by` from `ip_address`."""
    rows = read_offer_csv(convention=convention, content=content)
    # Locked until the end of the import: nobody changes an item between its comparison and its update.
    existing = {
        (item.kind, item.commune_id, item.name.casefold()): item
        for item in OfferItem.objects.select_for_update()
        .filter(convention=convention)
        .prefetch_related("covered_communes")
    }
    report = ImportReport(read=len(rows), dry_run=dry_run)
    errors: list[ImportProblem] = []
    for row in rows:
        try:
            _write_row(row, existing.get(row.key), convention=convention, report=report, by=by)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items() if hasattr(exc, "error_dict") else [("", exc.messages)]:
                for message in messages:
                    errors.append(_problem(row.line, FIELD_COLUMNS.get(field, ""), message))
    if errors:
        # Raising inside the atomic block rolls back every line already written.
        raise OfferImportError(errors)
    if dry_run:
        transaction.set_rollback(True)
    else:
        security_event_record(
            kind=SecurityEventKind.IMPORT,
            user=by,
            convention=convention,
            detail=f"Offre de services {file_name or 'CSV'} : {report.summary()}",
            ip_address=ip_address,
        )
    return report


def _write_row(row: _Row, item: OfferItem | None, *, convention: Convention, report: ImportReport, by) -> None:
    # The services' keyword arguments, each typed by the _Row field it comes from.
    fields: dict[str, Any] = {
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
    if item is None:
        offer_item_create(convention=convention, by=by, **fields)
        report.created += 1
    elif _unchanged(item, row, {c.code for c in item.covered_communes.all()}):
        report.unchanged += 1
    else:
        offer_item_update(item=item, expected_version=item.version, by=by, **fields)
        report.updated += 1
