"""The public page shows the diagnostic and plan summaries: public content only, no person, no internal note."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from ctg.accounts.enums import Role
from ctg.conventions.models import Theme
from ctg.diagnostic.selectors import public_summary as diagnostic_summary
from ctg.indicators.services import indicators_compute
from ctg.plans.enums import ActionStatus
from ctg.plans.models import FollowUpNote
from ctg.plans.selectors import public_summary as plan_summary
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.conventions.factories import ConventionFactory
from tests.diagnostic.factories import EnjeuFactory
from tests.indicators.shipped import load_insee_extracts
from tests.organisations.factories import OrganisationFactory
from tests.plans.factories import ActionFactory, FundingLineFactory, MilestoneFactory, ObjectiveFactory

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"
NNBSP = "\u202f"


def url(convention):
    return reverse("public_views:convention", kwargs={"pk": convention.pk})


def section(html: str, key: str) -> str:
    return re.search(rf'<section[^>]*id="synthese-{key}">(.*?)</section>', html, re.S).group(1)


@pytest.fixture
def published(caux_seine):
    """The demo convention, published, with enjeux, a plan carrying personal and internal data, and figures."""
    convention = caux_seine["convention"]
    convention.is_public = True
    convention.save(update_fields=["is_public"])
    load_insee_extracts()
    indicators_compute(codes=["population", "share_0_14", "births_per_year"])
    petite_enfance = Theme.objects.get(code="petite-enfance", convention=None)
    EnjeuFactory(
        convention=convention,
        theme=petite_enfance,
        title="Couvrir les 50 communes par un relais",
        text="Le relais ne couvre pas encore tout le territoire.",
        validated=True,
    )
    EnjeuFactory(convention=convention, theme=petite_enfance, title="Enjeu encore en discussion")
    pilot = UserFactory(first_name="Gaspard", last_name="Pilotin", email="gaspard.pilotin@example.org")
    MembershipFactory(convention=convention, user=pilot, role=Role.PILOTE)
    strategic = ObjectiveFactory(convention=convention, theme=petite_enfance, code="OS1", title="Accueillir")
    ObjectiveFactory(convention=convention, theme=petite_enfance, parent=strategic, code="OO1.1", title="Relais")
    action = ActionFactory(
        convention=convention,
        code="PE-01",
        title="Étendre le relais petite enfance",
        status=ActionStatus.EN_COURS,
        pilot_user=pilot,
        pilot_name="Hortense Référente",
        elected_referent="Léonie Élue",
        description="Description interne de travail",
        planned_end=datetime.date(2099, 12, 31),
    )
    action.themes.add(petite_enfance)
    action.objectives.add(strategic)
    MilestoneFactory(action=action, weight=1, done_date=datetime.date(2022, 5, 1))
    MilestoneFactory(action=action, weight=3)
    FollowUpNote.objects.create(action=action, date=datetime.date(2022, 6, 1), text="Note confidentielle du suivi")
    caf = OrganisationFactory(name="CAF de test publique")
    FundingLineFactory(action=action, funder=caf, year=2022, amount_planned=Decimal("1000"), comment="Ligne A")
    FundingLineFactory(action=action, funder=caf, year=2023, amount_planned=Decimal("2500.50"), amount_granted=None)
    FundingLineFactory(action=action, funder=caf, year=2024, amount_planned=None)
    return caux_seine


class TestPublicSummaries:
    def test_anonymous_access(self, client, published):
        response = client.get(url(published["convention"]))
        assert response.status_code == 200
        html = response.content.decode()
        assert "La synthèse du diagnostic n&#x27;est pas encore publiée." not in html
        assert "La synthèse du plan d&#x27;actions n&#x27;est pas encore publiée." not in html

    def test_unauthorized_access(self, client, published):
        convention = published["convention"]
        convention.is_public = False
        convention.save(update_fields=["is_public"])
        assert client.get(url(convention)).status_code == 404
        client.force_login(MembershipFactory(convention=ConventionFactory()).user)
        assert client.get(url(convention)).status_code == 404

    def test_diagnostic_summary_shows_validated_enjeux_and_sourced_key_figures(self, client, published):
        html = section(client.get(url(published["convention"])).content.decode(), "diagnostic")
        assert "Couvrir les 50 communes par un relais" in html
        assert "Le relais ne couvre pas encore tout le territoire." in html
        assert "Enjeu encore en discussion" not in html  # proposed, not validated
        assert "Enjeux validés par le comité de pilotage (1)" in html
        assert "Petite enfance" in html
        # Σ P22_POP of the 50 communes = 77,968, with its source and vintage.
        assert f"77{NBSP}968" in html
        assert "INSEE, Base comparateur de territoires, millésime 2025 ; données 2022" in html
        # Not computed here: explicit, never 0.
        assert "non disponible" in html

    def test_plan_summary_shows_objectives_actions_and_funding_totals(self, client, published):
        html = section(client.get(url(published["convention"])).content.decode(), "plan")
        assert "OS1" in html and "Accueillir" in html and "OO1.1" in html
        assert "PE-01" in html and "Étendre le relais petite enfance" in html
        assert "En cours" in html
        assert "25 %" in html  # one milestone of weight 1 done out of a total weight of 4
        assert "CAF de test publique" in html
        # 1,000 + 2,500.50 planned over the two lines whose amount is known, out of three.
        assert f"3{NNBSP}500,50 €" in html
        assert "somme partielle : montant connu pour 2 lignes sur 3" in html

    def test_no_person_no_note_no_email_no_line_detail(self, client, published):
        html = client.get(url(published["convention"])).content.decode()
        for private in (
            "Gaspard",
            "Pilotin",
            "gaspard.pilotin@example.org",
            "Hortense",
            "Léonie",
            "Note confidentielle du suivi",
            "Description interne de travail",
            "Ligne A",
            "@",
        ):
            assert private not in html, private

    def test_bounded_number_of_queries(self, client, published, django_assert_max_num_queries):
        for index in range(20):
            action = ActionFactory(convention=published["convention"], code=f"X-{index:02d}")
            FundingLineFactory(action=action)
            MilestoneFactory(action=action)
        with django_assert_max_num_queries(25):
            response = client.get(url(published["convention"]))
        assert "X-19" in response.content.decode()


def test_selectors_return_no_person(published):
    convention = published["convention"]
    diagnostic = diagnostic_summary(convention)
    assert [e["title"] for t in diagnostic["enjeu_themes"] for e in t["enjeux"]] == [
        "Couvrir les 50 communes par un relais"
    ]
    assert 5 <= len(diagnostic["key_figures"]) <= 8
    assert all(f["source"] for f in diagnostic["key_figures"])
    plan = plan_summary(convention)
    action = plan["actions"][0]
    assert set(action) == {"code", "title", "is_sub_action", "themes", "objectives", "status", "status_label"} | {
        "late",
        "progress",
    }
    assert plan["funding"]["overall"]["amounts"][0] == {"value": Decimal("3500.50"), "known": 2, "lines": 3}
