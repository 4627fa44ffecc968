"""An edit form refused because the object was saved meanwhile (ConcurrentEditError): instead of a dead end, the
page shows field by field what changed meanwhile beside what the editor typed, and gives the form back filled
with the editor's changes applied on top of the stored version, carrying that version: one click saves it.

"The editor's changes" are the fields whose typed value differs from the version they started from (read from the
history); the other fields take the stored value, so that nobody's change is lost silently. A field both changed
is shown as such, with the editor's value in the form."""

import dataclasses
import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.http import QueryDict

from ctg.core.formatting import format_date, format_number
from ctg.plans.conflicts import comparable, stored_values, values_at
from ctg.plans.history import Entry


@dataclasses.dataclass
class FieldConflict:
    label: str
    started_from: str
    stored: str
    typed: str
    both_changed: bool


@dataclasses.dataclass
class Conflict:
    rows: list[FieldConflict]
    changes: list[Entry]
    started_from: int
    stored_version: int


def _display(field: forms.Field, value: Any) -> str:
    if value is None or value == frozenset():
        return "—"
    if isinstance(field, forms.ModelChoiceField):
        keys = value if isinstance(value, frozenset) else {value}
        queryset = field.queryset
        if queryset is None:  # always set on a model form's field
            return "—"
        names = sorted(str(o) for o in queryset.model._default_manager.filter(pk__in=keys))
        return ", ".join(names) or "—"
    if isinstance(field, forms.ChoiceField):
        labels = {str(key): label for key, label in field.choices}  # type: ignore[union-attr,misc]
        return str(labels.get(str(value), value))
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, datetime.date):
        return format_date(value)
    if isinstance(value, Decimal):
        if getattr(field, "decimal_places", None) == 2:  # an amount in euros, with its cents
            return format_number(value, 2, thousands="")
        return format_number(value.normalize(), thousands="")
    return str(value)


def _as_post(value: Any, field: forms.Field) -> list[str]:
    """A stored value as a browser would post it in this field."""
    if isinstance(field, forms.BooleanField):
        return ["on"] if value else []
    if value is None:
        return [""]
    if isinstance(value, frozenset):
        return sorted(str(v) for v in value)
    if isinstance(value, datetime.date):
        return [value.isoformat()]
    return [str(value)]


def resolve(form: forms.ModelForm, obj, *, expected_version: int, changes: list[Entry]) -> Conflict:
    """Rebind `form` (refused for a stale version) to the editor's changes applied on top of the stored version,
    carrying that version; return what to show beside it."""
    names = [name for name in form.fields if name != "version"]
    stored = stored_values(obj, names)
    base = values_at(obj, expected_version, names) or stored
    typed = {name: comparable(form.cleaned_data.get(name)) for name in names}
    data = QueryDict(mutable=True)
    rows = []
    for name in names:
        field = form.fields[name]
        mine = typed[name] != base[name]
        meanwhile = stored[name] != base[name]
        key = form.add_prefix(name)
        if mine:
            data.setlist(key, form.data.getlist(key) if hasattr(form.data, "getlist") else [form.data.get(key, "")])
        else:
            data.setlist(key, _as_post(stored[name], field))
        if meanwhile or mine:
            rows.append(
                FieldConflict(
                    label=str(field.label),
                    started_from=_display(field, base[name]),
                    stored=_display(field, stored[name]),
                    typed=_display(field, typed[name]),
                    both_changed=mine and meanwhile and typed[name] != stored[name],
                )
            )
    stored_version = type(obj)._default_manager.values_list("version", flat=True).get(pk=obj.pk)
    data[form.add_prefix("version")] = str(stored_version)
    form.data = data
    # Validated again against the new data.
    form._errors = None  # type: ignore[attr-defined]
    form.full_clean()
    return Conflict(rows=rows, changes=changes, started_from=expected_version, stored_version=stored_version)
