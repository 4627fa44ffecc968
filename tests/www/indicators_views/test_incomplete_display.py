"""An incomplete aggregate is never shown as the territory's figure: "non disponible", partial sum in the note."""

import re

import pytest
from django.urls import reverse

from ctg.indicators.services import indicators_compute
from ctg.territories.models import Commune
from tests.accounts.factories import MembershipFactory
from tests.conventions.factories import ConventionFactory
from tests.indicators.shipped import load_insee_extracts

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"


@pytest.fixture
def demo(caux_seine):
    load_insee_extracts()
    indicators_compute()
    return caux_seine


def account(demo, username):
    return next(user for spec, user in demo["accounts"] if spec.username == username)


def row_cells(html: str, indicator: str) -> list[str]:
    """The text of each figure cell of one indicator's row in the comparison table."""
    row = re.search(rf'<tr id="indicateur-{indicator}">(.*?)</tr>', html, re.S).group(1)
    cells = re.findall(r'<td class="num">(.*?)</td>', row, re.S)
    # Collapse the template's spaces and line breaks, but keep the no-break spaces of French numbers.
    return [re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", cell)).strip() for cell in cells]


class TestIncompleteAggregates:
    def url(self, demo):
        return reverse("indicators_views:index", kwargs={"convention_pk": demo["convention"].pk}) + "?theme=territoire"

    def test_anonymous_access(self, client, demo):
        response = client.get(self.url(demo))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts_views:login"))

    def test_unauthorized_access(self, client, demo):
        client.force_login(MembershipFactory(convention=ConventionFactory()).user)
        assert client.get(self.url(demo)).status_code == 404

    def test_departement_region_france_read_not_available_with_partial_sum_in_note(self, client, demo):
        expected = Commune.objects.filter(departement_id="76").count()
        client.force_login(account(demo, "lecteur"))
        response = client.get(self.url(demo))
        assert response.status_code == 200
        epci, departement, region, france = row_cells(response.text, "population")
        # The EPCI is complete (50 communes out of 50): Σ P22_POP = 77,968, shown as the EPCI's population.
        assert epci == f"77{NBSP}968"
        # Only the 50 communes of the EPCI are imported: the département's population is not 77,968.
        assert departement == (
            f"non disponible agrégat incomplet : 50 communes sur {expected} (somme partielle : 77{NBSP}968)"
        )
        assert departement.startswith("non disponible")
        assert region.startswith("non disponible agrégat incomplet : 50 communes sur ")
        assert france.startswith("non disponible agrégat incomplet : 50 communes sur ")

    def test_ratio_names_its_partial_value(self, client, demo):
        client.force_login(account(demo, "lecteur"))
        response = client.get(self.url(demo))
        epci, departement, *_ = row_cells(response.text, "share_60_74")
        assert not epci.startswith("non disponible") and epci.endswith(f"{NBSP}%")
        assert departement.startswith("non disponible agrégat incomplet : 50 communes sur ")
        assert f"(valeur sur les seules communes renseignées : {epci})" in departement

    def test_commune_profile_shows_the_same(self, client, demo):
        client.force_login(account(demo, "bolbec"))
        url = reverse("indicators_views:commune", kwargs={"convention_pk": demo["convention"].pk, "code": "76114"})
        response = client.get(url)
        assert response.status_code == 200
        commune, epci, departement, *_ = row_cells(response.text, "population")
        assert epci == f"77{NBSP}968"
        assert departement.startswith("non disponible agrégat incomplet : 50 communes sur ")
        assert departement.endswith(f"(somme partielle : 77{NBSP}968)")
