"""Pick lists instead of codes: the catalogue's indicators by theme and label, checklists with "toutes", and the
commune profile linking to what the user may read of that commune."""

import re

import pytest
from django.urls import reverse

from ctg.accounts.enums import Role
from ctg.diagnostic.models import Enjeu
from ctg.indicators import catalogue
from ctg.offer.enums import OfferKind
from ctg.offer.models import OfferItem
from ctg.plans.demo import load_demo_plan
from ctg.territories.models import Commune
from ctg.www.pick_lists import indicator_choices, indicator_label
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.conventions.factories import ConventionFactory
from tests.diagnostic.factories import EnjeuFactory
from tests.offer.factories import OfferItemFactory
from tests.plans.factories import ActionFactory

pytestmark = pytest.mark.django_db


def demo_user(caux_seine, username):
    return next(user for account, user in caux_seine["accounts"] if account.username == username)


class TestIndicatorChoices:
    def test_every_indicator_once_under_its_theme_by_label(self):
        groups = indicator_choices()
        assert [label for label, _ in groups][:2] == ["Territoire et population", "Accès aux droits"]
        codes = [code for _, options in groups for code, _ in options]
        assert sorted(codes) == sorted(catalogue.BY_CODE) and len(codes) == len(set(codes))
        assert all(label == catalogue.BY_CODE[code].label for _, options in groups for code, label in options)

    def test_a_code_that_left_the_catalogue_is_kept_and_named_as_such(self):
        groups = dict(indicator_choices(kept=["taux_disparu", "births_per_year"]))
        assert groups["Indicateurs retirés du catalogue"] == [
            ("taux_disparu", "Indicateur retiré du catalogue (ancien code « taux_disparu »)")
        ]
        assert indicator_label("births_per_year") == "Naissances par an (moyenne 2016-2021)"


class TestEnjeuForm:
    def test_indicators_are_a_checklist_by_theme(self, client, caux_seine):
        convention = caux_seine["convention"]
        client.force_login(demo_user(caux_seine, "coordination"))
        html = client.get(reverse("diagnostic_views:create", args=[convention.pk])).content.decode()
        assert 'data-pick-list-noun="indicateurs"' in html
        assert "<legend>Petite enfance</legend>" in html
        assert re.search(r'value="births_per_year"[^>]*>\s*Naissances par an', html)
        assert "Codes des indicateurs" not in html

    def test_a_retired_code_stays_on_edit_and_reads_as_retired(self, client, caux_seine):
        convention = caux_seine["convention"]
        theme = convention.themes.order_by("order").first()
        enjeu = EnjeuFactory(convention=convention, theme=theme, indicator_codes=["taux_disparu", "births_per_year"])
        client.force_login(demo_user(caux_seine, "coordination"))
        form = client.get(reverse("diagnostic_views:edit", args=[convention.pk, enjeu.pk])).content.decode()
        assert re.search(r'value="taux_disparu"[^>]*checked', form)
        assert "Sélection (2 sur 55) : Naissances par an (moyenne 2016-2021), Indicateur retiré" in form
        detail = client.get(reverse("diagnostic_views:detail", args=[convention.pk, enjeu.pk])).content.decode()
        assert "<li>Naissances par an (moyenne 2016-2021)</li>" in detail
        assert "<code>" not in detail
        assert Enjeu.objects.get(pk=enjeu.pk).indicator_codes == ["taux_disparu", "births_per_year"]


class TestRelaisCoverage:
    def post(self, client, convention, communes, **extra):
        data = {
            "kind": OfferKind.RPE,
            "name": "Relais de test",
            "commune": "76114",
            "reference_year": "2024",
            "source": "Saisie de test",
            "covered_communes": communes,
        } | extra
        return client.post(reverse("offer_views:create", args=[convention.pk]), data)

    def test_toutes_covers_every_commune_of_the_epci(self, client, caux_seine):
        convention = caux_seine["convention"]
        client.force_login(demo_user(caux_seine, "coordination"))
        form = client.get(reverse("offer_views:create", args=[convention.pk])).content.decode()
        assert "Toutes les communes de l&#x27;EPCI" in form and "data-pick-list-all" in form
        assert self.post(client, convention, ["*"]).status_code == 302
        item = OfferItem.objects.get(name="Relais de test")
        assert item.covered_communes.count() == Commune.objects.filter(epci_id=convention.epci_id).count() == 50

    def test_a_commune_member_cannot_tick_toutes(self, client, caux_seine):
        convention = caux_seine["convention"]
        bolbec = Commune.objects.get(code="76114")
        user = MembershipFactory(convention=convention, role=Role.COMMUNE, commune=bolbec).user
        client.force_login(user)
        form = client.get(reverse("offer_views:create", args=[convention.pk])).content.decode()
        assert "data-pick-list-all" not in form
        assert self.post(client, convention, ["*"]).status_code == 403
        assert not OfferItem.objects.filter(name="Relais de test").exists()


class TestCommuneProfile:
    def test_links_to_the_actions_and_offer_the_user_may_read(self, client, caux_seine, django_assert_max_num_queries):
        convention = caux_seine["convention"]
        load_demo_plan(convention=convention)
        bolbec = Commune.objects.get(code="76114")
        named = ActionFactory(convention=convention, code="BOL-01", title="Action à Bolbec")
        named.communes.add(bolbec)
        ActionFactory(convention=convention, code="LIL-01", title="Action à Lillebonne").communes.add(
            Commune.objects.get(code="76384")
        )
        OfferItemFactory(convention=convention, commune=bolbec, name="Crèche de Bolbec (fictive)")
        # Another convention on the same EPCI, that this user does not read.
        hidden = ConventionFactory(epci=convention.epci)
        ActionFactory(convention=hidden, code="SECRET-01", title="Action cachée").communes.add(bolbec)
        client.force_login(demo_user(caux_seine, "lecteur"))
        with django_assert_max_num_queries(10):
            html = client.get(reverse("territories_views:commune", args=["76114"])).content.decode()
        assert "Action à Bolbec" in html and "Crèche de Bolbec (fictive)" in html
        assert "PE-02" in html and "(toutes les communes du territoire)" in html  # the demo's action for all
        assert "Action à Lillebonne" not in html and "Action cachée" not in html
        assert f'href="{reverse("plans_views:action_detail", args=[convention.pk, named.pk])}"' in html
        assert f"/conventions/{convention.pk}/plan/?commune=76114" in html
        assert reverse("offer_views:index", args=[convention.pk]) in html
        # Someone reading no convention of this EPCI sees the referential only.
        client.force_login(UserFactory())
        html = client.get(reverse("territories_views:commune", args=["76114"])).content.decode()
        assert "Aucune convention que vous pouvez consulter" in html and "Action à Bolbec" not in html
