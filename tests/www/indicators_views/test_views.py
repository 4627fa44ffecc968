import pytest
from django.urls import reverse

from tests.accounts.factories import MembershipFactory
from tests.conventions.factories import ConventionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(caux_seine_figures):
    return caux_seine_figures


def account(demo, username):
    return next(user for spec, user in demo["accounts"] if spec.username == username)


def outsider():
    """A user with a membership on another convention only."""
    return MembershipFactory(convention=ConventionFactory()).user


class TestIndex:
    def url(self, demo, **params):
        url = reverse("indicators_views:index", kwargs={"convention_pk": demo["convention"].pk})
        return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")

    def test_anonymous_access(self, client, demo):
        response = client.get(self.url(demo))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts_views:login"))

    def test_unauthorized_access(self, client, demo):
        client.force_login(outsider())
        assert client.get(self.url(demo)).status_code == 404

    @pytest.mark.parametrize("username", ["lecteur", "bolbec", "caf", "coordination"])
    def test_any_reader_sees_the_diagnostic(self, client, demo, username):
        client.force_login(account(demo, username))
        response = client.get(self.url(demo))
        assert response.status_code == 200
        assert "Diagnostic territorial : CA Caux Seine Agglo" in response.text

    def test_key_figures_with_source_vintage_and_incomplete_aggregate(self, client, demo):
        client.force_login(account(demo, "lecteur"))
        response = client.get(self.url(demo, theme="enfance-jeunesse"))
        text = response.text
        assert "19,4\u00a0%" in text  # 15,087 / 77,968
        assert "Source : INSEE, Base comparateur de territoires, millésime 2025" in text
        assert "données 2022" in text
        assert "agrégat incomplet : 50 communes sur" in text
        assert "Habitants de 0 à 14 ans rapportés à la population municipale." in text  # the definition
        assert response.context["theme"] == "enfance-jeunesse"

    def test_commune_table_flags_engaged_communes_and_sorts(self, client, demo):
        client.force_login(account(demo, "coordination"))
        response = client.get(self.url(demo, theme="territoire", tri="population", ordre="desc"))
        rows = response.context["rows"]
        assert len(rows) == 50
        assert rows[0]["code"] == "76114"  # Bolbec, 11,618 inhabitants
        assert rows[1]["code"] == "76476"  # Port-Jérôme-sur-Seine, 10,392
        assert sum(r["engaged"] for r in rows) == 19
        assert 'aria-sort="descending"' in response.text
        assert response.text.count("badge badge-ok") == 19

    def test_estimate_names_its_method(self, client, demo):
        client.force_login(account(demo, "lecteur"))
        response = client.get(self.url(demo, theme="petite-enfance"))
        assert "Estimation : 3 × la moyenne annuelle des naissances domiciliées 2016-2021" in response.text
        # offer indicators are not yet computed: said, not shown as 0
        assert "Non disponible : Registre de l&#x27;offre de services" in response.text

    def test_secret_shown_as_such(self, client, demo):
        client.force_login(account(demo, "lecteur"))
        response = client.get(self.url(demo, theme="acces-aux-droits"))
        assert "secret statistique" in response.text
        assert "23,0\u00a0%" in response.text  # Bolbec's poverty rate 2021

    def test_bounded_number_of_queries(self, client, demo, django_assert_max_num_queries):
        client.force_login(account(demo, "lecteur"))
        # 12, and since the table's notes: the referential's population summed (one aggregate) and the data
        # administration permission that decides the import link (two queries), whatever the number of communes.
        with django_assert_max_num_queries(15):  # with the main menu's portfolio entry (1)
            response = client.get(self.url(demo, theme="territoire"))
        assert response.status_code == 200

    def test_no_inline_style_or_script(self, client, demo):
        client.force_login(account(demo, "lecteur"))
        text = client.get(self.url(demo)).text
        assert "style=" not in text
        assert "<script>" not in text


class TestCommune:
    def url(self, demo, code="76114"):
        return reverse("indicators_views:commune", kwargs={"convention_pk": demo["convention"].pk, "code": code})

    def test_anonymous_access(self, client, demo):
        assert client.get(self.url(demo)).status_code == 302

    def test_unauthorized_access(self, client, demo):
        client.force_login(outsider())
        assert client.get(self.url(demo)).status_code == 404

    def test_commune_outside_the_epci_is_not_found(self, client, demo):
        client.force_login(account(demo, "lecteur"))
        assert client.get(self.url(demo, code="76540")).status_code == 404  # Rouen

    def test_profile_with_every_theme(self, client, demo, django_assert_max_num_queries):
        client.force_login(account(demo, "bolbec"))
        # 11, and since the table's notes: the referential's population summed (one aggregate) and the data
        # administration permission that decides the import link (two queries), whatever the number of communes.
        with django_assert_max_num_queries(15):  # with the main menu's portfolio entry (1)
            response = client.get(self.url(demo))
        assert response.status_code == 200
        text = response.text
        assert "Profil de Bolbec" in text
        assert "Commune engagée dans la convention" in text
        assert "11\u00a0618" in text  # P22_POP of Bolbec
        assert "23,0\u00a0%" in text
        assert [t["code"] for t in response.context["themes"]][:2] == ["territoire", "acces-aux-droits"]


class TestMap:
    def url(self, demo, indicator="share_0_14", fmt="svg"):
        return reverse(
            "indicators_views:map",
            kwargs={"convention_pk": demo["convention"].pk, "indicator": indicator, "fmt": fmt},
        )

    def test_anonymous_access(self, client, demo):
        assert client.get(self.url(demo)).status_code == 302

    def test_unauthorized_access(self, client, demo):
        client.force_login(outsider())
        assert client.get(self.url(demo)).status_code == 404

    def test_svg_and_png(self, client, demo):
        client.force_login(account(demo, "lecteur"))
        svg = client.get(self.url(demo))
        assert svg.status_code == 200
        assert svg["Content-Type"] == "image/svg+xml"
        assert b"Part des moins de 15 ans" in svg.content
        png = client.get(self.url(demo, fmt="png"))
        assert png.content.startswith(b"\x89PNG")

    def test_unknown_or_unavailable_indicator(self, client, demo):
        client.force_login(account(demo, "lecteur"))
        assert client.get(self.url(demo, indicator="inconnu")).status_code == 404
        assert client.get(self.url(demo, indicator="childcare_coverage")).status_code == 404
