from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ctg.opendata.readers import DatasetError
from ctg.opendata.services import dataset_import

# Run order (docs/data.md): the IRIS reference first, since the CAF files are rolled up to communes with it.
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


class Command(BaseCommand):
    help = "Importe, dans l'ordre documenté, tous les fichiers de données ouvertes livrés dans data/."

    def add_arguments(self, parser):
        parser.add_argument("--directory", type=Path, default=Path(settings.DATA_DIR), help="Dossier data/.")
        parser.add_argument("--dry-run", action="store_true", help="Simulation : lit et compte sans rien écrire.")

    def handle(self, *args, directory, dry_run, **options):
        for relative in SHIPPED_FILES:
            try:
                report = dataset_import(path=directory / relative, dry_run=dry_run)
            except DatasetError as exc:
                raise CommandError("\n".join([*exc.errors, f"Import arrêté à {relative}."])) from None
            self.stdout.write(report.summary())
