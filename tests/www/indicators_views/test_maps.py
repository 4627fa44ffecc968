"""The maps of the diagnostic page: each says what it shows in its caption, or is replaced by its table."""

import pytest
from django.urls import reverse

from tests.accounts.factories import MembershipFactory
from tests.conventions.factories import ConventionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(caux_seine_figures):
    return caux_seine_figures


def reader(demo):
    return next(user for spec, user in demo["accounts"] if spec.username == "lecteur")


class TestMapsOfTheDiagnosticPage:
    def url(self, demo, theme):
        return reverse("indicators_views:index", kwargs={"convention_pk": demo["convention"].pk}) + f"?theme={theme}"

    def test_anonymous_access(self, client, demo):
        assert client.get(self.url(demo, "territoire")).status_code == 302

    def test_unauthorized_access(self, client, demo):
        client.force_login(MembershipFactory(convention=ConventionFactory()).user)
        assert client.get(self.url(demo, "territoire")).status_code == 404

    def test_count_and_rate_maps_say_what_they_show(self, client, demo):
        client.force_login(reader(demo))
        text = client.get(self.url(demo, "territoire")).text
        assert (
            "Cercles de surface proportionnelle à la valeur de chaque commune. EPCI : 77\u00a0968 habitants." in text
        )
        text = client.get(self.url(demo, "enfance-jeunesse")).text
        assert "5 classes par quantiles (chacune regroupe à peu près autant de communes)" in text
        assert "EPCI : 19,4\u00a0%, classe marquée dans la légende." in text

    def test_a_map_with_values_for_fewer_than_half_of_the_communes_is_its_table(self, client, demo):
        client.force_login(reader(demo))
        response = client.get(self.url(demo, "acces-aux-droits"))
        poverty = next(m for m in response.context["maps"] if m.indicator["code"] == "poverty_rate_2021")
        assert not poverty.drawn
        text = response.text
        assert "Carte non dessinée : valeurs pour 7 communes sur 50." in text
        assert "Sans valeur : secret statistique pour 43 communes." in text
        assert "43 communes sans valeur" in text
        assert (
            reverse(
                "indicators_views:map",
                kwargs={"convention_pk": demo["convention"].pk, "indicator": "poverty_rate_2021", "fmt": "svg"},
            )
            not in text
        )
        # The map's own address answers that there is nothing to draw.
        map_url = reverse(
            "indicators_views:map",
            kwargs={"convention_pk": demo["convention"].pk, "indicator": "poverty_rate_2021", "fmt": "svg"},
        )
        assert client.get(map_url).status_code == 404
