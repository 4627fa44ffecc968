"""Benchmark: the cost of REFUSING hostile uploads, against merely parsing the same bytes, in the same run.

Hostile files, built here: a CSV of 100,000 columns, a CSV with a 200,000-character cell, a number of 5,000 digits,
a UTF-16 file, 20 Mo of CSV garbage (each through the open-data reader `read_file` and the offer-of-services
import of the demo convention, as a simulation); XLSX workbooks for the action-plan import of the demo convention
(`plan_import_xlsx`): a cell at ZZ200000, a zip bomb (a sheet inflating to 100 Mo), a number `1e400000`. For
reference, the largest legitimate files: the biggest shipped national CSV read by `read_file`, and the demo plan's
own export imported back.

Each case runs in a fresh child process, so that its peak memory is its own: the time of the call (best of a few
runs), the peak of Python allocations (tracemalloc, measured in a separate run) and the growth of the resident set
(ru_maxrss). The baseline is the time of merely parsing the same bytes: `polars.read_csv` of the CSV (whatever it
makes of them), or inflating every member of the XLSX archive. A refusal should cost about what parsing costs
(ratio near 1 or below) and never grow faster than the file; a large ratio on a small file shows work beyond the
bytes. Nothing is asserted on time. `make bench` runs it after `make demo-data`, which creates the demo
convention it needs. The demo database is only read: every import runs in a transaction rolled
back at the end, and the offer import is a simulation.
"""

import io
import json
import random
import re
import sys
import tempfile
import time
import tracemalloc
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._runner import ROOT, peak_rss_mib, setup_django

LARGEST_SHIPPED_CSV = ROOT / "data" / "insee" / "iris_2021.csv"
COMPARATEUR = ROOT / "data" / "insee" / "base_cc_comparateur_2025_extrait_cauxseine50.csv"
OFFER_HEADER = (
    "type;nom;code_commune;capacite;gestionnaire;annee_ouverture;source;annee_reference;communes_couvertes\n"
)
GARBAGE_BYTES = 20 * 1024 * 1024 - 1
REPEAT = 3


def csv_files() -> dict[str, tuple[str, bytes, bytes]]:
    """name: (label, open-data file, offer file)."""
    wide_header = ";".join(f"C{i}" for i in range(100_000))
    wide = f"{wide_header}\n{';'.join(['1'] * 100_000)}\n".encode()
    long_cell = "a" * 200_000
    digits = "9" * 5_000
    comparateur = COMPARATEUR.read_text(encoding="utf-8-sig")
    offer_line = "eaje;Crèche;76114;{capacity};;;Saisie;2024;\n"
    rng = random.Random(8)
    alphabet = b'abcdefghijklmnopqrstuvwxyz0123456789;;;,"  \n'
    garbage = bytes(rng.choices(alphabet, k=GARBAGE_BYTES))
    return {
        "colonnes_100000": ("CSV de 100 000 colonnes", wide, wide),
        "cellule_200000": (
            "CSV avec une cellule de 200 000 caractères",
            f'CODGEO;LIBGEO;P22_POP\n76114;"{long_cell}";1\n'.encode(),
            (OFFER_HEADER + f'eaje;"{long_cell}";76114;;;;Saisie;2024;\n').encode(),
        ),
        "nombre_5000_chiffres": (
            "nombre de 5 000 chiffres",
            f"CODGEO;P22_POP\n76114;{digits}\n".encode(),
            (OFFER_HEADER + offer_line.format(capacity=digits)).encode(),
        ),
        "utf16": (
            "fichier en UTF-16",
            comparateur.encode("utf-16"),
            (OFFER_HEADER + offer_line.format(capacity="12")).encode("utf-16"),
        ),
        "charabia_20mo": ("20 Mo de charabia CSV", garbage, garbage),
    }


def xlsx_files(convention) -> dict[str, tuple[str, bytes]]:
    from openpyxl import load_workbook

    from ctg.plans import workbook as wb
    from ctg.plans.exports import build_xlsx

    legit = build_xlsx(convention)
    book = load_workbook(io.BytesIO(legit))
    book[wb.ACTIONS_SHEET]["ZZ200000"] = "x"
    far_cell = io.BytesIO()
    book.save(far_cell)
    return {
        "xlsx_zz200000": ("XLSX avec une cellule en ZZ200000", far_cell.getvalue()),
        "xlsx_bombe": ("XLSX bombe (une feuille de 100 Mo compressée)", _with_member(legit, _inflated)),
        "xlsx_1e400000": ("XLSX avec le nombre 1e400000", _with_member(legit, _huge_number)),
        "xlsx_legitime": ("XLSX du plan de démonstration (réimport)", legit),
    }


def _with_member(content: bytes, change) -> bytes:
    """The archive with its second worksheet (Financements) rewritten by `change`."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet2.xml":
                data = change(data)
            target.writestr(info.filename, data)
    return out.getvalue()


def _inflated(xml: bytes) -> bytes:
    return xml.replace(b"<sheetData>", b"<sheetData>" + b" " * (100 * 1024 * 1024), 1)


def _huge_number(xml: bytes) -> bytes:
    # The first numeric cell of the funding sheet (an amount or a year) becomes 1e400000.
    return re.sub(rb"(<c [^>]*?(?<!t=\"s\")>)<v>[0-9.]+</v>", rb"\1<v>1e400000</v>", xml, count=1)


def _baseline_csv(content: bytes) -> None:
    import polars as pl

    try:
        pl.read_csv(
            content,
            separator=";",
            infer_schema=False,
            truncate_ragged_lines=True,
            ignore_errors=True,
            encoding="utf8-lossy",
        )
    except Exception:  # the baseline parses whatever it can; a refusal of its own is its time too
        pass


def _baseline_xlsx(content: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for info in archive.infolist():
            archive.read(info.filename)


def _timed(function, repeat: int) -> tuple[float, str]:
    best, outcome = float("inf"), ""
    for _ in range(repeat):
        start = time.perf_counter()
        outcome = function()
        best = min(best, time.perf_counter() - start)
    return best * 1000, outcome


def _python_peak_mib(function) -> float:
    tracemalloc.start()
    try:
        function()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak / (1024 * 1024)


def _demo_convention():
    from ctg.conventions.demo import load_demo

    return load_demo()["convention"]


def _call(case: str, folder: Path):
    """The measured call of `case` and its baseline, as two functions returning a short outcome."""
    from django.db import transaction

    from ctg.offer.imports import OfferImportError, offer_import_csv
    from ctg.opendata.readers import DatasetError, read_file
    from ctg.plans.imports import plan_import_xlsx

    kind, _, name = case.partition(":")
    path = folder / f"{name}.{'xlsx' if kind == 'plan' else 'csv'}"
    content = path.read_bytes()
    if kind == "opendata":

        def call():
            try:
                parsed = read_file(path, file_name=path.name)
            except DatasetError as exc:
                return f"refusé : {str(exc)[:90]}"
            return f"lu : {parsed.rows_read} lignes"

        return call, lambda: _baseline_csv(content), len(content)
    convention = _demo_convention()
    if kind == "offer":

        def call():
            try:
                with transaction.atomic():
                    report = offer_import_csv(convention=convention, content=content, dry_run=True)
                    transaction.set_rollback(True)
            except OfferImportError as exc:
                return f"refusé : {str(exc.errors[0])[:90]}"
            return f"accepté : {report.summary()[:90]}"

        return call, lambda: _baseline_csv(content), len(content)

    def call():
        with transaction.atomic():
            try:
                report = plan_import_xlsx(convention=convention, content=content)
            finally:
                transaction.set_rollback(True)
        if report.errors:
            return f"refusé : {str(report.errors[0])[:90]}"
        return "accepté"

    return call, lambda: _baseline_xlsx(content), len(content)


def _status_mib(field: str) -> float | None:
    status = Path("/proc/self/status")
    if not status.exists():
        return None
    for line in status.read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return None


def _reset_peak_rss() -> float:
    """Resident set now, with the high-water mark reset to it (Linux), so that the next peak is the call's own."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass
    return _status_mib("VmRSS") or peak_rss_mib()


def _peak_rss_since_reset() -> float:
    return _status_mib("VmHWM") or peak_rss_mib()


def child():
    setup_django()
    from django.db import transaction

    case, folder = sys.argv[sys.argv.index("--child") + 1], Path(sys.argv[sys.argv.index("--child") + 2])
    # The demo database is only read: whatever a case would write is rolled back.
    with transaction.atomic():
        call, baseline, size = _call(case, folder)
        rss_before = _reset_peak_rss()
        repeat = 1 if size > 10 * 1024 * 1024 or case.endswith("bombe") else REPEAT
        call_ms, outcome = _timed(call, repeat)
        rss_growth = max(0.0, _peak_rss_since_reset() - rss_before)
        baseline_ms, _ = _timed(baseline, REPEAT)
        python_mib = _python_peak_mib(call)
        transaction.set_rollback(True)
    print(
        json.dumps(
            {
                "call_ms": call_ms,
                "baseline_ms": baseline_ms,
                "python_mib": python_mib,
                "rss_growth_mib": rss_growth,
                "bytes": size,
                "outcome": outcome,
            }
        )
    )


def _run(case: str, folder: Path) -> dict:
    import os
    import subprocess

    completed = subprocess.run(
        [sys.executable, str(Path(__file__)), "--child", case, str(folder)],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.dev")},
        capture_output=True,
        text=True,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"uploads.py {case} a échoué :\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _print(label: str, result: dict) -> None:
    ratio = result["call_ms"] / result["baseline_ms"] if result["baseline_ms"] else float("inf")
    print(
        f"  {label:52} {result['bytes'] / 1024:9.0f} Kio  {result['call_ms']:8.1f} ms  "
        f"(analyse seule {result['baseline_ms']:7.1f} ms, rapport {ratio:6.1f})  "
        f"pic Python {result['python_mib']:6.1f} Mio, mémoire résidente +{result['rss_growth_mib']:.0f} Mio"
    )
    print(f"  {'':52} → {result['outcome']}")


def main():
    setup_django()
    started = time.perf_counter()
    print("Banc d'essai des fichiers hostiles : coût du refus comparé à la simple analyse des mêmes octets.")
    with tempfile.TemporaryDirectory(prefix="bench-uploads-") as tmp:
        folder = Path(tmp)
        csvs = csv_files()
        for name, (_, opendata, offer) in csvs.items():
            (folder / f"{name}.csv").write_bytes(opendata)
            (folder / f"offre_{name}.csv").write_bytes(offer)
        (folder / LARGEST_SHIPPED_CSV.name).write_bytes(LARGEST_SHIPPED_CSV.read_bytes())
        from django.db import transaction

        with transaction.atomic():
            xlsxs = xlsx_files(_demo_convention())
            transaction.set_rollback(True)
        for name, (_, content) in xlsxs.items():
            (folder / f"{name}.xlsx").write_bytes(content)

        print("Lecteur des données ouvertes (read_file) :")
        for name, (label, _, _) in csvs.items():
            _print(label, _run(f"opendata:{name}", folder))
        _print(
            f"{LARGEST_SHIPPED_CSV.name} (légitime, le plus gros CSV livré)",
            _run(f"opendata:{LARGEST_SHIPPED_CSV.stem}", folder),
        )
        print("Import de l'offre de services (simulation, convention de démonstration) :")
        for name, (label, _, _) in csvs.items():
            _print(label, _run(f"offer:offre_{name}", folder))
        print("Import du plan d'actions (plan_import_xlsx, convention de démonstration) :")
        for name, (label, _) in xlsxs.items():
            _print(label, _run(f"plan:{name}", folder))
    print(f"Durée totale du banc : {time.perf_counter() - started:.0f} s.")
    return 0


if __name__ == "__main__":
    if "--child" in sys.argv:
        child()
    else:
        sys.exit(main())
