"""Data built once for the tests of a class, as Django's TestCase.setUpTestData builds it.

The data are written in a transaction held open while the class runs: each test's own transaction is a savepoint
inside it, rolled back at the test's end, so that no test sees what another one did; the held transaction is rolled
back after the last test, and the tests that follow find the database as it was.
"""

import sys
from collections.abc import Callable, Iterator
from typing import TypeVar

from django.db import transaction

T = TypeVar("T")


def held(django_db_blocker, build: Callable[[], T]) -> Iterator[T]:
    """For a class-scoped fixture: `yield from held(django_db_blocker, build)` gives what `build` returns."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            value = build()
        except BaseException:
            atomic.__exit__(*sys.exc_info())
            raise
    yield value
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)
