from django.core.management.base import BaseCommand

from ctg.accounts.services import accounts_purge_expired


class Command(BaseCommand):
    help = "Supprime les entrées du journal de sécurité échues et les invitations expirées depuis un mois."

    def handle(self, *args, **options):
        counts = accounts_purge_expired()
        self.stdout.write(
            f"Journal de sécurité : {counts['events']} entrée(s) supprimée(s) ; "
            f"invitations expirées : {counts['invitations']} supprimée(s)."
        )
