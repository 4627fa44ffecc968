"""Writes of the indicators domain: refresh computed values after an import."""

import hashlib
import io
import json
import queue
import threading
import time
from contextlib import contextmanager

import polars as pl
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from ctg.core.bulk import indexes_dropped, key_order, postgres_csv_lines, sqlite_insert, stored_bound
from ctg.indicators import catalogue, engine
from ctg.indicators.enums import Kind
from ctg.indicators.models import IndicatorSeries, IndicatorValue
from ctg.opendata.models import Dataset

COLUMNS = list(engine.OUTPUT_SCHEMA)
INSERT_CHUNK = 50_000


def _validated_indicators(codes) -> list[catalogue.Indicator]:
    if codes is None:
        return list(catalogue.CATALOGUE)
    unknown = sorted(set(codes) - set(catalogue.BY_CODE))
    if unknown:
        raise ValidationError(f"Indicateur inconnu du catalogue : {', '.join(unknown)}.")
    return [catalogue.BY_CODE[code] for code in codes]


def indicators_depending_on(variables) -> list[str]:
    """Codes of the indicators that read any of these variables: the ones a file of these variables changes."""
    wanted = set(variables)
    return [indicator.code for indicator in catalogue.CATALOGUE if engine.variables_read(indicator) & wanted]


def source_label(datasets: list[Dataset]) -> str:
    """One line naming the datasets of a series; files of one publication at several levels are grouped:
    "INSEE, Filosofi 2019, revenus disponibles (communes, EPCI), millésime 2019"."""
    groups: dict[tuple[str, str, str], list[str]] = {}
    for dataset in datasets:
        base, _, detail = dataset.title.partition(" (")
        parts = groups.setdefault((dataset.producer, base, dataset.vintage), [])
        if detail.rstrip(")") and detail.rstrip(")") not in parts:
            parts.append(detail.rstrip(")"))
    labels = []
    for (producer, base, vintage), parts in sorted(groups.items()):
        detail = f" ({', '.join(sorted(parts))})" if parts else ""
        labels.append(f"{producer}, {base}{detail}, millésime {vintage}")
    return " ; ".join(labels)


def _series_sources(datasets: dict[tuple[str, int], set[int]]) -> dict[tuple[str, int], str]:
    ids = set().union(*datasets.values()) if datasets else set()
    found = {d.pk: d for d in Dataset.objects.filter(pk__in=ids)}
    return {key: source_label([found[i] for i in dataset_ids if i in found]) for key, dataset_ids in datasets.items()}


KEY = ["indicator", "level", "code", "year"]
# Rows in KEY order come in runs of one indicator at one level: SQLite writes those two columns into its statements.
SERIES_RUN = ("indicator", "level")
VALUES = [name for name in COLUMNS if name not in KEY]
STORED_SCHEMA = {"id": pl.Int64, **engine.OUTPUT_SCHEMA}
FLOATS = {"value", "numerator", "denominator"}


def _sqlite_line() -> str:
    """One stored row as a line of CSV text built by SQLite: "%!.17g" writes a REAL with every digit, so that an
    unchanged figure reads back equal to the computed one (PostgreSQL's COPY does so already); NULL is empty.
    Codes, levels and statuses never hold a comma or a quote; the note is free text, quoted as CSV by %w (which
    doubles double quotes). The percent signs are doubled: the query is run with bound parameters."""
    formats, fields = [], []
    for name in STORED_SCHEMA:
        formats.append('"%%w"' if name == "note" else "%%s")
        fields.append(
            f"iif({name} IS NULL, '', printf('%%!.17g', {name}))" if name in FLOATS else f"IFNULL({name}, '')"
        )
    return f"printf('{','.join(formats)}', {', '.join(fields)})"


def _stored_values(codes: list[str] | None) -> pl.DataFrame:
    """The stored values of these indicators (all if None) with their ids, read as CSV text: no Python object per
    field (PostgreSQL: one COPY; SQLite: one text per indicator built by the database through the unique index)."""
    table = IndicatorValue._meta.db_table
    columns = list(STORED_SCHEMA)
    buffer = io.BytesIO()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            if codes is None:
                cursor.execute(f"SELECT DISTINCT indicator FROM {table}")  # noqa: S608 (names from the models)
                codes = [row[0] for row in cursor.fetchall()]
            buffer.write(
                postgres_csv_lines(
                    cursor, table=table, columns=columns, where="TRUE", key="indicator", values=sorted(codes)
                )
            )
        else:
            if codes is None:
                cursor.execute(f"SELECT DISTINCT indicator FROM {table}")  # noqa: S608 (names from the models)
                codes = [row[0] for row in cursor.fetchall()]
            line = _sqlite_line()
            sql = f"SELECT group_concat({line}, char(10)) FROM {table} WHERE indicator = %s"  # noqa: S608 (names from the models, values bound)
            for code in sorted(codes):
                cursor.execute(sql, [code])
                text = cursor.fetchone()[0]
                if text:
                    buffer.write(text.encode())
                    buffer.write(b"\n")
    if not buffer.tell():
        return pl.DataFrame(schema=STORED_SCHEMA)
    buffer.seek(0)
    return pl.read_csv(buffer, has_header=False, schema=STORED_SCHEMA).with_columns(pl.col("note").fill_null(""))


def _changes(computed: pl.DataFrame, stored: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, pl.Series]:
    """(rows to insert, rows to update with their ids, ids to delete): a refresh that changes nothing writes
    nothing. Figures compare exactly: the stored ones read back with every digit."""
    computed = computed.select(COLUMNS).with_columns(pl.col("note").fill_null(""))
    if stored.is_empty():
        return computed, stored.clear(), pl.Series("id", [], pl.Int64)
    joined = computed.join(stored, on=KEY, how="full", coalesce=True, suffix="_stored")
    is_new = pl.col("id").is_null()
    is_gone = pl.col("status").is_null()  # every computed row has a status
    differs = pl.any_horizontal([pl.col(name).ne_missing(pl.col(f"{name}_stored")) for name in VALUES])
    inserted = joined.filter(is_new).select(COLUMNS)
    updated = joined.filter(~is_new & ~is_gone & differs).select("id", *VALUES)
    deleted = joined.filter(is_gone).get_column("id")
    return inserted, updated, deleted


def _write_changes(inserted: pl.DataFrame, updated: pl.DataFrame, deleted: pl.Series) -> None:
    """Delete, update in place by id, insert: COPY on PostgreSQL, prepared statements fed from the frame a slice at
    a time on SQLite (exact floats, no JSON text to parse)."""
    table = IndicatorValue._meta.db_table
    with connection.cursor() as cursor:
        for chunk in deleted.to_frame().iter_slices(INSERT_CHUNK):
            ids = chunk.get_column("id").to_list()
            if connection.vendor == "postgresql":
                cursor.execute(f"DELETE FROM {table} WHERE id = ANY(%s)", [ids])  # noqa: S608 (names from the models, values bound)
            else:
                cursor.execute(f"DELETE FROM {table} WHERE id IN (SELECT value FROM json_each(%s))", [json.dumps(ids)])  # noqa: S608 (names from the models, values bound)
        assignments = ", ".join(f"{name} = s.{name}" for name in VALUES)
        if connection.vendor == "postgresql":
            if updated.height:
                cursor.execute(
                    f"CREATE TEMPORARY TABLE indicator_value_changes AS SELECT id, {', '.join(VALUES)} FROM {table} "  # noqa: S608 (names from the models)
                    "WITH NO DATA"
                )
                _copy(cursor, "indicator_value_changes", updated)
                cursor.execute(
                    f"UPDATE {table} SET {assignments} FROM indicator_value_changes s WHERE {table}.id = s.id"  # noqa: S608 (names from the models)
                )
                cursor.execute("DROP TABLE indicator_value_changes")
            # A first large refresh makes the unique index again after the load (ctg.core.bulk); the rows go in the
            # order of the unique index (indicator, level, code, year) either way, so that the database appends to
            # it, or sorts rows already in order when it makes it again (a third of the time of unsorted ones).
            rebuilt = (
                indexes_dropped(
                    cursor, IndicatorValue, stored=stored_bound(cursor, IndicatorValue), rows=inserted.height
                )
                if inserted.height
                else []
            )
            _copy(cursor, table, inserted[key_order(inserted, KEY)])
            for statement in rebuilt:
                cursor.execute(statement)
            return
        raw = cursor.cursor
        if updated.height:
            sets = ", ".join(f"{name} = ?" for name in VALUES)
            sql = f"UPDATE {table} SET {sets} WHERE id = ?"  # noqa: S608 (names from the models, values bound)
            for chunk in updated.select(*VALUES, "id").iter_slices(INSERT_CHUNK):
                raw.executemany(sql, chunk.iter_rows())
        if inserted.height:
            sqlite_insert(cursor, table, inserted[key_order(inserted, KEY)], chunk=INSERT_CHUNK, by=SERIES_RUN)


def _copy(cursor, table: str, frame: pl.DataFrame) -> None:
    """COPY from CSV text written by polars (floats with every digit; an empty unquoted field is NULL, except in
    the note, which is never NULL)."""
    columns = ", ".join(frame.columns)
    with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL (note))") as copy:
        for chunk in frame.iter_slices(INSERT_CHUNK):
            copy.write(chunk.write_csv(include_header=False))


def _digests(computed: pl.DataFrame) -> dict[tuple[str, int], str]:
    """A fingerprint of each series (indicator, year) of computed rows: the SHA-256 of its rows' hashes, sorted so
    that the order of the rows does not matter. Row hashes are stable within one version of polars; after an upgrade
    the fingerprints differ and the next refresh compares every value once, as without them."""
    hashed = computed.select("indicator", "year", computed.select(COLUMNS).hash_rows().alias("hash"))
    digests = {}
    for (code, year), part in hashed.group_by(["indicator", "year"]):
        digest = hashlib.sha256(DIGEST_VERSION.encode())
        digest.update(part.get_column("hash").sort().to_numpy().tobytes())
        digests[(str(code), int(year))] = digest.hexdigest()
    return digests


# Changes with the stored columns, so that fingerprints of another layout never match.
DIGEST_VERSION = "1:" + ",".join(f"{name}:{dtype}" for name, dtype in engine.OUTPUT_SCHEMA.items())


def _stored_counts(codes: list[str] | None) -> dict[str, int]:
    """How many values are stored per indicator (all if None): one pass over the unique index in its order, no row
    read and no sort (counting per series would sort every key)."""
    table = connection.ops.quote_name(IndicatorValue._meta.db_table)
    where, params = "", []
    if codes is not None:
        where = f" WHERE indicator IN ({', '.join('%s' for _ in codes)})" if codes else " WHERE 1 = 0"
        params = list(codes)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT indicator, COUNT(*) FROM {table}{where} GROUP BY indicator", params)  # noqa: S608 (names from the models, values bound)
        return dict(cursor.fetchall())


def _unchanged_indicators(
    codes: list[str], digests: dict[tuple[str, int], str], computed: pl.DataFrame, stored_counts: dict[str, int]
) -> set[str]:
    """Indicators whose series are those recorded by the last full refresh, each computed with the fingerprint it
    recorded, and which have as many stored values as computed: their stored values are the computed ones, nothing
    to read or write. (Values and series are written together by the refresh alone; the count catches values
    removed or added behind its back.)"""
    counts = {str(code): n for code, n in computed.group_by("indicator").len().iter_rows()}
    stored_digests: dict[str, dict[tuple[str, int], str]] = {}
    for code, year, digest in IndicatorSeries.objects.filter(indicator__in=codes).values_list(
        "indicator", "year", "digest"
    ):
        stored_digests.setdefault(code, {})[(code, year)] = digest
    unchanged = set()
    for code in codes:
        series = {key: digest for key, digest in digests.items() if key[0] == code}
        if series and series == stored_digests.get(code) and stored_counts.get(code) == counts.get(code):
            unchanged.add(code)
    return unchanged


def _nothing_stored() -> bool:
    with connection.cursor() as cursor:
        return stored_bound(cursor, IndicatorValue) == 0


@contextmanager
def _values_writer(cursor):
    """A function that appends a frame of rows to the stored values, for as long as the block runs, while the caller
    computes the next frame (nothing else may use the connection meanwhile): on PostgreSQL one COPY, which the
    server carries out; on SQLite prepared statements run by a thread of their own, which SQLite's work leaves the
    interpreter free for the computation (ctg.core.bulk.sqlite_insert). The first error stops the writing and is
    raised in the caller's thread, before the block's transaction ends."""
    table = IndicatorValue._meta.db_table
    if connection.vendor == "postgresql":
        columns = ", ".join(COLUMNS)
        with cursor.cursor.copy(
            f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL (note))"
        ) as copy:

            def copied(frame: pl.DataFrame) -> None:
                for chunk in frame.iter_slices(INSERT_CHUNK):
                    copy.write(chunk.write_csv(include_header=False))

            yield copied
        return

    frames: queue.Queue[pl.DataFrame | None] = queue.Queue(maxsize=2)
    failures: list[BaseException] = []

    def writer() -> None:
        while (frame := frames.get()) is not None:
            if failures:
                continue  # what is still queued is dropped: the transaction will be rolled back
            try:
                sqlite_insert(cursor, table, frame, chunk=INSERT_CHUNK, by=SERIES_RUN)
            except BaseException as error:  # raised again in the caller's thread
                failures.append(error)

    def inserted(frame: pl.DataFrame) -> None:
        if failures:
            raise failures[0]
        frames.put(frame)

    thread = threading.Thread(target=writer, name="indicator-values-writer")
    thread.start()
    try:
        yield inserted
    finally:
        frames.put(None)
        thread.join()
    if failures:
        raise failures[0]


def _first_computation(indicators: list[catalogue.Indicator]) -> dict:
    """Compute and store every value of these indicators into an empty table, one indicator at a time in the order
    of the unique index: the database writes an indicator's rows while the next one is computed (_values_writer),
    and makes the unique index again once, over sorted rows (ctg.core.bulk). What the engine reads from the database
    (the observations, the IRIS gaps, the datasets' names, the registers behind hooks) is read before writing."""
    started = time.perf_counter()
    run = engine.start(indicators)
    run.prefetch()
    early = {i.code: run.compute(i) for i in indicators if i.kind == Kind.HOOK}
    computing = time.perf_counter() - started
    digests: dict[tuple[str, int], str] = {}
    rows = 0
    with connection.cursor() as cursor:
        rebuilt = indexes_dropped(cursor, IndicatorValue, stored=0, rows=0)
        with _values_writer(cursor) as write:
            for indicator in sorted(indicators, key=lambda i: i.code):
                began = time.perf_counter()
                frame = early.pop(indicator.code, None)
                frame = engine.stored_rows(run.compute(indicator) if frame is None else frame)
                frame = frame.select(COLUMNS)
                frame = frame.sort(KEY)  # one indicator's rows: a direct sort is quicker than ranking its codes
                digests.update(_digests(frame))
                computing += time.perf_counter() - began
                rows += frame.height
                if frame.height:
                    write(frame)
        for statement in rebuilt:
            cursor.execute(statement)
    return {
        "datasets": run.datasets,
        "digests": digests,
        "values": rows,
        "compute_seconds": computing,
        "write_seconds": time.perf_counter() - started - computing,
    }


def _record_series(indicator_codes: list[str], series_keys: set, datasets: dict, digests: dict, *, partial: bool):
    """The computed series of these indicators, with their sources and fingerprints, replacing the stored ones (only
    those of `series_keys` for a `partial` refresh of some territories)."""
    now = timezone.now()
    sources = _series_sources(datasets)
    stale_series = IndicatorSeries.objects.filter(indicator__in=indicator_codes)
    if partial:
        keys = Q(pk__in=[])
        for code, year in series_keys:
            keys |= Q(indicator=code, year=year)
        stale_series = stale_series.filter(keys)
    stale_series.delete()
    IndicatorSeries.objects.bulk_create(
        IndicatorSeries(
            indicator=code,
            year=year,
            source=(sources.get((code, year)) or catalogue.BY_CODE[code].source)[:500],
            computed_at=now,
            digest=digests.get((code, year), ""),
        )
        for code, year in sorted(series_keys)
    )


@transaction.atomic
def indicators_compute(*, codes=None, territories=None, by=None) -> dict:
    """Recompute the given indicators (all by default) at every level and replace their stored values.

    `territories` optionally restricts what is stored to some (level, code) pairs; aggregates are still computed
    from every commune of the referential, so a partial refresh never changes a figure's meaning.
    `by` is the user who asked for the refresh (None for commands); computed data carry no author.
    An indicator whose computed series all have the fingerprint stored by the last refresh of every territory is
    neither read nor written (its values are those computed); the others are compared value by value. Into an empty
    table, values are written as each indicator is computed (_first_computation).
    Returns counts for the command and the benchmark.
    """
    indicators = _validated_indicators(codes)
    indicator_codes = [i.code for i in indicators]
    if territories is None and _nothing_stored():
        first = _first_computation(indicators)
        series_keys = set(first["digests"])
        _record_series(indicator_codes, series_keys, first["datasets"], first["digests"], partial=False)
        return {
            "indicators": len(indicators),
            "series": len(series_keys),
            "values": first["values"],
            "inserted": first["values"],
            "updated": 0,
            "deleted": 0,
            "unchanged_indicators": 0,
            "compute_seconds": first["compute_seconds"],
            "write_seconds": first["write_seconds"],
        }
    started = time.perf_counter()
    frame, datasets = engine.compute(indicators)
    if territories is not None:
        wanted = pl.DataFrame(
            [(str(level), str(code)) for level, code in territories],
            schema={"level": pl.Utf8, "code": pl.Utf8},
            orient="row",
        )
        frame = frame.join(wanted, on=["level", "code"], how="semi")
    frame = frame.select(COLUMNS).with_columns(pl.col("note").fill_null(""))
    computed = time.perf_counter()
    digests: dict[tuple[str, int], str] = {}
    unchanged: set[str] = set()
    # A full refresh also removes the values of indicators no longer in the catalogue.
    compared: list[str] | None = None if codes is None else list(indicator_codes)
    if territories is None:
        digests = _digests(frame)
        stored_counts = _stored_counts(None if codes is None else indicator_codes)
        unchanged = _unchanged_indicators(indicator_codes, digests, frame, stored_counts)
        compared = [code for code in indicator_codes if code not in unchanged]
        compared += sorted(set(stored_counts) - set(indicator_codes))
    stored = _stored_values(compared)
    if territories is not None:
        stored = stored.join(wanted, on=["level", "code"], how="semi")
    to_compare = frame.filter(pl.col("indicator").is_in(compared or [])) if unchanged else frame
    inserted, updated, deleted = _changes(to_compare, stored)
    del stored, to_compare
    _write_changes(inserted, updated, deleted)
    series_keys = {(row[0], row[1]) for row in frame.select("indicator", "year").unique().iter_rows()}
    _record_series(indicator_codes, series_keys, datasets, digests, partial=territories is not None)
    return {
        "indicators": len(indicators),
        "series": len(series_keys),
        "values": frame.height,
        "inserted": inserted.height,
        "updated": updated.height,
        "deleted": deleted.len(),
        "unchanged_indicators": len(unchanged),
        "compute_seconds": computed - started,
        "write_seconds": time.perf_counter() - computed,
    }
