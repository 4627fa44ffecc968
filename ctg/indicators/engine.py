"""Vectorised computation of the catalogue at every territorial level.

Observations are read in bulk into polars; commune parts (numerator, denominator, status) are computed with
joins, then summed by EPCI, département, région and France with one group-by per level. An aggregate is "ok"
only when every commune of the territory has an ok part; otherwise it is "incomplete" (with the count of parts
present) or, with no part at all, "secret" / "missing". Published statistics are taken as published, at their
own levels only. Missing values are not kept (absent = "non disponible"), except, for the CAF data per IRIS,
at communes split into IRIS: there a commune row carries IRIS counts in `parts_present` (IRIS with a figure) and
`parts_expected` (IRIS of the commune), so that a secret reads "secret statistique (3 IRIS sur 4)" and a commune
left out of the file says so; a commune with no row at all is not split into IRIS. Nothing here writes to the
database: see ctg.indicators.services.
"""

import io

import polars as pl
from django.db import connection
from polars._typing import ColumnNameOrSelector, PolarsDataType

from ctg.core.bulk import postgres_csv_lines
from ctg.indicators import hooks
from ctg.indicators.catalogue import CAF_IRIS, CATALOGUE, Indicator
from ctg.indicators.enums import Kind, ValueStatus
from ctg.opendata.enums import GeoLevel, ObservationStatus
from ctg.opendata.models import Dataset, IrisZone, Observation
from ctg.territories.enums import Level
from ctg.territories.models import FRANCE_CODE, Commune, Departement

AGGREGATE_LEVELS = [
    (Level.EPCI, "epci"),
    (Level.DEPARTEMENT, "departement"),
    (Level.REGION, "region"),
    (Level.FRANCE, "france"),
]
# Above this many variables, SQLite reads the observations in one pass over the table rather than through the index.
SQLITE_SCAN_VARIABLES = 24
OBSERVATION_SCHEMA = {
    "level": pl.Utf8,
    "code": pl.Utf8,
    "variable": pl.Utf8,
    "year": pl.Int32,
    "value": pl.Float64,
    "status": pl.Utf8,
    "dataset_id": pl.Int64,
    "note": pl.Utf8,
}
OUTPUT_SCHEMA: dict[str, PolarsDataType] = {
    "indicator": pl.Utf8,
    "level": pl.Utf8,
    "code": pl.Utf8,
    "year": pl.Int32,
    "value": pl.Float64,
    "numerator": pl.Float64,
    "denominator": pl.Float64,
    "status": pl.Utf8,
    "parts_present": pl.Int64,
    "parts_expected": pl.Int64,
    "note": pl.Utf8,
}
# The same schema in the shape `DataFrame.cast` declares (its keys may also be selectors or data types).
OUTPUT_CASTS: dict[ColumnNameOrSelector | PolarsDataType, PolarsDataType] = {
    name: dtype for name, dtype in OUTPUT_SCHEMA.items()
}


def load_communes() -> pl.DataFrame:
    """Every commune with the codes of its EPCI, département and région (one query)."""
    commune_table = Commune._meta.db_table
    departement_table = Departement._meta.db_table
    sql = (
        f"SELECT c.code, c.epci_id, c.departement_id, d.region_id FROM {commune_table} c "  # noqa: S608 (names from the models, values bound)
        f"JOIN {departement_table} d ON d.code = c.departement_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        rows = cursor.fetchall()
    frame = pl.DataFrame(
        rows,
        schema={"code": pl.Utf8, "epci": pl.Utf8, "departement": pl.Utf8, "region": pl.Utf8},
        orient="row",
    )
    return frame.with_columns(pl.lit(FRANCE_CODE).alias("france"))


def load_observations(variables: set[str]) -> pl.DataFrame:
    """Observations of the given variables, every level except IRIS, read as CSV text into one frame (PostgreSQL:
    one COPY, a line of text per row; SQLite: texts built by the database): no Python object per field."""
    if not variables:
        return pl.DataFrame(schema=OBSERVATION_SCHEMA)
    table = Observation._meta.db_table
    buffer = io.BytesIO()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            buffer.write(
                postgres_csv_lines(
                    cursor,
                    table=table,
                    columns=[
                        "level",
                        "code",
                        "variable",
                        "year",
                        "CAST(value AS DOUBLE PRECISION)",
                        "status",
                        "dataset_id",
                        "note",
                    ],
                    where="level <> 'iris'",
                    key="variable",
                    values=sorted(variables),
                )
            )
        else:
            # One line of CSV text per row, built by printf (percent signs doubled: parameters are bound); the note
            # is free text, quoted as CSV by %w (which doubles double quotes). Many variables are read in one pass
            # over the table; a few, each through the unique index (variable, year, level, code).
            line = (
                "printf('%%s,%%s,%%s,%%s,%%s,%%s,%%s,\"%%w\"', level, code, variable, year, "
                "IFNULL(CAST(value AS REAL), ''), status, dataset_id, note)"
            )
            names = sorted(variables)
            if len(names) > SQLITE_SCAN_VARIABLES:
                placeholders = ", ".join("%s" for _ in names)
                batches = [
                    (
                        f"SELECT group_concat({line}, char(10)) FROM {table} NOT INDEXED "  # noqa: S608 (names from the models, values bound)
                        f"WHERE level <> 'iris' AND variable IN ({placeholders})",
                        names,
                    )
                ]
            else:
                sql = f"SELECT group_concat({line}, char(10)) FROM {table} WHERE level <> 'iris' AND variable = %s"  # noqa: S608 (names from the models, values bound)
                batches = [(sql, [name]) for name in names]
            for sql, params in batches:
                cursor.execute(sql, params)
                text = cursor.fetchone()[0]
                if text:
                    buffer.write(text.encode())
                    buffer.write(b"\n")
                del text
    if not buffer.tell():
        return pl.DataFrame(schema=OBSERVATION_SCHEMA)
    buffer.seek(0)
    frame = pl.read_csv(buffer, has_header=False, schema=OBSERVATION_SCHEMA)
    return frame.with_columns(pl.col("note").fill_null(""))


def load_iris_gaps(variables: set[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(IRIS of each commune split into IRIS: code, iris, expected), (secret IRIS cells of the variables: iris,
    variable, year). Two queries; the secret cells of a national CAF file are a few tens of thousands."""
    zones = pl.DataFrame(
        list(IrisZone.objects.exclude(kind="Z").values_list("commune_code", "code")),
        schema={"code": pl.Utf8, "iris": pl.Utf8},
        orient="row",
    )
    zones = zones.with_columns(pl.len().over("code").cast(pl.Int64).alias("expected"))
    secret = pl.DataFrame(
        list(
            Observation.objects.filter(
                level=GeoLevel.IRIS, status=ObservationStatus.SECRET, variable__in=sorted(variables)
            ).values_list("code", "variable", "year")
        ),
        schema={"iris": pl.Utf8, "variable": pl.Utf8, "year": pl.Int32},
        orient="row",
    )
    return zones, secret


class Computation:
    """One run of the engine over a set of observations and the commune referential."""

    def __init__(self, *, communes: pl.DataFrame, observations: pl.DataFrame):
        self.communes = communes
        self.observations = observations
        self.commune_observations = observations.filter(pl.col("level") == Level.COMMUNE.value)
        # The commune cells of each (variable, year), split once: every term of every indicator reads one of them.
        self.commune_series: dict[tuple[str, int], pl.DataFrame] = {
            (str(variable), int(year)): part
            for (variable, year), part in self.commune_observations.partition_by(
                ["variable", "year"], as_dict=True
            ).items()
        }
        self.epci_observations = observations.filter(pl.col("level") == Level.EPCI.value)
        self.latest_years = dict(self.commune_observations.group_by("variable").agg(pl.col("year").max()).iter_rows())
        # Notes are rare (merged communes, other perimeters): without any, no list is built per commune.
        self.has_notes = bool(observations.height) and bool((observations.get_column("note") != "").any())
        # (indicator code, year) -> dataset ids whose observations entered the series
        self.datasets: dict[tuple[str, int], set[int]] = {}
        # IRIS of the communes split into IRIS and secret IRIS cells, read once for the CAF data per IRIS.
        self.iris_gaps: tuple[pl.DataFrame, pl.DataFrame] | None = None
        # Each dataset's title and "producer, title, millésime vintage", for the notes naming files; read once.
        self.dataset_labels: dict[int, tuple[str, str]] | None = None

    def prefetch(self) -> None:
        """Read now what computing an indicator other than a hook would read from the database later (IRIS gaps,
        dataset labels), so that the indicators can then be computed while the connection is busy writing."""
        self._iris_gaps()
        self._dataset_labels()

    def _iris_gaps(self) -> tuple[pl.DataFrame, pl.DataFrame]:
        if self.iris_gaps is None:
            self.iris_gaps = load_iris_gaps({v for i in CATALOGUE if i.source == CAF_IRIS for v in i.variables})
        return self.iris_gaps

    def _dataset_labels(self) -> dict[int, tuple[str, str]]:
        if self.dataset_labels is None:
            self.dataset_labels = {
                pk: (title, f"{producer}, {title}, millésime {vintage}")
                for pk, producer, title, vintage in Dataset.objects.values_list("pk", "producer", "title", "vintage")
            }
        return self.dataset_labels

    def compute(self, indicator: Indicator) -> pl.DataFrame:
        if indicator.kind == Kind.PUBLISHED:
            return self._published(indicator)
        if indicator.kind == Kind.HOOK:
            # The hook gets this run: the commune referential and the observations of the indicator's inputs.
            frame = hooks.get(indicator.hook)(self)
            if frame is None or not frame.height:
                return pl.DataFrame(schema=OUTPUT_SCHEMA)
            return pl.concat(
                [self._from_parts(indicator, year, part) for (year,), part in frame.group_by(["year"])],
                how="vertical",
            )
        years = sorted(year for variable, year in self.commune_series if variable == indicator.anchor)
        frames = [self._from_parts(indicator, year, self._commune_parts(indicator, year)) for year in years]
        if not frames:
            return pl.DataFrame(schema=OUTPUT_SCHEMA)
        return self._published_epci_counts(indicator, pl.concat(frames, how="vertical"))

    def _term_frame(self, indicator: Indicator, term, year: int, alias: str) -> pl.DataFrame:
        term_year = self.latest_years.get(term.variable, year) if term.latest else year
        frame = self.commune_series.get((term.variable, term_year))
        if frame is None:
            frame = self.commune_observations.clear()
        self.datasets.setdefault((indicator.code, year), set()).update(
            frame.get_column("dataset_id").unique().to_list()
        )
        return frame.select(
            "code",
            (pl.col("value") * term.coefficient).alias(f"{alias}_value"),
            pl.col("status").alias(f"{alias}_status"),
            pl.col("note").alias(f"{alias}_note"),
        )

    def _sum_terms(self, indicator: Indicator, terms, year: int, prefix: str) -> pl.DataFrame:
        """Σ coefficient × value per commune, with the status of the sum (secret wins over missing)."""
        frame = self.communes.select("code")
        for index, term in enumerate(terms):
            frame = frame.join(
                self._term_frame(indicator, term, year, f"t{index}"), on="code", how="left", coalesce=True
            )
        values = [pl.col(f"t{i}_value") for i in range(len(terms))]
        statuses = [pl.col(f"t{i}_status") for i in range(len(terms))]
        notes = [pl.col(f"t{i}_note") for i in range(len(terms))]
        all_ok = pl.all_horizontal([s.fill_null("missing") == ValueStatus.OK.value for s in statuses])
        any_secret = pl.any_horizontal([s.fill_null("missing") == ValueStatus.SECRET.value for s in statuses])
        return frame.select(
            "code",
            pl.when(all_ok).then(pl.sum_horizontal(values)).otherwise(None).alias(f"{prefix}"),
            pl.when(all_ok)
            .then(pl.lit(ValueStatus.OK.value))
            .when(any_secret)
            .then(pl.lit(ValueStatus.SECRET.value))
            .otherwise(pl.lit(ValueStatus.MISSING.value))
            .alias(f"{prefix}_status"),
            (_joined_notes(notes) if self.has_notes else pl.lit("")).alias(f"{prefix}_note"),
        )

    def _commune_parts(self, indicator: Indicator, year: int) -> pl.DataFrame:
        numerator = self._sum_terms(indicator, indicator.numerator, year, "numerator")
        if not indicator.denominator:
            return numerator.select(
                "code",
                "numerator",
                pl.lit(None, pl.Float64).alias("denominator"),
                pl.col("numerator_status").alias("status"),
                pl.col("numerator_note").alias("note"),
            )
        denominator = self._sum_terms(indicator, indicator.denominator, year, "denominator")
        frame = numerator.join(denominator, on="code", how="left", coalesce=True)
        both_ok = (pl.col("numerator_status") == ValueStatus.OK.value) & (
            pl.col("denominator_status") == ValueStatus.OK.value
        )
        either_secret = (pl.col("numerator_status") == ValueStatus.SECRET.value) | (
            pl.col("denominator_status") == ValueStatus.SECRET.value
        )
        return frame.select(
            "code",
            pl.when(both_ok).then(pl.col("numerator")).alias("numerator"),
            pl.when(both_ok).then(pl.col("denominator")).alias("denominator"),
            pl.when(both_ok)
            .then(pl.lit(ValueStatus.OK.value))
            .when(either_secret)
            .then(pl.lit(ValueStatus.SECRET.value))
            .otherwise(pl.lit(ValueStatus.MISSING.value))
            .alias("status"),
            (
                _joined_notes([pl.col("numerator_note"), pl.col("denominator_note")]) if self.has_notes else pl.lit("")
            ).alias("note"),
        )

    def _iris_counts(self, indicator: Indicator, year: int) -> pl.DataFrame:
        """Per commune split into IRIS: its IRIS (expected) and those with a figure for every term of the indicator
        in `year` (present), for CAF data per IRIS only; empty otherwise."""
        schema = {"code": pl.Utf8, "iris_present": pl.Int64, "iris_expected": pl.Int64}
        if indicator.source != CAF_IRIS or indicator.kind != Kind.ADDITIVE:
            return pl.DataFrame(schema=schema)
        zones, secret = self._iris_gaps()
        secret_iris = (
            secret.filter(pl.col("variable").is_in(list(indicator.variables)) & (pl.col("year") == year))
            .select("iris")
            .unique()
            .join(zones.select("iris", "code"), on="iris", how="inner")
            .group_by("code")
            .agg(pl.len().cast(pl.Int64).alias("secret"))
        )
        return (
            zones.select("code", "expected")
            .unique()
            .join(secret_iris, on="code", how="left")
            .select(
                "code",
                (pl.col("expected") - pl.col("secret").fill_null(0)).alias("iris_present"),
                pl.col("expected").alias("iris_expected"),
            )
        )

    def _value_expr(self, indicator: Indicator) -> pl.Expr:
        if not indicator.denominator:
            return pl.col("numerator") * indicator.scale
        return pl.when(pl.col("denominator") != 0).then(pl.col("numerator") / pl.col("denominator") * indicator.scale)

    def _from_parts(self, indicator: Indicator, year: int, parts: pl.DataFrame) -> pl.DataFrame:
        """Commune rows from the parts, then one group-by per higher level over the same parts."""
        if "note" not in parts.columns:  # a hook's parts carry no note
            parts = parts.with_columns(pl.lit("").alias("note"))
        parts = self.communes.join(
            parts.select("code", "numerator", "denominator", "status", "note"), on="code", how="left"
        )
        parts = parts.with_columns(pl.col("status").fill_null(ValueStatus.MISSING.value), pl.col("note").fill_null(""))
        value = self._value_expr(indicator)
        iris = parts.select("code").join(self._iris_counts(indicator, year), on="code", how="left")
        commune_rows = parts.with_columns(iris.get_column("iris_present"), iris.get_column("iris_expected")).select(
            pl.lit(indicator.code).alias("indicator"),
            pl.lit(Level.COMMUNE.value).alias("level"),
            "code",
            pl.lit(year, pl.Int32).alias("year"),
            value.alias("value"),
            "numerator",
            "denominator",
            # A ratio whose denominator is 0 is not a figure: it reads "non disponible".
            pl.when((pl.col("status") == ValueStatus.OK.value) & value.is_null())
            .then(pl.lit(ValueStatus.MISSING.value))
            .otherwise(pl.col("status"))
            .alias("status"),
            # At a commune split into IRIS without a figure (CAF data per IRIS): its IRIS, and those not secret.
            pl.when(pl.col("status") == ValueStatus.SECRET.value).then(pl.col("iris_present")).alias("parts_present"),
            pl.when(pl.col("status") != ValueStatus.OK.value).then(pl.col("iris_expected")).alias("parts_expected"),
            "note",
        )
        frames = [commune_rows]
        is_ok = pl.col("status") == ValueStatus.OK.value
        for level, column in AGGREGATE_LEVELS:
            if level not in indicator.levels:
                continue
            grouped = (
                parts.filter(pl.col(column).is_not_null())
                .group_by(column)
                .agg(
                    pl.col("numerator").filter(is_ok).sum().alias("numerator"),
                    pl.col("denominator").filter(is_ok).sum().alias("denominator"),
                    is_ok.sum().cast(pl.Int64).alias("parts_present"),
                    pl.len().cast(pl.Int64).alias("parts_expected"),
                    (pl.col("status") == ValueStatus.SECRET.value).any().alias("any_secret"),
                )
            )
            has_parts = pl.col("parts_present") > 0
            frames.append(
                grouped.select(
                    pl.lit(indicator.code).alias("indicator"),
                    pl.lit(level.value).alias("level"),
                    pl.col(column).alias("code"),
                    pl.lit(year, pl.Int32).alias("year"),
                    pl.when(has_parts).then(value).alias("value"),
                    pl.when(has_parts).then(pl.col("numerator")).alias("numerator"),
                    pl.when(has_parts & pl.lit(indicator.is_ratio)).then(pl.col("denominator")).alias("denominator"),
                    pl.when(has_parts & value.is_null())
                    .then(pl.lit(ValueStatus.MISSING.value))
                    .when(pl.col("parts_present") == pl.col("parts_expected"))
                    .then(pl.lit(ValueStatus.OK.value))
                    .when(has_parts)
                    .then(pl.lit(ValueStatus.INCOMPLETE.value))
                    .when(pl.col("any_secret"))
                    .then(pl.lit(ValueStatus.SECRET.value))
                    .otherwise(pl.lit(ValueStatus.MISSING.value))
                    .alias("status"),
                    "parts_present",
                    "parts_expected",
                    pl.lit("").alias("note"),
                )
            )
        frame = pl.concat([f.cast(OUTPUT_CASTS) for f in frames], how="vertical")
        # Non-null value only where the status says a figure exists.
        return frame.with_columns(
            pl.when(pl.col("status").is_in([ValueStatus.OK.value, ValueStatus.INCOMPLETE.value]))
            .then(pl.col("value"))
            .alias("value")
        )

    def _published(self, indicator: Indicator) -> pl.DataFrame:
        """A producer's statistic at the levels where it is published; nothing is derived from it."""
        # Each numerator term is the same statistic of another vintage (Q219, Q218…), each with its own year, or
        # the same statistic under another name in another file of the same year (MED21 in the comparateur, Q221 in
        # the Filosofi files by level): where two terms give one territory and year, the first listed wins.
        priority = {term.variable: index for index, term in enumerate(indicator.numerator)}
        frame = (
            self.observations.filter(
                pl.col("variable").is_in(list(priority)) & pl.col("level").is_in([str(v) for v in indicator.levels])
            )
            .with_columns(pl.col("variable").replace_strict(priority, return_dtype=pl.Int64).alias("_priority"))
            .sort("_priority")
            .unique(subset=["level", "code", "year"], keep="first", maintain_order=True)
        )
        for (year,), part in frame.group_by(["year"]):
            self.datasets.setdefault((indicator.code, year), set()).update(
                part.get_column("dataset_id").unique().to_list()
            )
        return frame.select(
            pl.lit(indicator.code).alias("indicator"),
            "level",
            "code",
            "year",
            (pl.col("value") * indicator.scale).alias("value"),
            pl.lit(None, pl.Float64).alias("numerator"),
            pl.lit(None, pl.Float64).alias("denominator"),
            "status",
            pl.lit(None, pl.Int64).alias("parts_present"),
            pl.lit(None, pl.Int64).alias("parts_expected"),
            "note",
        ).cast(OUTPUT_CASTS)

    def _epci_sum(self, terms, year: int, published: pl.DataFrame, prefix: str) -> pl.DataFrame:
        """(code, `prefix`, `prefix`_datasets) of the EPCI whose published cells of every term are ok."""
        frame: pl.DataFrame | None = None
        for index, term in enumerate(terms):
            cells = published.filter(pl.col("variable") == term.variable)
            term_year = cells.get_column("year").max() if term.latest and cells.height else year
            part = cells.filter((pl.col("year") == term_year) & (pl.col("status") == ValueStatus.OK.value)).select(
                "code",
                (pl.col("value") * term.coefficient).alias(f"v{index}"),
                pl.col("dataset_id").alias(f"d{index}"),
            )
            frame = part if frame is None else frame.join(part, on="code", how="inner")
        if frame is None:
            return pl.DataFrame(schema={"code": pl.Utf8, prefix: pl.Float64, f"{prefix}_datasets": pl.List(pl.Int64)})
        return frame.select(
            "code",
            pl.sum_horizontal([pl.col(f"v{i}") for i in range(len(terms))]).alias(prefix),
            pl.concat_list([pl.col(f"d{i}") for i in range(len(terms))]).alias(f"{prefix}_datasets"),
        )

    def _published_epci_counts(self, indicator: Indicator, frame: pl.DataFrame) -> pl.DataFrame:
        """An EPCI whose sum over communes is incomplete (a commune secret or absent from the file by commune) takes
        the count its producer publishes for the EPCI itself (the CAF's files by EPCI), when every term of the
        indicator is published there for the year; its note names that file. Additive indicators only."""
        if indicator.kind != Kind.ADDITIVE or Level.EPCI not in indicator.levels:
            return frame
        published = self.epci_observations.filter(pl.col("variable").is_in(list(indicator.variables)))
        is_gap = (pl.col("level") == Level.EPCI.value) & (pl.col("status") != ValueStatus.OK.value)
        if not published.height or not frame.filter(is_gap).height:
            return frame
        replaced = []
        for year in sorted(frame.filter(is_gap).get_column("year").unique().to_list()):
            found = self._epci_sum(indicator.numerator, year, published, "numerator")
            if indicator.denominator:
                found = found.join(
                    self._epci_sum(indicator.denominator, year, published, "denominator"), on="code", how="inner"
                )
            else:
                found = found.with_columns(
                    pl.lit(None, pl.Float64).alias("denominator"),
                    pl.lit([], pl.List(pl.Int64)).alias("denominator_datasets"),
                )
            gaps = frame.filter(is_gap & (pl.col("year") == year)).select(
                "indicator", "level", "code", "year", "parts_present", "parts_expected"
            )
            rows = gaps.join(found, on="code", how="inner")
            if not rows.height:
                continue
            dataset_ids = set(rows.get_column("numerator_datasets").explode().drop_nulls().to_list()) | set(
                rows.get_column("denominator_datasets").explode().drop_nulls().to_list()
            )
            self.datasets.setdefault((indicator.code, year), set()).update(dataset_ids)
            labels = self._dataset_labels()
            files = "; ".join(label for _title, label in sorted(labels[pk] for pk in dataset_ids if pk in labels))
            value = self._value_expr(indicator)
            replaced.append(
                rows.select(
                    "indicator",
                    "level",
                    "code",
                    "year",
                    value.alias("value"),
                    "numerator",
                    pl.col("denominator") if indicator.is_ratio else pl.lit(None, pl.Float64).alias("denominator"),
                    pl.when(value.is_null())
                    .then(pl.lit(ValueStatus.MISSING.value))
                    .otherwise(pl.lit(ValueStatus.OK.value))
                    .alias("status"),
                    pl.lit(None, pl.Int64).alias("parts_present"),
                    pl.lit(None, pl.Int64).alias("parts_expected"),
                    pl.format(
                        "{} (somme des communes incomplète, communes renseignées : {} sur {}){}",
                        pl.lit(EPCI_PUBLISHED_NOTE),
                        pl.col("parts_present").fill_null(0),
                        pl.col("parts_expected"),
                        pl.lit(f" ; {files}" if files else ""),
                    )
                    .str.slice(0, NOTE_MAX)
                    .alias("note"),
                ).cast(OUTPUT_CASTS)
            )
        if not replaced:
            return frame
        published_rows = pl.concat(replaced, how="vertical")
        kept = frame.join(published_rows.select("level", "code", "year"), on=["level", "code", "year"], how="anti")
        return pl.concat([kept, published_rows], how="vertical")


# An EPCI count taken from its producer's file by EPCI rather than summed over its communes (cell note).
EPCI_PUBLISHED_NOTE = "chiffre publié pour l'EPCI"
NOTE_MAX = 255


def _joined_notes(notes: list[pl.Expr]) -> pl.Expr:
    """The distinct non-empty notes of the terms of a commune part, joined by " ; "."""
    joined = pl.concat_list([note.fill_null("") for note in notes]).list.unique(maintain_order=True)
    return joined.list.eval(pl.element().filter(pl.element() != "")).list.join(" ; ")


def variables_read(indicator: Indicator) -> set[str]:
    """The published variables the engine reads for an indicator: a hook's `inputs`, otherwise its terms."""
    return set(indicator.inputs) if indicator.kind == Kind.HOOK else indicator.variables


def start(indicators: list[Indicator]) -> Computation:
    """A run over the commune referential and the observations the given indicators read (two reads)."""
    variables = set().union(*(variables_read(indicator) for indicator in indicators))
    return Computation(communes=load_communes(), observations=load_observations(variables))


def stored_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """The rows of a computed frame that are stored, their notes fitted to the column.

    "Missing" is not stored: readers show "non disponible" for any absent value, and a national referential with
    data for a few communes would otherwise store millions of empty rows. A commune split into IRIS without a CAF
    figure is kept with its IRIS count: it is not "not split into IRIS". A missing figure with a note (a commune
    merged since the file, an EPCI published on another perimeter) is kept too: its note says why, where "non
    disponible" alone would not."""
    kept = (
        (pl.col("status") != ValueStatus.MISSING.value)
        | ((pl.col("level") == Level.COMMUNE.value) & pl.col("parts_expected").is_not_null())
        | (pl.col("note").fill_null("") != "")
    )
    return frame.filter(kept).with_columns(_fitted_note(pl.col("note").fill_null("")))


def compute(indicators: list[Indicator]) -> tuple[pl.DataFrame, dict[tuple[str, int], set[int]]]:
    """All stored rows for the given indicators, and the datasets behind each (indicator, year) series."""
    run = start(indicators)
    frames = [run.compute(indicator) for indicator in indicators]
    frames = [f for f in frames if f.height]
    result = pl.concat(frames, how="vertical") if frames else pl.DataFrame(schema=OUTPUT_SCHEMA)
    return stored_rows(result), run.datasets


def _fitted_note(note: pl.Expr) -> pl.Expr:
    """A note within the column's NOTE_MAX characters: notes joined over the terms of a ratio or the parts of a
    commune can run longer; a cut one ends with an ellipsis so that a reader knows there is more."""
    return (
        pl.when(note.str.len_chars() > NOTE_MAX)
        .then(pl.concat_str([note.str.slice(0, NOTE_MAX - 1), pl.lit("…")]))
        .otherwise(note)
        .alias("note")
    )
