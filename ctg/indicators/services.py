"""Writes of the indicators domain: refresh computed values after an import."""

import time

import polars as pl
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from ctg.indicators import catalogue, engine
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


def _write_values(frame: pl.DataFrame) -> None:
    """Bulk load without a Python object per value: COPY on PostgreSQL, JSON unpacked by SQLite on SQLite."""
    table = IndicatorValue._meta.db_table
    columns = ", ".join(COLUMNS)
    # Sorted like the unique index (indicator, level, code, year): the database appends to it.
    frame = frame.select(COLUMNS).sort(["indicator", "level", "code", "year"])
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # An empty unquoted CSV field is NULL, except in the note, which is never NULL.
            with cursor.cursor.copy(
                f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL (note))"
            ) as copy:
                for chunk in frame.iter_slices(INSERT_CHUNK):
                    copy.write(chunk.write_csv(include_header=False))
            return
        extract = ", ".join(f"json_extract(value, '$.{name}')" for name in COLUMNS)
        sql = f"INSERT INTO {table} ({columns}) SELECT {extract} FROM json_each(%s)"  # noqa: S608 (names from the models, values bound)
        for chunk in frame.iter_slices(INSERT_CHUNK):
            cursor.execute(sql, [chunk.write_json()])


@transaction.atomic
def indicators_compute(*, codes=None, territories=None, by=None) -> dict:
    """Recompute the given indicators (all by default) at every level and replace their stored values.

    `territories` optionally restricts what is stored to some (level, code) pairs; aggregates are still computed
    from every commune of the referential, so a partial refresh never changes a figure's meaning.
    `by` is the user who asked for the refresh (None for commands); computed data carry no author.
    Returns counts for the command and the benchmark.
    """
    indicators = _validated_indicators(codes)
    started = time.perf_counter()
    frame, datasets = engine.compute(indicators)
    if territories is not None:
        wanted = pl.DataFrame(
            [(str(level), str(code)) for level, code in territories],
            schema={"level": pl.Utf8, "code": pl.Utf8},
            orient="row",
        )
        frame = frame.join(wanted, on=["level", "code"], how="semi")
    computed = time.perf_counter()
    indicator_codes = [i.code for i in indicators]
    # A full refresh empties the table without a WHERE clause (SQLite then truncates it at once).
    stale = (
        IndicatorValue.objects.all() if codes is None else IndicatorValue.objects.filter(indicator__in=indicator_codes)
    )
    if territories is not None:
        pairs = Q(pk__in=[])
        for level, code in territories:
            pairs |= Q(level=str(level), code=str(code))
        stale = stale.filter(pairs)
    stale.delete()
    _write_values(frame)
    now = timezone.now()
    sources = _series_sources(datasets)
    series_keys = {(row[0], row[1]) for row in frame.select("indicator", "year").unique().iter_rows()}
    stale_series = IndicatorSeries.objects.filter(indicator__in=indicator_codes)
    if territories is not None:
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
        )
        for code, year in sorted(series_keys)
    )
    return {
        "indicators": len(indicators),
        "series": len(series_keys),
        "values": frame.height,
        "compute_seconds": computed - started,
        "write_seconds": time.perf_counter() - computed,
    }
