from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ctg.territories.importers import REFERENTIAL_DIR, ReferentialImportError, import_referential


class Command(BaseCommand):
    help = "Importe le référentiel national (régions, départements, EPCI, communes) du découpage administratif."

    def add_arguments(self, parser):
        parser.add_argument("--directory", type=Path, default=REFERENTIAL_DIR, help="Dossier des fichiers Etalab.")

    def handle(self, *args, directory, **options):
        try:
            result = import_referential(directory)
        except ReferentialImportError as exc:
            raise CommandError(f"{exc} Aucune donnée n'a été modifiée.") from None
        for name, counts in result.items():
            self.stdout.write(f"{name} : {counts}")
