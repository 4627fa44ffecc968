"""`manage.py purge_jobs`: the daily clean-up of finished jobs, their files and the queue's old rows."""

import datetime

from django.core.management import call_command
from django.core.management.base import BaseCommand

from ctg.core.formatting import counted
from ctg.jobs.services import jobs_fail_interrupted, jobs_purge


class Command(BaseCommand):
    help = "Supprime les travaux terminés depuis plus de N jours (et leurs fichiers) ; clôt les travaux interrompus."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=30, help="Âge minimal des travaux supprimés (30 jours).")

    def handle(self, *args, days: int, **options):
        interrupted = jobs_fail_interrupted(older_than=datetime.timedelta(hours=2))
        purged = jobs_purge(older_than=datetime.timedelta(days=days))
        call_command("prune_db_task_results", min_age_days=days, verbosity=0)
        self.stdout.write(
            f"{counted(purged, 'travail supprimé', 'travaux supprimés')}, "
            f"{counted(interrupted, 'travail interrompu clos', 'travaux interrompus clos')}."
        )
