from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ctg.territories.boundaries import import_boundaries
from ctg.territories.importers import ReferentialImportError


class Command(BaseCommand):
    help = "Rattache les contours GeoJSON (propriétés code, nom) aux communes ou départements existants."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--level", choices=["commune", "departement"], default="commune")

    def handle(self, *args, path, level, **options):
        try:
            counts = import_boundaries(path, level=level)
        except ReferentialImportError as exc:
            raise CommandError(f"{exc} Aucune donnée n'a été modifiée.") from None
        self.stdout.write(f"{path.name} : {counts.attached} contour(s) rattaché(s), {counts.unchanged} inchangé(s).")
        if counts.unknown_codes:
            self.stdout.write(
                f"{len(counts.unknown_codes)} code(s) absent(s) du référentiel actuel (communes fusionnées), "
                f"ignoré(s) : {', '.join(counts.unknown_codes)}"
            )
        if level == "commune":
            self.stdout.write(f"{counts.epci_outlines} contour(s) d'EPCI recalculé(s) à partir des communes.")
