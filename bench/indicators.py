"""Benchmark: the indicator engine over a synthetic national territory, against parsing the same file.

Generates a SYNTHETIC country (labelled so everywhere, never shown as real): 18 régions, 100 départements,
1,250 EPCI of 28 communes, 35,000 communes, with every variable of the catalogue (census, Filosofi, CAF over
three years; 1 % of cells secret) written to one tidy CSV (code_geo;niveau;variable;annee;valeur). For SQLite
and PostgreSQL (when reachable), in throwaway databases, it measures in separate processes: parsing the file
with polars, importing it with the opendata service, computing every indicator at every level, then computing
again (a refresh that replaces the stored values).
Target: national computation under 60 s with a peak memory under 2 GiB on both backends.
"""

import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._runner import backends, peak_rss_mib, run_child, setup_django, throwaway_database

TARGET_SECONDS = 60.0
TARGET_MIB = 2048.0
REGIONS = 18
DEPARTEMENTS = 100
EPCIS = 1250
COMMUNES_PER_EPCI = 28
SECRET_SHARE = 0.01
CENSUS_2022 = {
    "P22_POP": 1500,
    "P22_POP0014": 270,
    "P22_POP1529": 240,
    "P22_POP6074": 260,
    "P22_POP7589": 130,
    "P22_POP90P": 15,
    "P22_POP1564": 930,
    "P22_ACT1564": 700,
    "P22_CHOM1564": 80,
    "P22_ACT1524": 90,
    "P22_CHOM1524": 20,
    "P22_MEN": 650,
    "P22_RP": 650,
    "P22_RP_PROP": 420,
    "P22_LOG": 730,
    "P22_LOGVAC": 55,
    "C22_MENPSEUL": 220,
    "C22_COUPAENF": 170,
    "C22_FAMMONO": 50,
    "C22_COUPSENF": 200,
}
OTHERS = {("P16_POP", 2016): 1450, ("SUPERF", 2022): 12, ("NAIS1621", 2021): 95, ("NAISD24", 2024): 14}
PUBLISHED = {("MED21", 2021): 22000, ("TP6021", 2021): 14}
CAF = {
    "A": 300,
    "PERCOU": 800,
    "AI": 90,
    "AM": 40,
    "AC3ENF": 25,
    "ENF": 420,
    "ENF_2": 45,
    "A_ETUD": 15,
    "AAL": 110,
    "AAPL": 70,
    "AAAH": 20,
    "APPA": 80,
    "ARSAS": 30,
}
CAF_YEARS = (2018, 2019, 2020)


def commune_code(n: int) -> str:
    return f"{n:05d}"


def write_synthetic_file(path: Path) -> int:
    """The tidy CSV of the synthetic country; values vary by commune so that ratios differ."""
    import polars as pl

    communes = EPCIS * COMMUNES_PER_EPCI
    codes = pl.DataFrame({"n": list(range(1, communes + 1))}).with_columns(
        pl.col("n").map_elements(commune_code, return_dtype=pl.Utf8).alias("code_geo"),
        (0.5 + (pl.col("n") * 7919 % 1000) / 1000).alias("factor"),
    )
    frames = []
    variables = [(name, 2022, base) for name, base in CENSUS_2022.items()]
    variables += [(name, year, base) for (name, year), base in OTHERS.items()]
    variables += [(name, year, base) for (name, year), base in PUBLISHED.items()]
    variables += [(name, year, base) for year in CAF_YEARS for name, base in CAF.items()]
    for index, (name, year, base) in enumerate(variables):
        secret = ((pl.col("n") * 31 + index * 17) % int(1 / SECRET_SHARE)) == 0
        value = (pl.col("factor") * base).round(1).cast(pl.Utf8)
        frames.append(
            codes.select(
                "code_geo",
                pl.lit("commune").alias("niveau"),
                pl.lit(name).alias("variable"),
                pl.lit(str(year)).alias("annee"),
                pl.when(secret & pl.lit(name not in {"P22_POP", "SUPERF"}))
                .then(pl.lit("s"))
                .otherwise(value)
                .alias("valeur"),
            )
        )
    # The Filosofi-like median published by the producer at the EPCI level (never recomputed).
    frames.append(
        pl.DataFrame(
            {
                "code_geo": [f"{900000000 + e}" for e in range(EPCIS)],
                "niveau": ["epci"] * EPCIS,
                "variable": ["Q219"] * EPCIS,
                "annee": ["2019"] * EPCIS,
                "valeur": [str(20000 + e % 5000) for e in range(EPCIS)],
            }
        )
    )
    frame = pl.concat(frames)
    frame.write_csv(path, separator=";")
    return frame.height


def create_synthetic_territories() -> None:
    from ctg.territories.enums import EpciKind
    from ctg.territories.models import EPCI, Commune, Departement, Region

    Region.objects.bulk_create(Region(code=f"{r + 1:02d}", name=f"Région synthétique {r + 1}") for r in range(REGIONS))
    Departement.objects.bulk_create(
        Departement(code=f"{d + 1:02d}", name=f"Département synthétique {d + 1}", region_id=f"{d % REGIONS + 1:02d}")
        for d in range(DEPARTEMENTS)
    )
    EPCI.objects.bulk_create(
        EPCI(siren=f"{900000000 + e}", name=f"EPCI synthétique {e}", kind=EpciKind.CC) for e in range(EPCIS)
    )
    per_departement = EPCIS * COMMUNES_PER_EPCI // DEPARTEMENTS
    Commune.objects.bulk_create(
        (
            Commune(
                code=commune_code(n),
                name=f"Commune synthétique {n}",
                departement_id=f"{(n - 1) // per_departement % DEPARTEMENTS + 1:02d}",
                epci_id=f"{900000000 + (n - 1) // COMMUNES_PER_EPCI}",
            )
            for n in range(1, EPCIS * COMMUNES_PER_EPCI + 1)
        ),
        batch_size=5000,
    )


def measure_reads(samples: int = 50) -> float:
    """Mean time, in ms, of the reads behind one diagnostic page (every indicator, an EPCI and its communes)."""
    from ctg.indicators import catalogue
    from ctg.indicators.selectors import comparison, epci_territories
    from ctg.territories.models import EPCI, Commune

    epcis = list(EPCI.objects.order_by("siren")[:: EPCIS // samples][:samples])
    start = time.perf_counter()
    for epci in epcis:
        communes = list(Commune.objects.filter(epci=epci).values("code", "name"))
        comparison(indicators=catalogue.CATALOGUE, territories=epci_territories(epci), communes=communes)
    return (time.perf_counter() - start) / len(epcis) * 1000


def child(mode: str) -> None:
    path = Path(os.environ["BENCH_INDICATORS_FILE"])
    if mode == "parse":
        import polars as pl

        start = time.perf_counter()
        frame = pl.read_csv(path, separator=";", infer_schema=False)
        result = {"rows": frame.height}
    else:
        setup_django()
        from django.core.management import call_command

        if mode == "import":
            from ctg.opendata.services import dataset_import

            call_command("migrate", verbosity=0)
            create_synthetic_territories()
            start = time.perf_counter()
            report = dataset_import(path=path)
            result = {"observations": report.created}
        else:
            from ctg.indicators.services import indicators_compute

            start = time.perf_counter()
            result = indicators_compute()
            result.pop("compute_seconds")
            elapsed = time.perf_counter() - start
            result["read_ms"] = measure_reads()
            print(json.dumps({"seconds": elapsed, "peak_mib": peak_rss_mib(), **result}))
            return
    elapsed = time.perf_counter() - start
    print(json.dumps({"seconds": elapsed, "peak_mib": peak_rss_mib(), **result}))


def main() -> int:
    script = Path(__file__)
    print(
        f"Indicateurs sur un territoire national SYNTHÉTIQUE ({EPCIS * COMMUNES_PER_EPCI} communes, "
        f"{EPCIS} EPCI) – calcul comparé à la simple lecture du fichier"
    )
    failures = 0
    with tempfile.TemporaryDirectory(prefix="bench-indicators-") as tmp:
        path = Path(tmp) / "synthetique-national.csv"
        rows = write_synthetic_file(path)
        print(f"  fichier synthétique : {rows} lignes, {path.stat().st_size / 2**20:.0f} Mio")
        env = {"BENCH_INDICATORS_FILE": str(path)}
        for backend in (
            os.environ.get("BENCH_BACKENDS", "").split(",") if os.environ.get("BENCH_BACKENDS") else backends()
        ):
            with throwaway_database(backend, "bench_indicators") as url:
                parse = run_child(script, "parse", url, env)
                imported = run_child(script, "import", url, env)
                computed = run_child(script, "compute", url, env)
                # A refresh after a new import: the stored values are replaced.
                refreshed = run_child(script, "compute", url, env)
            ok = all(r["seconds"] < TARGET_SECONDS and r["peak_mib"] < TARGET_MIB for r in (computed, refreshed))
            failures += not ok
            print(
                f"  {backend:<10} lecture {parse['seconds']:6.2f} s ({parse['peak_mib']:.0f} Mio)  "
                f"import {imported['seconds']:6.2f} s ({imported['peak_mib']:.0f} Mio, "
                f"{imported['observations']} valeurs)\n"
                f"  {'':<10} calcul {computed['seconds']:6.2f} s ({computed['peak_mib']:.0f} Mio, "
                f"{computed['values']} valeurs, dont écriture {computed['write_seconds']:.1f} s ; lecture d'une page "
                f"{computed['read_ms']:.0f} ms)  "
                f"ratio calcul/lecture {computed['seconds'] / parse['seconds']:5.1f}  "
                f"cible < {TARGET_SECONDS:g} s et < {TARGET_MIB:g} Mio\n"
                f"  {'':<10} recalcul {refreshed['seconds']:6.2f} s ({refreshed['peak_mib']:.0f} Mio, valeurs "
                f"remplacées, dont écriture {refreshed['write_seconds']:.1f} s) : "
                f"{'OK' if ok else 'AU-DELÀ DE LA CIBLE'}"
            )
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
    else:
        sys.exit(main())
