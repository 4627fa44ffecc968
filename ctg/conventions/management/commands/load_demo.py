from django.core.management.base import BaseCommand, CommandError

from ctg.conventions.demo import load_demo
from ctg.offer.demo import load_demo_offer
from ctg.plans.demo import load_demo_plan


class Command(BaseCommand):
    help = (
        "Charge la démonstration : la CTG de Caux Seine agglo (faits documentés), son offre publiée, ses fiches "
        "actions documentées et des comptes de démonstration."
    )

    def handle(self, *args, **options):
        try:
            result = load_demo()
        except RuntimeError as exc:
            raise CommandError(str(exc)) from None
        convention = result["convention"]
        state = "créée" if result["created"] else "déjà présente, inchangée"
        self.stdout.write(f"Convention « {convention.title} » : {state}.")
        offer = load_demo_offer(convention=convention)
        self.stdout.write(
            f"Offre publiée par l'agglomération (2022) : {offer['read']} total(aux) lu(s), "
            f"{offer['changed']} modifié(s)."
        )
        plan = load_demo_plan(convention=convention)
        self.stdout.write(f"Plan d'actions : {plan['created']} fiche(s) action créée(s).")
        self.stdout.write("")
        self.stdout.write(
            "Comptes de démonstration (personnes fictives) – mot de passe commun : " + result["password"]
        )
        for account, user in result["accounts"]:
            role = account.role.label if account.role else "—"
            self.stdout.write(f"  {user.username:<14} {role:<32} {account.description}")
