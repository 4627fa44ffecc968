"""Import of the plan workbook (the XLSX export, edited by partners), matching rows with the plan's objects.

Reading is bounded before any cell is parsed (see ctg.plans.workbook_guard): at most 5,000 rows and 60 columns
per sheet, 20 Mo uncompressed, no DTD; then each sheet's declared dimension is checked against the same limits
and the rows are counted as they are read. Numbers are read strictly: amounts and values are plain decimals
(a comma or a point, no exponent, bounded by their database column), `Infinity`, `NaN` or `1e30` are refused;
years and integers are whole numbers (`2e3` is not a year; a cell holding 2024.0 is). Text cells holding a
control character are refused.

Only the three data sheets (actions, funding, indicators) are read: the totals and the lists of allowed values
are there for people and ignored, whatever they hold.

The whole file is read and checked first; any wrong cell rejects the file whole, with the sheet, line, column
and reason in French, and nothing is written. Unchanged lines are left alone (no write, no history). Lines of
the database that the file does not mention are kept: the import adds and updates, it never deletes.

Rows are matched with the plan's objects by their key: an action or an indicator by its code, a funding line by
action, funder, year, nature, scheme and its precision, a target or a measure by indicator and date. The
organisations are those of the convention (signatories and organisations its plan already cites).

No lost update: the export writes, at the end of each row, the version of its object ("Version (ne pas
modifier)"). On import:
- a row without version is a new row: it creates its object; if an object with that key already exists, the
  row must be identical to it (then nothing happens), otherwise it is a conflict;
- a row with a version comes from an export: its object must still exist under that key, and if the row would
  change it, its version must be the stored one; otherwise someone changed the object in the application since
  the export, and the row is a conflict.
A row identical to its object changes nothing, whatever its version. One conflict refuses the whole file, with
the list of conflicting rows; the user exports again and carries their changes over.

Problems and counts use the types every import shares (ctg.core.imports): the refusals are returned in the report
(`errors`, each naming its sheet, line and column), not raised, so that the page lists them all. The import writes
its own security journal entry, accepted or refused.
"""

import dataclasses
import datetime
import io
import math
import re
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from openpyxl import load_workbook

from ctg.accounts.enums import SecurityEventKind
from ctg.accounts.journal import security_event_record
from ctg.accounts.models import User
from ctg.conventions.models import Convention
from ctg.core.formatting import counted, format_count, format_date
from ctg.core.history import history_reason
from ctg.core.imports import ImportProblem, ImportRefused, ImportReport, KindCounts
from ctg.core.services import changed_values
from ctg.core.text import control_character_message
from ctg.plans import services
from ctg.plans import workbook as wb
from ctg.plans import workbook_guard as guard
from ctg.plans.enums import ActionStatus, BaselineState, FundingNature, FundingScheme, Priority
from ctg.plans.funding import AMOUNT_FIELDS, funding_problems
from ctg.plans.models import (
    FUNDING_YEAR_MAX,
    FUNDING_YEAR_MIN,
    Action,
    FollowUpIndicator,
    FundingLine,
    IndicatorMeasure,
    IndicatorTarget,
    Objective,
)
from ctg.plans.selectors import plan_organisations, plan_themes
from ctg.territories.models import Commune

MAX_TEXT_CHARS = 32_767  # what one spreadsheet cell holds at most
MAX_NUMBER_CHARS = 30
MAX_VERSION = 2_147_483_647
NUMBER_TEXT = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
INTEGER_TEXT = re.compile(r"[+-]?\d{1,9}")
DATE_TEXT_MAX_CHARS = 10


def _decimal_field(model: type[models.Model], name: str) -> models.DecimalField:
    field = model._meta.get_field(name)
    if not isinstance(field, models.DecimalField):
        raise TypeError(f"{model.__name__}.{name} is not a DecimalField.")
    return field


# Decimal columns of the workbook and the database field whose digits bound them.
DECIMAL_FIELDS = {
    **{name: _decimal_field(FundingLine, name) for name in wb.AMOUNT_COLUMNS if name.startswith("amount_")},
    "baseline_value": _decimal_field(FollowUpIndicator, "baseline_value"),
    "value": _decimal_field(IndicatorMeasure, "value"),
}
DATA_SHEETS = [
    (wb.ACTIONS_SHEET, wb.ACTION_COLUMNS),
    (wb.FUNDING_SHEET, wb.FUNDING_COLUMNS),
    (wb.INDICATORS_SHEET, wb.INDICATOR_COLUMNS),
]
VERSION_KEY, VERSION_LABEL = wb.VERSION_COLUMN
CREATE, UPDATE, UNCHANGED, CONFLICT = "create", "update", "unchanged", "conflict"
REDO = "exportez à nouveau le classeur puis reportez-y vos changements."


# What a problem with the whole workbook names as its place (the file's own name is not known here).
WORKBOOK = "classeur"


def _problem(sheet: str, line: int, column: str, message: str) -> ImportProblem:
    """A problem in a sheet (at a line and column when known), or in the workbook when `sheet` is empty."""
    if not sheet:
        return ImportProblem(message, file=WORKBOOK)
    return ImportProblem(message, sheet=sheet, line=line, column=column)


@dataclasses.dataclass(kw_only=True)
class PlanImportReport(ImportReport):
    """Counts of rows, split by kind (« actions », « financements », « indicateurs », « cibles », « mesures »)."""

    created: KindCounts = dataclasses.field(default_factory=KindCounts)
    updated: KindCounts = dataclasses.field(default_factory=KindCounts)
    unchanged: KindCounts = dataclasses.field(default_factory=KindCounts)

    def count(self, bucket: str, what: str) -> None:
        setattr(self, bucket, getattr(self, bucket).plus(what))

    def refuse(self) -> None:
        """The file is refused: nothing was written, every row with a problem is counted as rejected."""
        self.created, self.updated, self.unchanged = KindCounts(), KindCounts(), KindCounts()
        self.rejected = len({(error.sheet, error.line) for error in self.errors})


def _plain(value) -> str:
    """The text of a cell, without any check (for headers and look-ahead passes)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    # The export neutralises cells that would start a formula with a leading apostrophe.
    if text.startswith("'") and text[1:2] in ("=", "+", "-", "@"):
        text = text[1:]
    return text


def _as_decimal(value) -> Decimal | None:
    """The number a cell holds, or None when it is not a plain finite number. Text is short and has no exponent,
    so that no huge number is ever built from it (an integer cell is bounded by Python's own 4,300 digits)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else None
    if isinstance(value, str):
        text = value.strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
        if len(text) <= MAX_NUMBER_CHARS and NUMBER_TEXT.fullmatch(text):
            return Decimal(text.replace(",", "."))
    return None


def _shown(value) -> str:
    """A cell's value as quoted in a message, cut when long."""
    if isinstance(value, int) and abs(value) >= 10**40:
        return "nombre de plus de 40 chiffres"
    text = str(value)
    return text if len(text) <= 40 else text[:39] + "…"


class _Reader:
    """Typed reading of one sheet's rows; every problem becomes an error naming the line and the column."""

    def __init__(self, report: PlanImportReport, sheet: str, columns):
        self.report = report
        self.sheet = sheet
        self.labels = dict([*columns, wb.VERSION_COLUMN])

    def error(self, line, key, reason):
        self.report.errors.append(_problem(self.sheet, line, self.labels.get(key, key), reason))

    def text(self, row, key, line) -> str:
        text = _plain(row.get(key))
        if len(text) > MAX_TEXT_CHARS:
            self.error(
                line, key, f"texte de {len(text)} caractères ; une cellule en contient au plus {MAX_TEXT_CHARS}."
            )
        else:
            reason = control_character_message(text)
            if reason:
                self.error(line, key, reason)
        return text

    def date(self, row, key, line) -> datetime.date | None:
        value = row.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = _plain(value)
        if isinstance(value, str) and len(text) <= DATE_TEXT_MAX_CHARS:
            for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
                try:
                    return datetime.datetime.strptime(text, fmt).date()  # noqa: DTZ007 (a calendar day, no time)
                except ValueError:
                    continue
        self.error(line, key, f"« {_shown(text)} » n'est pas une date (attendu JJ/MM/AAAA).")
        return None

    def amount(self, row, key, line) -> Decimal | None:
        """A decimal within its database column (digits and places), bounded before it is rounded."""
        value = row.get(key)
        if value is None or value == "":
            return None
        number = _as_decimal(value)
        if number is None:
            self.error(
                line,
                key,
                f"« {_shown(value)} » n'est pas un nombre (chiffres, virgule ou point décimal, sans exposant).",
            )
            return None
        field = DECIMAL_FIELDS[key]
        limit = Decimal(10) ** (field.max_digits - field.decimal_places)
        if abs(number) >= limit:
            bound = format_count(int(limit))
            self.error(line, key, f"« {_shown(value)} » est trop grand (moins de {bound} attendu).")
            return None
        return number.quantize(Decimal(1).scaleb(-field.decimal_places))

    def integer(self, row, key, line, *, minimum, maximum) -> int | None:
        """A whole number between the bounds: an integer cell, a float cell without decimals, or plain digits."""
        value = row.get(key)
        if value is None or value == "":
            return None
        number = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, float) and math.isfinite(value) and value.is_integer():
            number = int(value)
        elif isinstance(value, str) and INTEGER_TEXT.fullmatch(value.strip()):
            number = int(value.strip())
        if number is None:
            self.error(line, key, f"« {_shown(value)} » n'est pas un nombre entier.")
            return None
        if not minimum <= number <= maximum:
            self.error(line, key, f"« {_shown(value)} » est hors des bornes ({minimum} à {maximum}).")
            return None
        return number

    def version(self, row, line) -> int | None:
        return self.integer(row, VERSION_KEY, line, minimum=1, maximum=MAX_VERSION)

    def choice(self, row, key, line, choices, *, required=True):
        text = self.text(row, key, line)
        if not text:
            if required:
                self.error(line, key, "valeur obligatoire.")
            return None
        value = wb.value_of(choices, text)
        if value is None:
            allowed = ", ".join(label for _, label in choices.choices)
            self.error(line, key, f"« {_shown(text)} » n'est pas une valeur prévue ({allowed}).")
        return value

    def names(self, row, key, line) -> list[str]:
        return [part.strip() for part in self.text(row, key, line).split(";") if part.strip()]


def _declared_size_problem(sheet) -> str | None:
    """The sheet's declared dimension (its <dimension> element) against the limits, before any cell is read."""
    rows, columns = sheet.max_row or 0, sheet.max_column or 0
    if rows <= guard.MAX_ROWS and columns <= guard.MAX_COLUMNS:
        return None
    return (
        f"la feuille déclare une zone de {rows} lignes sur {columns} colonnes ; un classeur du plan en a au plus "
        f"{guard.MAX_ROWS} lignes et {guard.MAX_COLUMNS} colonnes par feuille : supprimez les lignes et colonnes "
        "au-delà (même vides) puis enregistrez à nouveau."
    )


def _rows(sheet, columns, report: PlanImportReport) -> list[tuple[int, dict]]:
    """(line number, {key: value}) for each non-empty row; the header must match the template. A version column
    after the template's columns is read too. Rows are counted as they come: the declared dimension may lie."""
    problem = _declared_size_problem(sheet)
    if problem:
        report.errors.append(_problem(sheet.title, 0, "", problem))
        return []
    # A dimension declaring fewer rows than the sheet holds would make openpyxl drop the rows beyond it.
    sheet.reset_dimensions()
    rows = sheet.iter_rows(values_only=True, max_col=guard.MAX_COLUMNS + 1)
    try:
        expected = [label for _, label in columns]
        header = [_plain(value) for value in next(rows, ())]
        if header[: len(expected)] != expected:
            report.errors.append(
                _problem(sheet.title, 1, "", "les en-têtes ne sont pas ceux du modèle exporté par Pilote CTG.")
            )
            return []
        if header[len(expected) : len(expected) + 1] == [VERSION_LABEL]:
            columns = [*columns, wb.VERSION_COLUMN]
        keys = [key for key, _ in columns]
        result = []
        for line, values in enumerate(rows, start=2):
            if line > guard.MAX_ROWS:
                report.errors.append(
                    _problem(
                        sheet.title,
                        line,
                        "",
                        f"la feuille compte plus de {guard.MAX_ROWS} lignes ; supprimez les lignes au-delà.",
                    )
                )
                return []
            if any(value is not None for value in values[guard.MAX_COLUMNS :]):
                report.errors.append(
                    _problem(
                        sheet.title,
                        line,
                        "",
                        f"une cellule est au-delà de la colonne {guard.MAX_COLUMNS} ; supprimez les colonnes au-delà.",
                    )
                )
                return []
            if all(value is None or (isinstance(value, str) and not value.strip()) for value in values):
                continue
            result.append((line, dict(zip(keys, values, strict=False))))
        return result
    finally:
        rows.close()


def _read(content: bytes, report: PlanImportReport) -> dict | None:
    """The rows of the three data sheets, or None with the reasons in the report."""
    reason = guard.check_package(content)
    if reason:
        report.errors.append(_problem("", 0, "", reason))
        return None
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl may raise anything on a crafted file: it is an unreadable workbook, not a bug
        report.errors.append(_problem("", 0, "", guard.NOT_A_WORKBOOK))
        return None
    try:
        missing = [name for name, _ in DATA_SHEETS if name not in book.sheetnames]
        for name in missing:
            report.errors.append(_problem(name, 0, "", "feuille absente du classeur."))
        if missing:
            return None
        sheets = {}
        for name, columns in DATA_SHEETS:
            try:
                sheets[name] = _rows(book[name], columns, report)
            except Exception:  # same reason: a damaged sheet (bad cell, bad XML) is reported, never a server error
                report.errors.append(_problem(name, 0, "", "cette feuille est endommagée et ne peut pas être lue."))
        return sheets
    finally:
        book.close()


def _lookups(convention: Convention) -> dict:
    return {
        "actions": {a.code: a for a in Action.objects.filter(convention=convention)},
        "objectives": {o.code: o for o in Objective.objects.filter(convention=convention)},
        "themes": {t.label.lower(): t for t in plan_themes(convention)},
        "communes": {c.code: c for c in Commune.objects.filter(epci_id=convention.epci_id)},
        "organisations": {o.name.lower(): o for o in plan_organisations(convention)},
        "users": {u.username: u for u in User.objects.filter(memberships__convention=convention)},
        "indicators": {i.code: i for i in FollowUpIndicator.objects.filter(convention=convention)},
    }


UNKNOWN_ORGANISATION = (
    "organisation inconnue de cette convention : « {} » (sont reconnues les organisations signataires et celles "
    "déjà citées dans le plan ; ajoutez-la d'abord depuis une fiche action)."
)


def _parse_actions(rows, report, lookups) -> list[tuple[int, dict, int | None]]:
    reader = _Reader(report, wb.ACTIONS_SHEET, wb.ACTION_COLUMNS)
    seen = set()
    codes_in_file = {_plain(row.get("code")).upper() for _, row in rows}
    parsed = []
    for line, row in rows:
        errors_before = len(report.errors)
        code = reader.text(row, "code", line).upper()
        if not code:
            reader.error(line, "code", "le code de l'action est obligatoire.")
        elif code in seen:
            reader.error(line, "code", f"le code {code} apparaît deux fois.")
        seen.add(code)
        title = reader.text(row, "title", line)
        if not title:
            reader.error(line, "title", "l'intitulé est obligatoire.")
        fields: dict[str, Any] = {"code": code, "title": title}
        for key in ("description", "expected_results", "target_public", "pilot_name", "elected_referent"):
            fields[key] = reader.text(row, key, line)
        for key in ("planned_start", "planned_end", "actual_start", "actual_end"):
            fields[key] = reader.date(row, key, line)
        fields["status"] = reader.choice(row, "status", line, ActionStatus)
        fields["priority"] = reader.choice(row, "priority", line, Priority)
        fields["progress_manual"] = reader.integer(row, "progress_manual", line, minimum=0, maximum=100)
        flag = reader.text(row, "all_communes", line).lower()
        if flag not in ("", wb.YES, wb.NO):
            reader.error(line, "all_communes", f"« {_shown(flag)} » : répondez « oui » ou « non ».")
        fields["all_communes"] = flag == wb.YES
        parent = reader.text(row, "parent", line).upper()
        if parent and parent not in lookups["actions"] and parent not in codes_in_file:
            reader.error(line, "parent", f"aucune action ne porte le code {_shown(parent)}.")
        fields["parent"] = parent
        lead = reader.text(row, "lead_organisation", line)
        fields["lead_organisation"] = lookups["organisations"].get(lead.lower()) if lead else None
        if lead and fields["lead_organisation"] is None:
            reader.error(line, "lead_organisation", UNKNOWN_ORGANISATION.format(_shown(lead)))
        username = reader.text(row, "pilot_user", line)
        fields["pilot_user"] = lookups["users"].get(username) if username else None
        if username and fields["pilot_user"] is None:
            reader.error(
                line, "pilot_user", f"aucun membre de la convention n'a l'identifiant « {_shown(username)} »."
            )
        for key, lookup, transform, what in (
            ("themes", "themes", str.lower, "thématique inconnue : « {} »."),
            ("objectives", "objectives", str.upper, "objectif inconnu : « {} »."),
            ("communes", "communes", str, "commune inconnue sur le territoire : « {} »."),
            ("partners", "organisations", str.lower, UNKNOWN_ORGANISATION),
        ):
            values = []
            for name in reader.names(row, key, line):
                found = lookups[lookup].get(transform(name))
                if found is None:
                    reader.error(line, key, what.format(_shown(name)))
                else:
                    values.append(found)
            fields[key] = values
        version = reader.version(row, line)
        if len(report.errors) == errors_before:
            parsed.append((line, fields, version))
    return parsed


def _parse_funding(rows, report, lookups, action_codes) -> list[tuple[int, dict, int | None]]:
    reader = _Reader(report, wb.FUNDING_SHEET, wb.FUNDING_COLUMNS)
    parsed = []
    keys = set()
    for line, row in rows:
        errors_before = len(report.errors)
        code = reader.text(row, "action", line).upper()
        if code not in action_codes:
            reader.error(
                line, "action", f"aucune action ne porte le code « {_shown(code)} »." if code else "code obligatoire."
            )
        funder_name = reader.text(row, "funder", line)
        funder = lookups["organisations"].get(funder_name.lower())
        if funder is None:
            reader.error(line, "funder", UNKNOWN_ORGANISATION.format(_shown(funder_name)))
        fields = {
            "action": code,
            "funder": funder,
            "year": reader.integer(row, "year", line, minimum=FUNDING_YEAR_MIN, maximum=FUNDING_YEAR_MAX),
            "nature": reader.choice(row, "nature", line, FundingNature),
            "scheme": reader.choice(row, "scheme", line, FundingScheme),
            "scheme_detail": reader.text(row, "scheme_detail", line),
            "comment": reader.text(row, "comment", line),
        }
        if fields["year"] is None and row.get("year") in (None, ""):
            reader.error(line, "year", "l'année est obligatoire.")
        for key in AMOUNT_FIELDS:
            fields[key] = reader.amount(row, key, line)
        for problem in funding_problems(fields):
            reader.error(line, problem.field, problem.message[0].lower() + problem.message[1:])
        for key in ("requested_on", "granted_on", "paid_on"):
            fields[key] = reader.date(row, key, line)
        funding_key = _funding_key(code, funder.pk if funder else None, fields)
        if funding_key in keys:
            reader.error(
                line,
                "",
                "cette ligne de financement apparaît deux fois (même action, financeur, année, nature et dispositif).",
            )
        keys.add(funding_key)
        version = reader.version(row, line)
        if len(report.errors) == errors_before:
            parsed.append((line, fields, version))
    return parsed


def _funding_key(action, funder_id, fields) -> tuple:
    return (action, funder_id, fields["year"], fields["nature"], fields["scheme"], fields["scheme_detail"])


def _parse_indicators(rows, report, lookups, action_codes) -> tuple[list, list]:
    reader = _Reader(report, wb.INDICATORS_SHEET, wb.INDICATOR_COLUMNS)
    definitions, values = [], []
    defined = set(lookups["indicators"])
    for _line, row in rows:
        if _plain(row.get("kind")) == wb.INDICATOR_KIND_DEFINITION:
            defined.add(_plain(row.get("code")).upper())
    for line, row in rows:
        errors_before = len(report.errors)
        kind = reader.text(row, "kind", line)
        code = reader.text(row, "code", line).upper()
        if not code:
            reader.error(line, "code", "le code de l'indicateur est obligatoire.")
        version = reader.version(row, line)
        if kind == wb.INDICATOR_KIND_DEFINITION:
            fields = _parse_definition(reader, row, line, lookups, action_codes)
            fields["code"] = code
            if len(report.errors) == errors_before:
                definitions.append((line, fields, version))
        elif kind in (wb.INDICATOR_KIND_TARGET, wb.INDICATOR_KIND_MEASURE):
            if code and code not in defined:
                reader.error(line, "code", f"aucun indicateur ne porte le code « {_shown(code)} ».")
            fields = {
                "kind": kind,
                "code": code,
                "date": reader.date(row, "date", line),
                "value": reader.amount(row, "value", line),
                "source": reader.text(row, "source", line),
                "comment": reader.text(row, "comment", line),
            }
            if fields["date"] is None and row.get("date") in (None, ""):
                reader.error(line, "date", "la date est obligatoire.")
            if fields["value"] is None and row.get("value") in (None, ""):
                reader.error(line, "value", "la valeur est obligatoire.")
            if kind == wb.INDICATOR_KIND_MEASURE and not fields["source"]:
                reader.error(line, "source", "chaque mesure indique sa source.")
            if len(report.errors) == errors_before:
                values.append((line, fields, version))
        else:
            reader.error(line, "kind", f"« {_shown(kind)} » : type de ligne attendu {', '.join(wb.INDICATOR_KINDS)}.")
    return definitions, values


def _parse_definition(reader, row, line, lookups, action_codes) -> dict:
    action_code = reader.text(row, "action", line).upper()
    objective_code = reader.text(row, "objective", line).upper()
    if bool(action_code) == bool(objective_code):
        reader.error(line, "action", "indiquez soit un code action, soit un code objectif.")
    if action_code and action_code not in action_codes:
        reader.error(line, "action", f"aucune action ne porte le code « {_shown(action_code)} ».")
    if objective_code and objective_code not in lookups["objectives"]:
        reader.error(line, "objective", f"aucun objectif ne porte le code « {_shown(objective_code)} ».")
    fields = {
        "action": action_code,
        "objective": lookups["objectives"].get(objective_code),
        "label": reader.text(row, "label", line),
        "unit": reader.text(row, "unit", line),
        "source": reader.text(row, "source", line),
        "diagnostic_code": reader.text(row, "diagnostic_code", line),
        "baseline_state": reader.choice(row, "baseline_state", line, BaselineState),
        "baseline_value": reader.amount(row, "baseline_value", line),
        "baseline_date": reader.date(row, "baseline_date", line),
    }
    if not fields["label"]:
        reader.error(line, "label", "le libellé est obligatoire.")
    if fields["baseline_state"] == BaselineState.RENSEIGNEE and (
        fields["baseline_value"] is None or fields["baseline_date"] is None
    ):
        reader.error(line, "baseline_value", "ligne de base renseignée : valeur et date sont obligatoires.")
    return fields


# Writing


def _decide(report, sheet, line, current, fields, version, what) -> str:
    """What to do with a row (see the module docstring); a conflict is reported in French."""
    problem = None
    if current is None:
        if version is None:
            return CREATE
        problem = (
            f"cette ligne vient d'un export (version {version}) mais aucun élément de l'application ne lui "
            f"correspond plus ({what}) : sa clé (code, financeur, année, date…) a été modifiée ou il a été supprimé "
            f"depuis l'export ; {REDO} Pour créer un nouvel élément, videz la cellule « {VERSION_LABEL} »."
        )
    elif not changed_values(current, fields):
        return UNCHANGED
    elif version is None:
        problem = (
            f"cette ligne modifierait un élément qui existe déjà ({what}) sans indiquer sa version (colonne "
            f"« {VERSION_LABEL} ») : impossible de savoir s'il a changé depuis ; {REDO}"
        )
    elif version != current.version:
        problem = (
            f"cette ligne a été modifiée dans l'application depuis l'export (version {current.version}, fichier "
            f"version {version}) ; {REDO}"
        )
    else:
        return UPDATE
    report.errors.append(_problem(sheet, line, VERSION_LABEL, problem))
    return CONFLICT


def _service_error(report, sheet, line, exc: ValidationError):
    for message in exc.messages:
        report.errors.append(_problem(sheet, line, "", message))


def _write_actions(convention, by, report, actions) -> dict:
    existing = {a.code: a for a in Action.objects.filter(convention=convention).prefetch_related(*services.ACTION_M2M)}
    # Parents first, so that sub-actions find them.
    for line, fields, version in sorted(actions, key=lambda item: bool(item[1]["parent"])):
        fields = dict(fields)
        parent_code = fields.pop("parent")
        fields["parent"] = existing.get(parent_code) if parent_code else None
        current = existing.get(fields["code"])
        decision = _decide(report, wb.ACTIONS_SHEET, line, current, fields, version, f"l'action {fields['code']}")
        try:
            if decision == CREATE:
                code, title = fields.pop("code"), fields.pop("title")
                existing[code] = services.action_create(convention=convention, code=code, title=title, by=by, **fields)
            elif decision == UPDATE and current is not None:
                existing[current.code] = services.action_update(
                    action=current, expected_version=version, by=by, **fields
                )
        except ValidationError as exc:
            _service_error(report, wb.ACTIONS_SHEET, line, exc)
        _count(report, decision, "actions")
    return existing


def _count(report, decision, what):
    if decision in (CREATE, UPDATE, UNCHANGED):
        report.count({CREATE: "created", UPDATE: "updated", UNCHANGED: "unchanged"}[decision], what)


def _write_funding(convention, by, report, funding, actions):
    lines: dict[tuple, FundingLine] = {}
    for line_obj in FundingLine.objects.filter(action__convention=convention).select_related("action"):
        lines.setdefault(_funding_key(line_obj.action.code, line_obj.funder_id, vars(line_obj)), line_obj)
    for line, fields, version in funding:
        fields = dict(fields)
        action = actions[fields.pop("action")]
        current = lines.get(_funding_key(action.code, fields["funder"].pk, fields))
        what = f"la ligne de financement {action.code} {fields['year']}"
        decision = _decide(report, wb.FUNDING_SHEET, line, current, fields, version, what)
        try:
            if decision == CREATE:
                services.funding_line_create(action=action, by=by, **fields)
            elif decision == UPDATE and current is not None:
                services.funding_line_update(line=current, expected_version=version, by=by, **fields)
        except ValidationError as exc:
            _service_error(report, wb.FUNDING_SHEET, line, exc)
        _count(report, decision, "financements")


def _write_definitions(convention, by, report, definitions, actions) -> dict:
    indicators = {i.code: i for i in FollowUpIndicator.objects.filter(convention=convention)}
    for line, fields, version in definitions:
        fields = dict(fields)
        action_code = fields.pop("action")
        owner = {"action": actions.get(action_code) if action_code else None, "objective": fields.pop("objective")}
        current = indicators.get(fields["code"])
        what = f"l'indicateur {fields['code']}"
        if current is not None and fields["baseline_state"] == BaselineState.A_RENSEIGNER:
            fields.update(baseline_value=None, baseline_date=None)  # the service clears them too
        decision = _decide(report, wb.INDICATORS_SHEET, line, current, fields, version, what)
        try:
            if decision == CREATE:
                code, label = fields.pop("code"), fields.pop("label")
                indicators[code] = services.indicator_create(
                    convention=convention, code=code, label=label, by=by, **owner, **fields
                )
            elif decision == UPDATE and current is not None:
                services.indicator_update(indicator=current, expected_version=version, by=by, **fields)
        except ValidationError as exc:
            _service_error(report, wb.INDICATORS_SHEET, line, exc)
        _count(report, decision, "indicateurs")
    return indicators


def _write_values(convention, by, report, values, indicators):
    measures = {(m.indicator_id, m.date): m for m in IndicatorMeasure.objects.filter(indicator__convention=convention)}
    targets = {(t.indicator_id, t.date): t for t in IndicatorTarget.objects.filter(indicator__convention=convention)}
    for line, fields, version in values:
        indicator = indicators[fields["code"]]
        is_target = fields["kind"] == wb.INDICATOR_KIND_TARGET
        known = targets if is_target else measures
        current = known.get((indicator.pk, fields["date"]))
        data = {"value": fields["value"]} if is_target else {k: fields[k] for k in ("value", "source", "comment")}
        what = f"la {'cible' if is_target else 'mesure'} de {indicator.code} au {format_date(fields['date'])}"
        decision = _decide(report, wb.INDICATORS_SHEET, line, current, data, version, what)
        try:
            if decision == CREATE and is_target:
                services.target_set(indicator=indicator, date=fields["date"], by=by, **data)
            elif decision == CREATE:
                services.measure_create(indicator=indicator, date=fields["date"], by=by, **data)
            elif decision == UPDATE and isinstance(current, IndicatorTarget):
                services.target_update(target=current, expected_version=version, by=by, **data)
            elif decision == UPDATE and isinstance(current, IndicatorMeasure):
                services.measure_update(measure=current, expected_version=version, by=by, **data)
        except ValidationError as exc:
            _service_error(report, wb.INDICATORS_SHEET, line, exc)
        _count(report, decision, "cibles" if is_target else "mesures")


def _write(convention, by, report, actions, funding, definitions, values):
    written = _write_actions(convention, by, report, actions)
    _write_funding(convention, by, report, funding, written)
    indicators = _write_definitions(convention, by, report, definitions, written)
    _write_values(convention, by, report, values, indicators)


def plan_import_xlsx(
    *, convention: Convention, content: bytes, by=None, file_name: str = "", ip_address: str | None = None
) -> PlanImportReport:
    """Check the whole workbook, then write it in one transaction; any error leaves the database untouched and is
    listed in the report. The import, accepted or refused, is journaled for `by` from `ip_address`."""
    report = PlanImportReport()
    # Every history line the import writes says which file it came from (the author is `by`).
    with history_reason(f"import du fichier «\u00a0{file_name}\u00a0»" if file_name else "import d'un classeur"):
        _check_and_write(convention, content, by, report)
    if not report.ok:
        report.refuse()
    name = f" «\u00a0{file_name[:200]}\u00a0»" if file_name else ""
    outcome = f"accepté : {report.summary()}" if report.ok else f"refusé ({counted(len(report.errors), 'erreur')})"
    security_event_record(
        kind=SecurityEventKind.IMPORT,
        user=by,
        convention=convention,
        detail=f"Import du plan d'actions{name} : {outcome}",
        ip_address=ip_address,
    )
    return report


def _check_and_write(convention: Convention, content: bytes, by, report: PlanImportReport) -> None:
    sheets = _read(content, report)
    if sheets is None or report.errors:
        return
    report.read = sum(len(rows) for rows in sheets.values())
    lookups = _lookups(convention)
    actions = _parse_actions(sheets[wb.ACTIONS_SHEET], report, lookups)
    action_codes = set(lookups["actions"]) | {fields["code"] for _, fields, _ in actions}
    funding = _parse_funding(sheets[wb.FUNDING_SHEET], report, lookups, action_codes)
    definitions, values = _parse_indicators(sheets[wb.INDICATORS_SHEET], report, lookups, action_codes)
    if report.errors:
        return
    try:
        with transaction.atomic():
            _write(convention, by, report, actions, funding, definitions, values)
            if report.errors:
                # Raised inside the block, it rolls back every row already written; the problems are in the report.
                raise ImportRefused(report.errors)
    except ImportRefused:
        pass
