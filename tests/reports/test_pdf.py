import pytest

from ctg.reports.pdf import REPORT_TEMPLATE_DIR, LocalOnlyFetcher, html_to_pdf, png_data_uri

STYLESHEET = REPORT_TEMPLATE_DIR / "diagnostic_print.css"


def test_fetcher_refuses_external_urls_and_serves_data_uris():
    fetcher = LocalOnlyFetcher(allowed_protocols={"data", "file"})
    for url in ("http://exemple.invalid/a.png", "https://exemple.invalid/a.css", "file:///etc/passwd"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    response = fetcher.fetch("data:text/plain;base64,b2s=")
    assert response.read() == b"ok"
    response.close()
    response = fetcher.fetch(STYLESHEET.as_uri())
    assert b"@page" in response.read()
    response.close()


def test_a_page_with_an_external_image_is_printed_without_it():
    # WeasyPrint reports the refused URL and prints the rest of the page.
    pdf = html_to_pdf('<p>Bonjour</p><img src="https://exemple.invalid/a.png">', stylesheet=STYLESHEET)
    assert pdf.startswith(b"%PDF-")


def test_png_data_uri():
    assert png_data_uri(b"\x89PNG") == "data:image/png;base64,iVBORw=="
