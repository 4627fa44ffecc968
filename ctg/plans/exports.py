"""Exports of the plan: the XLSX workbook (re-importable, with lists of allowed values and the version of each
row's object, see imports.py), a CSV of the actions and DOCX documents (one fiche or the whole plan). Every text
cell is neutralised against formula injection, and every stored text goes through `printable`: a control
character stored before the input rule (or by the admin) must not break a download."""

import csv
import datetime
import io
import itertools
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Prefetch
from django.utils import timezone
from docx import Document
from docx.document import Document as DocxDocument
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ctg.conventions.models import Convention
from ctg.core.formatting import counted, format_date, format_euros, format_number
from ctg.core.text import printable
from ctg.plans import workbook as wb
from ctg.plans.enums import ActionStatus, BaselineState, FundingNature, FundingScheme, Priority, Trajectory
from ctg.plans.models import (
    Action,
    ActionFigures,
    FollowUpIndicator,
    FundingLine,
    IndicatorMeasure,
    IndicatorTarget,
    Milestone,
    Objective,
)
from ctg.plans.selectors import (
    action_counts,
    actions_queryset,
    indicators_with_trajectory,
    ledger_totals,
    plan_organisations,
    plan_themes,
)
from ctg.reports import xlsx
from ctg.reports.cells import neutralise
from ctg.reports.docx_helpers import set_up_a4
from ctg.reports.docx_tables import FIGURES, add_table

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    from ctg.plans.selectors import FollowedIndicator

MAX_VALIDATED_ROWS = 2000


def _plan_actions(convention: Convention) -> list[Action]:
    return list(
        Action.objects.filter(convention=convention)
        .select_related("parent", "lead_organisation", "pilot_user")
        .prefetch_related("themes", "objectives", "communes", "partners")
        .order_by("code")
    )


def _join(values) -> str:
    return wb.LIST_SEPARATOR.join(sorted(str(v) for v in values))


def action_row(action: Action) -> dict:
    return {
        "code": action.code,
        "title": action.title,
        "parent": action.parent.code if action.parent is not None else "",
        "description": action.description,
        "expected_results": action.expected_results,
        "themes": _join(t.label for t in action.themes.all()),
        "objectives": _join(o.code for o in action.objectives.all()),
        "target_public": action.target_public,
        "all_communes": wb.YES if action.all_communes else wb.NO,
        "communes": _join(c.code for c in action.communes.all()),
        "lead_organisation": action.lead_organisation.name if action.lead_organisation is not None else "",
        "pilot_name": action.pilot_name,
        "pilot_user": action.pilot_user.username if action.pilot_user is not None else "",
        "partners": _join(p.name for p in action.partners.all()),
        "elected_referent": action.elected_referent,
        "planned_start": action.planned_start,
        "planned_end": action.planned_end,
        "actual_start": action.actual_start,
        "actual_end": action.actual_end,
        "status": wb.label_of(ActionStatus, action.status),
        "priority": wb.label_of(Priority, action.priority),
        "progress_manual": action.progress_manual,
        "version": action.version,
    }


def funding_row(line: FundingLine) -> dict:
    return {
        "action": line.action.code,
        "funder": line.funder.name,
        "year": line.year,
        "nature": wb.label_of(FundingNature, line.nature),
        "scheme": wb.label_of(FundingScheme, line.scheme),
        "scheme_detail": line.scheme_detail,
        "amount_planned": line.amount_planned,
        "amount_requested": line.amount_requested,
        "amount_granted": line.amount_granted,
        "amount_paid": line.amount_paid,
        "requested_on": line.requested_on,
        "granted_on": line.granted_on,
        "paid_on": line.paid_on,
        "comment": line.comment,
        "version": line.version,
    }


def indicator_rows(indicator: FollowUpIndicator) -> list[dict]:
    rows = [
        {
            "kind": wb.INDICATOR_KIND_DEFINITION,
            "code": indicator.code,
            "action": indicator.action.code if indicator.action is not None else "",
            "objective": indicator.objective.code if indicator.objective is not None else "",
            "label": indicator.label,
            "unit": indicator.unit,
            "diagnostic_code": indicator.diagnostic_code,
            "baseline_state": wb.label_of(BaselineState, indicator.baseline_state),
            "baseline_value": indicator.baseline_value,
            "baseline_date": indicator.baseline_date,
            "source": indicator.source,
            "version": indicator.version,
        }
    ]
    for target in indicator.targets.all():
        rows.append(
            {
                "kind": wb.INDICATOR_KIND_TARGET,
                "code": indicator.code,
                "date": target.date,
                "value": target.value,
                "version": target.version,
            }
        )
    for measure in indicator.measures.all():
        rows.append(
            {
                "kind": wb.INDICATOR_KIND_MEASURE,
                "code": indicator.code,
                "date": measure.date,
                "value": measure.value,
                "source": measure.source,
                "comment": measure.comment,
                "version": measure.version,
            }
        )
    return rows


def _text(value):
    """Stored text as written into any export: without control characters."""
    return printable(value) if isinstance(value, str) else value


def _cell(value):
    if isinstance(value, Decimal):
        return float(value)  # amounts have at most 3 decimals: exact enough, and a number for spreadsheets
    return neutralise(_text(value))


def _table_column(key: str, label: str) -> xlsx.Column:
    return xlsx.Column(label, xlsx.AMOUNT) if key in wb.EURO_COLUMNS else xlsx.Column(label)


def _write_sheet(sheet, columns, rows):
    columns = [*columns, wb.VERSION_COLUMN]
    xlsx.write_table(
        sheet,
        [_table_column(key, label) for key, label in columns],
        [[_cell(row.get(key)) for key, _ in columns] for row in rows],
    )


def _validate(sheet, columns, key, list_range: str):
    index = [k for k, _ in columns].index(key) + 1
    letter = get_column_letter(index)
    validation = DataValidation(
        type="list",
        formula1=list_range,
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Valeur non prévue",
        error="Choisissez une valeur de la liste (feuille « Listes »).",
    )
    validation.add(f"{letter}2:{letter}{MAX_VALIDATED_ROWS}")
    sheet.add_data_validation(validation)


def build_xlsx(convention: Convention, today: datetime.date | None = None) -> bytes:
    """The plan workbook: one writer per sheet, in the order the import reads them, the totals (read by people,
    ignored by the import), then the lists the data sheets' validations point to."""
    today = today or timezone.localdate()
    actions = _plan_actions(convention)
    lists = _allowed_values(convention, actions)
    ranges = _list_ranges(lists)
    book = Workbook()
    actions_sheet = book.active
    if actions_sheet is None:
        raise TypeError("A new workbook has an active sheet.")
    _write_actions_sheet(actions_sheet, actions, ranges)
    _write_funding_sheet(book.create_sheet(wb.FUNDING_SHEET), convention, ranges)
    _write_indicators_sheet(book.create_sheet(wb.INDICATORS_SHEET), convention, ranges)
    _write_totals_sheet(book.create_sheet(wb.TOTALS_SHEET), convention, today)
    _write_lists_sheet(book.create_sheet(wb.LISTS_SHEET), lists)
    return xlsx.workbook_bytes(book)


def _write_actions_sheet(sheet: Worksheet, actions: list[Action], ranges: dict[str, str]) -> None:
    sheet.title = wb.ACTIONS_SHEET
    _write_sheet(sheet, wb.ACTION_COLUMNS, [action_row(a) for a in actions])
    _validate(sheet, wb.ACTION_COLUMNS, "status", ranges["Statuts"])
    _validate(sheet, wb.ACTION_COLUMNS, "priority", ranges["Priorités"])
    _validate(sheet, wb.ACTION_COLUMNS, "all_communes", ranges["Oui / non"])
    _validate(sheet, wb.ACTION_COLUMNS, "lead_organisation", ranges["Organisations"])


def _write_funding_sheet(sheet: Worksheet, convention: Convention, ranges: dict[str, str]) -> None:
    lines = (
        FundingLine.objects.filter(action__convention=convention)
        .select_related("action", "funder")
        .order_by("action__code", "year", "funder__name", "pk")
    )
    _write_sheet(sheet, wb.FUNDING_COLUMNS, [funding_row(line) for line in lines])
    _validate(sheet, wb.FUNDING_COLUMNS, "action", ranges["Codes actions"])
    _validate(sheet, wb.FUNDING_COLUMNS, "funder", ranges["Organisations"])
    _validate(sheet, wb.FUNDING_COLUMNS, "nature", ranges["Natures"])
    _validate(sheet, wb.FUNDING_COLUMNS, "scheme", ranges["Dispositifs"])


def _write_indicators_sheet(sheet: Worksheet, convention: Convention, ranges: dict[str, str]) -> None:
    indicators = (
        FollowUpIndicator.objects.filter(convention=convention)
        .select_related("action", "objective")
        .prefetch_related(
            Prefetch("targets", queryset=IndicatorTarget.objects.order_by("date")),
            Prefetch("measures", queryset=IndicatorMeasure.objects.order_by("date")),
        )
        .order_by("code")
    )
    _write_sheet(sheet, wb.INDICATOR_COLUMNS, [row for indicator in indicators for row in indicator_rows(indicator)])
    _validate(sheet, wb.INDICATOR_COLUMNS, "kind", ranges["Types de ligne"])
    _validate(sheet, wb.INDICATOR_COLUMNS, "baseline_state", ranges["Lignes de base"])
    _validate(sheet, wb.INDICATOR_COLUMNS, "action", ranges["Codes actions"])


def _allowed_values(convention: Convention, actions: list[Action]) -> dict[str, list[str]]:
    """The columns of the lists sheet: title, then the values a data column accepts."""
    return {
        "Statuts": [label for _, label in ActionStatus.choices],
        "Priorités": [label for _, label in Priority.choices],
        "Natures": [label for _, label in FundingNature.choices],
        "Dispositifs": [label for _, label in FundingScheme.choices],
        "Types de ligne": wb.INDICATOR_KINDS,
        "Lignes de base": [label for _, label in BaselineState.choices],
        "Oui / non": [wb.YES, wb.NO],
        "Organisations": list(plan_organisations(convention).values_list("name", flat=True)),
        "Codes actions": [a.code for a in actions],
        "Thématiques": [t.label for t in plan_themes(convention)],
        "Codes objectifs": list(
            Objective.objects.filter(convention=convention).order_by("code").values_list("code", flat=True)
        ),
    }


def _list_ranges(lists: dict[str, list[str]]) -> dict[str, str]:
    """For each list, the cells of the lists sheet holding its values (one column each, from row 2)."""
    ranges = {}
    for index, (title, values) in enumerate(lists.items(), start=1):
        letter = get_column_letter(index)
        last = max(len(values) + 1, 2)
        ranges[title] = f"{quote_sheetname(wb.LISTS_SHEET)}!${letter}$2:${letter}${last}"
    return ranges


def _write_lists_sheet(sheet: Worksheet, lists: dict[str, list[str]]) -> None:
    columns = [xlsx.Column(title, max_width=40) for title in lists]
    rows = itertools.zip_longest(*lists.values())
    xlsx.write_table(sheet, columns, [[_cell(value) for value in row] for row in rows], autofilter=False)


TOTALS_AMOUNTS = [
    ("amount_planned", "Prévu"),
    ("amount_requested", "Demandé"),
    ("amount_granted", "Accordé"),
    ("amount_paid", "Versé"),
]


def _write_totals_sheet(sheet: Worksheet, convention: Convention, today: datetime.date) -> None:
    """Funding per funder and year, per funder, per year and overall; actions per status for each theme. Values
    computed by the plan's selectors (not formulas), read by people: the import ignores this sheet."""
    ledger = ledger_totals(convention=convention)
    counts = action_counts(convention)
    statuses = ActionStatus.choices
    funding_header = ["Financeur", "Année", "Lignes", *(f"{label} (€)" for _, label in TOTALS_AMOUNTS)]

    def funding(funder: str, year, row: dict) -> list:
        return [funder, year, row["lines"], *(_cell(row[key]) for key, _ in TOTALS_AMOUNTS)]

    blocks = [
        (
            "Financements par financeur et par année",
            funding_header,
            [funding(r["funder__name"], r["year"], r) for r in ledger["per_funder_year"]],
        ),
        (
            "Financements par financeur",
            funding_header,
            [funding(r["funder__name"], "toutes", r) for r in ledger["per_funder"]],
        ),
        ("Financements par année", funding_header, [funding("tous", r["year"], r) for r in ledger["per_year"]]),
        ("Financements, ensemble du plan", funding_header, [funding("tous", "toutes", ledger["overall"])]),
    ]
    status_header = ["Thématique", *(label for _, label in statuses), "Total"]

    def status_row(name: str, counter) -> list:
        return [name, *(counter.get(value, 0) for value, _ in statuses), sum(counter.values())]

    status_rows = [status_row(entry["theme"], entry["counts"]) for entry in counts["per_theme"]]
    if counts["none"] is not None:
        status_rows.append(status_row("Sans thématique", counts["none"]["counts"]))
    status_rows.append(status_row("Toutes les actions (chacune une fois)", counts["overall"]))
    blocks.append(("Actions par statut et par thématique", status_header, status_rows))

    sheet.append([f"Totaux du plan d'actions – {_text(convention.title)}"])
    sheet["A1"].font = Font(bold=True, size=13)
    for note in (
        f"État au {format_date(today)}. Les sommes ne portent que sur les montants renseignés ; une case vide : "
        "aucun montant renseigné.",
        "Une action portant plusieurs thématiques compte sous chacune ; la dernière ligne compte chaque action "
        "une fois.",
        "Feuille de lecture : l'import du classeur ne la relit pas.",
    ):
        sheet.append([note])
    table_rows: list[list] = []
    for title, header, rows in blocks:
        sheet.append([])
        sheet.append([title])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True, size=12)
        sheet.append(xlsx.header_cells(sheet, header))
        formats = [
            xlsx.euro_format(row[index] for row in rows) if index >= 3 and header is funding_header else None
            for index in range(len(header))
        ]
        for row in rows:
            sheet.append(row)
            for index, number_format in enumerate(formats, start=1):
                if number_format:
                    sheet.cell(row=sheet.max_row, column=index).number_format = number_format
        table_rows.extend([header, *rows])
    widths = xlsx.column_widths([xlsx.Column("", max_width=45)] + [""] * 7, table_rows)
    xlsx.set_widths(sheet, widths)
    xlsx.set_print_setup(sheet, title_rows=None, landscape=False)


CSV_COLUMNS = [
    *wb.ACTION_COLUMNS,
    ("late", "En retard"),
    ("progress", "Avancement (%)"),
    ("budget_planned", "Financements prévus (€)"),
    ("budget_granted", "Financements accordés (€)"),
    ("budget_paid", "Financements versés (€)"),
]


def build_csv(convention: Convention, today: datetime.date) -> str:
    """Actions as a semicolon-separated CSV for spreadsheets set to French (UTF-8 with BOM)."""
    actions = list(
        actions_queryset(convention, today)
        .select_related("parent")
        .prefetch_related("themes", "objectives", "communes", "partners")
    )
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([label for _, label in CSV_COLUMNS])
    for action in actions:
        row = action_row(action)
        row.update(
            {
                "late": wb.YES if action.late else wb.NO,
                "progress": action.progress,
                "budget_planned": action.budget_planned,
                "budget_granted": action.budget_granted,
                "budget_paid": action.budget_paid,
            }
        )
        writer.writerow([_csv_value(row.get(key)) for key, _ in CSV_COLUMNS])
    return buffer.getvalue()


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return format_date(value)
    if isinstance(value, Decimal):
        return format_number(value, 2, thousands="")
    return neutralise(_text(value))


def _euros(value) -> str:
    return format_euros(value, cents="always")


def _number(value) -> str:
    return format_number(value.normalize(), thousands="") if value is not None else "—"


def _heading(document: DocxDocument, text: str, level: int) -> None:
    document.add_heading(printable(text), level=level)


def _paragraph(document: DocxDocument, text: str) -> None:
    document.add_paragraph(printable(text))


def _facts(action: "WithAnnotations[Action, ActionFigures]") -> list[tuple[str, str]]:
    status = ActionStatus(action.status).label + (" (en retard)" if action.late else "")
    progress = f"{action.progress} % ({action.progress_source})" if action.progress is not None else "non renseigné"
    return [
        ("Statut", status),
        ("Priorité", Priority(action.priority).label),
        ("Avancement", progress),
        ("Thématiques", _join(t.label for t in action.themes.all()) or "—"),
        ("Objectifs", _join(str(o) for o in action.objectives.all()) or "—"),
        ("Structure porteuse", str(action.lead_organisation or "—")),
        ("Pilote", action.pilot_label or "—"),
        ("Partenaires", _join(p.name for p in action.partners.all()) or "—"),
        ("Élu·e référent·e", action.elected_referent or "—"),
        (
            "Communes",
            "toutes les communes du territoire"
            if action.all_communes
            else (_join(c.name for c in action.communes.all()) or "—"),
        ),
        ("Public visé", action.target_public or "—"),
        ("Dates prévues", f"{format_date(action.planned_start)} → {format_date(action.planned_end)}"),
        ("Dates effectives", f"{format_date(action.actual_start)} → {format_date(action.actual_end)}"),
    ]


def _funding_cells(line: FundingLine) -> list[str]:
    return [
        line.funder.name,
        str(line.year),
        FundingNature(line.nature).label,
        FundingScheme(line.scheme).label,
        _euros(line.amount_planned),
        _euros(line.amount_granted),
        _euros(line.amount_paid),
    ]


def _indicator_cells(indicator: "FollowedIndicator") -> list[str]:
    if indicator.baseline_state == BaselineState.A_RENSEIGNER:
        baseline = "à renseigner"
    else:
        baseline = f"{_number(indicator.baseline_value)} {indicator.unit} au {format_date(indicator.baseline_date)}"
    latest = (
        f"{_number(indicator.latest.value)} {indicator.unit} au {format_date(indicator.latest.date)}"
        if indicator.latest
        else "aucune mesure"
    )
    targets = " ; ".join(
        f"{_number(target.value)} {indicator.unit} au {format_date(target.date)}" for target in indicator.targets.all()
    )
    return [
        indicator.label,
        baseline,
        targets or "aucune cible",
        latest,
        Trajectory(indicator.trajectory).label,
        indicator.source,
    ]


def _docx_fiche(document: DocxDocument, action: "WithAnnotations[Action, ActionFigures]") -> None:
    _heading(document, f"{action.code} – {action.title}", 1)
    add_table(document, _facts(action), columns=2)
    for title, text in (("Description", action.description), ("Résultats attendus", action.expected_results)):
        if text:
            _heading(document, title, 2)
            _paragraph(document, text)
    milestones = list(action.milestones.all())
    if milestones:
        _heading(document, "Jalons", 2)
        add_table(
            document,
            [[m.title, format_date(m.due_date), format_date(m.done_date), str(m.weight)] for m in milestones],
            header=["Jalon", "Échéance", "Réalisé le", "Poids"],
        )
    lines = list(action.funding_lines.all())
    if lines:
        _heading(document, "Plan de financement", 2)
        add_table(
            document,
            [_funding_cells(line) for line in lines],
            header=["Financeur", "Année", "Nature", "Dispositif", "Prévu", "Accordé", "Versé"],
            look=FIGURES,
        )
    indicators = getattr(action, "trajectory_indicators", None)
    if indicators:
        _heading(document, "Indicateurs de suivi", 2)
        add_table(
            document,
            [_indicator_cells(indicator) for indicator in indicators],
            header=["Indicateur", "Ligne de base", "Cibles", "Dernière mesure", "Trajectoire", "Source"],
        )
    notes = list(action.notes.all())
    if notes:
        _heading(document, "Notes de suivi", 2)
        for note in notes:
            _paragraph(document, f"{format_date(note.date)} – {note.text}")


def build_docx(convention: Convention, today: datetime.date, action: Action | None = None) -> bytes:
    """An editable DOCX of one fiche, or of the whole plan (summary, ledger totals, then every fiche)."""
    queryset = (
        Action.objects.filter(convention=convention)
        .select_related("lead_organisation", "pilot_user")
        .prefetch_related(
            "themes",
            "objectives",
            "communes",
            "partners",
            Prefetch("milestones", queryset=Milestone.objects.order_by("due_date", "pk")),
            Prefetch("funding_lines", queryset=FundingLine.objects.select_related("funder").order_by("year", "pk")),
            "notes",
        )
        .with_progress()
        .with_lateness(today)
        .order_by("code")
    )
    if action is not None:
        queryset = queryset.filter(pk=action.pk)
    actions = list(queryset)
    indicators = indicators_with_trajectory(
        FollowUpIndicator.objects.filter(action__in=[a.pk for a in actions]).order_by("code")
    )
    for item in actions:
        item.trajectory_indicators = [i for i in indicators if i.action_id == item.pk]
    document = Document()
    set_up_a4(document)
    if action is None:
        _heading(document, f"Plan d'actions – {convention.title}", 0)
        _paragraph(document, f"État au {format_date(today)} : {counted(len(actions), 'fiche action')}.")
        totals = ledger_totals(convention=convention)["overall"]
        _paragraph(
            document,
            f"Cofinancements ({totals['lines']} lignes) : prévus {_euros(totals['amount_planned'])}, "
            f"accordés {_euros(totals['amount_granted'])}, versés {_euros(totals['amount_paid'])}.",
        )
        add_table(
            document,
            [[item.code, item.title, ActionStatus(item.status).label, item.pilot_label or "—"] for item in actions],
            header=["Code", "Intitulé", "Statut", "Pilote"],
        )
        document.add_page_break()
    else:
        _paragraph(document, f"{convention.title} – fiche action au {format_date(today)}")
    for item in actions:
        _docx_fiche(document, item)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
