from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ctg.opendata.readers import DatasetError
from ctg.opendata.services import dataset_import
from ctg.opendata.shipped import SHIPPED_FILES


class Command(BaseCommand):
    help = "Importe, dans l'ordre documenté, tous les fichiers de données ouvertes livrés dans data/."

    def add_arguments(self, parser):
        parser.add_argument("--directory", type=Path, default=Path(settings.DATA_DIR), help="Dossier data/.")
        parser.add_argument("--dry-run", action="store_true", help="Simulation : lit et compte sans rien écrire.")

    def handle(self, *args, directory, dry_run, **options):
        for name in SHIPPED_FILES:
            try:
                report = dataset_import(path=directory / name, dry_run=dry_run)
            except DatasetError as exc:
                raise CommandError("\n".join([*exc.errors, f"Import arrêté à {name}."])) from None
            self.stdout.write(report.summary())
