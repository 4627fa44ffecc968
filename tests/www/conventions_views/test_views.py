import pytest
from django.urls import reverse

from ctg.accounts.enums import Role
from ctg.conventions.enums import Phase
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.conventions.factories import ConventionFactory

pytestmark = pytest.mark.django_db

ENGAGED_19 = [
    "Alvimare",
    "Arelaune-en-Seine",
    "Beuzeville-la-Grenier",
    "Bolbec",
    "Cléville",
    "Foucart",
    "Gruchet-le-Valasse",
    "Hattenville",
    "La Frénaye",
    "Lillebonne",
    "Mélamare",
    "Port-Jérôme-sur-Seine",
    "Rives-en-Seine",
    "Saint-Antoine-la-Forêt",
    "Saint-Eustache-la-Forêt",
    "Saint-Jean-de-Folleville",
    "Saint-Nicolas-de-la-Taille",
    "Terres-de-Caux",
    "Trouville-Alliquerville",
]


def user_with_role(convention, role):
    commune = convention.communes.first() if role == Role.COMMUNE else None
    return MembershipFactory(convention=convention, role=role, commune=commune).user


class TestHome:
    def test_anonymous_access(self, client):
        response = client.get(reverse("conventions_views:home"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts_views:login"))

    def test_unauthorized_access(self, client):
        ConventionFactory(title="CTG d'ailleurs")
        client.force_login(UserFactory())
        response = client.get(reverse("conventions_views:home"))
        assert response.status_code == 200
        assert "CTG d'ailleurs" not in response.content.decode()
        assert "Vous n'avez accès à aucune convention" in response.content.decode()

    def test_lists_only_my_conventions(self, client, django_assert_max_num_queries):
        mine = ConventionFactory(title="CTG de chez moi")
        ConventionFactory(title="CTG d'ailleurs")
        client.force_login(user_with_role(mine, Role.LECTEUR))
        with django_assert_max_num_queries(11):  # 6, the 4 fixed queries of « À faire », the menu's portfolio
            response = client.get(reverse("conventions_views:home"))
        html = response.content.decode()
        assert "CTG de chez moi" in html
        assert "CTG d'ailleurs" not in html

    def test_departement_reader_sees_the_portfolio(self, client, caux_seine):
        caf_user = next(user for account, user in caux_seine["accounts"] if account.username == "caf")
        caf_user.memberships.all().delete()
        client.force_login(caf_user)
        response = client.get(reverse("conventions_views:home"))
        assert "CTG Caux Seine agglo" in response.content.decode()


class TestDetail:
    def test_anonymous_access(self, client, caux_seine):
        url = reverse("conventions_views:detail", args=[caux_seine["convention"].pk])
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('accounts_views:login')}?next={url}"

    def test_unauthorized_access(self, client, caux_seine):
        other = ConventionFactory()
        client.force_login(user_with_role(other, Role.ADMINISTRATEUR))
        response = client.get(reverse("conventions_views:detail", args=[caux_seine["convention"].pk]))
        assert response.status_code == 404

    @pytest.mark.parametrize("role", list(Role))
    def test_every_role_reads_the_demo_convention(self, client, caux_seine, role, django_assert_max_num_queries):
        convention = caux_seine["convention"]
        client.force_login(user_with_role(convention, role))
        # Two more blocks than before: the signed copy and amendments, the phase history.
        with django_assert_max_num_queries(15):  # with the main menu's portfolio entry (1)
            response = client.get(reverse("conventions_views:detail", args=[convention.pk]))
        assert response.status_code == 200
        html = response.content.decode()
        assert "CTG Caux Seine agglo – CAF de la Seine-Maritime 2021-2024" in html
        assert "200010700" in html
        assert "6 septembre 2021" in html
        assert "CAF de la Seine-Maritime" in html
        assert "19 sur 50 communes" in html
        for theme in [
            "Accès aux droits",
            "Petite enfance",
            "Enfance et jeunesse",
            "Parentalité",
            "Animation de la vie sociale",
            "Logement et gens du voyage",
            "Handicap à visée inclusive",
        ]:
            assert theme in html
        table = html[html.index('id="communes-engagees"') :]
        table = table[: table.index("</table>")]
        for name in ENGAGED_19:
            assert f">{name}</a>" in table
        assert table.count("<tr>") == 20  # header + 19 communes
        assert "<svg" in html
        assert "communes engagées dans la CTG" in html

    def test_map_downloads(self, client, caux_seine):
        convention = caux_seine["convention"]
        client.force_login(user_with_role(convention, Role.LECTEUR))
        svg = client.get(reverse("conventions_views:territory_map", args=[convention.pk, "svg"]))
        assert svg["Content-Type"] == "image/svg+xml"
        assert svg.content.startswith(b"<svg")
        png = client.get(reverse("conventions_views:territory_map", args=[convention.pk, "png"]))
        assert png.content[:8] == b"\x89PNG\r\n\x1a\n"


class TestChangePhase:
    def test_anonymous_access(self, client):
        convention = ConventionFactory()
        response = client.post(
            reverse("conventions_views:change_phase", args=[convention.pk]), {"phase": "diagnostic"}
        )
        assert response.status_code == 302
        convention.refresh_from_db()
        assert convention.phase == Phase.PREPARATION

    def test_unauthorized_access(self, client):
        convention = ConventionFactory()
        client.force_login(user_with_role(convention, Role.CONTRIBUTEUR))
        response = client.post(
            reverse("conventions_views:change_phase", args=[convention.pk]), {"phase": "diagnostic"}
        )
        assert response.status_code == 403
        convention.refresh_from_db()
        assert convention.phase == Phase.PREPARATION

    def test_administrator_moves_forward(self, client):
        convention = ConventionFactory()
        client.force_login(user_with_role(convention, Role.ADMINISTRATEUR))
        response = client.post(
            reverse("conventions_views:change_phase", args=[convention.pk]), {"phase": "diagnostic"}, follow=True
        )
        assert "passée en phase « Diagnostic partagé »" in response.content.decode()
        convention.refresh_from_db()
        assert convention.phase == Phase.DIAGNOSTIC

    def test_invalid_transition_shows_french_error(self, client):
        convention = ConventionFactory()
        client.force_login(user_with_role(convention, Role.ADMINISTRATEUR))
        response = client.post(
            reverse("conventions_views:change_phase", args=[convention.pk]), {"phase": "close"}, follow=True
        )
        assert "Passage de « Préparation » à « Clôturée » impossible" in response.content.decode()
        convention.refresh_from_db()
        assert convention.phase == Phase.PREPARATION
