"""Run what the queue holds, as `manage.py worker --batch` does, inside the test's transaction.

The worker's own loop closes the database connection between tasks (it cannot live in a test transaction);
this claims and runs each ready task with the worker's own `run_task`.
"""

import contextlib
import threading

from django.db import connections
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult


def _worker(*, interval: float, batch: bool, worker_id: str) -> Worker:
    return Worker(
        queue_names=["default"],
        interval=interval,
        batch=batch,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )


def run_queued_tasks() -> int:
    worker = _worker(interval=0, batch=True, worker_id="test-worker")
    count = 0
    while (result := DBTaskResult.objects.ready().order_by("enqueued_at").first()) is not None:
        result.claim("test-worker")
        worker.run_task(result)
        count += 1
    return count


@contextlib.contextmanager
def background_worker():
    """A worker polling the queue in a thread, for tests with a live server (transactional database)."""
    worker = _worker(interval=0.1, batch=False, worker_id="test-background-worker")

    def run():
        try:
            worker.run()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, name="test-worker", daemon=True)
    thread.start()
    try:
        yield worker
    finally:
        worker.running = False
        thread.join(timeout=30)
