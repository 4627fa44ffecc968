"""A background job as its user sees it: what it does, for whom, how far it got and what it produced.

The task queue (django-tasks, database backend) only carries the job's id; the job row is the truth the pages
read, scoped like every other convention object.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from ctg.conventions.models import Convention
from ctg.jobs.enums import ACTIVE_STATUSES, JobStatus


class JobQuerySet(models.QuerySet):
    def for_user(self, user) -> "JobQuerySet":
        """Jobs the user started, and those of the conventions the user may read."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        readable = Convention.objects.for_user(user).values("pk")
        return self.filter(models.Q(created_by=user) | models.Q(convention__in=readable))


class Job(models.Model):
    kind = models.CharField("type", max_length=60)
    label = models.CharField("intitulé", max_length=200)
    # Two requests for the same work share one job: at most one active job per key (and, for reports whose key
    # holds the data version, the finished one is reused).
    key = models.CharField("clé", max_length=255, db_index=True)
    params = models.JSONField("paramètres", default=dict, blank=True)
    convention = models.ForeignKey(
        "conventions.Convention", on_delete=models.CASCADE, null=True, blank=True, related_name="jobs"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("demandé le", default=timezone.now)
    started_at = models.DateTimeField("commencé le", null=True, blank=True)
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)
    status = models.CharField("état", max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING)
    message = models.TextField("résultat", blank=True)
    result_file = models.FileField("fichier produit", upload_to="travaux/%Y/%m/", blank=True)
    result_name = models.CharField("nom du fichier", max_length=200, blank=True)
    result_content_type = models.CharField(max_length=120, blank=True)
    task_result_id = models.CharField(max_length=64, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = "travail en arrière-plan"
        verbose_name_plural = "travaux en arrière-plan"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"],
                condition=models.Q(status__in=[s.value for s in ACTIVE_STATUSES]),
                name="jobs_one_active_job_per_key",
            ),
        ]

    def __str__(self):
        return f"{self.label} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)


class WorkerHeartbeat(models.Model):
    """Written every few seconds by each running worker; /sante/ reads the most recent one."""

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=255, blank=True)
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "signal de vie d'un worker"

    def __str__(self):
        return f"{self.worker_id} ({timezone.localtime(self.seen_at):%d/%m/%Y %H:%M:%S})"
