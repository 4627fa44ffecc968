import pytest
from django.urls import reverse

from ctg.plans.demo import load_demo_plan
from ctg.plans.models import Action

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(caux_seine):
    load_demo_plan(convention=caux_seine["convention"])
    accounts = {account.username: user for account, user in caux_seine["accounts"]}
    return caux_seine["convention"], accounts


class TestDemoPlan:
    def test_anonymous_access(self, client, demo):
        convention, _ = demo
        assert client.get(reverse("plans_views:index", args=[convention.pk])).status_code == 302

    def test_unauthorized_access(self, client, demo):
        convention, accounts = demo
        client.force_login(accounts["lecteur"])
        assert client.get(reverse("plans_views:action_create", args=[convention.pk])).status_code == 403
        client.force_login(accounts["pilote"])
        action = Action.objects.get(convention=convention, code="PE-02")
        assert client.get(reverse("plans_views:action_edit", args=[convention.pk, action.pk])).status_code == 403

    def test_plan_page_of_the_demo(self, client, demo, django_assert_max_num_queries):
        convention, accounts = demo
        client.force_login(accounts["caf"])
        with django_assert_max_num_queries(25):
            html = client.get(reverse("plans_views:index", args=[convention.pk])).content.decode()
        assert "Diagnostic territorial partagé avec le cabinet ARFOS" in html
        assert "Étendre la couverture du Relais petite enfance (ex-RAM) aux 50 communes" in html
        assert "Actions transversales" in html  # the diagnostic spans every theme
        assert "Nouvelle fiche action" in html  # the CAF advisor contributes

    def test_relais_fiche_shows_the_baseline_to_enter(self, client, demo):
        convention, accounts = demo
        client.force_login(accounts["bolbec"])
        action = Action.objects.get(convention=convention, code="PE-02")
        html = client.get(reverse("plans_views:action_detail", args=[convention.pk, action.pk])).content.decode()
        assert "Ligne de base à renseigner" in html
        assert "toutes les communes du territoire" in html
        assert "Modifier la fiche" not in html

    def test_diagnostic_fiche_and_its_funding(self, client, demo):
        convention, accounts = demo
        client.force_login(accounts["coordination"])
        action = Action.objects.get(convention=convention, code="DIAG-01")
        html = client.get(reverse("plans_views:action_detail", args=[convention.pk, action.pk])).content.decode()
        assert "10\u202f900 €" in html and "7\u202f500 €" in html and "18\u202f400 €" in html
        assert "ARFOS" in html
