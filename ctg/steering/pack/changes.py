"""What changed in a convention's plan between two instants, read from the history (django-simple-history).

Exactly five kinds of change are listed, each dated by its history record:
- an action created (a fiche or a sub-action);
- a change of an action's status;
- a change of progress: the progress typed on a fiche, or a milestone marked done (the progress of a fiche with
  milestones is the weighted share of its done milestones);
- a change of funding: a line of the ledger created, deleted, or one of its four amounts changed;
- a new measure of a follow-up indicator.

Anything else (a title edited, a milestone added, a target set…) is left out. The window is `start` (excluded,
None: from the beginning) to `end` (included). Fiches in the trash are left out, with everything they hold.
Queries are bounded: one per kind of object, plus one for the funders' and one for the indicators' names.
"""

import dataclasses
import datetime
from collections.abc import Iterable
from typing import Any

from django.db.models import Q
from django.utils import timezone

from ctg.core.formatting import format_date, format_euros, format_number
from ctg.organisations.models import Organisation
from ctg.plans import models as plan
from ctg.plans.enums import ActionStatus


class ChangeKind:
    ACTION_CREATED = "Action créée"
    STATUS = "Changement de statut"
    PROGRESS = "Changement d'avancement"
    FUNDING = "Changement de financement"
    MEASURE = "Nouvelle mesure d'indicateur"

    ORDER = (ACTION_CREATED, STATUS, PROGRESS, FUNDING, MEASURE)


AMOUNTS = (
    ("amount_planned", "prévu"),
    ("amount_requested", "demandé"),
    ("amount_granted", "accordé"),
    ("amount_paid", "versé"),
)
STATUS_LABELS = dict(ActionStatus.choices)


@dataclasses.dataclass(frozen=True)
class PlanChange:
    when: datetime.datetime
    kind: str
    action_code: str
    subject: str
    detail: str

    action_id: int | None = None

    @property
    def date(self) -> datetime.date:
        return timezone.localdate(self.when)


def _in_window(when: datetime.datetime, start: datetime.datetime | None, end: datetime.datetime) -> bool:
    return (start is None or when > start) and when <= end


def _walk(rows: Iterable[dict[str, Any]]):
    """(record, the record saved just before it for the same object or None), rows ordered by object and time."""
    previous: dict[int, dict[str, Any]] = {}
    for row in rows:
        yield row, previous.get(row["id"])
        previous[row["id"]] = row


def _percent(value) -> str:
    return "non renseigné" if value is None else f"{value} %"


def _action_changes(convention_id: int, start, end) -> tuple[list[PlanChange], dict[int, dict[str, Any]]]:
    """Creations, status and typed-progress changes of the convention's fiches; also every fiche's latest record
    (its code, title and whether it is in the trash), by id."""
    rows = (
        plan.Action.history.filter(convention_id=convention_id)
        .order_by("id", "history_date", "history_id")
        .values("id", "history_date", "history_type", "code", "title", "status", "progress_manual", "deleted_at")
    )
    changes: list[PlanChange] = []
    latest: dict[int, dict[str, Any]] = {}
    for row, prior in _walk(rows):
        latest[row["id"]] = row
        if not _in_window(row["history_date"], start, end):
            continue
        subject = f"{row['code']} – {row['title']}"
        if row["history_type"] == "+":
            detail = f"Statut initial : {STATUS_LABELS.get(row['status'], row['status'])}"
            changes.append(
                PlanChange(row["history_date"], ChangeKind.ACTION_CREATED, row["code"], subject, detail, row["id"])
            )
            continue
        if row["history_type"] != "~" or prior is None:
            continue
        if row["status"] != prior["status"]:
            detail = (
                f"{STATUS_LABELS.get(prior['status'], prior['status'])} → "
                f"{STATUS_LABELS.get(row['status'], row['status'])}"
            )
            changes.append(PlanChange(row["history_date"], ChangeKind.STATUS, row["code"], subject, detail, row["id"]))
        if row["progress_manual"] != prior["progress_manual"]:
            detail = f"Avancement saisi : {_percent(prior['progress_manual'])} → {_percent(row['progress_manual'])}"
            changes.append(
                PlanChange(row["history_date"], ChangeKind.PROGRESS, row["code"], subject, detail, row["id"])
            )
    trashed = {pk for pk, row in latest.items() if row["deleted_at"] is not None or row["history_type"] == "-"}
    # A fiche is named as it reads today, whatever its code or title when the change was made.
    changes = [
        dataclasses.replace(
            c,
            action_code=latest[c.action_id]["code"],
            subject=f"{latest[c.action_id]['code']} – {latest[c.action_id]['title']}",
        )
        for c in changes
        if c.action_id is not None and c.action_id not in trashed
    ]
    return changes, {pk: row for pk, row in latest.items() if pk not in trashed}


def _milestone_changes(actions: dict[int, dict[str, Any]], start, end) -> list[PlanChange]:
    rows = (
        plan.Milestone.history.filter(action_id__in=list(actions))
        .order_by("id", "history_date", "history_id")
        .values("id", "action_id", "history_date", "history_type", "title", "done_date")
    )
    changes = []
    for row, prior in _walk(rows):
        if row["history_type"] == "-" or row["done_date"] is None or not _in_window(row["history_date"], start, end):
            continue
        if prior is not None and prior["done_date"] is not None:
            continue
        action = actions[row["action_id"]]
        detail = f"Jalon « {row['title']} » réalisé le {format_date(row['done_date'])}"
        changes.append(
            PlanChange(
                row["history_date"],
                ChangeKind.PROGRESS,
                action["code"],
                f"{action['code']} – {action['title']}",
                detail,
            )
        )
    return changes


def _euros(value) -> str:
    return format_euros(value, cents="always", missing="non renseigné")


def _amounts_text(row: dict[str, Any]) -> str:
    return ", ".join(f"{label} {_euros(row[field])}" for field, label in AMOUNTS)


def _funding_changes(actions: dict[int, dict[str, Any]], start, end) -> list[PlanChange]:
    fields = [field for field, _ in AMOUNTS]
    rows = list(
        plan.FundingLine.history.filter(action_id__in=list(actions))
        .order_by("id", "history_date", "history_id")
        .values("id", "action_id", "history_date", "history_type", "funder_id", "year", *fields)
    )
    funders = dict(
        Organisation.objects.filter(pk__in={r["funder_id"] for r in rows if r["funder_id"]}).values_list("pk", "name")
    )
    changes = []
    for row, prior in _walk(rows):
        if not _in_window(row["history_date"], start, end):
            continue
        line = f"{funders.get(row['funder_id'], 'financeur supprimé')} {row['year']}"
        if row["history_type"] == "+":
            detail = f"Nouvelle ligne {line} : {_amounts_text(row)}"
        elif row["history_type"] == "-":
            detail = f"Ligne {line} supprimée"
        else:
            if prior is None:
                continue
            moved = [
                f"{label} {_euros(prior[field])} → {_euros(row[field])}"
                for field, label in AMOUNTS
                if row[field] != prior[field]
            ]
            if not moved:
                continue
            detail = f"Ligne {line} : " + " ; ".join(moved)
        action = actions[row["action_id"]]
        subject = f"{action['code']} – {action['title']}"
        changes.append(PlanChange(row["history_date"], ChangeKind.FUNDING, action["code"], subject, detail))
    return changes


def _measure_changes(convention_id: int, actions: dict[int, dict[str, Any]], start, end) -> list[PlanChange]:
    # The convention's indicators, those of trashed fiches left out (the objectives' indicators have no fiche).
    indicators = {
        row["pk"]: row
        for row in plan.FollowUpIndicator.all_objects.filter(convention_id=convention_id)
        .filter(Q(action_id__isnull=True) | Q(action_id__in=list(actions)))
        .values("pk", "code", "label", "unit")
    }
    window = Q(history_date__lte=end) & (Q(history_date__gt=start) if start is not None else Q())
    rows = (
        plan.IndicatorMeasure.history.filter(window, history_type="+", indicator_id__in=list(indicators))
        .order_by("history_date", "history_id")
        .values("history_date", "indicator_id", "date", "value", "source")
    )
    changes = []
    for row in rows:
        indicator = indicators[row["indicator_id"]]
        value = format_number(row["value"].normalize())
        unit = f" {indicator['unit']}" if indicator["unit"] else ""
        detail = f"Mesure du {format_date(row['date'])} : {value}{unit} (source : {row['source']})"
        subject = f"{indicator['code']} – {indicator['label']}"
        changes.append(PlanChange(row["history_date"], ChangeKind.MEASURE, indicator["code"], subject, detail))
    return changes


def plan_changes(*, convention_id: int, start: datetime.datetime | None, end: datetime.datetime) -> list[PlanChange]:
    """The changes of the five kinds made after `start` (None: from the beginning) and up to `end`, by date."""
    changes, actions = _action_changes(convention_id, start, end)
    changes += _milestone_changes(actions, start, end)
    changes += _funding_changes(actions, start, end)
    changes += _measure_changes(convention_id, actions, start, end)
    return sorted(changes, key=lambda c: (c.when, ChangeKind.ORDER.index(c.kind), c.action_code))


def changes_by_kind(changes: list[PlanChange]) -> list[tuple[str, list[PlanChange]]]:
    """The changes grouped under each of the five kinds, in their fixed order (empty kinds kept)."""
    return [(kind, [c for c in changes if c.kind == kind]) for kind in ChangeKind.ORDER]
