"""One way to send a file: its type, and a Content-Disposition that Django builds (quoting, non-ASCII names)."""

from django.http import HttpResponse
from django.utils.http import content_disposition_header


def download_response(content, *, filename: str, content_type: str, inline: bool = False) -> HttpResponse:
    """A response carrying `content` as a file named `filename`: saved by the browser (attachment), or shown
    in place when `inline` (an image opened in a tab)."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(not inline, filename)
    return response
