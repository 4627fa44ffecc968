from django.core.management.base import BaseCommand

from ctg.plans.models import TRASH_DAYS
from ctg.plans.services import plan_trash_purge
from ctg.plans.trash import count_label


class Command(BaseCommand):
    help = f"Supprime définitivement les fiches actions restées plus de {TRASH_DAYS} jours dans la corbeille."

    def handle(self, *args, **options):
        count = plan_trash_purge()
        self.stdout.write(
            f"Corbeille du plan : {count_label(count, 'fiche supprimée', 'fiches supprimées')} définitivement "
            f"(mises à la corbeille il y a plus de {TRASH_DAYS} jours)."
        )
