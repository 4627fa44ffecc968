from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ctg.core.formatting import counted
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
        attached, unchanged = counted(counts.attached, "contour rattaché"), counted(counts.unchanged, "inchangé")
        self.stdout.write(f"{path.name} : {attached}, {unchanged}.")
        if counts.unknown_codes:
            unknown = len(counts.unknown_codes)
            self.stdout.write(
                f"{counted(unknown, 'code absent')} du référentiel actuel (communes fusionnées), "
                f"{'ignorés' if unknown > 1 else 'ignoré'} : {', '.join(counts.unknown_codes)}"
            )
        if level == "commune":
            outlines = counted(counts.epci_outlines, "contour")
            recomputed = "recalculés" if counts.epci_outlines > 1 else "recalculé"
            self.stdout.write(f"{outlines} d'EPCI {recomputed} à partir des communes.")
