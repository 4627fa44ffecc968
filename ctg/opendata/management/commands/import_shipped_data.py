from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ctg.opendata.readers import DatasetError
from ctg.opendata.shipped import shipped_data_import


class Command(BaseCommand):
    help = "Importe, dans l'ordre documenté, tous les fichiers de données ouvertes livrés dans data/."

    def add_arguments(self, parser):
        parser.add_argument("--directory", type=Path, default=Path(settings.DATA_DIR), help="Dossier data/.")
        parser.add_argument("--dry-run", action="store_true", help="Simulation : lit et compte sans rien écrire.")

    def handle(self, *args, directory, dry_run, **options):
        try:
            shipped_data_import(
                directory=directory, dry_run=dry_run, on_report=lambda report: self.stdout.write(report.summary())
            )
        except DatasetError as exc:
            raise CommandError(
                "\n".join([*exc.messages, "Import arrêté à ce fichier ; les précédents sont importés."])
            ) from None
