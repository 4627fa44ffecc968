"""Imports of open-data files: the only writes of Dataset, Observation, LocalObservation and IrisZone.

Official data: `dataset_import` reads and validates the whole file first (ctg.opendata.readers), then writes in one
transaction: a rejected file changes nothing. The same file twice (same SHA-256) changes nothing; a file with
the same cells and values counts them as unchanged; a new vintage adds its years and keeps the old ones; a
corrected file for the same years replaces the values that differ. Writes use batched raw inserts (COPY on
PostgreSQL) because national files carry about a million cells. Only files of a known edition are accepted
(ctg.opendata.editions); the data-administration role imports them (and `dataset_withdraw` takes one back).

Local data: `local_data_import` stores a convention's tidy CSV as LocalObservations of that convention only,
on its own territory (its communes, their IRIS, its EPCI), under variable names that no official file uses.

Both refuse a file with `DatasetError` (ctg.core.imports.ImportRefused), report with `DatasetImportReport` (counts of
values, not of lines) and write the security journal entry of each import and withdrawal themselves; the caller
passes who acts (`by`) and, from a web request, the client's IP address.
"""

import dataclasses
import decimal
import hashlib
from pathlib import Path

import polars as pl
from django.conf import settings
from django.db import connection, transaction

from ctg.accounts.enums import SecurityEventKind
from ctg.accounts.journal import security_event_record
from ctg.core.bulk import indexes_dropped, key_order, sqlite_insert, stored_bound
from ctg.core.formatting import counted
from ctg.core.imports import ImportReport
from ctg.opendata.editions import edition_check, header_of
from ctg.opendata.enums import GeoLevel, ObservationStatus
from ctg.opendata.geography import GeographyReport, stored_commune_history, stored_perimeter_context
from ctg.opendata.models import Dataset, IrisZone, LocalObservation, Observation
from ctg.opendata.readers import FORMATS, DatasetError, ParsedFile, read_file
from ctg.opendata.readers.base import MAX_BYTES, problem

LOCAL_FORMAT = "tidy"
LOCAL_LEVELS = [GeoLevel.IRIS.value, GeoLevel.COMMUNE.value, GeoLevel.EPCI.value]

BATCH_SIZE = 5000
KEYS = ["variable", "year", "level", "code"]
COLUMNS = ["dataset_id", "level", "code", "variable", "year", "value", "status", "incomplete", "note"]

__all__ = [
    "FORMATS",
    "DatasetError",
    "DatasetImportReport",
    "dataset_import",
    "dataset_withdraw",
    "local_data_import",
]


@dataclasses.dataclass(kw_only=True)
class DatasetImportReport(ImportReport):
    """`read` counts the file's lines (IRIS for the reference); the other counts are of values (of IRIS)."""

    dataset: Dataset
    format: str
    already_imported: bool = False
    secret: int = 0
    missing: int = 0
    incomplete: int = 0
    edition: str = ""
    # The variables the file carries: the indicators that read them are the ones to recompute.
    variables: list[str] = dataclasses.field(default_factory=list)
    # Placeholder rows the reader dropped (codes or names made of X: not areas).
    dropped: int = 0
    # What bringing the file's commune codes to today's geography did (GeographyReport.summary()).
    geography: str = ""
    # EPCI whose published values are on a perimeter that differs from today's (GeographyReport.epci_perimeters).
    epci_perimeters: list[str] = dataclasses.field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return self.read

    @property
    def format_label(self) -> str:
        return FORMATS.get(self.format, self.format)

    def details(self) -> str:
        if self.already_imported:
            return f"{self.dataset.file_name} : fichier déjà importé, rien n'a changé."
        outcome = "rien n'a été enregistré" if self.dry_run else "Import terminé"
        if self.format == "iris_reference":
            return (
                f"{outcome} – {self.dataset.file_name} ({self.format_label}) : "
                f"{counted(self.read, 'IRIS lu', 'IRIS lus')}, "
                f"{counted(self.created, 'créé')}, {counted(self.updated, 'mis à jour', 'mis à jour')}, "
                f"{counted(self.unchanged, 'inchangé')}."
            )
        text = (
            f"{outcome} – {self.dataset.file_name} ({self.format_label}) : {counted(self.read, 'ligne lue')}, "
            f"{counted(self.created, 'valeur créée')}, {counted(self.updated, 'mise à jour', 'mises à jour')}, "
            f"{counted(self.unchanged, 'inchangée')}, dont {counted(self.secret, 'secrète')} et "
            f"{counted(self.missing, 'non disponible', 'non disponibles')}"
        )
        if self.incomplete:
            text += f", {counted(self.incomplete, 'agrégat communal incomplet', 'agrégats communaux incomplets')}"
        if self.dropped:
            text += f" ; {counted(self.dropped, 'ligne sans territoire écartée', 'lignes sans territoire écartées')}"
        if self.geography:
            text += f" ; {self.geography}"
        return text + "."


def _geography_summary(parsed: ParsedFile) -> str:
    """What bringing the file to today's communes did, when it did anything."""
    if not parsed.geography:
        return ""
    geography = GeographyReport(**parsed.geography)
    return geography.summary() if geography.changed else ""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def iris_to_commune() -> dict[str, str]:
    return dict(IrisZone.objects.values_list("code", "commune_code"))


def _known_dataset(sha256: str, *, convention=None) -> Dataset | None:
    """The dataset already imported from this very file (official, or local to the convention)."""
    return Dataset.objects.filter(sha256=sha256, convention=convention).first()


@transaction.atomic
def dataset_import(
    *,
    path,
    format: str | None = None,
    dry_run: bool = False,
    by=None,
    file_name: str | None = None,
    known_edition_only: bool = True,
    max_bytes: int = MAX_BYTES,
    ip_address: str | None = None,
) -> DatasetImportReport:
    """Import one official file as published. Raise DatasetError (French, with line and column) and write nothing
    if the file is not valid, is local data, or (with `known_edition_only`) matches no known edition of its
    producer. `file_name` is the name to record when `path` is a temporary copy (uploads). Operators may pass
    `known_edition_only=False` from the command line to load an extract on a test instance; uploads pass
    `max_bytes=settings.UPLOAD_MAX_SIZE` (national files given to the command may be larger). A real import is
    journaled for `by` from `ip_address`."""
    path = Path(path)
    file_name = Path(file_name or path.name).name
    if not path.is_file():
        raise DatasetError(problem(file_name, "fichier introuvable."))
    sha256 = file_sha256(path)
    existing = _known_dataset(sha256)
    if existing is not None:
        return DatasetImportReport(dataset=existing, format=existing.format, dry_run=dry_run, already_imported=True)
    if format == LOCAL_FORMAT:
        raise DatasetError(problem(file_name, _LOCAL_ON_OFFICIAL_PATH))
    parsed = read_file(
        path,
        format=format,
        file_name=file_name,
        iris_to_commune=iris_to_commune,
        commune_history=stored_commune_history,
        perimeter_context=stored_perimeter_context,
        max_bytes=max_bytes,
    )
    if parsed.format == LOCAL_FORMAT:
        raise DatasetError(problem(file_name, _LOCAL_ON_OFFICIAL_PATH))
    edition = ""
    if known_edition_only:
        edition = edition_check(parsed=parsed, sha256=sha256, header=header_of(path), file_name=file_name)
    return _parsed_file_store(
        parsed=parsed,
        sha256=sha256,
        file_name=file_name,
        edition=edition,
        dry_run=dry_run,
        by=by,
        ip_address=ip_address,
    )


@transaction.atomic
def _parsed_file_store(
    *,
    parsed: ParsedFile,
    sha256: str,
    file_name: str,
    edition: str = "",
    dry_run: bool = False,
    by=None,
    ip_address: str | None = None,
) -> DatasetImportReport:
    """The writing half of `dataset_import`, for a file already read and checked (bench/indicators.py times it
    on its own: the synthetic national file is not in a published format)."""
    dataset = Dataset(sha256=sha256)
    for field, value in _provenance(parsed, file_name, by).items():
        setattr(dataset, field, value)
    report = DatasetImportReport(
        dataset=dataset,
        format=parsed.format,
        dry_run=dry_run,
        read=parsed.rows_read,
        edition=edition,
        dropped=parsed.dropped_rows,
        geography=_geography_summary(parsed),
        epci_perimeters=list(parsed.geography.get("epci_perimeters", [])),
    )
    if not dry_run:
        dataset.save()
    if parsed.iris_zones is not None:
        _write_iris_zones(parsed, report, dry_run=dry_run)
    else:
        _write_cells(parsed.value_cells, report, dry_run=dry_run)
        dataset.observation_count = parsed.value_cells.height
    if not dry_run:
        dataset.save(update_fields=["observation_count"])
        detail = f"Import de données officielles : {report.summary()} SHA-256 {sha256}"
        if edition:
            detail += f", édition reconnue : {edition}"
        security_event_record(kind=SecurityEventKind.IMPORT, user=by, detail=detail[:1000], ip_address=ip_address)
    return report


_LOCAL_ON_OFFICIAL_PATH = (
    "ce fichier est au format des données locales (code_geo;niveau;variable;annee;valeur). Les "
    "données locales appartiennent à une convention : importez-le depuis la page « Données locales » de la "
    "convention concernée."
)


def _provenance(parsed: ParsedFile, file_name: str, by) -> dict:
    return {
        "producer": parsed.producer,
        "title": parsed.title,
        "format": parsed.format,
        "vintage": parsed.vintage,
        "licence": parsed.licence,
        "geography_year": parsed.geography_year,
        "file_name": file_name,
        "row_count": parsed.rows_read,
        "imported_by": by if getattr(by, "is_authenticated", False) else None,
    }


@transaction.atomic
def dataset_withdrawal_refusal(dataset: Dataset) -> DatasetError | None:
    """Why this official dataset cannot be withdrawn, checked before anything is queued; None if it can."""
    if dataset.is_local:
        return DatasetError("Une donnée locale se retire depuis la page « Données locales » de sa convention.")
    if dataset.format == "iris_reference":
        return DatasetError(
            problem(
                dataset.file_name,
                "le référentiel des IRIS ne se retire pas, les données CAF à l'IRIS en dépendent ; importez une "
                "édition plus récente.",
            )
        )
    return None


def dataset_withdraw(*, dataset: Dataset, by, ip_address: str | None = None) -> int:
    """Take back an official dataset: its values are removed and the dataset with them; return how many.

    The values it had replaced in an older file are not brought back: withdraw that older file too, then import it
    again. The IRIS reference is not withdrawn: the CAF files
    are rolled up to communes with it; import a newer edition instead."""
    refusal = dataset_withdrawal_refusal(dataset)
    if refusal is not None:
        raise refusal
    locked = Dataset.objects.select_for_update().get(pk=dataset.pk)
    removed, _ = Observation.objects.filter(dataset=locked).delete()
    security_event_record(
        kind=SecurityEventKind.IMPORT,
        user=by,
        detail=(
            f"Retrait de données officielles : {locked.source_label}, fichier {locked.file_name}, "
            f"SHA-256 {locked.sha256}, {counted(removed, 'valeur retirée')}."
        )[:1000],
        ip_address=ip_address,
    )
    locked.delete()
    return removed


# The file's cells are loaded into a temporary table, then compared with and merged into the stored ones by SQL:
# no Python object per cell, whatever the size of the file.
STAGING = "opendata_import_cells"
STAGING_COLUMNS = ["level", "code", "variable", "year", "value", "status", "incomplete", "note"]
STAGING_CHUNK = 100_000


def _write_cells(cells: pl.DataFrame, report: DatasetImportReport, *, dry_run: bool) -> None:
    report.secret = cells.filter(pl.col("status") == ObservationStatus.SECRET.value).height
    report.missing = cells.filter(pl.col("status") == ObservationStatus.MISSING.value).height
    report.incomplete = cells.filter(pl.col("incomplete")).height
    report.variables = sorted(cells["variable"].unique().to_list())
    # A cell's note (why a merged commune has no value, a different EPCI perimeter…) is empty unless a reader or
    # the geography set one.
    note = pl.col("note").fill_null("") if "note" in cells.columns else pl.lit("")
    cells = cells.with_columns(note.alias("note"))
    # Written in the order of the unique index (see _bulk_load), so that the database appends to it.
    cells = cells.select(STAGING_COLUMNS).with_columns(pl.col("year").cast(pl.Int64))
    table = connection.ops.quote_name(Observation._meta.db_table)
    # Series (level, variable, year) nothing is stored for yet are new whole: inserted without comparison.
    series = ["level", "variable", "year"]
    stored = pl.DataFrame(
        _stored_series(table, cells.select(series).unique().rows()),
        schema={"level": pl.Utf8, "variable": pl.Utf8, "year": pl.Int64},
        orient="row",
    )
    if stored.is_empty():  # a first import or a new vintage: no copy of the cells
        fresh, known_series = cells, cells.clear()
    else:
        fresh = cells.join(stored, on=series, how="anti", maintain_order="left")
        known_series = cells.join(stored, on=series, how="semi", maintain_order="left")
    known = updated = 0
    with connection.cursor() as cursor:
        if known_series.height:
            _create_staging(cursor)
            _bulk_load(cursor, STAGING, known_series)
            if connection.vendor == "postgresql":
                # Fresh statistics (a sample) so that the comparisons below are hash joins, whatever was just loaded.
                cursor.execute(f"ANALYZE {table}")
            cursor.execute(
                f"SELECT COUNT(*), COALESCE(SUM(CASE WHEN {_changed(table)} THEN 1 ELSE 0 END), 0) "  # noqa: S608 (names from the models)
                f"FROM {STAGING} s JOIN {table} ON {_same_cell(table)}"
            )
            known, updated = cursor.fetchone()
            if not dry_run:
                _merge(cursor, table, report.dataset.pk, known=known, updated=updated, staged=known_series.height)
            cursor.execute(f"DROP TABLE {STAGING}")
        if not dry_run and fresh.height:
            rebuilt = indexes_dropped(cursor, Observation, stored=stored_bound(cursor, Observation), rows=fresh.height)
            _bulk_load(
                cursor,
                table,
                fresh.select(pl.lit(report.dataset.pk).alias("dataset_id"), *STAGING_COLUMNS),
            )
            for statement in rebuilt:
                cursor.execute(statement)
    report.created = cells.height - known
    report.updated = updated
    report.unchanged = known - updated


def _stored_series(table: str, series: list[tuple[str, str, int]]) -> list[tuple[str, str, int]]:
    """Which of these series (level, variable, year) have a cell stored: one look into the unique index per series,
    which stops at its first cell (reading every cell of a file's variables took a second a file on PostgreSQL)."""
    found = []
    with connection.cursor() as cursor:
        for start in range(0, len(series), SERIES_PER_QUERY):
            part = series[start : start + SERIES_PER_QUERY]
            rows = ", ".join("(%s, %s, %s)" for _ in part)
            cursor.execute(
                f"WITH s (level, variable, year) AS (VALUES {rows}) SELECT s.level, s.variable, s.year FROM s "  # noqa: S608 (names from the models, values bound)
                f"WHERE EXISTS (SELECT 1 FROM {table} o WHERE o.variable = s.variable AND o.year = s.year "
                "AND o.level = s.level)",
                [value for key in part for value in key],
            )
            found += cursor.fetchall()
    return found


# Series looked up per query: three bound values each, within SQLite's historical limit of 999.
SERIES_PER_QUERY = 300


def _same_cell(table: str) -> str:
    return " AND ".join(f"{table}.{key} = s.{key}" for key in KEYS)


def _changed(table: str) -> str:
    """A stored cell differs from the file's: value (NULL-safe), status, completeness or note."""
    differs = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    return (
        f"({table}.value {differs} s.value OR {table}.status <> s.status OR {table}.incomplete <> s.incomplete "
        f"OR {table}.note <> s.note)"
    )


def _merge(cursor, table: str, dataset_id: int, *, known: int, updated: int, staged: int) -> None:
    """Changed cells take the file's values and its dataset; new cells are inserted; unchanged ones stay. `staged`
    cells were loaded, `known` of them are stored already: a file of known cells only (a corrected edition) inserts
    nothing, and the search for new cells is skipped."""
    if updated:
        # UPDATE ... FROM (PostgreSQL, SQLite ≥ 3.33): the target table is named in full, without an alias.
        cursor.execute(
            f"UPDATE {table} SET dataset_id = %s, value = s.value, status = s.status, incomplete = s.incomplete, "  # noqa: S608 (names from the models, values bound)
            f"note = s.note "
            f"FROM {STAGING} s WHERE {_same_cell(table)} AND {_changed(table)}",
            [dataset_id],
        )
    if known == staged:
        return
    if known:
        # What remains in the temporary table is new.
        cursor.execute(f"DELETE FROM {STAGING} AS s WHERE EXISTS (SELECT 1 FROM {table} WHERE {_same_cell(table)})")  # noqa: S608 (names from the models)
    columns = ", ".join(f"s.{name}" for name in STAGING_COLUMNS)
    cursor.execute(
        f"INSERT INTO {table} ({', '.join(COLUMNS)}) SELECT %s, {columns} FROM {STAGING} s",  # noqa: S608 (names from the models, values bound)
        [dataset_id],
    )


def _create_staging(cursor) -> None:
    """A temporary table for the file's cells, typed like Observation so that values compare as stored."""
    field = Observation._meta.get_field
    columns = ", ".join(f"{name} {field(name).db_type(connection)}" for name in STAGING_COLUMNS)
    cursor.execute(f"DROP TABLE IF EXISTS {STAGING}")
    cursor.execute(f"CREATE TEMPORARY TABLE {STAGING} ({columns})")
    if connection.vendor == "sqlite":
        cursor.execute(f"CREATE INDEX {STAGING}_cell ON {STAGING} ({', '.join(KEYS)})")


def _sorted_slices(frame: pl.DataFrame):
    """Slices of `frame` in the order of the unique index (variable, year, level, code), so that the database
    appends to it rather than inserting all over it; gathered a slice at a time, never the whole frame sorted."""
    order = key_order(frame, KEYS)
    for start in range(0, frame.height, STAGING_CHUNK):
        yield frame[order.slice(start, STAGING_CHUNK)]


def _bulk_load(cursor, table: str, frame: pl.DataFrame) -> None:
    """Rows of `frame` into `table`, a slice at a time: COPY from CSV text written by polars on PostgreSQL (an
    empty unquoted field is NULL, except in the note, which is never NULL), a prepared statement fed with the
    slice's rows on SQLite (ctg.core.bulk.sqlite_insert). Memory stays bounded by the slice, whatever the size of the
    file."""
    columns = ", ".join(frame.columns)
    slices = _sorted_slices(frame)
    if connection.vendor == "postgresql":
        options = "FORMAT csv, FORCE_NOT_NULL (note)" if "note" in frame.columns else "FORMAT csv"
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN WITH ({options})") as copy:
            for chunk in slices:
                copy.write(chunk.write_csv(include_header=False))
        if table == STAGING:
            cursor.execute(f"ANALYZE {STAGING}")
        return
    for chunk in slices:
        # Runs of one variable, year and level: SQLite writes those columns into its statements.
        sqlite_insert(cursor, table, chunk, chunk=STAGING_CHUNK, by=tuple(KEYS[:3]))


def _write_iris_zones(parsed: ParsedFile, report: DatasetImportReport, *, dry_run: bool) -> None:
    vintage = int(parsed.vintage)
    existing = {zone.code: zone for zone in IrisZone.objects.all()}
    to_create, to_update = [], []
    if parsed.iris_zones is None:
        raise TypeError(f"A {parsed.format} file carries no IRIS zones.")
    for code, commune_code, name, kind in parsed.iris_zones.iter_rows():
        zone = existing.get(code)
        if zone is None:
            to_create.append(IrisZone(code=code, commune_code=commune_code, name=name, kind=kind, vintage=vintage))
        elif (zone.commune_code, zone.name, zone.kind, zone.vintage) != (commune_code, name, kind, vintage):
            zone.commune_code, zone.name, zone.kind, zone.vintage = commune_code, name, kind, vintage
            to_update.append(zone)
    report.created = len(to_create)
    report.updated = len(to_update)
    report.unchanged = parsed.rows_read - len(to_create) - len(to_update)
    if dry_run:
        return
    IrisZone.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    IrisZone.objects.bulk_update(to_update, ["commune_code", "name", "kind", "vintage"], batch_size=BATCH_SIZE)


# --- Local data of a convention ---------------------------------------------------------------------------


def convention_territory(convention) -> dict[str, set[str]]:
    """Codes a convention's local data may describe, per level: its EPCI, the EPCI's communes and their IRIS."""
    communes = set(convention.epci.communes.values_list("code", flat=True))
    iris = set(IrisZone.objects.filter(commune_code__in=communes).values_list("code", flat=True))
    return {
        GeoLevel.EPCI.value: {convention.epci.siren},
        GeoLevel.COMMUNE.value: communes,
        GeoLevel.IRIS.value: iris,
    }


def _check_local_cells(cells: pl.DataFrame, convention, file_name: str) -> None:
    """Local data stays on the convention's territory and under names no official file uses."""
    errors = []
    outside_level = cells.filter(~pl.col("level").is_in(LOCAL_LEVELS)).sort("_line")
    for row in outside_level.head(5).iter_rows(named=True):
        errors.append(
            problem(
                file_name,
                f"le niveau « {GeoLevel(row['level']).label} » ne décrit pas le territoire de la convention "
                "(niveaux admis : iris, commune, epci).",
                line=row["_line"],
                column="niveau",
            )
        )
    territory = convention_territory(convention)
    for level, codes in territory.items():
        outside = cells.filter((pl.col("level") == level) & ~pl.col("code").is_in(sorted(codes))).sort("_line")
        for row in outside.head(5).iter_rows(named=True):
            errors.append(
                problem(
                    file_name,
                    f"{row['code']} n'est pas sur le territoire de la convention ({convention.epci.name}) ; une "
                    "donnée locale ne décrit que ce territoire.",
                    line=row["_line"],
                    column="code_geo",
                )
            )
    variables = sorted(set(cells["variable"].to_list()))
    official: list[str] = sorted(
        set(Observation.objects.filter(variable__in=variables).values_list("variable", flat=True))
    )
    for variable in official[:5]:
        line = cells.filter(pl.col("variable") == variable).sort("_line")["_line"][0]
        errors.append(
            problem(
                file_name,
                f"{variable} est une variable publiée par l'INSEE ou la CAF ; une donnée locale ne la remplace pas. "
                f"Donnez un autre nom à la variable locale (par exemple {variable}_LOCAL).",
                line=line,
                column="variable",
            )
        )
    if errors:
        raise DatasetError(errors)


@transaction.atomic
def local_data_import(
    *,
    convention,
    path,
    dry_run: bool = False,
    by,
    file_name: str | None = None,
    ip_address: str | None = None,
) -> DatasetImportReport:
    """Import a tidy CSV as local data of one convention. Raise DatasetError and write nothing if it is not valid,
    leaves the convention's territory or uses an official variable name. The same file twice changes nothing. A
    real import is journaled for `by` from `ip_address`."""
    path = Path(path)
    file_name = Path(file_name or path.name).name
    if not path.is_file():
        raise DatasetError(problem(file_name, "fichier introuvable."))
    sha256 = file_sha256(path)
    existing = _known_dataset(sha256, convention=convention)
    if existing is not None:
        return DatasetImportReport(dataset=existing, format=LOCAL_FORMAT, dry_run=dry_run, already_imported=True)
    parsed = read_file(path, format=LOCAL_FORMAT, file_name=file_name, max_bytes=settings.UPLOAD_MAX_SIZE)
    cells = parsed.value_cells
    _check_local_cells(cells, convention, file_name)
    dataset = Dataset(sha256=sha256, convention=convention)
    for field, value in _provenance(parsed, file_name, by).items():
        setattr(dataset, field, value)
    dataset.observation_count = cells.height
    report = DatasetImportReport(dataset=dataset, format=LOCAL_FORMAT, dry_run=dry_run, read=parsed.rows_read)
    report.secret = cells.filter(pl.col("status") == ObservationStatus.SECRET.value).height
    report.missing = cells.filter(pl.col("status") == ObservationStatus.MISSING.value).height
    stored = {
        (row.level, row.code, row.variable, row.year): row
        for row in LocalObservation.objects.filter(
            convention=convention, variable__in=sorted(set(cells["variable"].to_list()))
        )
    }
    to_create, to_update = [], []
    for level, code, variable, year, value, status in cells.select(
        "level", "code", "variable", "year", "value", "status"
    ).iter_rows():
        value = None if value is None else decimal.Decimal(value)
        row = stored.get((level, code, variable, int(year)))
        if row is None:
            to_create.append(
                LocalObservation(
                    convention=convention,
                    level=level,
                    code=code,
                    variable=variable,
                    year=year,
                    value=value,
                    status=status,
                )
            )
        elif (row.value, row.status) != (value, status):
            row.value, row.status = value, status
            to_update.append(row)
    report.created, report.updated = len(to_create), len(to_update)
    report.unchanged = cells.height - report.created - report.updated
    if dry_run:
        return report
    dataset.save()
    for row in to_create + to_update:
        row.dataset = dataset
    LocalObservation.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    LocalObservation.objects.bulk_update(to_update, ["value", "status", "dataset"], batch_size=BATCH_SIZE)
    security_event_record(
        kind=SecurityEventKind.IMPORT,
        user=by,
        convention=convention,
        detail=f"Import de données locales : {report.summary()}"[:1000],
        ip_address=ip_address,
    )
    return report


@transaction.atomic
def local_dataset_withdraw(*, dataset: Dataset, by, ip_address: str | None = None) -> int:
    """Remove a local dataset of a convention and the values it brought; return how many values."""
    if not dataset.is_local:
        raise DatasetError("Seule l'administration des données retire un jeu de données officiel.")
    locked = Dataset.objects.select_for_update().get(pk=dataset.pk)
    removed = locked.local_observations.count()
    security_event_record(
        kind=SecurityEventKind.IMPORT,
        user=by,
        convention=locked.convention,
        detail=f"Retrait de données locales : {locked.file_name}, {counted(removed, 'valeur retirée')}."[:1000],
        ip_address=ip_address,
    )
    locked.delete()
    return removed
