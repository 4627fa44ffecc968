"""Benchmark: the referential's population summed for the columns of a diagnostic table, over the whole country.

On the real national referential (34,969 communes), for SQLite and PostgreSQL (when reachable), in a throwaway
database, it times `population_totals` for the four columns of the demo convention's table (its EPCI, its
département, its région, France: one aggregate query over every commune) against a baseline measured in the same
process: the plain sum of every commune's population (one scan of the same table, no filter). It prints the ratio.
Target: ≤ 15 × the plain sum (twelve filtered aggregates, the région's through the département, in one query).
"""

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._runner import backends, run_child, setup_django, throwaway_database

TARGET_RATIO = 15.0
REPEAT = 20


def _best(function) -> float:
    best = float("inf")
    for _ in range(REPEAT):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def child(mode: str) -> None:
    setup_django()
    from django.core.management import call_command
    from django.db.models import Sum

    from ctg.territories.importers import import_referential
    from ctg.territories.models import EPCI, FRANCE_CODE, Commune
    from ctg.territories.selectors import population_totals

    call_command("migrate", verbosity=0)
    import_referential()
    epci = EPCI.objects.get(siren="200010700")
    territories = [
        {"level": "epci", "code": epci.siren},
        {"level": "departement", "code": "76"},
        {"level": "region", "code": "28"},
        {"level": "france", "code": FRANCE_CODE},
    ]
    totals = population_totals(territories)
    count = _best(lambda: Commune.objects.aggregate(total=Sum("population")))
    summed = _best(lambda: population_totals(territories))
    print(
        json.dumps(
            {
                "count_seconds": count,
                "sum_seconds": summed,
                "totals": {f"{level}:{code}": value for (level, code), value in totals.items()},
            }
        )
    )


def main() -> int:
    script = Path(__file__)
    print("Population du référentiel, 4 colonnes d'un tableau (34 969 communes) – comparée à une somme simple")
    failures = 0
    for backend in backends():
        with throwaway_database(backend, "bench_referential_population") as url:
            result = run_child(script, "sum", url)
        ratio = result["sum_seconds"] / result["count_seconds"]
        status = "OK" if ratio <= TARGET_RATIO else "AU-DELÀ DE LA CIBLE"
        failures += ratio > TARGET_RATIO
        print(
            f"  {backend:<10} somme simple {result['count_seconds'] * 1000:7.2f} ms  "
            f"4 colonnes {result['sum_seconds'] * 1000:7.2f} ms  "
            f"ratio {ratio:5.1f} (cible ≤ {TARGET_RATIO:g}) {status}"
        )
        for key, value in result["totals"].items():
            print(f"    {key:<22} {value}")
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
    else:
        sys.exit(main())
