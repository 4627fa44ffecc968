from django.db import models


class JobStatus(models.TextChoices):
    PENDING = "pending", "En attente"
    RUNNING = "running", "En cours"
    DONE = "done", "Terminé"
    FAILED = "failed", "Échec"


ACTIVE_STATUSES = (JobStatus.PENDING, JobStatus.RUNNING)
