import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from ctg.accounts.enums import Role
from ctg.steering.maps import actions_per_commune_map, actions_per_commune_map_spec
from tests.accounts.factories import MembershipFactory
from tests.conventions.factories import ConventionFactory
from tests.plans.factories import ActionFactory
from tests.territories.factories import CommuneFactory

pytestmark = pytest.mark.django_db


def square(x: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[x, 49.5], [x + 0.1, 49.5], [x + 0.1, 49.6], [x, 49.6], [x, 49.5]]]}


@pytest.fixture
def plan():
    """Bolbec is named by two actions, Lillebonne by one, and one action covers every commune."""
    convention = ConventionFactory()
    bolbec = CommuneFactory(epci=convention.epci, name="Bolbec", geometry=square(0.5))
    lillebonne = CommuneFactory(epci=convention.epci, name="Lillebonne", geometry=square(0.6))
    convention.communes.set([bolbec, lillebonne])
    for _ in range(2):
        ActionFactory(convention=convention).communes.set([bolbec])
    ActionFactory(convention=convention).communes.set([lillebonne])
    ActionFactory(convention=convention, all_communes=True)
    return {"convention": convention, "bolbec": bolbec, "lillebonne": lillebonne}


def test_the_map_draws_a_circle_per_commune_proportional_to_its_actions(plan):
    per_commune = [
        {"commune": plan["bolbec"], "named": 2, "everywhere": 1, "total": 3},
        {"commune": plan["lillebonne"], "named": 1, "everywhere": 1, "total": 2},
    ]
    spec = actions_per_commune_map_spec(convention=plan["convention"], per_commune=per_commune)
    circles = next(layer for layer in spec["vconcat"][0]["layer"] if layer["mark"]["type"] == "circle")
    sizes = {point["nom"]: point["aire"] for point in circles["data"]["values"]}
    # Areas proportional to the counts: Bolbec's circle is twice Lillebonne's.
    assert sizes["Bolbec"] == pytest.approx(2 * sizes["Lillebonne"])
    assert "1 action couvre en plus toutes les communes" in spec["description"]


def test_the_dashboard_shows_the_map_and_keeps_the_table(client, plan):
    convention = plan["convention"]
    url = reverse("steering_views:dashboard", kwargs={"convention_pk": convention.pk})
    client.force_login(MembershipFactory(convention=convention, role=Role.LECTEUR).user)
    response = client.get(url)
    assertContains(response, "Carte de 2 communes")
    assertContains(response, "<svg", html=False)
    assertContains(response, '<th scope="row">Lillebonne</th>', html=False)
    # A commune member's map shows their commune only: the other one's name appears nowhere on the page.
    member = MembershipFactory(convention=convention, role=Role.COMMUNE, commune=plan["bolbec"]).user
    client.force_login(member)
    response = client.get(url)
    assertContains(response, "Carte de 1 commune :")
    assertNotContains(response, "Lillebonne")


def test_the_cached_map_follows_the_plan(plan):
    convention = plan["convention"]

    def per_commune(lillebonne_named):
        return [
            {"commune": plan["bolbec"], "named": 2, "everywhere": 1, "total": 3},
            {"commune": plan["lillebonne"], "named": lillebonne_named, "everywhere": 1, "total": lillebonne_named + 1},
        ]

    before = actions_per_commune_map(convention=convention, per_commune=per_commune(1))
    assert actions_per_commune_map(convention=convention, per_commune=per_commune(1)) == before
    # One more action naming Lillebonne: the same circles as Bolbec's, a different map.
    after = actions_per_commune_map(convention=convention, per_commune=per_commune(2))
    assert after["svg"] != before["svg"]
