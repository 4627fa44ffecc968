"""Files of a convention (reports, exports) built by the background worker once per version of their data.

A report's job key ends with a digest of what the file prints (`data_version`), the day included (reports print
their date): while none of it changes, every request gets the file already built; any change gives a new key, so
a new build. Each domain says what its files print and how they are built; the request, the key and the job's
result are made here.
"""

import dataclasses
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence

from django.utils import timezone

from ctg.conventions.models import Convention
from ctg.jobs.models import Job
from ctg.jobs.registry import JobResult, register_job_kind
from ctg.jobs.services import job_enqueue


@dataclasses.dataclass(frozen=True)
class ReportFormat:
    """One format of a report: its builder, its media type (ctg.reports.content_types) and its French label."""

    build: Callable[..., bytes]
    content_type: str
    label: str


def data_version(stamp: dict) -> str:
    """A short digest of what a file prints (`stamp`: counts, last ids, dates of its data) and of the day."""
    stamp = {**stamp, "day": timezone.localdate()}
    return hashlib.sha256(json.dumps(stamp, default=str, sort_keys=True).encode()).hexdigest()[:32]


def report_request(*, kind: str, key: Sequence, label: str, convention: Convention, by, params: dict) -> Job:
    """The job building a report for the current data: already done, under way, or just queued.

    `key` names the report (its subject, its format) and ends with its data version."""
    return job_enqueue(
        kind=kind,
        key=":".join(str(part) for part in (kind, *key)),
        label=label,
        by=by,
        convention=convention,
        params=params,
        reuse_done=True,
    )


def report_convention(job: Job) -> Convention:
    if job.convention is None:
        raise LookupError(f"Report job {job.kind} without a convention")
    return job.convention


@dataclasses.dataclass(frozen=True)
class ConventionReport:
    """A file of a convention in several formats: `formats` by extension, what its data version covers, its file
    name, and what its builders take beside the convention (`inputs`, read from the job's parameters)."""

    kind: str
    formats: Mapping[str, ReportFormat]
    data_version: Callable[[Convention], str]
    file_name: Callable[[Convention, str], str]
    inputs: Callable[[Job, Convention], dict] | None = None

    def request(self, *, convention: Convention, fmt: str, by, subject=None, params: dict | None = None) -> Job:
        """The job building this file for the current data; `subject` (the convention by default) names what
        the file is about in the job key, `params` what `inputs` reads."""
        return report_request(
            kind=self.kind,
            key=(convention.pk if subject is None else subject, fmt, self.data_version(convention)),
            label=f"{self.formats[fmt].label} – {convention.title}",
            by=by,
            convention=convention,
            params={"format": fmt, **(params or {})},
        )

    def build(self, job: Job) -> JobResult:
        convention = report_convention(job)
        fmt = job.params["format"]
        report_format = self.formats[fmt]
        return JobResult(
            message=f"{report_format.label} prêt.",
            content=report_format.build(
                convention=convention, **(self.inputs(job, convention) if self.inputs else {})
            ),
            file_name=self.file_name(convention, fmt),
            content_type=report_format.content_type,
        )


def register_convention_report(
    kind: str,
    *,
    formats: Mapping[str, ReportFormat],
    data_version: Callable[[Convention], str],
    file_name: Callable[[Convention, str], str],
    inputs: Callable[[Job, Convention], dict] | None = None,
) -> ConventionReport:
    """A ConventionReport, registered as the job kind that builds it."""
    report = ConventionReport(
        kind=kind, formats=formats, data_version=data_version, file_name=file_name, inputs=inputs
    )
    register_job_kind(kind)(report.build)
    return report
