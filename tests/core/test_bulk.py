"""Bulk writes on SQLite: constant columns written once in the statement read back as if each row had bound them."""

import polars as pl
import pytest
from django.db import connection

from ctg.core.bulk import sqlite_insert

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's prepared statements only"),
]

COLUMNS = "id INTEGER PRIMARY KEY, n INTEGER, flag BOOLEAN, note TEXT, label TEXT, ratio REAL, missing INTEGER"


def _stored(cursor) -> list[tuple]:
    cursor.execute(
        "SELECT n, flag, note, label, ratio, missing, typeof(note), typeof(missing) FROM bulk_rows ORDER BY id"
    )
    return cursor.fetchall()


@pytest.mark.parametrize("chunk", [1, 2, 10])
def test_constant_and_varying_columns_read_back_as_given(chunk):
    ratio = 0.1 + 0.2  # not exact in decimal: a float is always bound, never written into the statement
    frame = pl.DataFrame(
        {
            "n": [7, 7, 7],
            "flag": [False, False, False],
            "note": ["", "", ""],
            "label": ["l'été", "l'été", "l'été"],  # a constant text is written quoted, its quote doubled
            "ratio": [ratio, ratio, ratio],
            "missing": pl.Series([None, None, None], dtype=pl.Int64),
        }
    )
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE bulk_rows ({COLUMNS})")
        sqlite_insert(cursor, "bulk_rows", frame, chunk=chunk)
        assert _stored(cursor) == [(7, 0, "", "l'été", ratio, None, "text", "null")] * 3
        cursor.execute("DROP TABLE bulk_rows")


def test_columns_that_vary_or_hold_some_nulls_are_bound():
    frame = pl.DataFrame(
        {
            "n": [1, 2, None],
            "flag": [True, False, True],
            "note": ["", "fusion", ""],
            "label": [None, "b", "c"],
            "ratio": [1.5, None, 2.5],
            "missing": [None, 4, None],
        }
    )
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE bulk_rows ({COLUMNS})")
        sqlite_insert(cursor, "bulk_rows", frame, chunk=2)
        assert [row[:6] for row in _stored(cursor)] == [
            (1, 1, "", None, 1.5, None),
            (2, 0, "fusion", "b", None, 4),
            (None, 1, "", "c", 2.5, None),
        ]
        cursor.execute("DROP TABLE bulk_rows")


@pytest.mark.parametrize("rows", [332, 333, 334, 1000])
def test_rows_go_many_to_a_statement_and_none_is_lost_or_doubled(rows):
    # Three bound columns: 333 rows to a statement of 999 values; the rows left over go in a shorter one.
    frame = pl.DataFrame(
        {"n": list(range(rows)), "label": [f"c{i:05d}" for i in range(rows)], "ratio": [i / 7 for i in range(rows)]}
    )
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE bulk_rows ({COLUMNS})")
        sqlite_insert(cursor, "bulk_rows", frame, chunk=400)
        cursor.execute("SELECT n, label, ratio FROM bulk_rows ORDER BY id")
        assert cursor.fetchall() == list(frame.iter_rows())
        cursor.execute("DROP TABLE bulk_rows")


def test_rows_of_constants_only_are_each_inserted():
    frame = pl.DataFrame({"n": [3] * 5, "note": [""] * 5})
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE bulk_rows ({COLUMNS})")
        sqlite_insert(cursor, "bulk_rows", frame, chunk=2)
        cursor.execute("SELECT n, note FROM bulk_rows")
        assert cursor.fetchall() == [(3, "")] * 5
        cursor.execute("DROP TABLE bulk_rows")


def test_runs_of_rows_sharing_columns_are_written_with_their_own_constants():
    frame = pl.DataFrame(
        {
            "label": ["50 %s", "50 %s", *["b'); DROP TABLE bulk_rows; --"] * 2, "%%", "c\x00d"],
            "n": [1, 1, 1, 2, 2, 3],
            "ratio": [0.5, 1.5, None, 2.5, 3.5, 4.5],
            "note": ["", "", "x", "x", "", ""],
        }
    )
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE bulk_rows ({COLUMNS})")
        sqlite_insert(cursor, "bulk_rows", frame, chunk=2, by=("label", "n"))
        cursor.execute("SELECT label, n, ratio, note FROM bulk_rows ORDER BY id")
        assert cursor.fetchall() == list(frame.iter_rows())
        cursor.execute("DROP TABLE bulk_rows")
