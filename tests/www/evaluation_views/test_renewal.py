"""« Préparer la convention suivante »: the form, its refusals, the summary and the lineage on each page."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from ctg.conventions.enums import Phase
from ctg.conventions.models import Convention
from ctg.evaluation.models import CarriedAction
from ctg.plans.enums import ActionStatus
from tests.accounts.factories import MembershipFactory
from tests.conventions.factories import ConventionFactory
from tests.plans.factories import ActionFactory, IndicatorFactory, MeasureFactory
from tests.territories.factories import CommuneFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(datetime.datetime(2025, 10, 1, 10, 0, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def world():
    convention = ConventionFactory(phase=Phase.EVALUATION, title="CTG 2022-2025")
    communes = [CommuneFactory(epci=convention.epci, name=f"Commune {n}") for n in range(2)]
    convention.communes.set(communes[:1])
    members = {
        role: MembershipFactory(convention=convention, role=role).user
        for role in ("administrateur", "contributeur", "pilote", "lecteur")
    }
    done = ActionFactory(convention=convention, code="A1", title="Action réalisée", status=ActionStatus.REALISEE)
    unfinished = ActionFactory(convention=convention, code="A2", title="Action en cours", status=ActionStatus.EN_COURS)
    indicator = IndicatorFactory(action=unfinished, code="I1", label="Places ouvertes")
    MeasureFactory(indicator=indicator, date=datetime.date(2024, 12, 31), value=Decimal("42"))
    return {
        "convention": convention,
        "communes": communes,
        "members": members,
        "done": done,
        "unfinished": unfinished,
    }


def prepare_url(world):
    return reverse("evaluation_views:renewal_prepare", kwargs={"convention_pk": world["convention"].pk})


def form_data(world, **overrides):
    return {
        "title": "CTG 2026-2029",
        "start_date": "2026-01-01",
        "end_date": "2029-12-31",
        "communes": [c.pk for c in world["communes"]],
        "actions": [world["unfinished"].pk],
        **overrides,
    }


def test_anonymous_and_outsiders(client, world):
    response = client.get(prepare_url(world))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts_views:login"))
    client.force_login(MembershipFactory(convention=ConventionFactory()).user)
    assert client.post(prepare_url(world), form_data(world)).status_code == 404
    assert not Convention.objects.filter(previous=world["convention"]).exists()


@pytest.mark.parametrize("role", ["contributeur", "pilote", "lecteur"])
def test_only_administrators_prepare_the_successor(client, world, role):
    client.force_login(world["members"][role])
    assert client.get(prepare_url(world)).status_code == 403
    assert client.post(prepare_url(world), form_data(world)).status_code == 403
    assert not Convention.objects.filter(previous=world["convention"]).exists()


def test_the_form_proposes_the_next_four_years_lists_unfinished_actions_first_and_preselects_none(
    client, world, django_assert_max_num_queries
):
    client.force_login(world["members"]["administrateur"])
    with django_assert_max_num_queries(20):
        response = client.get(prepare_url(world))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="2026-01-01"' in html and 'value="2029-12-31"' in html
    assert html.index("A2 – Action en cours") < html.index("A1 – Action réalisée")
    form = response.context["form"]
    assert "actions" not in form.initial
    assert form.initial["communes"] == [world["communes"][0].pk]


def test_the_administrator_prepares_the_successor_and_sees_the_summary(client, world):
    client.force_login(world["members"]["administrateur"])
    response = client.post(prepare_url(world), form_data(world), follow=True)
    successor = Convention.objects.get(previous=world["convention"])
    assert response.redirect_chain[-1][0] == reverse(
        "evaluation_views:renewal_summary", kwargs={"convention_pk": successor.pk}
    )
    html = response.content.decode()
    assert "Actions reprises (1)" in html
    assert "A2 – Action en cours" in html and "A1 – Action réalisée" not in html
    assert "42 places au 31/12/2024 (dernière mesure)" in html
    assert "Ajoutées : Commune 1." in html
    # Lineage on both convention pages.
    old_page = client.get(reverse("conventions_views:detail", kwargs={"pk": world["convention"].pk})).content.decode()
    assert "Convention suivante" in old_page and "CTG 2026-2029" in old_page
    new_page = client.get(reverse("conventions_views:detail", kwargs={"pk": successor.pk})).content.decode()
    assert "Convention précédente" in new_page and "CTG 2022-2025" in new_page


def test_the_form_refuses_in_french_and_creates_nothing(client, world):
    client.force_login(world["members"]["administrateur"])
    response = client.post(prepare_url(world), form_data(world, end_date="2025-06-01"))
    assert response.status_code == 200
    assert "La date de fin doit suivre la date de début." in response.content.decode()
    assert not Convention.objects.filter(previous=world["convention"]).exists()
    client.post(prepare_url(world), form_data(world))
    # A second preparation is refused; the carried action is no longer offered.
    response = client.get(prepare_url(world))
    assert "La convention suivante de cette convention a déjà été préparée." in response.content.decode()
    assert CarriedAction.objects.filter(origin=world["unfinished"]).count() == 1


def test_the_summary_is_read_by_the_successors_readers_only(client, world):
    client.force_login(world["members"]["administrateur"])
    client.post(prepare_url(world), form_data(world))
    successor = Convention.objects.get(previous=world["convention"])
    url = reverse("evaluation_views:renewal_summary", kwargs={"convention_pk": successor.pk})
    client.force_login(world["members"]["lecteur"])
    assert client.get(url).status_code == 200  # the reader was carried over as a reader
    client.force_login(MembershipFactory(convention=ConventionFactory()).user)
    assert client.get(url).status_code == 404
