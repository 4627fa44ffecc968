"""Imports of open-data files: the only writes of Dataset, Observation and IrisZone.

`dataset_import` reads and validates the whole file first (ctg.opendata.readers), then writes in one
transaction: a rejected file changes nothing. The same file twice (same SHA-256) changes nothing; a file with
the same cells and values counts them as unchanged; a new vintage adds its years and keeps the old ones; a
corrected file for the same years replaces the values that differ. Writes use batched raw inserts (COPY on
PostgreSQL) because national files carry about a million cells.
"""

import dataclasses
import decimal
import hashlib
from pathlib import Path

import polars as pl
from django.db import connection, transaction

from ctg.accounts.enums import SecurityEventKind
from ctg.accounts.journal import security_event_record
from ctg.opendata.enums import ObservationStatus
from ctg.opendata.models import Dataset, IrisZone, Observation
from ctg.opendata.readers import FORMATS, DatasetError, ParsedFile, read_file

BATCH_SIZE = 5000
SIX_PLACES = decimal.Decimal("0.000001")
KEYS = ["level", "code", "variable", "year"]
COLUMNS = ["dataset_id", "level", "code", "variable", "year", "value", "status", "incomplete"]

__all__ = ["FORMATS", "DatasetError", "ImportReport", "dataset_import"]


@dataclasses.dataclass
class ImportReport:
    dataset: Dataset
    format: str
    dry_run: bool = False
    already_imported: bool = False
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    secret: int = 0
    missing: int = 0
    incomplete: int = 0
    errors: list[str] = dataclasses.field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len(self.errors)

    @property
    def format_label(self) -> str:
        return FORMATS.get(self.format, self.format)

    def summary(self) -> str:
        if self.already_imported:
            return f"{self.dataset.file_name} : fichier déjà importé, rien n'a changé."
        prefix = "Simulation, rien n'a été enregistré" if self.dry_run else "Import terminé"
        if self.format == "iris_reference":
            return (
                f"{prefix} – {self.dataset.file_name} ({self.format_label}) : {self.rows_read} IRIS lu(s), "
                f"{self.created} créé(s), {self.updated} mis à jour, {self.unchanged} inchangé(s)."
            )
        text = (
            f"{prefix} – {self.dataset.file_name} ({self.format_label}) : {self.rows_read} ligne(s) lue(s), "
            f"{self.created} valeur(s) créée(s), {self.updated} mise(s) à jour, {self.unchanged} inchangée(s), "
            f"dont {self.secret} secrète(s) et {self.missing} non disponible(s)"
        )
        if self.incomplete:
            text += f", {self.incomplete} agrégat(s) communal(aux) incomplet(s)"
        return text + "."


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def iris_to_commune() -> dict[str, str]:
    return dict(IrisZone.objects.values_list("code", "commune_code"))


@transaction.atomic
def dataset_import(
    *, path, format: str | None = None, dry_run: bool = False, by=None, file_name: str | None = None
) -> ImportReport:
    """Import one published file. Raise DatasetError (French, with line and column) and write nothing if the
    file is not valid. `file_name` is the name to record when `path` is a temporary copy (uploads)."""
    path = Path(path)
    file_name = Path(file_name or path.name).name
    if not path.is_file():
        raise DatasetError(f"{file_name} : fichier introuvable.")
    sha256 = file_sha256(path)
    existing = Dataset.objects.filter(sha256=sha256).first()
    if existing is not None:
        return ImportReport(
            dataset=existing, format=existing.format, dry_run=dry_run, already_imported=True, rows_read=0
        )
    parsed = read_file(path, format=format, file_name=file_name, iris_to_commune=iris_to_commune)
    dataset = Dataset(
        producer=parsed.producer,
        title=parsed.title,
        format=parsed.format,
        vintage=parsed.vintage,
        licence=parsed.licence,
        file_name=file_name,
        sha256=sha256,
        row_count=parsed.rows_read,
        imported_by=by if getattr(by, "is_authenticated", False) else None,
    )
    report = ImportReport(dataset=dataset, format=parsed.format, dry_run=dry_run, rows_read=parsed.rows_read)
    if not dry_run:
        dataset.save()
    if parsed.iris_zones is not None:
        _write_iris_zones(parsed, report, dry_run=dry_run)
    else:
        _write_cells(parsed.cells, report, dry_run=dry_run, local=parsed.format == "tidy")
        dataset.observation_count = parsed.cells.height
    if not dry_run:
        dataset.save(update_fields=["observation_count"])
        security_event_record(
            kind=SecurityEventKind.IMPORT, user=by, detail=f"Import de données ouvertes : {report.summary()}"
        )
    return report


def _write_cells(cells: pl.DataFrame, report: ImportReport, *, dry_run: bool, local: bool) -> None:
    report.secret = cells.filter(pl.col("status") == ObservationStatus.SECRET.value).height
    report.missing = cells.filter(pl.col("status") == ObservationStatus.MISSING.value).height
    report.incomplete = cells.filter(pl.col("incomplete")).height
    cells = cells.select(KEYS + ["value", "status", "incomplete", "_line"]).with_columns(pl.col("year").cast(pl.Int64))
    existing = _existing_cells(cells)
    merged = cells.join(existing, on=KEYS, how="left")
    new = merged.filter(pl.col("id").is_null())
    known = merged.filter(pl.col("id").is_not_null())
    same = (
        pl.col("value").eq_missing(pl.col("old_value"))
        & (pl.col("status") == pl.col("old_status"))
        & (pl.col("incomplete") == pl.col("old_incomplete"))
    )
    changed = known.filter(~same)
    if local and not changed.is_empty():
        _refuse_local_over_published(changed, report.dataset.file_name)
    report.created = new.height
    report.updated = changed.height
    report.unchanged = known.height - changed.height
    if dry_run:
        return
    dataset_id = report.dataset.pk
    _insert(new.select(pl.lit(dataset_id).alias("dataset_id"), *COLUMNS[1:]))
    _update(changed.select(pl.lit(dataset_id).alias("dataset_id"), "value", "status", "incomplete", "id"))


def _refuse_local_over_published(changed: pl.DataFrame, file_name: str) -> None:
    """Local data adds figures; it never overwrites a figure published by INSEE or the CAF."""
    published = dict(
        Dataset.objects.filter(pk__in=changed["old_dataset_id"].unique().to_list())
        .exclude(format="tidy")
        .values_list("pk", "producer")
    )
    clashes = changed.filter(pl.col("old_dataset_id").is_in(list(published))).sort("_line")
    if clashes.is_empty():
        return
    row = clashes.row(0, named=True)
    raise DatasetError(
        f"{file_name}, ligne {row['_line']} : la valeur de {row['variable']} {row['year']} pour {row['code']} est "
        f"déjà publiée par {published[row['old_dataset_id']]} ; une donnée locale ne la remplace pas. "
        "Donnez un autre nom à la variable locale."
    )


def _existing_cells(cells: pl.DataFrame) -> pl.DataFrame:
    """Stored cells that the file could touch, with values in the same six-decimal text form as the reader's."""
    rows = Observation.objects.filter(
        level__in=cells["level"].unique().to_list(),
        variable__in=cells["variable"].unique().to_list(),
        year__in=cells["year"].unique().to_list(),
    ).values_list("id", "level", "code", "variable", "year", "value", "status", "incomplete", "dataset_id")
    records = [
        (
            pk,
            level,
            code,
            variable,
            year,
            None if value is None else str(value.quantize(SIX_PLACES)),
            status,
            bool(inc),
            dataset_id,
        )
        for pk, level, code, variable, year, value, status, inc, dataset_id in rows.iterator(chunk_size=20000)
    ]
    schema = {
        "id": pl.Int64,
        "level": pl.String,
        "code": pl.String,
        "variable": pl.String,
        "year": pl.Int64,
        "old_value": pl.String,
        "old_status": pl.String,
        "old_incomplete": pl.Boolean,
        "old_dataset_id": pl.Int64,
    }
    return pl.DataFrame(records, schema=schema, orient="row")


def _insert(frame: pl.DataFrame) -> None:
    if frame.is_empty():
        return
    table = connection.ops.quote_name(Observation._meta.db_table)
    columns = ", ".join(COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in frame.iter_rows():
                    copy.write_row(row)
            return
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"
        for batch in frame.iter_slices(BATCH_SIZE):
            cursor.executemany(sql, batch.rows())


def _update(frame: pl.DataFrame) -> None:
    if frame.is_empty():
        return
    table = connection.ops.quote_name(Observation._meta.db_table)
    sql = f"UPDATE {table} SET dataset_id = %s, value = %s, status = %s, incomplete = %s WHERE id = %s"
    with connection.cursor() as cursor:
        for batch in frame.iter_slices(BATCH_SIZE):
            cursor.executemany(sql, batch.rows())


def _write_iris_zones(parsed: ParsedFile, report: ImportReport, *, dry_run: bool) -> None:
    vintage = int(parsed.vintage)
    existing = {zone.code: zone for zone in IrisZone.objects.all()}
    to_create, to_update = [], []
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
