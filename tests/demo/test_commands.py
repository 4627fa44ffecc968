import io

import pytest
from django.core.management import CommandError, call_command

from ctg.conventions.demo import DEMO_PASSWORD, TITLE
from ctg.offer.models import OfferTotal
from ctg.plans.models import Action

pytestmark = pytest.mark.django_db


def run() -> list[str]:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue().splitlines()


def test_load_demo_loads_the_offer_and_the_plan_then_changes_nothing(caux_seine):
    lines = run()
    convention = caux_seine["convention"]
    actions = Action.objects.filter(convention=convention).count()
    # The fixture already built the convention; the command adds the six published totals and the fiches.
    assert lines[0] == f"Convention « {TITLE} » : déjà présente, inchangée."
    assert lines[1] == "Offre publiée par l'agglomération (2022) : 6 totaux lus, 6 modifiés."
    assert lines[2] == f"Plan d'actions : {actions} fiches actions créées."
    assert actions > 1
    assert OfferTotal.objects.filter(convention=convention).count() == 6
    # The bodies are created with their members (the agglomeration, the CAF and the 19 communes; two demo
    # accounts for the agglomeration in the comité technique), and no meeting: none is documented.
    assert lines[3] == (
        "Pilotage : 2 instances créées (COPIL, comité technique), 43 sièges ; aucune réunion (aucune n'est "
        "documentée)."
    )
    assert lines[5] == f"Comptes de démonstration (personnes fictives) – mot de passe commun : {DEMO_PASSWORD}"
    again = run()
    assert again[1:4] == [
        # 0 takes the singular in French.
        "Offre publiée par l'agglomération (2022) : 6 totaux lus, 0 modifié.",
        "Plan d'actions : 0 fiche action créée.",
        "Pilotage : 0 instance créée (COPIL, comité technique), 0 siège ; aucune réunion (aucune n'est documentée).",
    ]
    assert Action.objects.filter(convention=convention).count() == actions


def test_load_demo_without_the_referential_says_what_to_run_first():
    with pytest.raises(CommandError, match="lancez d'abord « python manage.py import_territories »"):
        run()
    assert not Action.objects.exists()
