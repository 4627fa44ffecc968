from django.core.management.base import BaseCommand

from ctg.accounts.services import accounts_purge_expired
from ctg.core.formatting import counted


class Command(BaseCommand):
    help = "Supprime les entrées du journal de sécurité échues et les invitations expirées depuis un mois."

    def handle(self, *args, **options):
        counts = accounts_purge_expired()
        self.stdout.write(
            f"Journal de sécurité : {counted(counts['events'], 'entrée supprimée')} ; "
            f"invitations expirées : {counted(counts['invitations'], 'supprimée')}."
        )
