import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from ctg.conventions.models import Theme
from ctg.diagnostic.enums import EnjeuStatus
from ctg.diagnostic.models import Enjeu
from tests.accounts.factories import UserFactory
from tests.diagnostic.factories import EnjeuFactory

pytestmark = pytest.mark.django_db


def demo_user(caux_seine, username):
    return next(user for account, user in caux_seine["accounts"] if account.username == username)


def login_url(url):
    return reverse("accounts_views:login") + "?next=" + url


@pytest.fixture
def convention(caux_seine):
    return caux_seine["convention"]


@pytest.fixture
def enjeu(convention):
    return EnjeuFactory(
        convention=convention,
        theme=Theme.objects.get(code="petite-enfance"),
        title="Étendre les relais à toutes les communes",
        indicator_codes=["taux_couverture_rpe"],
    )


def enjeu_data(**overrides):
    data = {
        "theme": Theme.objects.get(code="parentalite").pk,
        "title": "Soutenir la parentalité contre le décrochage scolaire",
        "text": "Constat partagé par les partenaires.",
        "priority": "haute",
        # Chosen from the pick list of the catalogue: its codes are the options' values.
        "indicator_codes": ["births_per_year", "poverty_rate_2021"],
    }
    return data | overrides


class TestIndex:
    def test_anonymous_access(self, client, convention):
        url = reverse("diagnostic_views:index", kwargs={"convention_pk": convention.pk})
        assertRedirects(client.get(url), login_url(url), fetch_redirect_response=False)

    def test_unauthorized_access(self, client, convention):
        client.force_login(UserFactory())
        assert (
            client.get(reverse("diagnostic_views:index", kwargs={"convention_pk": convention.pk})).status_code == 404
        )

    def test_lists_by_theme(self, client, caux_seine, convention, enjeu):
        client.force_login(demo_user(caux_seine, "lecteur"))
        response = client.get(reverse("diagnostic_views:index", kwargs={"convention_pk": convention.pk}))
        # The seven CAF themes retained by the demo convention.
        assertContains(response, 'class="panel enjeu-theme"', count=7)
        assertContains(response, "Étendre les relais à toutes les communes")
        assertContains(response, "Aucun enjeu pour cette thématique.", count=6)
        assertNotContains(response, reverse("diagnostic_views:create", kwargs={"convention_pk": convention.pk}))

    def test_query_count(self, client, caux_seine, convention, django_assert_max_num_queries):
        for theme in Theme.objects.reference():
            for i in range(3):
                EnjeuFactory(convention=convention, theme=theme, title=f"{theme.code} {i}")
        client.force_login(demo_user(caux_seine, "coordination"))
        url = reverse("diagnostic_views:index", kwargs={"convention_pk": convention.pk})
        # session, user, convention, membership, enjeux, retained themes, local themes, + savepoints.
        with django_assert_max_num_queries(10):
            response = client.get(url)
        assertContains(response, "21 enjeux, dont 0 validé")


class TestCreate:
    def test_anonymous_access(self, client, convention):
        url = reverse("diagnostic_views:create", kwargs={"convention_pk": convention.pk})
        assertRedirects(client.get(url), login_url(url), fetch_redirect_response=False)

    def test_unauthorized_access(self, client, caux_seine, convention):
        url = reverse("diagnostic_views:create", kwargs={"convention_pk": convention.pk})
        for username in ("lecteur", "pilote", "bolbec"):
            client.force_login(demo_user(caux_seine, username))
            assert client.get(url).status_code == 403
            assert client.post(url, enjeu_data()).status_code == 403
        assert not Enjeu.objects.exists()

    def test_contributor_proposes(self, client, caux_seine, convention):
        client.force_login(demo_user(caux_seine, "caf"))
        response = client.post(
            reverse("diagnostic_views:create", kwargs={"convention_pk": convention.pk}), enjeu_data()
        )
        enjeu = Enjeu.objects.get()
        assertRedirects(
            response, reverse("diagnostic_views:detail", kwargs={"convention_pk": convention.pk, "pk": enjeu.pk})
        )
        assert enjeu.indicator_codes == ["births_per_year", "poverty_rate_2021"]
        assert enjeu.status == EnjeuStatus.PROPOSE

    def test_errors_in_french(self, client, caux_seine, convention):
        client.force_login(demo_user(caux_seine, "coordination"))
        url = reverse("diagnostic_views:create", kwargs={"convention_pk": convention.pk})
        response = client.post(url, enjeu_data(text="", indicator_codes="Taux de pauvreté"))
        assertContains(response, "Ce champ est obligatoire.")
        response = client.post(url, enjeu_data(indicator_codes="Taux de pauvreté"))
        assertContains(
            response, "Sélectionnez un choix valide. Taux de pauvreté n’en fait pas partie.", status_code=200
        )
        assert not Enjeu.objects.exists()


class TestDetail:
    def test_anonymous_access(self, client, convention, enjeu):
        url = reverse("diagnostic_views:detail", kwargs={"convention_pk": convention.pk, "pk": enjeu.pk})
        assertRedirects(client.get(url), login_url(url), fetch_redirect_response=False)

    def test_unauthorized_access(self, client, caux_seine, convention, enjeu):
        client.force_login(UserFactory())
        url = reverse("diagnostic_views:detail", kwargs={"convention_pk": convention.pk, "pk": enjeu.pk})
        assert client.get(url).status_code == 404
        # An enjeu of another convention is not reachable through this convention.
        other = EnjeuFactory()
        client.force_login(demo_user(caux_seine, "coordination"))
        url = reverse("diagnostic_views:detail", kwargs={"convention_pk": convention.pk, "pk": other.pk})
        assert client.get(url).status_code == 404

    def test_shows_history_and_validation_form_to_administrator(self, client, caux_seine, convention, enjeu):
        client.force_login(demo_user(caux_seine, "coordination"))
        url = reverse("diagnostic_views:detail", kwargs={"convention_pk": convention.pk, "pk": enjeu.pk})
        response = client.get(url)
        assertContains(response, "taux_couverture_rpe")
        assertContains(response, "Création")
        assertContains(response, "Marquer validé par le COPIL")

    def test_no_validation_form_for_contributor(self, client, caux_seine, convention, enjeu):
        client.force_login(demo_user(caux_seine, "caf"))
        url = reverse("diagnostic_views:detail", kwargs={"convention_pk": convention.pk, "pk": enjeu.pk})
        assertNotContains(client.get(url), "Marquer validé par le COPIL")


class TestEdit:
    def test_anonymous_access(self, client, convention, enjeu):
        url = reverse("diagnostic_views:edit", kwargs={"convention_pk": convention.pk, "pk": enjeu.pk})
        assertRedirects(client.get(url), login_url(url), fetch_redirect_response=False)

    def test_unauthorized_access(self, client, caux_seine, convention, enjeu):
        url = reverse("diagnostic_views:edit", kwargs={"convention_pk": convention.pk, "pk": enjeu.pk})
        for username in ("lecteur", "pilote", "bolbec"):
            client.force_login(demo_user(caux_seine, username))
            assert client.post(url, enjeu_data(version="1")).status_code == 403
        enjeu.refresh_from_db()
        assert enjeu.title == "Étendre les relais à toutes les communes"

    def test_edit_of_validated_enjeu_sends_it_back_and_history_shows_it(self, client, caux_seine, convention, enjeu):
        Enjeu.objects.filter(pk=enjeu.pk).update(status=EnjeuStatus.VALIDE, validated_on=datetime.date(2022, 3, 1))
        client.force_login(demo_user(caux_seine, "caf"))
        url = reverse("diagnostic_views:edit", kwargs={"convention_pk": convention.pk, "pk": enjeu.pk})
        response = client.post(url, enjeu_data(version="1"), follow=True)
        assertContains(response, "repasse à l&#x27;état « proposé »")
        enjeu.refresh_from_db()
        assert enjeu.status == EnjeuStatus.PROPOSE
        assert enjeu.history.first().history_user == demo_user(caux_seine, "caf")
        assertContains(response, "thématique, intitulé, constat et enjeu, priorité, indicateurs liés (codes)")

    def test_concurrent_edit_is_refused(self, client, caux_seine, convention, enjeu):
        client.force_login(demo_user(caux_seine, "coordination"))
        url = reverse("diagnostic_views:edit", kwargs={"convention_pk": convention.pk, "pk": enjeu.pk})
        client.post(url, enjeu_data(version="1"))
        response = client.post(url, enjeu_data(title="Autre intitulé", version="1"))
        assertContains(response, "modifié par une autre personne")
        enjeu.refresh_from_db()
        assert enjeu.title == "Soutenir la parentalité contre le décrochage scolaire"

    def test_two_editors_opened_the_form_the_second_save_is_refused(self, client, caux_seine, convention, enjeu):
        from django.test import Client

        url = reverse("diagnostic_views:edit", kwargs={"convention_pk": convention.pk, "pk": enjeu.pk})
        first, second = Client(), Client()
        first.force_login(demo_user(caux_seine, "coordination"))
        second.force_login(demo_user(caux_seine, "caf"))
        versions = [
            re.search(r'name="version" value="(\d+)"', editor.get(url).content.decode()).group(1)
            for editor in (first, second)
        ]
        assert versions == ["1", "1"]
        assert first.post(url, enjeu_data(version=versions[0])).status_code == 302
        response = second.post(url, enjeu_data(title="Autre intitulé", version=versions[1]))
        assertContains(response, "(version 2, vous étiez parti·e de la version 1)")
        enjeu.refresh_from_db()
        assert (enjeu.title, enjeu.version) == ("Soutenir la parentalité contre le décrochage scolaire", 2)

    def test_post_without_version_is_a_form_error(self, client, caux_seine, convention, enjeu):
        client.force_login(demo_user(caux_seine, "coordination"))
        url = reverse("diagnostic_views:edit", kwargs={"convention_pk": convention.pk, "pk": enjeu.pk})
        response = client.post(url, enjeu_data(title="Écrasé"))
        assertContains(response, "Ce formulaire ne dit pas de quelle version", status_code=200)
        enjeu.refresh_from_db()
        assert (enjeu.title, enjeu.version) == ("Étendre les relais à toutes les communes", 1)

    def test_control_characters_are_refused_with_a_field_error(self, client, caux_seine, convention, enjeu):
        client.force_login(demo_user(caux_seine, "coordination"))
        url = reverse("diagnostic_views:edit", kwargs={"convention_pk": convention.pk, "pk": enjeu.pk})
        response = client.post(url, enjeu_data(text="Constat\x0bcaché", version="1"))
        assertContains(response, "Caractère de contrôle invisible (code 0x0b) en position 8")
        create = reverse("diagnostic_views:create", kwargs={"convention_pk": convention.pk})
        response = client.post(create, enjeu_data(title="Intitulé\x01"))
        assertContains(response, "Caractère de contrôle invisible (code 0x01) en position 9")
        enjeu.refresh_from_db()
        assert enjeu.text == "Constat de test."
        assert not Enjeu.objects.filter(title__startswith="Intitulé").exists()


class TestValidate:
    def test_anonymous_access(self, client, convention, enjeu):
        url = reverse("diagnostic_views:validate", kwargs={"convention_pk": convention.pk, "pk": enjeu.pk})
        assertRedirects(client.post(url), login_url(url), fetch_redirect_response=False)

    def test_unauthorized_access(self, client, caux_seine, convention, enjeu):
        url = reverse("diagnostic_views:validate", kwargs={"convention_pk": convention.pk, "pk": enjeu.pk})
        # Only administrators: a contributor may edit an enjeu but not record the COPIL's validation.
        for username in ("caf", "lecteur", "pilote", "bolbec"):
            client.force_login(demo_user(caux_seine, username))
            assert client.post(url, {"validated_on": "2022-03-01"}).status_code == 403
        enjeu.refresh_from_db()
        assert enjeu.status == EnjeuStatus.PROPOSE

    def test_administrator_validates_on_a_date(self, client, caux_seine, convention, enjeu):
        client.force_login(demo_user(caux_seine, "coordination"))
        url = reverse("diagnostic_views:validate", kwargs={"convention_pk": convention.pk, "pk": enjeu.pk})
        assert client.get(url).status_code == 405
        response = client.post(url, {"validated_on": "2022-03-01"}, follow=True)
        assertContains(response, "Enjeu validé par le COPIL du 01/03/2022.")
        assertContains(response, "Validé par le COPIL le 1 mars 2022")
        enjeu.refresh_from_db()
        assert (enjeu.status, enjeu.validated_on) == (EnjeuStatus.VALIDE, datetime.date(2022, 3, 1))
        assert enjeu.validated_by == demo_user(caux_seine, "coordination")

    def test_future_date_refused(self, client, caux_seine, convention, enjeu):
        client.force_login(demo_user(caux_seine, "coordination"))
        url = reverse("diagnostic_views:validate", kwargs={"convention_pk": convention.pk, "pk": enjeu.pk})
        future = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
        response = client.post(url, {"validated_on": future}, follow=True)
        assertContains(response, "La date du COPIL ne peut pas être dans le futur.")
        enjeu.refresh_from_db()
        assert enjeu.status == EnjeuStatus.PROPOSE
