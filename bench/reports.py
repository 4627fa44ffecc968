"""Benchmark: the diagnostic report of the demo convention as DOCX and PDF, against its HTML diagnostic page.

Works on a copy of the demo database (var/pilote-ctg.sqlite3, built by `make demo-data`: the real Caux Seine agglo
figures), never on the file itself, with an empty chart cache so that every map is rendered. A child process
serves the diagnostic page of the first theme through Django's test client (median of several runs), then builds
the DOCX and the PDF, each from a cold chart cache, and prints their times and the ratios to the page.
Target: each document under 10 s.
"""

import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._runner import ROOT, peak_rss_mib, run_child, setup_django

TARGET_SECONDS = 10.0
DEMO_DATABASE = ROOT / "var" / "pilote-ctg.sqlite3"
PAGE_REPEAT = 5


def child() -> None:
    setup_django()
    from django.core.cache import cache
    from django.test import Client, override_settings
    from django.urls import reverse

    from ctg.accounts.models import User
    from ctg.conventions.models import Convention
    from ctg.diagnostic.reports.docx_report import build_diagnostic_docx
    from ctg.diagnostic.reports.pdf_report import build_diagnostic_pdf

    convention = Convention.objects.select_related("epci").filter(epci__siren="200010700").first()
    if convention is None:
        raise SystemExit("La convention de démonstration est absente : lancez `make demo-data`.")
    client = Client()
    client.force_login(User.objects.get(username="coordination"))
    page_url = reverse("indicators_views:index", kwargs={"convention_pk": convention.pk})
    page_times = []
    with override_settings(ALLOWED_HOSTS=["testserver"], DEBUG=False):
        for _ in range(PAGE_REPEAT):
            start = time.perf_counter()
            response = client.get(page_url)
            page_times.append(time.perf_counter() - start)
            assert response.status_code == 200
    cache.clear()
    start = time.perf_counter()
    docx = build_diagnostic_docx(convention=convention)
    docx_seconds = time.perf_counter() - start
    cache.clear()
    start = time.perf_counter()
    pdf = build_diagnostic_pdf(convention=convention)
    pdf_seconds = time.perf_counter() - start
    print(
        json.dumps(
            {
                "page": statistics.median(page_times),
                "docx": docx_seconds,
                "docx_bytes": len(docx),
                "pdf": pdf_seconds,
                "pdf_bytes": len(pdf),
                "peak_mib": peak_rss_mib(),
            }
        )
    )


def main() -> int:
    if not DEMO_DATABASE.exists():
        print(f"{DEMO_DATABASE} est absente : lancez `make demo-data` avant ce benchmark.")
        return 1
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as tmp:
        copy = Path(tmp) / "demo.sqlite3"
        shutil.copyfile(DEMO_DATABASE, copy)
        result = run_child(Path(__file__), "reports", f"sqlite:///{copy}", {"CACHE_DIR": str(Path(tmp) / "cache")})
    page = result["page"]
    print("Rapport de diagnostic de la convention de démonstration (base SQLite de démonstration, copie)")
    print(f"  page HTML du diagnostic (médiane de {PAGE_REPEAT}) : {page:.3f} s")
    ok = True
    for key, label in (("docx", "DOCX"), ("pdf", "PDF")):
        seconds = result[key]
        reached = seconds < TARGET_SECONDS
        ok &= reached
        print(
            f"  {label} : {seconds:.2f} s ({result[key + '_bytes'] / 1024:.0f} Kio), {seconds / page:.0f} × la page ; "
            f"cible < {TARGET_SECONDS:.0f} s : {'atteinte' if reached else 'MANQUÉE'}"
        )
    print(f"  mémoire maximale : {result['peak_mib']:.0f} Mio")
    return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child()
    else:
        sys.exit(main())
