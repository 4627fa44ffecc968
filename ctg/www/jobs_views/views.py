"""A background job's page: its progress while it runs (htmx polling), its result and its file when done."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.files.storage import default_storage
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from ctg.jobs.models import Job, WorkerHeartbeat
from ctg.www.downloads import download_response, export_record

LIST_SIZE = 50


def _job_for(request, pk) -> Job:
    """The job if the user started it or may read its convention, else 404."""
    return get_object_or_404(Job.objects.for_user(request.user).select_related("convention"), pk=pk)


@require_safe
def index(request):
    jobs = Job.objects.for_user(request.user).filter(created_by=request.user).select_related("convention")
    return render(request, "jobs_views/index.html", {"jobs": jobs[:LIST_SIZE]})


@require_safe
def detail(request, pk):
    job = _job_for(request, pk)
    return render(request, "jobs_views/detail.html", {"job": job, "convention": job.convention})


@require_safe
def status(request, pk):
    """The fragment the detail page polls until the job is finished."""
    return render(request, "jobs_views/includes/status.html", {"job": _job_for(request, pk)})


@require_safe
def result_file(request, pk):
    job = _job_for(request, pk)
    if not job.result_file.name or not default_storage.exists(job.result_file.name):
        raise Http404("Ce fichier n'existe plus : relancez sa production.")
    with job.result_file.open("rb") as handle:
        content = handle.read()
    if job.convention is not None:
        export_record(request, convention=job.convention, detail=f"{job.label} ({job.result_name})")
    return download_response(content, filename=job.result_name, content_type=job.result_content_type)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def _migrations_ok() -> bool:
    try:
        executor = MigrationExecutor(connection)
        return not executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception:
        return False


def _worker_ok(max_age: int) -> bool:
    try:
        latest = WorkerHeartbeat.objects.order_by("-seen_at").values_list("seen_at", flat=True).first()
    except Exception:
        return False
    return latest is not None and (timezone.now() - latest).total_seconds() <= max_age


@login_not_required
@never_cache
@require_safe
def health(request):
    """For monitoring and load balancers: each check's state, nothing else (no version, no count, no name)."""
    database = _database_ok()
    checks = {
        "base_de_donnees": database,
        "migrations": database and _migrations_ok(),
        "worker": database and _worker_ok(settings.WORKER_HEARTBEAT_MAX_AGE),
    }
    healthy = all(checks.values())
    body = {"etat": "ok" if healthy else "erreur", **{name: "ok" if ok else "erreur" for name, ok in checks.items()}}
    return JsonResponse(body, status=200 if healthy else 503)
