"""Daily cron: e-mail the steering reminders due today (see ctg.steering.reminders). Running it twice sends
nothing more."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ctg.core.formatting import counted, format_count
from ctg.steering.reminders import send_due_reminders


class Command(BaseCommand):
    help = "Envoie par courriel les rappels du pilotage dus aujourd'hui (une fois chacun)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--date", help="jour de référence AAAA-MM-JJ (par défaut aujourd'hui, heure de Paris)", default=""
        )

    def handle(self, *args, **options):
        if options["date"]:
            try:
                today = datetime.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(f"--date : « {options['date']} » n'est pas une date AAAA-MM-JJ.") from exc
        else:
            today = timezone.localdate()
        report = send_due_reminders(today=today)
        self.stdout.write(
            f"Rappels du {today.isoformat()} : {counted(report.sent, 'envoyé')}, "
            f"{counted(report.already_sent, 'déjà envoyé', 'déjà envoyés')}, "
            f"{counted(report.opted_out, 'refusé')} par leur destinataire, "
            f"{format_count(report.no_address)} sans adresse."
        )
        if report.failed:
            raise CommandError(
                f"{counted(len(report.failed), 'rappel non envoyé', 'rappels non envoyés')}, réessayés au prochain "
                "passage :\n" + "\n".join(report.failed)
            )
