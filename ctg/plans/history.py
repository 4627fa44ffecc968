"""The activity log of the plan, read from django-simple-history: who, when, which field, before → after.

Queries are bounded: per tracked model, one query for the latest records, one for their predecessors, one per
many-to-many field of the fiche, and one per kind of related object whose label is shown.
"""

import dataclasses
import datetime
import functools
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db import models

from ctg.core.formatting import format_date, format_number
from ctg.plans import models as plan

KIND_LABELS = {"+": "Création", "~": "Modification", "-": "Suppression"}
HIDDEN_FIELDS = {
    "version",
    "created_at",
    "updated_at",
    "convention",
    "action",
    "indicator",
    "deleted_at",
    "deleted_by",
}
TRASHED, RESTORED = "Mise à la corbeille", "Restauration"


@functools.cache
def _tracked_m2m(model) -> dict[str, type[models.Model]]:
    """The many-to-many fields whose members the model's history keeps (simple-history's `m2m_fields`), by name."""
    history_fields = {f.name for f in model.history.model._meta.get_fields()}
    prefix = f"historical{model._meta.model_name}_"
    return {f.name: f.related_model for f in model._meta.many_to_many if prefix + f.name in history_fields}


@dataclasses.dataclass
class Change:
    field: str
    old: str
    new: str


@dataclasses.dataclass
class Entry:
    when: datetime.datetime
    who: str
    kind: str
    subject: str
    action_id: int | None
    changes: list[Change]
    # Why the change was made, when it was not typed in a form: "import du fichier « plan.xlsx »", "décision du
    # COPIL du 12/03/2026".
    reason: str = ""
    # The code of the fiche a milestone, note, funding line, indicator, target or measure belongs to.
    fiche: str = ""

    @property
    def summary(self) -> str:
        if not self.changes:
            return f"{self.kind} – {self.subject}"
        details = " ; ".join(f"{c.field} : {c.old} → {c.new}" for c in self.changes)
        return f"{self.subject} – {details}"


# How the activity log names an object of the plan, by model.
SUBJECTS = {
    plan.Action: lambda record: f"Fiche {record.code} « {record.title} »",
    plan.Objective: lambda record: f"Objectif {record.code} « {record.title} »",
    plan.FollowUpIndicator: lambda record: f"Indicateur {record.code} « {record.label} »",
    plan.Milestone: lambda record: f"Jalon « {record.title} »",
    plan.FollowUpNote: lambda record: f"Note de suivi du {format_date(record.date)}",
    plan.ActionLink: lambda record: f"Lien « {record.label} »",
    plan.FundingLine: lambda record: f"Ligne de financement {record.year}",
    plan.IndicatorTarget: lambda record: f"Cible au {format_date(record.date)}",
    plan.IndicatorMeasure: lambda record: f"Mesure du {format_date(record.date)}",
}
# The objects that belong to a fiche directly: their records carry its `action_id`.
FICHE_OBJECTS = (plan.Milestone, plan.FollowUpNote, plan.ActionLink, plan.FundingLine)


def _scopes(*, convention_id=None, action_id=None):
    """(model, filter on its historical records) for a convention or one action."""
    if action_id is not None:
        heads: list[tuple[type[models.Model], models.Q]] = [(plan.Action, models.Q(id=action_id))]
        of_actions = indicators_scope = models.Q(action_id=action_id)
        indicator_ids = plan.FollowUpIndicator.objects.filter(action_id=action_id).values("pk")
    else:
        of_convention = indicators_scope = models.Q(convention_id=convention_id)
        heads = [(plan.Objective, of_convention), (plan.Action, of_convention)]
        of_actions = models.Q(action_id__in=plan.Action.history.filter(convention_id=convention_id).values("id"))
        indicator_ids = plan.FollowUpIndicator.history.filter(convention_id=convention_id).values("id")
    of_indicators = models.Q(indicator_id__in=indicator_ids)
    return [
        *heads,
        *((model, of_actions) for model in FICHE_OBJECTS),
        (plan.FollowUpIndicator, indicators_scope),
        (plan.IndicatorTarget, of_indicators),
        (plan.IndicatorMeasure, of_indicators),
    ]


def _format(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, datetime.date):
        return format_date(value)
    if isinstance(value, Decimal):
        return format_number(value.normalize(), thousands="")
    text = str(value)
    return text if len(text) <= 120 else text[:117] + "…"


def _amount(value) -> str:
    if value is None:
        return "—"
    return format_number(value, 2, thousands="")


class _Labels:
    """Names of related objects met in the diffs, fetched once per model."""

    def __init__(self):
        self.wanted = defaultdict(set)
        self.names = {}

    def want(self, model, pk):
        if pk is not None:
            self.wanted[model].add(pk)

    def load(self):
        for model, pks in self.wanted.items():
            self.names[model] = {obj.pk: str(obj) for obj in model.objects.filter(pk__in=pks)}

    def name(self, model, pk):
        if pk is None:
            return "—"
        return self.names.get(model, {}).get(pk, f"n° {pk} (supprimé)")


def _records(model, scope, *, limit, extra=None):
    queryset = model.history.filter(scope)
    if extra is not None:
        queryset = queryset.filter(extra)
    return list(queryset.select_related("history_user").order_by("-history_date", "-history_id")[:limit])


def _predecessors(by_model: dict) -> dict:
    """(model, history_id) → the historical record saved just before it for the same object, or None.

    One query per model, over the whole history of the objects concerned: a predecessor may be older than
    anything selected."""
    previous = {}
    for model, records in by_model.items():
        history = model.history.filter(id__in={r.id for r in records}).order_by("id", "history_id")
        last: dict[int, models.Model] = {}
        for row in history:
            previous[(model, row.history_id)] = last.get(row.id)
            last[row.id] = row
    return previous


def _m2m_members(model, records: list, previous: dict) -> dict[str, dict[int, set]]:
    """For each tracked many-to-many field of `model` (the fiche's partners, an objective's enjeux…): history_id →
    pks it held, for the records and their predecessors. One query per field, since simple-history keeps each
    field's members in its own table."""
    wanted = {r.history_id for r in records} | {
        p.history_id for r in records if (p := previous.get((model, r.history_id)))
    }
    members: dict[str, dict[int, set]] = {}
    for name, target in _tracked_m2m(model).items():
        through = model.history.model._meta.get_field(f"historical{model._meta.model_name}_{name}").related_model
        column = f"{target._meta.model_name}_id"
        bucket = defaultdict(set)
        for history_id, pk in through.objects.filter(history_id__in=wanted).values_list("history_id", column):
            bucket[history_id].add(pk)
        members[name] = bucket
    return members


def _field_changes(model, record, prior, labels: _Labels) -> list[tuple]:
    """(field, old, new) of the plain and foreign-key fields changed since `prior`, bookkeeping fields left out;
    the related objects are registered with `labels` so that their names load in one query per model."""
    # Many-to-many fields are compared from their own tables (see _m2m_changes), never as plain values.
    excluded = [f.name for f in model._meta.many_to_many]
    changes = []
    for change in record.diff_against(prior, excluded_fields=excluded).changes:
        if change.field in HIDDEN_FIELDS:
            continue
        field = model._meta.get_field(change.field)
        if field.is_relation:
            labels.want(field.related_model, change.old)
            labels.want(field.related_model, change.new)
        changes.append((field, change.old, change.new))
    return changes


def _m2m_changes(model, record, prior, m2m_rows: dict, labels: _Labels) -> list[tuple]:
    """(field, old pks, new pks) of the tracked many-to-many fields whose members changed since `prior`."""
    changes = []
    for name, target in _tracked_m2m(model).items():
        old = m2m_rows[model][name].get(prior.history_id, set())
        new = m2m_rows[model][name].get(record.history_id, set())
        if old != new:
            for pk in old | new:
                labels.want(target, pk)
            changes.append((model._meta.get_field(name), old, new))
    return changes


def _raw_changes(model, record, prior, m2m_rows: dict, labels: _Labels) -> list[tuple]:
    """What a modification changed, as raw values; a creation, a deletion or a first record has no diff."""
    if record.history_type != "~" or prior is None:
        return []
    changes = _field_changes(model, record, prior, labels)
    if model in m2m_rows:
        changes.extend(_m2m_changes(model, record, prior, m2m_rows, labels))
    return changes


def _format_change(field, old, new, labels: _Labels) -> Change:
    """One change as the user reads it: names for related objects, labels for choices, French numbers."""
    label = str(field.verbose_name)
    if field.many_to_many:
        target = field.related_model

        def names(pks):
            return ", ".join(sorted(labels.name(target, pk) for pk in pks)) or "—"

        return Change(label, names(old), names(new))
    if field.is_relation:
        return Change(label, labels.name(field.related_model, old), labels.name(field.related_model, new))
    if field.choices:
        choices = dict(field.flatchoices)
        return Change(label, _format(choices.get(old, old)), _format(choices.get(new, new)))
    # Two decimal places mark an amount in euros, always shown with its cents.
    if isinstance(field, models.DecimalField) and field.decimal_places == 2:
        return Change(label, _amount(old), _amount(new))
    return Change(label, _format(old), _format(new))


def _trash_move(model, record, prior) -> str | None:
    """Whether a record of a fiche put it in the trash or took it out (a modification of `deleted_at`)."""
    if model is not plan.Action or record.history_type != "~":
        return None
    before = prior.deleted_at if prior is not None else None
    if (before is None) == (record.deleted_at is None):
        return None
    return TRASHED if record.deleted_at is not None else RESTORED


def _entry(model, record, changes: list[Change], fiches: "_Fiches", kind: str | None = None) -> Entry:
    reason = record.history_change_reason or ""
    if record.history_user:
        who = str(record.history_user)
    else:
        # A change without an account (a command, a background job) is named by its reason when it has one.
        who, reason = (reason[:1].upper() + reason[1:], "") if reason else ("Système", "")
    action_id = fiches.action_id(model, record)
    return Entry(
        when=record.history_date,
        who=who,
        kind=kind or KIND_LABELS[record.history_type],
        subject=SUBJECTS[model](record),
        action_id=action_id,
        changes=changes,
        reason=reason,
        fiche="" if model is plan.Action else fiches.code(action_id),
    )


def _latest(model, ids: set, field: str) -> dict:
    if not ids:
        return {}
    return dict(model.history.filter(id__in=ids).order_by("id", "history_id").values_list("id", field))


class _Fiches:
    """The fiche each selected record belongs to (its id and code), in two queries: indicators' actions, then
    codes — a fiche in the trash or deleted since still gives its code."""

    def __init__(self, selected: list[tuple]):
        indicator_ids = {
            r.indicator_id for model, r in selected if model in (plan.IndicatorTarget, plan.IndicatorMeasure)
        }
        # Read in the order they were written, the latest record of each object wins.
        self.of_indicator = _latest(plan.FollowUpIndicator, indicator_ids, "action_id")
        action_ids = {self.action_id(model, r) for model, r in selected} - {None}
        self.codes = _latest(plan.Action, action_ids, "code")

    def action_id(self, model, record) -> int | None:
        if model is plan.Action:
            return record.id
        if model in (plan.IndicatorTarget, plan.IndicatorMeasure):
            return self.of_indicator.get(record.indicator_id)
        return getattr(record, "action_id", None)

    def code(self, action_id) -> str:
        return self.codes.get(action_id, "") if action_id is not None else ""


def _entries(selected: list[tuple]) -> list[Entry]:
    """Diff each selected (model, record) against the record before it, in bounded queries.

    The entries keep the order of `selected`; a modification that changed only hidden fields is left out."""
    by_model = defaultdict(list)
    for model, record in selected:
        by_model[model].append(record)
    previous = _predecessors(by_model)
    m2m_rows = {
        model: _m2m_members(model, records, previous) for model, records in by_model.items() if _tracked_m2m(model)
    }
    labels = _Labels()
    fiches = _Fiches(selected)
    raw = [
        (model, record, _raw_changes(model, record, previous.get((model, record.history_id)), m2m_rows, labels))
        for model, record in selected
    ]
    # Every related object met in any diff is known by now: their names load together.
    labels.load()
    entries = []
    for model, record, changes in raw:
        moved = _trash_move(model, record, previous.get((model, record.history_id)))
        if moved:
            entries.append(_entry(model, record, [], fiches, kind=moved))
            continue
        formatted = [_format_change(field, old, new, labels) for field, old, new in changes]
        if record.history_type == "~" and not formatted:
            continue
        entries.append(_entry(model, record, formatted, fiches))
    return entries


def activity(*, convention_id=None, action_id=None, limit: int = 100) -> list[Entry]:
    """The latest changes of a convention's plan, or of one action (with its milestones, funding, indicators)."""
    selected: list[tuple[type[models.Model], Any]] = []
    for model, scope in _scopes(convention_id=convention_id, action_id=action_id):
        selected.extend((model, record) for record in _records(model, scope, limit=limit))
    selected.sort(key=lambda pair: (pair[1].history_date, pair[1].history_id), reverse=True)
    return _entries(selected[:limit])


def changes_since(obj: models.Model, version: int) -> list[Entry]:
    """What was saved on an object of the plan after the given version (for the concurrent edit message)."""
    model = type(obj)
    records = _records(model, models.Q(id=obj.pk), limit=50, extra=models.Q(version__gt=version))
    return list(reversed(_entries([(model, r) for r in records])))
