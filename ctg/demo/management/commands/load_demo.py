from django.core.management.base import BaseCommand, CommandError

from ctg.core.formatting import counted
from ctg.demo.services import demo_load


class Command(BaseCommand):
    help = (
        "Charge la démonstration : la CTG de Caux Seine agglo (faits documentés), son offre publiée, ses fiches "
        "actions documentées et des comptes de démonstration."
    )

    def handle(self, *args, **options):
        try:
            result = demo_load()
        except RuntimeError as exc:
            raise CommandError(str(exc)) from None
        convention, offer, plan = result["convention"], result["offer"], result["plan"]
        state = "créée" if result["created"] else "déjà présente, inchangée"
        self.stdout.write(f"Convention « {convention.title} » : {state}.")
        self.stdout.write(
            f"Offre publiée par l'agglomération (2022) : {counted(offer['read'], 'total lu', 'totaux lus')}, "
            f"{counted(offer['changed'], 'modifié')}."
        )
        actions = counted(plan["created"], "fiche action créée", "fiches actions créées")
        self.stdout.write(f"Plan d'actions : {actions}.")
        steering = result["steering"]
        self.stdout.write(
            f"Pilotage : {counted(steering['bodies'], 'instance créée')} (COPIL, comité technique), "
            f"{counted(steering['seats'], 'siège')} ; aucune réunion (aucune n'est documentée)."
        )
        self.stdout.write("")
        self.stdout.write(
            "Comptes de démonstration (personnes fictives) – mot de passe commun : " + result["password"]
        )
        for account, user in result["accounts"]:
            role = account.role.label if account.role else "—"
            self.stdout.write(f"  {user.username:<14} {role:<32} {account.description}")
