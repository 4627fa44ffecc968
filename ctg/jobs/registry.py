"""The kinds of background job. A domain registers its own at import time (from its AppConfig.ready())."""

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ctg.jobs.models import Job


@dataclasses.dataclass(frozen=True)
class JobResult:
    """What a finished job tells its user, and the file it produced, if any."""

    message: str
    content: bytes | None = None
    file_name: str = ""
    content_type: str = ""


@dataclasses.dataclass(frozen=True)
class JobKind:
    name: str
    run: "Callable[[Job], JobResult]"
    # Errors whose French message is meant for the user (a refused file, a rule broken); any other exception
    # is logged and shown as an unexpected failure.
    expected_errors: tuple[type[Exception], ...] = ()


_KINDS: dict[str, JobKind] = {}


def register_job_kind(name: str, *, expected_errors: tuple[type[Exception], ...] = ()):
    """Decorator: `@register_job_kind("diagnostic_report")` on a function taking the job, returning a JobResult.

    The function runs in one transaction: when it raises, nothing it wrote remains.
    """

    def decorator(function: "Callable[[Job], JobResult]"):
        _KINDS[name] = JobKind(name=name, run=function, expected_errors=expected_errors)
        return function

    return decorator


def job_kind(name: str) -> JobKind:
    try:
        return _KINDS[name]
    except KeyError:
        raise LookupError(f"Type de travail inconnu : {name}") from None
