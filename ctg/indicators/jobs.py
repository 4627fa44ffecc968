"""Importing or withdrawing an official file, and recomputing the indicators, run in the background worker.

The upload page checks the file first (a dry run, in the request: a refused file is named at once), then stores
it through the storage API and queues the import; the job imports it and recomputes the indicators in one
transaction, so that a failure of either leaves the data as they were. Only the indicators that read a variable of
the file are recomputed (`indicators_depending_on`); the others keep their values and their computation date. The
stored upload is deleted when the job ends, whatever its outcome. A withdrawal is queued the same way once its
refusals are ruled out.
"""

import tempfile
from pathlib import Path

from django.core.files.storage import default_storage

from ctg.core.formatting import counted
from ctg.indicators.services import indicators_compute, indicators_depending_on
from ctg.jobs.models import Job
from ctg.jobs.registry import JobResult, register_job_kind
from ctg.jobs.services import job_enqueue
from ctg.opendata.models import Dataset, Observation
from ctg.opendata.readers import DatasetError
from ctg.opendata.services import dataset_import, dataset_withdraw

IMPORT = "official_data_import"
WITHDRAWAL = "official_data_withdrawal"


def official_import_request(
    *, path: Path, file_name: str, sha256: str, format: str | None, by, ip_address: str | None, max_bytes: int
) -> Job:
    """Store the checked file and queue its import; the same file sent twice meanwhile is imported once."""
    with path.open("rb") as handle:
        stored = default_storage.save(f"imports/{sha256[:16]}/{file_name}", handle)
    job = job_enqueue(
        kind=IMPORT,
        key=f"{IMPORT}:{sha256}",
        label=f"Import de {file_name}",
        by=by,
        params={
            "stored": stored,
            "file_name": file_name,
            "format": format,
            "ip_address": ip_address,
            "max_bytes": max_bytes,
        },
    )
    if job.params.get("stored") != stored:  # the import of this very file was already under way
        default_storage.delete(stored)
    return job


def official_withdrawal_request(*, dataset: Dataset, by, ip_address: str | None) -> Job:
    return job_enqueue(
        kind=WITHDRAWAL,
        key=f"{WITHDRAWAL}:{dataset.pk}",
        label=f"Retrait de {dataset.file_name}",
        by=by,
        params={"dataset": dataset.pk, "file_name": dataset.file_name, "ip_address": ip_address},
    )


def _recomputed(job: Job, variables) -> str:
    """Recompute the indicators that read these variables (those of the file), and only them."""
    codes = indicators_depending_on(variables)
    if not codes:
        return "Aucun indicateur du diagnostic ne dépend de ces données : rien n'a été recalculé."
    counts = indicators_compute(codes=codes, by=job.created_by)
    return (
        "Les indicateurs du diagnostic ont été recalculés avec ces données : "
        f"{counted(counts['indicators'], 'indicateur')}, {counted(counts['values'], 'valeur')}."
    )


@register_job_kind(IMPORT, expected_errors=(DatasetError,))
def _import_and_recompute(job: Job) -> JobResult:
    params = job.params
    try:
        with tempfile.TemporaryDirectory(prefix="pilote-ctg-import-") as directory:
            path = Path(directory) / params["file_name"]
            with default_storage.open(params["stored"], "rb") as source, path.open("wb") as target:
                for chunk in iter(lambda: source.read(1 << 20), b""):
                    target.write(chunk)
            report = dataset_import(
                path=path,
                format=params["format"],
                by=job.created_by,
                file_name=params["file_name"],
                ip_address=params["ip_address"],
                max_bytes=params["max_bytes"],
            )
    finally:
        default_storage.delete(params["stored"])
    if report.already_imported:
        return JobResult(message=f"{params['file_name']} était déjà importé : rien n'a changé.")
    return JobResult(message=f"{report.summary()}\n{_recomputed(job, report.variables)}")


@register_job_kind(WITHDRAWAL, expected_errors=(DatasetError,))
def _withdraw_and_recompute(job: Job) -> JobResult:
    dataset = Dataset.objects.official().filter(pk=job.params["dataset"]).first()
    if dataset is None:
        return JobResult(message=f"{job.params['file_name']} était déjà retiré : rien n'a changé.")
    # Its variables are read before its values go: the indicators that read them are the ones to recompute.
    variables = list(Observation.objects.filter(dataset=dataset).values_list("variable", flat=True).distinct())
    removed = dataset_withdraw(dataset=dataset, by=job.created_by, ip_address=job.params["ip_address"])
    recomputed = _recomputed(job, variables)
    return JobResult(message=f"{dataset.file_name} est retiré : {counted(removed, 'valeur supprimée')}.\n{recomputed}")
