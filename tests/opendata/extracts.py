"""Copies of real shipped files cut down to a few rows, keeping their bytes (BOM, CRLF) as published."""

from pathlib import Path

from django.conf import settings

DATA = Path(settings.DATA_DIR)
COMPARATEUR = DATA / "insee" / "base_cc_comparateur_2025_extrait_cauxseine50.csv"
DOSSIER = DATA / "insee" / "dossier_complet_2025_extrait_cauxseine50.csv"
FILOSOFI = DATA / "insee" / "filosofi-2019"
IRIS_REFERENCE = DATA / "insee" / "iris_2021.csv"
CAF = DATA / "caf-iris"


def extract(source: Path, target: Path, keep=lambda line: True, limit: int | None = None) -> Path:
    """Write the header and the kept data lines of `source` to `target`, byte for byte."""
    lines = source.read_bytes().splitlines(keepends=True)
    kept = [line for line in lines[1:] if keep(line.decode("utf-8"))]
    if limit is not None:
        kept = kept[:limit]
    if kept and not kept[-1].endswith(b"\n"):
        kept[-1] += b"\r\n" if lines[0].endswith(b"\r\n") else b"\n"
    target.write_bytes(b"".join([lines[0], *kept]))
    return target


def starts_with(*prefixes):
    """Keep data lines whose first field starts with one of the prefixes (codes of département 76…)."""
    return lambda line: line.lstrip("\ufeff").startswith(prefixes)
