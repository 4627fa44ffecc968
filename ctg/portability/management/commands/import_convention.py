from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ctg.core.formatting import counted
from ctg.portability.services import ArchiveError, convention_import


class Command(BaseCommand):
    help = (
        "Restaure une convention depuis l'archive écrite par export_convention, avec de nouveaux identifiants. "
        "Tout ou rien : une archive refusée ne change rien."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="fichier .zip écrit par export_convention")
        parser.add_argument(
            "--as-new",
            action="store_true",
            help="importer même si la convention (même EPCI, même période) existe déjà : une seconde est créée",
        )
        parser.add_argument("--dry-run", action="store_true", help="vérifier l'archive et compter, sans rien écrire")

    def handle(self, *args, **options):
        path = Path(options["archive"])
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {path}.")
        try:
            report = convention_import(content=path.read_bytes(), as_new=options["as_new"], dry_run=options["dry_run"])
        except ArchiveError as exc:
            raise CommandError(f"Archive refusée, rien n'a été importé : {exc}") from None
        convention = report.convention
        if convention is None:
            raise CommandError("Archive refusée, rien n'a été importé.")
        if report.dry_run:
            self.stdout.write(f"Essai (rien n'est écrit) : la convention « {convention.title} » serait importée.")
        else:
            self.stdout.write(f"Convention « {convention.title} » importée : n° {convention.pk}.")
        for label, count in report.created.items():
            if count:
                self.stdout.write(f"  {label} : {count}")
        self.stdout.write(f"  enregistrements d'historique : {report.history_records}")
        self.stdout.write(
            f"Organisations : {counted(report.organisations_matched, 'retrouvée')}, "
            f"{counted(len(report.organisations_created), 'créée')}."
        )
        for name in report.organisations_created:
            self.stdout.write(f"  créée : {name}")
        self.stdout.write(
            f"Personnes : {counted(len(report.users_matched), 'retrouvée')} par leur adresse, "
            f"{counted(len(report.users_created), 'compte créé inactif', 'comptes créés inactifs')} sans mot de passe "
            "utilisable."
        )
        for email in report.users_created:
            self.stdout.write(f"  compte créé inactif : {email}")
        for note in report.notes:
            self.stdout.write(f"Remarque : {note}")
