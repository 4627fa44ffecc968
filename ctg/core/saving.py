"""The one full save of the domains' services: validated, then written with its author in the history.

`model_update` (ctg.core.services) changes chosen fields of a stored object; `model_save` writes a whole object,
new or changed by rules of its own (a phase, a validation)."""

from typing import TypeVar

from django.db import models

from ctg.core.history import set_history_author

Model = TypeVar("Model", bound=models.Model)


def model_save(instance: Model, *, by=None) -> Model:
    """Validate the instance (`full_clean`: fields and constraints, French messages), then save it with `by` as the
    author of its history record; returns it."""
    instance.full_clean()
    set_history_author(instance, by)
    instance.save()
    return instance
