"""Reads for resolving an edit conflict: an object of the plan as it was at the version an editor started from,
and as it is stored now, field by field, in comparable values (a relation by its primary key, a many-to-many by
the set of its primary keys). The editor's own values are compared with the first to know what they changed, and
applied on top of the second (see ctg.www.plans_views.conflicts)."""

from collections.abc import Iterable
from typing import Any

from django.db import models


def comparable(value: Any) -> Any:
    """A value in a form that compares across sources: an object by its primary key, a collection of objects or
    keys by the set of keys, an empty text as None."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, models.QuerySet | list | tuple | set | frozenset):
        return frozenset(comparable(v) for v in value)
    if value == "":
        return None
    return value


def stored_values(obj: models.Model, names: Iterable[str]) -> dict[str, Any]:
    """The values stored now for the given fields of `obj` (read again from the database)."""
    current = type(obj)._default_manager.get(pk=obj.pk)
    values = {}
    for name in names:
        field = current._meta.get_field(name)
        if field.many_to_many:
            values[name] = frozenset(getattr(current, name).values_list("pk", flat=True))
        else:
            values[name] = comparable(getattr(current, field.attname))  # type: ignore[union-attr]
    return values


def values_at(obj: models.Model, version: int, names: Iterable[str]) -> dict[str, Any] | None:
    """The values the given fields of `obj` had at `version`, read from its history; None when the history does
    not hold that version."""
    model = type(obj)
    record = (
        model.history.filter(id=obj.pk, version=version)  # type: ignore[attr-defined]
        .order_by("-history_date", "-history_id")
        .first()
    )
    if record is None:
        return None
    values = {}
    for name in names:
        field = model._meta.get_field(name)
        if field.many_to_many:
            through = model.history.model._meta.get_field(  # type: ignore[attr-defined]
                f"historical{model._meta.model_name}_{name}"
            ).related_model
            column = f"{field.related_model._meta.model_name}_id"  # type: ignore[union-attr]
            values[name] = frozenset(
                through.objects.filter(history_id=record.history_id).values_list(column, flat=True)
            )
        else:
            values[name] = comparable(getattr(record, field.attname))  # type: ignore[union-attr]
    return values
