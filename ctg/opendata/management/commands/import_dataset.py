from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ctg.opendata.readers import FORMATS, DatasetError
from ctg.opendata.services import LOCAL_FORMAT, dataset_import, local_data_import


class Command(BaseCommand):
    help = (
        "Importe un fichier officiel tel que publié (INSEE, Filosofi, CAF à l'IRIS), ou, avec --convention, un "
        "fichier de données locales de cette convention."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="Fichier CSV tel que publié.")
        parser.add_argument("--format", choices=sorted(FORMATS), help="Format du fichier (détecté sinon).")
        parser.add_argument("--dry-run", action="store_true", help="Simulation : lit et compte sans rien écrire.")
        parser.add_argument(
            "--convention", type=int, help="Identifiant de la convention dont le fichier est une donnée locale."
        )
        parser.add_argument(
            "--allow-extract",
            action="store_true",
            help="Accepte un fichier officiel hors édition connue (extrait) : instance de test seulement.",
        )

    def handle(self, *args, file, format, dry_run, convention, allow_extract, **options):
        try:
            if convention is not None:
                report = local_data_import(
                    convention=self._convention(convention), path=file, dry_run=dry_run, by=None
                )
            elif format == LOCAL_FORMAT:
                raise CommandError("Un fichier de données locales s'importe avec --convention <identifiant>.")
            else:
                report = dataset_import(
                    path=file, format=format, dry_run=dry_run, known_edition_only=not allow_extract
                )
        except DatasetError as exc:
            raise CommandError("\n".join([*exc.messages, "Aucune donnée n'a été modifiée."])) from None
        self.stdout.write(report.summary())

    def _convention(self, pk):
        from ctg.conventions.models import Convention

        try:
            return Convention.objects.select_related("epci").get(pk=pk)
        except Convention.DoesNotExist:
            raise CommandError(f"Aucune convention n'a l'identifiant {pk}.") from None
