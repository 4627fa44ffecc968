import pytest
from django.urls import reverse

from ctg.accounts.enums import Role
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.conventions.factories import ConventionFactory

pytestmark = pytest.mark.django_db


def url(convention):
    return reverse("public_views:convention", kwargs={"pk": convention.pk})


class TestPublicConvention:
    def test_anonymous_access(self, client):
        convention = ConventionFactory(is_public=True, title="CTG publiée")
        response = client.get(url(convention))
        assert response.status_code == 200
        assert "CTG publiée" in response.content.decode()

    def test_unauthorized_access(self, client):
        # Unpublished: 404 for everyone, members included (they have the private page).
        convention = ConventionFactory(is_public=False)
        assert client.get(url(convention)).status_code == 404
        client.force_login(MembershipFactory(convention=convention, role=Role.ADMINISTRATEUR).user)
        assert client.get(url(convention)).status_code == 404
        assert client.post(url(ConventionFactory(is_public=True))).status_code == 405

    def test_no_personal_data_and_no_private_links(self, client):
        convention = ConventionFactory(is_public=True)
        member = MembershipFactory(
            convention=convention, role=Role.ADMINISTRATEUR, user__first_name="Ninon", user__last_name="Secrète"
        )
        html = client.get(url(convention)).content.decode()
        assert "Ninon" not in html and "Secrète" not in html and member.user.email not in html
        assert reverse("conventions_views:detail", kwargs={"pk": convention.pk}) not in html
        assert reverse("accounts_views:members", kwargs={"convention_pk": convention.pk}) not in html
        # Summaries of other areas have named slots, with an explicit text until they publish one.
        assert 'id="synthese-diagnostic"' in html and 'id="synthese-plan"' in html

    def test_caux_seine_public_page_with_map_and_table(self, client, caux_seine, django_assert_max_num_queries):
        convention = caux_seine["convention"]
        convention.is_public = True
        convention.save(update_fields=["is_public"])
        with django_assert_max_num_queries(15):
            response = client.get(url(convention))
        html = response.content.decode()
        assert "CTG Caux Seine agglo" in html
        assert "Caux Seine agglo" in html and "CAF de la Seine-Maritime" in html
        assert "6 septembre 2021" in html
        assert "19 sur 50 communes" in html
        assert "INSEE RP2022" in html  # the census year is a year, not a number with a separator
        assert "<svg" in html  # the map of engaged communes
        assert html.count("<tr>") >= 19 + 1  # table alternative of the 19 engaged communes (+ header)
        assert "Bolbec" in html and "76114" in html
        assert "demo.pilote-ctg.invalid" not in html
        assert "unsafe-inline" not in response["Content-Security-Policy"]

    def test_logged_in_user_sees_it_too_without_private_navigation(self, client):
        convention = ConventionFactory(is_public=True, title="CTG publiée")
        client.force_login(UserFactory())
        response = client.get(url(convention))
        assert response.status_code == 200
        assert reverse("conventions_views:detail", kwargs={"pk": convention.pk}) not in response.content.decode()
