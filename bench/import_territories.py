"""Benchmark: national import of the territorial referential against merely parsing the same files.

Prints, for SQLite and PostgreSQL (when reachable), the time and peak memory of `import_referential()` on an
empty database, the time and peak memory of reading the same four files (gzip + JSON), and their ratio.
Target: time ratio ≤ 5 on both backends.
"""

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._runner import backends, peak_rss_mib, run_child, setup_django, throwaway_database

TARGET_RATIO = 5.0


def child(mode: str) -> None:
    setup_django()
    from django.core.management import call_command

    from ctg.territories.importers import REFERENTIAL_DIR, import_referential, load_json

    if mode == "parse":
        start = time.perf_counter()
        for name in ("regions.json", "departements.json", "communes.json.gz", "epci.json.gz"):
            load_json(REFERENTIAL_DIR / name)
        elapsed = time.perf_counter() - start
    else:
        call_command("migrate", verbosity=0)
        start = time.perf_counter()
        result = import_referential()
        elapsed = time.perf_counter() - start
        assert result["communes"].created == 34969, result
    print(json.dumps({"seconds": elapsed, "peak_mib": peak_rss_mib()}))


def main() -> int:
    script = Path(__file__)
    print("Import du référentiel national (34 969 communes, 1 255 EPCI) – comparé à la simple lecture des fichiers")
    failures = 0
    for backend in backends():
        with throwaway_database(backend, "bench_territories") as url:
            parse = run_child(script, "parse", url)
            imported = run_child(script, "import", url)
        ratio = imported["seconds"] / parse["seconds"]
        status = "OK" if ratio <= TARGET_RATIO else "AU-DELÀ DE LA CIBLE"
        failures += ratio > TARGET_RATIO
        print(
            f"  {backend:<10} lecture {parse['seconds']:6.2f} s ({parse['peak_mib']:.0f} Mio)  "
            f"import {imported['seconds']:6.2f} s ({imported['peak_mib']:.0f} Mio)  "
            f"ratio {ratio:4.1f} (cible ≤ {TARGET_RATIO:g}) {status}"
        )
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
    else:
        sys.exit(main())
