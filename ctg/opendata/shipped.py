"""The open-data files shipped in data/, in the order they must be imported (see docs/data.md)."""

from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import transaction

from ctg.opendata.services import DatasetImportReport, dataset_import

# The IRIS reference comes first: the CAF files are rolled up from IRIS to communes with it. Filosofi editions
# 2014-2018 are imported on the codes of their own geography (see data/README.md), before the 2019 edition.
SHIPPED_FILES = [
    "insee/iris_2021.csv",
    "insee/base_cc_comparateur_2025_extrait_cauxseine50.csv",
    "insee/dossier_complet_2025_extrait_cauxseine50.csv",
    "insee/filosofi-2014-2018/FILO2014_DISP_COM.csv",
    "insee/filosofi-2014-2018/FILO2014_DISP_EPCI.csv",
    "insee/filosofi-2014-2018/FILO2014_DISP_DEP.csv",
    "insee/filosofi-2014-2018/FILO2014_DISP_REG.csv",
    "insee/filosofi-2014-2018/FILO2014_DISP_METROPOLE.csv",
    "insee/filosofi-2014-2018/FILO2015_DISP_COM.csv",
    "insee/filosofi-2014-2018/FILO2015_DISP_EPCI.csv",
    "insee/filosofi-2014-2018/FILO2015_DISP_DEP.csv",
    "insee/filosofi-2014-2018/FILO2015_DISP_REG.csv",
    "insee/filosofi-2014-2018/FILO2015_DISP_METROPOLE.csv",
    "insee/filosofi-2014-2018/FILO2016_DISP_COM.csv",
    "insee/filosofi-2014-2018/FILO2016_DISP_EPCI.csv",
    "insee/filosofi-2014-2018/FILO2016_DISP_DEP.csv",
    "insee/filosofi-2014-2018/FILO2016_DISP_REG.csv",
    "insee/filosofi-2014-2018/FILO2016_DISP_METROPOLE.csv",
    "insee/filosofi-2014-2018/FILO2018_DISP_COM.csv",
    "insee/filosofi-2014-2018/FILO2018_DISP_EPCI.csv",
    "insee/filosofi-2014-2018/FILO2018_DISP_DEP.csv",
    "insee/filosofi-2014-2018/FILO2018_DISP_REG.csv",
    "insee/filosofi-2014-2018/FILO2018_DISP_METROPOLE.csv",
    "insee/filosofi-2019/FILO2019_DISP_COM.csv",
    "insee/filosofi-2019/FILO2019_DISP_EPCI.csv",
    "insee/filosofi-2019/FILO2019_DISP_DEP.csv",
    "insee/filosofi-2019/FILO2019_DISP_REG.csv",
    "insee/filosofi-2019/FILO2019_DISP_METROPOLE.csv",
    "insee/filosofi-2019/BASE_TD_FILO_DISP_IRIS_2019.csv",
    "caf-iris/data_CAF_2018_IRIS.csv",
    "caf-iris/data_CAF_2019_IRIS.csv",
    "caf-iris/data_CAF_2020_IRIS.csv",
]


class _DryRunRollback(Exception):
    pass


def shipped_data_import(
    *,
    directory: Path | None = None,
    files: list[str] | None = None,
    dry_run: bool = False,
    by=None,
    on_report: Callable[[DatasetImportReport], None] | None = None,
    known_edition_only: bool = True,
) -> list[DatasetImportReport]:
    """Import the shipped files (all, or the listed subset, in the documented order); idempotent.

    Each file is its own transaction: a faulty file raises DatasetError and leaves the files before it imported.
    A dry run imports everything in one transaction rolled back at the end, so that later files see the earlier
    ones (the CAF files need the IRIS reference) and the counts are those of a real run. The shipped files are
    known editions (data/SHA256SUMS); `known_edition_only=False` accepts extracts in their place (test instances).
    """
    directory = Path(directory or settings.DATA_DIR)
    wanted = SHIPPED_FILES if files is None else [name for name in SHIPPED_FILES if name in set(files)]
    if not dry_run:
        return [_import_one(directory / name, by, dry_run, on_report, known_edition_only) for name in wanted]
    try:
        with transaction.atomic():
            reports = [_import_one(directory / name, by, dry_run, on_report, known_edition_only) for name in wanted]
            raise _DryRunRollback
    except _DryRunRollback:
        return reports


def _import_one(path: Path, by, dry_run: bool, on_report, known_edition_only: bool) -> DatasetImportReport:
    report = dataset_import(path=path, by=by, known_edition_only=known_edition_only)
    report.dry_run = dry_run
    if on_report:
        on_report(report)
    return report
