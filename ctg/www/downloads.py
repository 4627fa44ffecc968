"""One way to send a file: its type, and a Content-Disposition that Django builds (quoting, non-ASCII names)."""

from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.http import content_disposition_header

from ctg.accounts.client_ip import client_ip
from ctg.accounts.enums import SecurityEventKind
from ctg.accounts.journal import security_event_record
from ctg.charts.render import render_png, render_svg
from ctg.jobs.enums import JobStatus
from ctg.jobs.models import Job

CHART_FORMATS = {"svg": "image/svg+xml", "png": "image/png"}


def download_response(content: bytes | str, *, filename: str, content_type: str, inline: bool = False) -> HttpResponse:
    """A response carrying `content` as a file named `filename`: saved by the browser (attachment), or shown
    in place when `inline` (an image opened in a tab)."""
    response = HttpResponse(content, content_type=content_type)
    # Django gives no header only for an unnamed inline file, which no caller sends.
    disposition = content_disposition_header(not inline, filename)
    if disposition is not None:
        response["Content-Disposition"] = disposition
    return response


def export_record(request, *, detail: str, convention=None) -> None:
    """Writes an export or a download to the security journal: who, of which convention, what, from where."""
    security_event_record(
        kind=SecurityEventKind.EXPORT,
        user=request.user,
        convention=convention,
        detail=detail,
        ip_address=client_ip(request),
    )


def job_redirect(job: Job) -> HttpResponse:
    """To the file at once when the job has already built it; otherwise to the job's page, which waits for it."""
    if job.status == JobStatus.DONE:
        return redirect("jobs_views:file", pk=job.pk)
    return redirect("jobs_views:detail", pk=job.pk)


def chart_response(
    spec: dict[str, Any] | None, *, fmt: str, filename: str, missing: str, inline: bool = False
) -> HttpResponse:
    """A chart or map as an SVG or PNG file; a 404 in plain French text (`missing`) when there is nothing to draw.

    `filename` has no extension: the format's is added."""
    if fmt not in CHART_FORMATS:
        raise Http404("Format inconnu.")
    if spec is None:
        return HttpResponse(missing, status=404, content_type="text/plain; charset=utf-8")
    content = render_svg(spec) if fmt == "svg" else render_png(spec)
    return download_response(content, filename=f"{filename}.{fmt}", content_type=CHART_FORMATS[fmt], inline=inline)
