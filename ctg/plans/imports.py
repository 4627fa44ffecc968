"""Import of the plan workbook (the XLSX export, edited by partners), matching actions and indicators by code.

The whole file is read and checked first; any wrong cell rejects the file whole, with the sheet, line, column
and reason in French, and nothing is written. Unchanged lines are left alone (no write, no history). Lines of
the database that the file does not mention are kept: the import adds and updates, it never deletes.
Funding lines are matched on action, funder, year, nature, scheme and its precision.
"""

import dataclasses
import datetime
import io
import zipfile
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from openpyxl import load_workbook

from ctg.accounts.models import User
from ctg.conventions.models import Convention
from ctg.organisations.models import Organisation
from ctg.plans import services
from ctg.plans import workbook as wb
from ctg.plans.enums import ActionStatus, BaselineState, FundingNature, FundingScheme, Priority
from ctg.plans.models import Action, FollowUpIndicator, FundingLine, IndicatorMeasure, IndicatorTarget, Objective
from ctg.plans.selectors import plan_themes
from ctg.territories.models import Commune

AMOUNT_QUANTUM = {"baseline_value": Decimal("0.001"), "value": Decimal("0.001")}


@dataclasses.dataclass
class ImportProblem:
    sheet: str
    line: int
    column: str
    reason: str

    def __str__(self):
        where = f"feuille « {self.sheet} », ligne {self.line}" + (
            f", colonne « {self.column} »" if self.column else ""
        )
        return f"{where} : {self.reason}"


@dataclasses.dataclass
class ImportReport:
    errors: list[ImportProblem] = dataclasses.field(default_factory=list)
    created: dict = dataclasses.field(default_factory=dict)
    updated: dict = dataclasses.field(default_factory=dict)
    unchanged: dict = dataclasses.field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, bucket: str, what: str):
        counts = getattr(self, bucket)
        counts[what] = counts.get(what, 0) + 1

    @property
    def changed(self) -> int:
        return sum(self.created.values()) + sum(self.updated.values())


class _Rejected(Exception):
    pass


class _Reader:
    """Typed reading of one sheet's rows; every problem becomes an error naming the line and the column."""

    def __init__(self, report: ImportReport, sheet: str, columns):
        self.report = report
        self.sheet = sheet
        self.labels = dict(columns)

    def error(self, line, key, reason):
        self.report.errors.append(ImportProblem(self.sheet, line, self.labels.get(key, key), reason))

    def text(self, row, key) -> str:
        value = row.get(key)
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = str(value).strip()
        # The export neutralises cells that would start a formula with a leading apostrophe.
        if text.startswith("'") and text[1:2] in ("=", "+", "-", "@"):
            text = text[1:]
        return text

    def date(self, row, key, line) -> datetime.date | None:
        value = row.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = str(value).strip()
        for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
            try:
                return datetime.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
        self.error(line, key, f"« {text} » n'est pas une date (attendu JJ/MM/AAAA).")
        return None

    def amount(self, row, key, line) -> Decimal | None:
        value = row.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            self.error(line, key, "un montant est attendu.")
            return None
        try:
            if isinstance(value, int | float):
                number = Decimal(str(value))
            else:
                number = Decimal(str(value).strip().replace("\u202f", "").replace(" ", "").replace(",", "."))
        except InvalidOperation:
            self.error(line, key, f"« {value} » n'est pas un nombre.")
            return None
        if not number.is_finite():
            self.error(line, key, f"« {value} » n'est pas un nombre.")
            return None
        return number.quantize(AMOUNT_QUANTUM.get(key, Decimal("0.01")))

    def integer(self, row, key, line, *, minimum=None, maximum=None) -> int | None:
        value = row.get(key)
        if value is None or value == "":
            return None
        try:
            number = Decimal(str(value).strip().replace(",", "."))
        except InvalidOperation:
            number = None
        if number is None or number != number.to_integral_value():
            self.error(line, key, f"« {value} » n'est pas un nombre entier.")
            return None
        number = int(number)
        if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
            self.error(line, key, f"{number} est hors des bornes ({minimum} à {maximum}).")
            return None
        return number

    def choice(self, row, key, line, choices, *, required=True):
        text = self.text(row, key)
        if not text:
            if required:
                self.error(line, key, "valeur obligatoire.")
            return None
        value = wb.value_of(choices, text)
        if value is None:
            allowed = ", ".join(label for _, label in choices.choices)
            self.error(line, key, f"« {text} » n'est pas une valeur prévue ({allowed}).")
        return value

    def names(self, row, key) -> list[str]:
        return [part.strip() for part in self.text(row, key).split(";") if part.strip()]


def _rows(sheet, columns, report: ImportReport):
    """(line number, {key: value}) for each non-empty row; the header must match the template."""
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    expected = [label for _, label in columns]
    if header is None or [str(h).strip() if h is not None else "" for h in header[: len(expected)]] != expected:
        report.errors.append(
            ImportProblem(sheet.title, 1, "", "les en-têtes ne sont pas ceux du modèle exporté par Pilote CTG.")
        )
        return []
    keys = [key for key, _ in columns]
    result = []
    for line, values in enumerate(rows, start=2):
        if values is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        result.append((line, dict(zip(keys, values, strict=False))))
    return result


def _lookups(convention: Convention) -> dict:
    return {
        "actions": {a.code: a for a in Action.objects.filter(convention=convention)},
        "objectives": {o.code: o for o in Objective.objects.filter(convention=convention)},
        "themes": {t.label.lower(): t for t in plan_themes(convention)},
        "communes": {c.code: c for c in Commune.objects.filter(epci_id=convention.epci_id)},
        "organisations": {o.name.lower(): o for o in Organisation.objects.all()},
        "users": {u.username: u for u in User.objects.filter(memberships__convention=convention)},
        "indicators": {i.code: i for i in FollowUpIndicator.objects.filter(convention=convention)},
    }


def _parse_actions(rows, report, lookups) -> list[tuple[int, dict]]:
    reader = _Reader(report, wb.ACTIONS_SHEET, wb.ACTION_COLUMNS)
    seen = set()
    codes_in_file = {reader.text(row, "code").upper() for _, row in rows}
    parsed = []
    for line, row in rows:
        errors_before = len(report.errors)
        code = reader.text(row, "code").upper()
        if not code:
            reader.error(line, "code", "le code de l'action est obligatoire.")
        elif code in seen:
            reader.error(line, "code", f"le code {code} apparaît deux fois.")
        seen.add(code)
        title = reader.text(row, "title")
        if not title:
            reader.error(line, "title", "l'intitulé est obligatoire.")
        fields = {"code": code, "title": title}
        for key in ("description", "expected_results", "target_public", "pilot_name", "elected_referent"):
            fields[key] = reader.text(row, key)
        for key in ("planned_start", "planned_end", "actual_start", "actual_end"):
            fields[key] = reader.date(row, key, line)
        fields["status"] = reader.choice(row, "status", line, ActionStatus)
        fields["priority"] = reader.choice(row, "priority", line, Priority)
        fields["progress_manual"] = reader.integer(row, "progress_manual", line, minimum=0, maximum=100)
        flag = reader.text(row, "all_communes").lower()
        if flag not in ("", wb.YES, wb.NO):
            reader.error(line, "all_communes", f"« {flag} » : répondez « oui » ou « non ».")
        fields["all_communes"] = flag == wb.YES
        parent = reader.text(row, "parent").upper()
        if parent and parent not in lookups["actions"] and parent not in codes_in_file:
            reader.error(line, "parent", f"aucune action ne porte le code {parent}.")
        fields["parent"] = parent
        lead = reader.text(row, "lead_organisation")
        fields["lead_organisation"] = lookups["organisations"].get(lead.lower()) if lead else None
        if lead and fields["lead_organisation"] is None:
            reader.error(line, "lead_organisation", f"organisation inconnue : « {lead} ».")
        username = reader.text(row, "pilot_user")
        fields["pilot_user"] = lookups["users"].get(username) if username else None
        if username and fields["pilot_user"] is None:
            reader.error(line, "pilot_user", f"aucun membre de la convention n'a l'identifiant « {username} ».")
        for key, lookup, transform, what in (
            ("themes", "themes", str.lower, "thématique"),
            ("objectives", "objectives", str.upper, "objectif"),
            ("communes", "communes", str, "commune du territoire"),
            ("partners", "organisations", str.lower, "organisation"),
        ):
            values = []
            for name in reader.names(row, key):
                found = lookups[lookup].get(transform(name))
                if found is None:
                    reader.error(line, key, f"{what} inconnue : « {name} ».")
                else:
                    values.append(found)
            fields[key] = values
        if len(report.errors) == errors_before:
            parsed.append((line, fields))
    return parsed


def _parse_funding(rows, report, lookups, action_codes) -> list[tuple[int, dict]]:
    reader = _Reader(report, wb.FUNDING_SHEET, wb.FUNDING_COLUMNS)
    parsed = []
    keys = set()
    for line, row in rows:
        errors_before = len(report.errors)
        code = reader.text(row, "action").upper()
        if code not in action_codes:
            reader.error(
                line, "action", f"aucune action ne porte le code « {code} »." if code else "code obligatoire."
            )
        funder_name = reader.text(row, "funder")
        funder = lookups["organisations"].get(funder_name.lower())
        if funder is None:
            reader.error(line, "funder", f"organisation inconnue : « {funder_name} ».")
        fields = {
            "action": code,
            "funder": funder,
            "year": reader.integer(row, "year", line, minimum=2000, maximum=2100),
            "nature": reader.choice(row, "nature", line, FundingNature),
            "scheme": reader.choice(row, "scheme", line, FundingScheme),
            "scheme_detail": reader.text(row, "scheme_detail"),
            "comment": reader.text(row, "comment"),
        }
        if fields["year"] is None and row.get("year") in (None, ""):
            reader.error(line, "year", "l'année est obligatoire.")
        for key in ("amount_planned", "amount_requested", "amount_granted", "amount_paid"):
            fields[key] = reader.amount(row, key, line)
            if fields[key] is not None and fields[key] < 0:
                reader.error(line, key, "un montant ne peut pas être négatif.")
        if fields["amount_paid"] is not None and (
            fields["amount_granted"] is None or fields["amount_paid"] > fields["amount_granted"]
        ):
            reader.error(line, "amount_paid", "le montant versé ne peut dépasser le montant accordé.")
        for key in ("requested_on", "granted_on", "paid_on"):
            fields[key] = reader.date(row, key, line)
        key = (
            code,
            funder.pk if funder else None,
            fields["year"],
            fields["nature"],
            fields["scheme"],
            fields["scheme_detail"],
        )
        if key in keys:
            reader.error(
                line,
                "",
                "cette ligne de financement apparaît deux fois (même action, financeur, année, nature et dispositif).",
            )
        keys.add(key)
        if len(report.errors) == errors_before:
            parsed.append((line, fields))
    return parsed


def _parse_indicators(rows, report, lookups, action_codes) -> tuple[list, list]:
    reader = _Reader(report, wb.INDICATORS_SHEET, wb.INDICATOR_COLUMNS)
    definitions, values = [], []
    defined = set(lookups["indicators"])
    for _line, row in rows:
        if reader.text(row, "kind") == wb.INDICATOR_KIND_DEFINITION:
            defined.add(reader.text(row, "code").upper())
    for line, row in rows:
        errors_before = len(report.errors)
        kind = reader.text(row, "kind")
        code = reader.text(row, "code").upper()
        if not code:
            reader.error(line, "code", "le code de l'indicateur est obligatoire.")
        if kind == wb.INDICATOR_KIND_DEFINITION:
            action_code = reader.text(row, "action").upper()
            objective_code = reader.text(row, "objective").upper()
            if bool(action_code) == bool(objective_code):
                reader.error(line, "action", "indiquez soit un code action, soit un code objectif.")
            if action_code and action_code not in action_codes:
                reader.error(line, "action", f"aucune action ne porte le code « {action_code} ».")
            if objective_code and objective_code not in lookups["objectives"]:
                reader.error(line, "objective", f"aucun objectif ne porte le code « {objective_code} ».")
            fields = {
                "code": code,
                "action": action_code,
                "objective": lookups["objectives"].get(objective_code),
                "label": reader.text(row, "label"),
                "unit": reader.text(row, "unit"),
                "source": reader.text(row, "source"),
                "diagnostic_code": reader.text(row, "diagnostic_code"),
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
            if len(report.errors) == errors_before:
                definitions.append((line, fields))
        elif kind in (wb.INDICATOR_KIND_TARGET, wb.INDICATOR_KIND_MEASURE):
            if code and code not in defined:
                reader.error(line, "code", f"aucun indicateur ne porte le code « {code} ».")
            fields = {
                "kind": kind,
                "code": code,
                "date": reader.date(row, "date", line),
                "value": reader.amount(row, "value", line),
                "source": reader.text(row, "source"),
                "comment": reader.text(row, "comment"),
            }
            if fields["date"] is None and row.get("date") in (None, ""):
                reader.error(line, "date", "la date est obligatoire.")
            if fields["value"] is None and row.get("value") in (None, ""):
                reader.error(line, "value", "la valeur est obligatoire.")
            if kind == wb.INDICATOR_KIND_MEASURE and not fields["source"]:
                reader.error(line, "source", "chaque mesure indique sa source.")
            if len(report.errors) == errors_before:
                values.append((line, fields))
        else:
            reader.error(line, "kind", f"« {kind} » : type de ligne attendu {', '.join(wb.INDICATOR_KINDS)}.")
    return definitions, values


def _service_error(report, sheet, line, exc: ValidationError):
    for message in exc.messages:
        report.errors.append(ImportProblem(sheet, line, "", message))


def _write(convention, by, report, actions, funding, definitions, values):
    existing = {a.code: a for a in Action.objects.filter(convention=convention)}
    # Parents first, so that sub-actions find them.
    for line, fields in sorted(actions, key=lambda item: bool(item[1]["parent"])):
        fields = dict(fields)
        parent_code = fields.pop("parent")
        fields["parent"] = existing.get(parent_code) if parent_code else None
        try:
            action = existing.get(fields["code"])
            if action is None:
                code, title = fields.pop("code"), fields.pop("title")
                existing[code] = services.action_create(convention=convention, code=code, title=title, by=by, **fields)
                report.count("created", "actions")
            else:
                version = action.version
                action = services.action_update(action=action, expected_version=None, by=by, **fields)
                existing[action.code] = action
                report.count("updated" if action.version != version else "unchanged", "actions")
        except ValidationError as exc:
            _service_error(report, wb.ACTIONS_SHEET, line, exc)
    lines = {}
    for line_obj in FundingLine.objects.filter(action__convention=convention).select_related("funder"):
        key = (
            line_obj.action_id,
            line_obj.funder_id,
            line_obj.year,
            line_obj.nature,
            line_obj.scheme,
            line_obj.scheme_detail,
        )
        lines.setdefault(key, line_obj)
    for line, fields in funding:
        fields = dict(fields)
        action = existing[fields.pop("action")]
        key = (
            action.pk,
            fields["funder"].pk,
            fields["year"],
            fields["nature"],
            fields["scheme"],
            fields["scheme_detail"],
        )
        try:
            current = lines.get(key)
            if current is None:
                services.funding_line_create(action=action, by=by, **fields)
                report.count("created", "financements")
            else:
                changes = {k: v for k, v in fields.items() if getattr(current, k) != v}
                if changes:
                    services.funding_line_update(line=current, by=by, **changes)
                    report.count("updated", "financements")
                else:
                    report.count("unchanged", "financements")
        except ValidationError as exc:
            _service_error(report, wb.FUNDING_SHEET, line, exc)
    indicators = {i.code: i for i in FollowUpIndicator.objects.filter(convention=convention)}
    for line, fields in definitions:
        fields = dict(fields)
        action_code = fields.pop("action")
        owner = {"action": existing.get(action_code) if action_code else None, "objective": fields.pop("objective")}
        try:
            current = indicators.get(fields["code"])
            if current is None:
                code, label = fields.pop("code"), fields.pop("label")
                indicators[code] = services.indicator_create(
                    convention=convention, code=code, label=label, by=by, **owner, **fields
                )
                report.count("created", "indicateurs")
            else:
                changes = {k: v for k, v in fields.items() if getattr(current, k) != v}
                if changes:
                    services.indicator_update(indicator=current, by=by, **changes)
                    report.count("updated", "indicateurs")
                else:
                    report.count("unchanged", "indicateurs")
        except ValidationError as exc:
            _service_error(report, wb.INDICATORS_SHEET, line, exc)
    measures = {(m.indicator_id, m.date): m for m in IndicatorMeasure.objects.filter(indicator__convention=convention)}
    targets = {(t.indicator_id, t.date): t for t in IndicatorTarget.objects.filter(indicator__convention=convention)}
    for line, fields in values:
        indicator = indicators[fields["code"]]
        try:
            if fields["kind"] == wb.INDICATOR_KIND_TARGET:
                current = targets.get((indicator.pk, fields["date"]))
                if current is not None and current.value == fields["value"]:
                    report.count("unchanged", "cibles")
                    continue
                services.target_set(indicator=indicator, date=fields["date"], value=fields["value"], by=by)
                report.count("created" if current is None else "updated", "cibles")
            else:
                current = measures.get((indicator.pk, fields["date"]))
                data = {k: fields[k] for k in ("value", "source", "comment")}
                if current is None:
                    services.measure_create(indicator=indicator, date=fields["date"], by=by, **data)
                    report.count("created", "mesures")
                elif any(getattr(current, k) != v for k, v in data.items()):
                    services.measure_update(measure=current, by=by, **data)
                    report.count("updated", "mesures")
                else:
                    report.count("unchanged", "mesures")
        except ValidationError as exc:
            _service_error(report, wb.INDICATORS_SHEET, line, exc)


def plan_import_xlsx(*, convention: Convention, content: bytes, by=None) -> ImportReport:
    """Check the whole workbook, then write it in one transaction; any error leaves the database untouched."""
    report = ImportReport()
    try:
        book = load_workbook(io.BytesIO(content), data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        report.errors.append(ImportProblem("—", 0, "", "le fichier n'est pas un classeur XLSX lisible."))
        return report
    try:
        missing = [s for s in (wb.ACTIONS_SHEET, wb.FUNDING_SHEET, wb.INDICATORS_SHEET) if s not in book.sheetnames]
        if missing:
            for name in missing:
                report.errors.append(ImportProblem(name, 0, "", "feuille absente du classeur."))
            return report
        lookups = _lookups(convention)
        action_rows = _rows(book[wb.ACTIONS_SHEET], wb.ACTION_COLUMNS, report)
        funding_rows = _rows(book[wb.FUNDING_SHEET], wb.FUNDING_COLUMNS, report)
        indicator_rows = _rows(book[wb.INDICATORS_SHEET], wb.INDICATOR_COLUMNS, report)
    finally:
        book.close()
    if report.errors:
        return report
    actions = _parse_actions(action_rows, report, lookups)
    action_codes = set(lookups["actions"]) | {fields["code"] for _, fields in actions}
    funding = _parse_funding(funding_rows, report, lookups, action_codes)
    definitions, values = _parse_indicators(indicator_rows, report, lookups, action_codes)
    if report.errors:
        return report
    try:
        with transaction.atomic():
            _write(convention, by, report, actions, funding, definitions, values)
            if report.errors:
                raise _Rejected
    except _Rejected:
        report.created.clear()
        report.updated.clear()
        report.unchanged.clear()
    return report
