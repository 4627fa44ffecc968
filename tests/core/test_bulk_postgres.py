"""Bulk loads on PostgreSQL: a load of a twentieth of a table or more drops its foreign keys and makes them again,
checked over the whole table; a smaller one keeps everything."""

import pytest
from django.db import IntegrityError, connection, transaction

from ctg.core.bulk import FOREIGN_KEY_SHARE, indexes_dropped
from ctg.opendata.models import Observation
from tests.indicators.factories import DatasetFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's constraints only"),
]


def _constraints() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, contype FROM pg_constraint WHERE conrelid = %s::regclass ORDER BY conname",
            [Observation._meta.db_table],
        )
        return cursor.fetchall()


def test_a_smaller_load_keeps_every_constraint():
    with connection.cursor() as cursor:
        assert indexes_dropped(cursor, Observation, stored=100 * FOREIGN_KEY_SHARE + 1, rows=100) == []


def test_a_twentieth_of_the_table_drops_the_foreign_keys_only_and_checks_them_again():
    before = _constraints()
    assert ("f" in {kind for _name, kind in before}) and ("c" in {kind for _name, kind in before})
    with connection.cursor() as cursor:
        remade = indexes_dropped(cursor, Observation, stored=100 * FOREIGN_KEY_SHARE, rows=100)
        assert remade and all("FOREIGN KEY" in s or s == "SET CONSTRAINTS ALL DEFERRED" for s in remade)
        assert not [kind for _name, kind in _constraints() if kind == "f"]
        for statement in remade:
            cursor.execute(statement)
    assert _constraints() == before


def test_a_row_of_a_missing_dataset_is_refused_when_the_key_is_made_again():
    dataset = DatasetFactory()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        remade = indexes_dropped(cursor, Observation, stored=FOREIGN_KEY_SHARE, rows=1)
        cursor.execute(
            "INSERT INTO opendata_observation (dataset_id, level, code, variable, year, value, status, "
            "incomplete, note) VALUES (%s, 'commune', '76114', 'P22_POP', 2022, 1, 'ok', false, '')",
            [dataset.pk + 1000],
        )
        for statement in remade:
            cursor.execute(statement)
    assert "f" in {kind for _name, kind in _constraints()}
