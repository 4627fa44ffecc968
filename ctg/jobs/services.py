"""Start, run and finish background jobs. A job runs once, whatever the number of requests or workers."""

import datetime
import logging
import socket

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import task

from ctg.jobs.enums import ACTIVE_STATUSES, JobStatus
from ctg.jobs.models import Job, WorkerHeartbeat
from ctg.jobs.registry import JobResult, job_kind

logger = logging.getLogger(__name__)

UNEXPECTED_FAILURE = (
    "Le traitement a échoué sur une erreur inattendue ; rien n'a été enregistré. Réessayez ; si l'erreur "
    "persiste, signalez-la à l'administration de la plateforme."
)
INTERRUPTED = "Le traitement a été interrompu (arrêt du serveur de travaux) ; rien n'a été enregistré. Relancez-le."


def job_enqueue(
    *, kind: str, key: str, label: str, by=None, convention=None, params: dict | None = None, reuse_done: bool = False
) -> Job:
    """The active job for `key`, or a new one put in the queue.

    With `reuse_done`, a finished job of the same key whose file still exists is returned as it is: a report whose
    key holds the version of its data is built once per version.
    """
    job_kind(kind)  # an unknown kind fails here, in the request, not later in the worker
    existing = _reusable(key, reuse_done=reuse_done)
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            job = Job.objects.create(
                kind=kind, key=key, label=label, created_by=by, convention=convention, params=params or {}
            )
            # Same database, same transaction: the queued task exists exactly when the job does.
            result = run_job.enqueue(job.pk)
            Job.objects.filter(pk=job.pk).update(task_result_id=str(result.id))
            job.task_result_id = str(result.id)
    except IntegrityError:
        # Another request created the active job for this key meanwhile.
        existing = _reusable(key, reuse_done=reuse_done)
        if existing is None:
            raise
        return existing
    return job


def _reusable(key: str, *, reuse_done: bool) -> Job | None:
    active = Job.objects.filter(key=key, status__in=ACTIVE_STATUSES).first()
    if active is not None or not reuse_done:
        return active
    done = Job.objects.filter(key=key, status=JobStatus.DONE).first()
    if done is not None and (not done.result_file.name or default_storage.exists(done.result_file.name)):
        return done
    return None


def job_run(job_id: int) -> bool:
    """Runs a pending job; returns False when it was not pending (already run, running elsewhere, or gone)."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id, status=JobStatus.PENDING).first()
        if job is None:
            return False
        job.status = JobStatus.RUNNING
        job.started_at = timezone.now()
        job.save(update_fields=["status", "started_at"])
    kind = job_kind(job.kind)
    expected: tuple[type[Exception], ...] = (ValidationError, *kind.expected_errors)
    try:
        # All or nothing: a failure at any step rolls back everything the job wrote.
        with transaction.atomic():
            result = kind.run(job)
    except expected as exc:
        _finish(job, JobStatus.FAILED, message=_user_message(exc))
    except Exception:
        logger.exception("Background job %s (%s) failed", job.pk, job.kind)
        _finish(job, JobStatus.FAILED, message=UNEXPECTED_FAILURE)
    else:
        _finish(job, JobStatus.DONE, result=result)
    return True


@task()
def run_job(job_id: int) -> bool:
    """The one task of the queue. Enqueued twice, it still runs the job once."""
    return job_run(job_id)


def _user_message(exc: Exception) -> str:
    """A refusal's French messages, one per line (ValidationError and import refusals list theirs)."""
    messages = getattr(exc, "messages", None)
    if isinstance(messages, list) and messages:
        return "\n".join(str(message) for message in messages)
    return str(exc)


def _finish(job: Job, status: str, *, message: str = "", result: JobResult | None = None) -> None:
    job.status = status
    job.finished_at = timezone.now()
    job.message = result.message if result is not None else message
    if result is not None and result.content is not None:
        job.result_name = result.file_name
        job.result_content_type = result.content_type
        job.result_file.save(result.file_name, ContentFile(result.content), save=False)
    job.save()


def jobs_fail_interrupted(*, older_than: datetime.timedelta) -> int:
    """Running jobs whose worker stopped mid-way (no heartbeat since) end as failures that say so."""
    threshold = timezone.now() - older_than
    if WorkerHeartbeat.objects.filter(seen_at__gte=threshold).exists():
        stale = Job.objects.filter(status=JobStatus.RUNNING, started_at__lt=threshold)
    else:
        stale = Job.objects.filter(status=JobStatus.RUNNING)
    return stale.update(status=JobStatus.FAILED, finished_at=timezone.now(), message=INTERRUPTED)


def jobs_purge(*, older_than: datetime.timedelta) -> int:
    """Finished jobs older than the delay go, with the files they produced."""
    old = Job.objects.filter(finished_at__lt=timezone.now() - older_than).exclude(status__in=ACTIVE_STATUSES)
    count = 0
    for job in old.iterator():
        if job.result_file:
            job.result_file.delete(save=False)
        job.delete()
        count += 1
    return count


def worker_heartbeat(worker_id: str) -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id, defaults={"seen_at": timezone.now(), "hostname": socket.gethostname()[:255]}
    )
