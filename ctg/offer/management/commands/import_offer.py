from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ctg.conventions.models import Convention
from ctg.core.formatting import counted
from ctg.offer.imports import OfferImportError, offer_import_csv


class Command(BaseCommand):
    help = (
        "Importe l'offre de services d'une convention depuis un fichier CSV (colonnes décrites dans "
        "ctg/offer/imports.py). Tout ou rien : une erreur rejette le fichier entier."
    )

    def add_arguments(self, parser):
        parser.add_argument("convention", type=int, help="identifiant de la convention")
        parser.add_argument("path", type=Path, help="fichier CSV")
        parser.add_argument("--dry-run", action="store_true", help="compter sans rien écrire")

    def handle(self, *args, **options):
        convention = Convention.objects.select_related("epci").filter(pk=options["convention"]).first()
        if convention is None:
            raise CommandError(f"Convention {options['convention']} introuvable.")
        path = options["path"]
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {path}.")
        try:
            report = offer_import_csv(
                convention=convention, content=path.read_bytes(), file_name=path.name, dry_run=options["dry_run"]
            )
        except OfferImportError as exc:
            for error in exc.errors:
                self.stderr.write(f"{path.name} : {error}")
            errors = counted(len(exc.errors), "erreur")
            raise CommandError(f"Fichier rejeté : {errors}, rien n'a été importé.") from None
        self.stdout.write(report.summary())
