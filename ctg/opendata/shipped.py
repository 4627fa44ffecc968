"""The open-data files shipped in data/, in the order they must be imported (see docs/data.md)."""

from pathlib import Path

from django.conf import settings

from ctg.opendata.services import ImportReport, dataset_import

# The IRIS reference comes first: the CAF files are rolled up from IRIS to communes with it.
SHIPPED_FILES = [
    "insee/iris_2021.csv",
    "insee/base_cc_comparateur_2025_extrait_cauxseine50.csv",
    "insee/dossier_complet_2025_extrait_cauxseine50.csv",
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


def shipped_data_import(
    *, directory: Path | None = None, files: list[str] | None = None, dry_run: bool = False, by=None
) -> list[ImportReport]:
    """Import the shipped files (all, or the listed subset kept in the documented order); idempotent.

    Each file is its own transaction: a faulty file raises DatasetError and leaves the files before it imported.
    """
    directory = Path(directory or settings.DATA_DIR)
    wanted = SHIPPED_FILES if files is None else [name for name in SHIPPED_FILES if name in set(files)]
    return [dataset_import(path=directory / name, dry_run=dry_run, by=by) for name in wanted]
