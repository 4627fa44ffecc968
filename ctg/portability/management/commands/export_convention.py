from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ctg.conventions.models import Convention
from ctg.portability.services import ArchiveError, convention_export


class Command(BaseCommand):
    help = (
        "Écrit l'archive d'une convention (zip : ses objets et leur historique, les membres par adresse "
        "électronique, sans mot de passe) pour la déplacer vers une autre instance avec import_convention."
    )

    def add_arguments(self, parser):
        parser.add_argument("convention", type=int, help="numéro de la convention (celui de son adresse)")
        parser.add_argument("-o", "--output", help="fichier à écrire (par défaut convention-<numéro>.zip)")

    def handle(self, *args, **options):
        convention = Convention.objects.filter(pk=options["convention"]).first()
        if convention is None:
            raise CommandError(f"Aucune convention n° {options['convention']}.")
        output = Path(options["output"] or f"convention-{convention.pk}.zip")
        try:
            content = convention_export(convention=convention)
        except ArchiveError as exc:
            raise CommandError(str(exc)) from None
        output.write_bytes(content)
        self.stdout.write(f"Convention « {convention.title} » exportée dans {output} ({len(content):,} octets).")
