"""Writes of the evaluation: taking a snapshot of the diagnostic (written once, never updated); filling and
validating the evaluation grid of an action."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ctg.conventions.models import Convention
from ctg.core.history import set_history_author
from ctg.evaluation.enums import Achievement, Criterion, SnapshotKind
from ctg.evaluation.models import ActionEvaluation, DiagnosticSnapshot, SnapshotSeries, SnapshotValue
from ctg.evaluation.selectors import (
    VALUE_FIELDS,
    convention_territories,
    series_datasets,
    series_sources,
    territory_values,
)
from ctg.indicators import catalogue
from ctg.plans.models import Action

GRID_FIELDS = [f"{c.value}_{part}" for c in Criterion for part in ("level", "justification")]
BATCH = 2000
# The earliest vintage a reconstructed snapshot may stop at: the oldest files the platform reads (census 2006).
EARLIEST_VINTAGE = 2006


def _validate(
    *,
    convention: Convention,
    kind: str,
    reference_date: datetime.date,
    label: str | None,
    reconstructed: bool,
    vintage_limit: int | None,
) -> None:
    errors: dict[str, str] = {}
    if kind not in SnapshotKind.values:
        errors["kind"] = f"Motif de photographie inconnu : « {kind} »."
    if reference_date > timezone.localdate():
        errors["reference_date"] = "La date de référence ne peut pas être dans le futur."
    if kind == SnapshotKind.SIGNATURE:
        if convention.signed_on is None:
            errors["kind"] = (
                "La convention n'a pas de date de signature : renseignez-la avant de photographier le diagnostic "
                "à la signature."
            )
        elif DiagnosticSnapshot.objects.filter(convention=convention, kind=SnapshotKind.SIGNATURE).exists():
            errors["kind"] = "La convention a déjà une photographie du diagnostic à la signature."
    if kind == SnapshotKind.DECISION and not (label or "").strip():
        errors["label"] = "Nommez la décision (instance, date, objet) qui motive cette photographie."
    if vintage_limit is not None and not (EARLIEST_VINTAGE <= vintage_limit <= reference_date.year):
        errors["vintage_limit"] = (
            f"Le dernier millésime retenu doit être compris entre {EARLIEST_VINTAGE} et l'année de la date de "
            f"référence ({reference_date.year})."
        )
    if vintage_limit is not None and not reconstructed:
        errors["vintage_limit"] = "Seule une photographie reconstituée après coup limite les millésimes."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def snapshot_take(
    *,
    convention: Convention,
    kind: str,
    reference_date: datetime.date,
    label: str | None = None,
    reconstructed: bool = False,
    vintage_limit: int | None = None,
    by=None,
) -> DiagnosticSnapshot:
    """Freeze every indicator value of the convention's territories (its EPCI's communes, the EPCI, département,
    région, France), every vintage present up to `vintage_limit`, with the source and datasets of each series.

    `reconstructed` says the snapshot is taken after its reference date from the data present then (a convention
    signed before this feature); `vintage_limit` keeps only the vintages published by that date, as the user
    judges them. A fixed number of queries whatever the size; values are streamed and written in batches.
    """
    convention = Convention.objects.select_for_update().select_related("epci").get(pk=convention.pk)
    label = (label or "").strip()
    _validate(
        convention=convention,
        kind=kind,
        reference_date=reference_date,
        label=label,
        reconstructed=reconstructed,
        vintage_limit=vintage_limit,
    )
    snapshot = DiagnosticSnapshot.objects.create(
        convention=convention,
        kind=kind,
        reference_date=reference_date,
        label=label,
        reconstructed=reconstructed,
        vintage_limit=vintage_limit,
        taken_by=by if getattr(by, "pk", None) else None,
    )
    territories, communes = convention_territories(convention)
    commune_codes = [c["code"] for c in communes]
    pairs: set[tuple[str, int]] = set()
    batch: list[SnapshotValue] = []
    count = 0
    for values in territory_values(territories=territories, commune_codes=commune_codes, max_year=vintage_limit):
        row = dict(zip(VALUE_FIELDS, values, strict=True))
        pairs.add((row["indicator"], row["year"]))
        batch.append(SnapshotValue(snapshot=snapshot, **row))
        if len(batch) >= BATCH:
            SnapshotValue.objects.bulk_create(batch)
            count += len(batch)
            batch = []
    SnapshotValue.objects.bulk_create(batch)
    count += len(batch)
    sources = series_sources(pairs)
    datasets = series_datasets(pairs, territories=territories, commune_codes=commune_codes)
    SnapshotSeries.objects.bulk_create(
        SnapshotSeries(
            snapshot=snapshot,
            indicator=code,
            year=year,
            source=(sources.get((code, year)) or catalogue.BY_CODE[code].source)[:500],
            datasets=datasets.get((code, year), []),
        )
        for code, year in sorted(pairs)
    )
    snapshot.value_count = count
    snapshot.save(update_fields=["value_count"])
    return snapshot


def _grid_errors(data: dict) -> dict[str, str]:
    errors = {}
    for criterion in Criterion:
        level = data.get(f"{criterion.value}_level", "")
        if level and level not in Achievement.values:
            errors[f"{criterion.value}_level"] = f"Niveau inconnu pour « {criterion.label} » : « {level} »."
        elif level and not data.get(f"{criterion.value}_justification", "").strip():
            errors[f"{criterion.value}_justification"] = (
                f"Justifiez le niveau retenu pour « {criterion.label} » (constats, indicateurs, sources)."
            )
    return errors


@transaction.atomic
def action_evaluation_save(*, action: Action, data: dict, by=None) -> ActionEvaluation:
    """Record the grid of an action (a level and a justification per criterion; a level needs its justification).
    A change withdraws a previous validation; an unchanged grid is left as it is (no history record)."""
    errors = _grid_errors(data)
    if errors:
        raise ValidationError(errors)
    evaluation, _ = ActionEvaluation.objects.select_for_update().get_or_create(action=action)
    changed = False
    for name in GRID_FIELDS:
        value = (data.get(name) or "").strip()
        if getattr(evaluation, name) != value:
            setattr(evaluation, name, value)
            changed = True
    if not changed:
        return evaluation
    evaluation.validated_at = None
    evaluation.validated_by = None
    set_history_author(evaluation, by)
    evaluation.save()
    return evaluation


@transaction.atomic
def action_evaluation_validate(*, evaluation: ActionEvaluation, by) -> ActionEvaluation:
    """An administrator validates a complete grid (every criterion has its level)."""
    evaluation = ActionEvaluation.objects.select_for_update().get(pk=evaluation.pk)
    if evaluation.is_validated:
        raise ValidationError("Cette grille est déjà validée.")
    if not evaluation.is_complete:
        missing = ", ".join(f"« {c.label} »" for c in Criterion if not getattr(evaluation, f"{c.value}_level"))
        raise ValidationError(f"Chaque critère doit avoir un niveau avant la validation ; il manque : {missing}.")
    evaluation.validated_at = timezone.now()
    evaluation.validated_by = by
    set_history_author(evaluation, by)
    evaluation.save(update_fields=["validated_at", "validated_by", "updated_at"])
    return evaluation
