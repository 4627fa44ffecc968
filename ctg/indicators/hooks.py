"""The registry of computation hooks: indicators computed from another domain's register.

A hook indicator names its function in the catalogue (`Indicator.hook`); the domain that owns the register (the
offer of services) registers the function under that name in its AppConfig.ready(), so that the indicators app
never imports the domains built on top of it. A system check (ctg.indicators.checks) refuses a catalogue naming
a hook nobody registered.

A hook gets the engine's run (`ctg.indicators.engine.Computation`: the commune referential and the observations
of the indicator's `inputs`) and returns a polars DataFrame of commune parts (code, year, numerator,
denominator, status) that the engine sums like any additive indicator, or None while the register holds no
usable data: the indicator then reads "non disponible" everywhere, never 0.
"""

from collections.abc import Callable

import polars as pl
from django.core.exceptions import ImproperlyConfigured

PARTS_SCHEMA = {
    "code": pl.Utf8,
    "year": pl.Int32,
    "numerator": pl.Float64,
    "denominator": pl.Float64,
    "status": pl.Utf8,
}

Hook = Callable[..., pl.DataFrame | None]
_registry: dict[str, Hook] = {}


def register(name: str, function: Hook) -> None:
    """Register `function` under `name`; registering the same function twice is harmless, another one is refused."""
    registered = _registry.setdefault(name, function)
    if registered is not function:
        raise ImproperlyConfigured(
            f"Le calcul d'indicateur « {name} » est déjà enregistré par {registered.__module__}."
        )


def registered(name: str) -> Hook | None:
    return _registry.get(name)


def get(name: str) -> Hook:
    hook = _registry.get(name)
    if hook is None:
        raise ImproperlyConfigured(
            f"Aucun calcul d'indicateur n'est enregistré sous le nom « {name} » : l'application qui tient le "
            "registre doit l'enregistrer dans AppConfig.ready()."
        )
    return hook


def parts_frame(rows: list[tuple]) -> pl.DataFrame | None:
    """Commune parts as the engine reads them, or None when there is none (the indicator is not available)."""
    if not rows:
        return None
    return pl.DataFrame(rows, schema=PARTS_SCHEMA, orient="row")
