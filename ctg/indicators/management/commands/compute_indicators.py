from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ctg.core.formatting import counted
from ctg.indicators.services import indicators_compute


class Command(BaseCommand):
    help = "Calcule les indicateurs du catalogue à tous les niveaux territoriaux à partir des données importées."

    def add_arguments(self, parser):
        parser.add_argument("codes", nargs="*", help="Codes d'indicateurs (tous par défaut).")

    def handle(self, *args, codes, **options):
        try:
            result = indicators_compute(codes=codes or None)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(
            f"{counted(result['indicators'], 'indicateur')}, {counted(result['series'], 'série')}, "
            f"{counted(result['values'], 'valeur')} "
            f"(calcul {result['compute_seconds']:.1f} s, écriture {result['write_seconds']:.1f} s)."
        )
