"""Bulk writes of millions of rows (national open-data cells, computed indicator values): the order that makes a
database append to a unique index, and the indexes and keys a first large load makes again after it.

Nothing here commits: callers run inside their own transaction, so that a failing load leaves the table as it was.
"""

import itertools

import polars as pl
from django.db import connection


def key_order(frame: pl.DataFrame, keys: list[str]) -> pl.Series:
    """Row numbers of `frame` sorted by `keys` (bytewise for text, as the databases' indexes compare codes): each
    text key is replaced by its rank among its distinct values (tens of thousands of codes at most, a few hundred
    variables), so that the sort is one of integers rather than of millions of strings."""
    ranks = []
    for key in keys:
        column = frame.get_column(key)
        if column.dtype == pl.Utf8:
            column = column.cast(pl.Enum(column.unique().drop_nulls().sort())).to_physical()
        ranks.append(column)
    return pl.DataFrame(ranks).select(pl.arg_sort_by(keys)).to_series()


def indexes_dropped(cursor, model, *, stored: int, rows: int) -> list[str]:
    """When at least as many rows are to be added to `model`'s table as it `stored`, drop its secondary indexes
    (and on PostgreSQL its unique and foreign key constraints, whose keys are otherwise checked row by row, at commit
    for Django's deferred ones) and return the statements that make them again after the load: one sort of the
    table and one join per key are faster than millions of insertions into each index and millions of checks. On
    PostgreSQL a smaller load of at least 1/FOREIGN_KEY_SHARE of the rows drops the foreign keys only. An empty list
    when nothing was dropped.

    On SQLite a unique constraint declared on fields is part of the table and stays (it checks every row as it
    comes); one declared with column expressions, as the large tables' are, is an index and is made again. Schema
    changes are part of the caller's transaction: a failure (a duplicate found when a unique index is built again
    included) leaves the table as it was. SQLite's readers keep their snapshot meanwhile (WAL); PostgreSQL's readers
    of the table wait for the transaction to commit, which only a first large load makes them do."""
    whole = stored <= rows
    # On PostgreSQL a foreign key is dropped for a smaller load too, from a twentieth of the table: made again, it is
    # checked in one pass over the table; kept, each new row queues a check that runs at commit, a lookup per row
    # (about 4 µs: 20 s for the shipped files, against 0.15 µs a stored row for the pass).
    keys_only = not whole and connection.vendor == "postgresql" and rows * FOREIGN_KEY_SHARE >= stored
    if not whole and not keys_only:
        return []
    table = model._meta.db_table
    quoted = connection.ops.quote_name(table)
    if connection.vendor == "sqlite":
        # Indexes made by the schema have their statement; those of UNIQUE constraints in the table (sqlite_autoindex)
        # do not.
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL", [table]
        )
        indexes = cursor.fetchall()
        for name, _statement in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        return [statement for _name, statement in indexes]
    # Indexes that back no constraint (the primary key's stays), then the unique and foreign key constraints.
    cursor.execute(
        "SELECT c.relname, pg_get_indexdef(c.oid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE i.indrelid = %s::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = c.oid)",
        [quoted],
    )
    indexes = [] if keys_only else cursor.fetchall()
    cursor.execute(
        "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
        "AND contype IN ('u', 'f')",
        [quoted],
    )
    constraints = [constraint for constraint in cursor.fetchall() if not keys_only or constraint[1] == "f"]
    if not indexes and not constraints:
        return []
    # The checks of rows written earlier in the transaction are run now: a table with checks pending cannot be
    # altered. Django's foreign keys are all deferred: they are deferred again once the load is done.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for name, _kind, _definition in constraints:
        cursor.execute(f"ALTER TABLE {quoted} DROP CONSTRAINT {connection.ops.quote_name(name)}")
    for name, _definition in indexes:
        cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    # Unique constraints first, foreign keys last: each is checked as it is made again.
    remade = {
        kind: [
            f"ALTER TABLE {quoted} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}"
            for name, constraint_kind, definition in constraints
            if constraint_kind == kind
        ]
        for kind in ("u", "f")
    }
    return [*remade["u"], *(definition for _name, definition in indexes), *remade["f"], "SET CONSTRAINTS ALL DEFERRED"]


# A load of at least 1/FOREIGN_KEY_SHARE of a PostgreSQL table's rows drops its foreign keys (indexes_dropped).
FOREIGN_KEY_SHARE = 20


def stored_bound(cursor, model) -> int:
    """An upper bound of the rows stored in `model`'s table without reading them: its largest id."""
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608 (names from the models)
    return cursor.fetchone()[0]


def postgres_csv_lines(cursor, *, table: str, columns: list[str], where: str, key: str, values: list[str]) -> bytes:
    """Rows of `table` whose `key` column is one of `values` (and that meet the SQL condition `where`) as CSV text,
    one line per row, no header, in no particular order: one `COPY (SELECT …) TO STDOUT`, whose rows the server
    writes while the client gathers them (a third less time than PostgreSQL building one text per key, for two
    million rows). Each column is formatted by its type's output function (floats with every digit); NULL is an
    empty field. `columns` are SQL expressions; the last one is free text (a note), always quoted, so that an empty
    note reads as an empty string, never as NULL."""
    names = [f"c{index}" for index in range(len(columns))]
    select = ", ".join(f"{column} AS {name}" for column, name in zip(columns, names, strict=True))
    sql = (
        f"COPY (SELECT {select} FROM {connection.ops.quote_name(table)} WHERE {key} = ANY(%s) AND {where}) "  # noqa: S608 (names from the models, values bound)
        f"TO STDOUT WITH (FORMAT csv, FORCE_QUOTE ({names[-1]}))"
    )
    lines = bytearray()
    with cursor.cursor.copy(sql, [list(values)]) as copy:
        for row in copy:
            lines += row
    return bytes(lines)


def sqlite_insert(cursor, table: str, frame: pl.DataFrame, *, chunk: int, by: tuple[str, ...] = ()) -> None:
    """Rows of `frame` into `table` on SQLite by prepared statements fed a slice at a time.

    A column holding one value throughout (the dataset of a file's cells, empty notes, no IRIS counts) is written
    once in the statement rather than bound on every row, when that value is NULL, an integer, a boolean or a text
    (quoted, as SQL says: quotes doubled): binding fewer parameters per row is most of the time saved. `by` names
    columns the frame is grouped by (it is sorted on them): each run of rows that share their values is written by
    its own statements, in which those columns and any other constant of the run are literals (a variable's cells
    of one year and level, an indicator's values at one level). Floats are always bound, so that they are stored
    exactly as computed.

    Each statement inserts many rows (`INSERT … VALUES (…), (…), …`, up to SQLITE_PARAMETERS bound values): SQLite
    then runs one statement per hundred rows rather than one per row, a quarter less time again."""
    if by and frame.height:
        lengths = frame.select(pl.struct(list(by)).rle().struct.field("len")).to_series().to_list()
    else:
        lengths = [frame.height]
    offset = 0
    for length in lengths:
        _sqlite_insert_run(cursor.cursor, table, frame.slice(offset, length), chunk=chunk)
        offset += length


def _sqlite_insert_run(raw, table: str, frame: pl.DataFrame, *, chunk: int) -> None:
    literals = {name: literal for name in frame.columns if (literal := _sqlite_literal(frame.get_column(name)))}
    bound = [name for name in frame.columns if name not in literals]
    row = f"({', '.join(literals.get(name, '?') for name in frame.columns)})"
    head = f"INSERT INTO {connection.ops.quote_name(table)} ({', '.join(frame.columns)}) VALUES "  # noqa: S608 (names from the models; literals are NULL, integers or quoted text, every other value bound)
    if not bound:
        for part in frame.iter_slices(chunk):
            raw.executemany(head + row, [()] * part.height)
        return
    per_statement = max(1, SQLITE_PARAMETERS // len(bound))
    many = head + ", ".join([row] * per_statement)
    for part in frame.select(bound).iter_slices(chunk):
        # The slice's values row after row, taken per_statement rows at a time; the rows left over go in one
        # shorter statement.
        values = itertools.chain.from_iterable(zip(*(part.get_column(name).to_list() for name in bound), strict=True))
        full = part.height // per_statement
        if full:
            raw.executemany(many, itertools.islice(zip(*[values] * (per_statement * len(bound)), strict=False), full))
        rest = list(values)
        if rest:
            raw.execute(head + ", ".join([row] * (len(rest) // len(bound))), rest)


def _sqlite_literal(column: pl.Series) -> str | None:
    """The SQL literal of a column that holds one NULL, integer, boolean or text value throughout; None otherwise
    (floats included)."""
    if column.is_empty() or column.dtype not in SQLITE_LITERAL_TYPES:
        return None
    first = column[0]
    if first is None:
        return "NULL" if column.null_count() == column.len() else None
    if column.null_count() or not (column == first).all():
        return None
    if isinstance(first, bool):
        return "1" if first else "0"
    if isinstance(first, int):
        return str(int(first))
    if "\x00" in first:  # SQLite reads a statement up to its first NUL character: such a text is bound
        return None
    # Quotes doubled as SQL says; percent signs doubled as Django's SQLite cursor reads "%s" as a parameter and "%%"
    # as a percent sign.
    return "'" + first.replace("'", "''").replace("%", "%%") + "'"


# Bound values per statement: SQLite's historical limit (32,766 since SQLite 3.32), so that any build accepts it.
SQLITE_PARAMETERS = 999

# Column types whose constant values sqlite_insert may write into its statement (floats are always bound, so that
# they are stored exactly as computed).
SQLITE_LITERAL_TYPES = (
    pl.Boolean,
    pl.Int8,
    pl.Int16,
    pl.Int32,
    pl.Int64,
    pl.UInt8,
    pl.UInt16,
    pl.UInt32,
    pl.UInt64,
    pl.Utf8,
    pl.Null,
)
