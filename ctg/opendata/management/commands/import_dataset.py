from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ctg.opendata.readers import FORMATS, DatasetError
from ctg.opendata.services import dataset_import


class Command(BaseCommand):
    help = "Importe un fichier de données ouvertes (INSEE, Filosofi, CAF à l'IRIS, données locales)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="Fichier CSV tel que publié.")
        parser.add_argument("--format", choices=sorted(FORMATS), help="Format du fichier (détecté sinon).")
        parser.add_argument("--dry-run", action="store_true", help="Simulation : lit et compte sans rien écrire.")

    def handle(self, *args, file, format, dry_run, **options):
        try:
            report = dataset_import(path=file, format=format, dry_run=dry_run)
        except DatasetError as exc:
            raise CommandError("\n".join([*exc.errors, "Aucune donnée n'a été modifiée."])) from None
        self.stdout.write(report.summary())
