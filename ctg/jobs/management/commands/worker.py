"""`manage.py worker`: runs the queued background jobs (django-tasks' database worker) and writes a heartbeat."""

import logging
import threading

from django.db import close_old_connections
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from ctg.jobs.services import worker_heartbeat

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 15


def _beat(worker_id: str, stop: threading.Event) -> None:
    while not stop.wait(HEARTBEAT_SECONDS):
        try:
            worker_heartbeat(worker_id)
        except Exception:  # the database may be briefly unreachable: /sante/ will say so if it lasts
            logger.warning("Worker heartbeat not written", exc_info=True)
        finally:
            close_old_connections()


class Command(DatabaseWorkerCommand):
    help = "Exécute les travaux en arrière-plan (imports, rapports, rappels) et signale sa présence à /sante/."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(queue_name="default", reload=False)

    def handle(self, *args, **options):
        worker_id = options.get("worker_id") or get_random_string(32)
        options["worker_id"] = worker_id
        worker_heartbeat(worker_id)  # at once: /sante/ knows the worker from its start
        stop = threading.Event()
        heartbeat = threading.Thread(target=_beat, args=(worker_id, stop), name="heartbeat", daemon=True)
        heartbeat.start()
        try:
            super().handle(*args, **options)
        finally:
            stop.set()
