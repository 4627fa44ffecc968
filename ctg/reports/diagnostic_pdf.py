"""The diagnostic report as PDF: the HTML template reports/diagnostic.html printed by WeasyPrint.

Nothing is fetched from the network: maps are embedded as data: URIs and the fetcher refuses every URL other
than data: URIs and files of the project's static and report template folders.
"""

import base64
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher

from ctg.core.text import printable
from ctg.reports.common import diagnostic_report

TEMPLATE_DIR = Path(settings.BASE_DIR) / "ctg" / "templates" / "reports"
STYLESHEET = TEMPLATE_DIR / "diagnostic_print.css"
ALLOWED_DIRS = (TEMPLATE_DIR.resolve(), (Path(settings.BASE_DIR) / "ctg" / "static").resolve())


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


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def render_diagnostic_html(*, convention, report: dict | None = None) -> str:
    report = report or diagnostic_report(convention=convention)
    themes = [{**theme, "map_uri": _data_uri(theme["map"].png) if theme["map"] else ""} for theme in report["themes"]]
    # Stored text may hold control characters; HTML needs none (tab and line breaks are kept), so the whole
    # page goes through `printable` once rather than each of its variables.
    return printable(render_to_string("reports/diagnostic.html", {**report, "themes": themes}))


def build_diagnostic_pdf(*, convention, report: dict | None = None) -> bytes:
    html = render_diagnostic_html(convention=convention, report=report)
    fetcher = LocalOnlyFetcher(allowed_protocols={"data", "file"})
    document = HTML(string=html, base_url=TEMPLATE_DIR.as_uri() + "/", url_fetcher=fetcher)
    return document.write_pdf(stylesheets=[CSS(filename=str(STYLESHEET), url_fetcher=fetcher)])
