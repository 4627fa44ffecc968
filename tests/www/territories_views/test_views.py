import pytest
from django.urls import reverse

from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


class TestTerritoryPages:
    def test_anonymous_access(self, client, caux_seine):
        for url in [
            reverse("territories_views:search"),
            reverse("territories_views:epci", args=["200010700"]),
            reverse("territories_views:commune", args=["76114"]),
        ]:
            response = client.get(url)
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("accounts_views:login"))

    def test_unauthorized_access(self, client, caux_seine):
        # The referential is public data: any signed-in user reads it, unknown codes answer 404.
        client.force_login(UserFactory())
        assert client.get(reverse("territories_views:commune", args=["99999"])).status_code == 404
        assert client.get(reverse("territories_views:epci", args=["123456789"])).status_code == 404

    def test_epci_page(self, client, caux_seine, django_assert_max_num_queries):
        client.force_login(UserFactory())
        # session, user, savepoint, EPCI, communes with their département and région, release
        with django_assert_max_num_queries(8):
            response = client.get(reverse("territories_views:epci", args=["200010700"]))
        html = response.content.decode()
        assert "CA Caux Seine Agglo" in html
        assert "200010700" in html
        assert "77\u202f968" in html or "77 968" in html or "77\xa0968" in html
        assert "recensement 2022" in html
        assert "Seine-Maritime (76)" in html
        assert html.count('href="/territoires/communes/76') == 50
        assert "<svg" in html

    def test_commune_page(self, client, caux_seine, django_assert_max_num_queries):
        client.force_login(UserFactory())
        # session, user, savepoint, commune with its EPCI and département, neighbours, the conventions of its EPCI
        # the user may read (none: no action nor offer query), release
        with django_assert_max_num_queries(8):  # with the main menu's portfolio entry (1)
            response = client.get(reverse("territories_views:commune", args=["76114"]))
        html = response.content.decode()
        assert "<h1>Bolbec</h1>" in html
        assert "76114" in html
        assert "217601145" in html
        assert "CA Caux Seine Agglo" in html
        assert "Normandie" in html
        assert "millésime 2022" in html
        assert "<svg" in html

    def test_search(self, client, caux_seine):
        client.force_login(UserFactory())
        html = client.get(reverse("territories_views:search"), {"q": "Bolbec"}).content.decode()
        assert "/territoires/communes/76114/" in html
        html = client.get(reverse("territories_views:search"), {"q": "200010700"}).content.decode()
        assert "/territoires/epci/200010700/" in html
