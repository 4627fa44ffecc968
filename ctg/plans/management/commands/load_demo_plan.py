from django.core.management.base import BaseCommand, CommandError

from ctg.conventions.demo import EPCI_SIREN, TITLE
from ctg.conventions.models import Convention
from ctg.core.formatting import counted
from ctg.plans.demo import load_demo_plan


class Command(BaseCommand):
    help = "Charge le plan d'actions de démonstration de la CTG Caux Seine agglo (idempotent)."

    def handle(self, *args, **options):
        convention = Convention.objects.filter(title=TITLE, epci__siren=EPCI_SIREN).first()
        if convention is None:
            raise CommandError("La convention de démonstration est absente : lancez d'abord « load_demo ».")
        result = load_demo_plan(convention=convention)
        self.stdout.write(f"Plan d'actions de démonstration : {counted(result['created'], 'fiche créée')}.")
