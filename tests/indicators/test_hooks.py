"""The hook registry: a catalogue naming an unregistered hook is refused by the system check and by the engine."""

import dataclasses

import polars as pl
import pytest
from django.core.exceptions import ImproperlyConfigured

from ctg.indicators import catalogue, checks, hooks
from ctg.indicators.engine import OBSERVATION_SCHEMA, Computation


@pytest.fixture
def unregistered(monkeypatch):
    indicator = dataclasses.replace(catalogue.get("rpe_communes_share"), hook="no_such_hook")
    monkeypatch.setattr(catalogue, "CATALOGUE", [*catalogue.CATALOGUE, indicator])
    return indicator


def test_the_shipped_catalogue_passes_the_check():
    assert checks.check_hooks_registered() == []


def test_a_hook_nobody_registered_fails_the_check(unregistered):
    [error] = checks.check_hooks_registered()
    assert error.id == "indicators.E001"
    assert "« rpe_communes_share » est calculé par « no_such_hook »" in error.msg


def test_the_engine_refuses_an_unregistered_hook(unregistered):
    run = Computation(
        communes=pl.DataFrame(schema={"code": pl.Utf8}), observations=pl.DataFrame(schema=OBSERVATION_SCHEMA)
    )
    with pytest.raises(ImproperlyConfigured, match="« no_such_hook »"):
        run.compute(unregistered)


def test_a_name_is_registered_once():
    function = hooks.get("rpe_communes")
    hooks.register("rpe_communes", function)  # the same function again: app registries may be populated twice
    with pytest.raises(ImproperlyConfigured, match="déjà enregistré par ctg.offer.indicator_hooks"):
        hooks.register("rpe_communes", lambda run: None)
    assert hooks.get("rpe_communes") is function


def test_no_part_means_not_available():
    assert hooks.parts_frame([]) is None
    frame = hooks.parts_frame([("76114", 2025, 1.0, 1.0, "ok")])
    assert frame.schema == pl.Schema(hooks.PARTS_SCHEMA)
