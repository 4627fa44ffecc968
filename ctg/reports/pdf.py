"""PDF from HTML with WeasyPrint, fetching nothing from the network.

Images are embedded as data: URIs; the fetcher refuses every URL other than data: URIs and files of the
project's static and report template folders.
"""

import base64
from pathlib import Path

from django.conf import settings
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher

REPORT_TEMPLATE_DIR = Path(settings.BASE_DIR) / "ctg" / "templates" / "reports"
ALLOWED_DIRS = (REPORT_TEMPLATE_DIR.resolve(), (Path(settings.BASE_DIR) / "ctg" / "static").resolve())


class LocalOnlyFetcher(URLFetcher):
    """Serves data: URIs and the project's own static and report files; refuses anything else."""

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if url.startswith("file://"):
            path = Path(url.removeprefix("file://").split("?")[0]).resolve()
            if any(path.is_relative_to(directory) for directory in ALLOWED_DIRS):
                return super().fetch(url, headers)
        raise ValueError(f"Ressource externe refusée : {url[:200]}")


def png_data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def html_to_pdf(html: str, *, stylesheet: Path) -> bytes:
    """The page printed with `stylesheet`; relative URLs resolve in the report template folder."""
    fetcher = LocalOnlyFetcher(allowed_protocols={"data", "file"})
    document = HTML(string=html, base_url=REPORT_TEMPLATE_DIR.as_uri() + "/", url_fetcher=fetcher)
    return document.write_pdf(stylesheets=[CSS(filename=str(stylesheet), url_fetcher=fetcher)])
