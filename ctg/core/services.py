"""Generic writes shared by the domains' services.

`model_update` is the one field-by-field update of the code base: a service locks and checks what is specific to
its object (version, permissions, cross-object rules), then hands the values to it. Saving the same values again
writes nothing, leaves no history and keeps the version.
"""

from collections.abc import Callable, Collection, Mapping
from typing import Any, TypeVar

from django.db import models

from ctg.core.history import set_history_author

Model = TypeVar("Model", bound=models.Model)


def changed_values(instance: models.Model, data: Mapping[str, Any]) -> dict[str, Any]:
    """The entries of `data` that differ from the instance's values.

    A relation is compared by primary key and a many-to-many by its set of primary keys (read from a prefetch when
    the instance has one), so that nothing is fetched to compare; a many-to-many value comes back as a list."""
    changes = {}
    for name, value in data.items():
        field = instance._meta.get_field(name)
        if field.many_to_many:
            value = list(value)
            differs = {v.pk for v in value} != {v.pk for v in getattr(instance, name).all()}
        elif isinstance(field, models.ForeignKey | models.OneToOneField):
            differs = getattr(instance, field.attname) != (value.pk if value is not None else None)
        else:
            differs = getattr(instance, name) != value
        if differs:
            changes[name] = value
    return changes


def _column_values(instance: models.Model) -> dict[str, Any]:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


def _auto_now_fields(instance: models.Model) -> list[str]:
    return [field.attname for field in instance._meta.concrete_fields if getattr(field, "auto_now", False)]


def model_update(
    *,
    instance: Model,
    fields: Collection[str],
    data: Mapping[str, Any],
    by=None,
    check: Callable[[Model, dict[str, Any]], None] | None = None,
) -> tuple[Model, bool]:
    """Give the instance the values of `data` that differ from its own and save it once; returns (instance,
    whether anything changed).

    `fields` are the names the caller may change: any other key of `data` is a programming error (ValueError).
    When something changes: `check(instance, changes)` runs on the instance holding the new values (it raises
    ValidationError to refuse, or sets derived values), then a model with a `version` field gets the next
    version, the instance is validated (`full_clean`), and the changed columns are saved with `by` as the author
    of the history record. The many-to-many fields that change are set before that save, silently, so that one
    history record holds the whole change. Nothing is written when nothing changes."""
    unknown = set(data) - set(fields)
    if unknown:
        raise ValueError(f"Fields not updatable by this service: {sorted(unknown)}")
    changes = changed_values(instance, data)
    if not changes:
        return instance, False
    before = _column_values(instance)
    many = {name: value for name, value in changes.items() if instance._meta.get_field(name).many_to_many}
    for name, value in changes.items():
        if name not in many:
            setattr(instance, name, value)
    if check is not None:
        check(instance, changes)
    if "version" in before:
        setattr(instance, "version", before["version"] + 1)  # noqa: B010 (any versioned model)
    instance.full_clean()
    columns = [name for name, value in _column_values(instance).items() if value != before[name]]
    set_history_author(instance, by)
    if not columns:
        # No column changes (a model without version): the many-to-many signals record the history themselves.
        _set_many(instance, many)
        return instance, True
    _set_many(instance, many, silently=True)
    instance.save(update_fields=[*columns, *_auto_now_fields(instance)])
    return instance, True


def _set_many(instance: models.Model, many: dict[str, list], *, silently: bool = False) -> None:
    # django-simple-history skips the record of a save while this attribute is set on the instance.
    if silently:
        setattr(instance, "skip_history_when_saving", True)  # noqa: B010 (an attribute the library reads)
    try:
        for name, values in many.items():
            getattr(instance, name).set(values)
    finally:
        if silently:
            delattr(instance, "skip_history_when_saving")
