"""Attacks on a relais' covered communes: a commune member changes only its own commune's coverage.

Each role posts the edit form of a relais of Bolbec with every commune of the EPCI ticked; only the editors
(administrateur, contributeur) may; every other POST is refused and changes nothing.
"""

import pytest
from django.urls import reverse

from ctg.accounts.enums import Role
from ctg.offer.enums import OfferKind
from ctg.offer.models import OfferItem
from ctg.territories.models import Commune
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.offer.factories import OfferItemFactory

pytestmark = pytest.mark.django_db

BOLBEC, LILLEBONNE, GRAVENCHON = "76114", "76384", "76476"


def demo_user(caux_seine, username):
    return next(user for account, user in caux_seine["accounts"] if account.username == username)


def user_for(role, caux_seine, convention):
    """A user of `role` on the convention; « commune_autre » stands for the commune role of another commune."""
    if role == "anonyme":
        return None
    if role == "commune_autre":
        return MembershipFactory(convention=convention, role=Role.COMMUNE, commune_id=LILLEBONNE).user
    usernames = {
        Role.LECTEUR: "lecteur",
        Role.PILOTE: "pilote",
        Role.COMMUNE: "bolbec",
        Role.CONTRIBUTEUR: "caf",
        Role.ADMINISTRATEUR: "coordination",
    }
    return demo_user(caux_seine, usernames[role])


def relais_data(covered, **overrides):
    data = {
        "kind": OfferKind.RPE,
        "name": "Relais de Bolbec",
        "commune": BOLBEC,
        "reference_year": "2024",
        "source": "Saisie de test",
        "covered_communes": covered,
        "version": "1",
    }
    return data | overrides


@pytest.fixture
def relais(caux_seine):
    convention = caux_seine["convention"]
    return OfferItemFactory(
        convention=convention,
        relais=True,
        commune_id=BOLBEC,
        name="Relais de Bolbec",
        source="Saisie de test",
        covered_communes=[Commune.objects.get(pk=BOLBEC), Commune.objects.get(pk=LILLEBONNE)],
    )


def coverage(item):
    return sorted(OfferItem.objects.get(pk=item.pk).covered_communes.values_list("code", flat=True))


@pytest.mark.parametrize(
    "role,allowed",
    [
        ("anonyme", False),
        (Role.LECTEUR, False),
        ("commune_autre", False),
        (Role.COMMUNE, False),
        (Role.PILOTE, False),
        (Role.CONTRIBUTEUR, True),
        (Role.ADMINISTRATEUR, True),
    ],
)
def test_covering_every_commune_of_the_epci(client, caux_seine, relais, role, allowed):
    convention = caux_seine["convention"]
    every = list(Commune.objects.filter(epci_id=convention.epci_id).values_list("code", flat=True))
    user = user_for(role, caux_seine, convention)
    if user is not None:
        client.force_login(user)
    url = reverse("offer_views:edit", kwargs={"convention_pk": convention.pk, "pk": relais.pk})

    response = client.post(url, relais_data(every))

    if allowed:
        assert response.status_code == 302
        assert coverage(relais) == sorted(every)
    else:
        assert response.status_code == (302 if user is None else 403)
        if user is None:
            assert response["Location"].startswith(reverse("accounts_views:login"))
        assert coverage(relais) == [BOLBEC, LILLEBONNE]
        assert OfferItem.objects.get(pk=relais.pk).version == 1


def test_commune_member_removes_and_adds_its_own_commune_only(client, caux_seine, relais):
    convention = caux_seine["convention"]
    client.force_login(demo_user(caux_seine, "bolbec"))
    url = reverse("offer_views:edit", kwargs={"convention_pk": convention.pk, "pk": relais.pk})

    # Its form lists its own commune only: unticking it leaves Lillebonne covered.
    response = client.get(url)
    assert f'value="{LILLEBONNE}"' not in response.content.decode()
    assert "Couvre aussi : Lillebonne" in response.content.decode()
    assert client.post(url, relais_data([])).status_code == 302
    assert coverage(relais) == [LILLEBONNE]
    assert client.post(url, relais_data([BOLBEC], version="2")).status_code == 302
    assert coverage(relais) == [BOLBEC, LILLEBONNE]


def test_commune_member_cannot_remove_another_commune(client, caux_seine, relais):
    convention = caux_seine["convention"]
    client.force_login(demo_user(caux_seine, "bolbec"))
    url = reverse("offer_views:edit", kwargs={"convention_pk": convention.pk, "pk": relais.pk})
    # Posting only its own commune keeps Lillebonne: the form never reads an absent box as a removal.
    assert client.post(url, relais_data([BOLBEC])).status_code == 302
    assert coverage(relais) == [BOLBEC, LILLEBONNE]


def test_commune_member_cannot_create_a_relais_covering_other_communes(client, caux_seine):
    convention = caux_seine["convention"]
    client.force_login(demo_user(caux_seine, "bolbec"))
    url = reverse("offer_views:create", kwargs={"convention_pk": convention.pk})
    response = client.post(url, relais_data([BOLBEC, GRAVENCHON], name="Nouveau relais"))
    assert response.status_code == 403
    assert not OfferItem.objects.filter(name="Nouveau relais").exists()
    assert client.post(url, relais_data([BOLBEC], name="Nouveau relais")).status_code == 302
    assert coverage(OfferItem.objects.get(name="Nouveau relais")) == [BOLBEC]


def test_commune_member_cannot_delete_a_relais_covering_other_communes(client, caux_seine, relais):
    convention = caux_seine["convention"]
    client.force_login(demo_user(caux_seine, "bolbec"))
    url = reverse("offer_views:delete", kwargs={"convention_pk": convention.pk, "pk": relais.pk})
    assert client.post(url).status_code == 403
    assert OfferItem.objects.filter(pk=relais.pk).exists()
    edit = client.get(reverse("offer_views:edit", kwargs={"convention_pk": convention.pk, "pk": relais.pk}))
    assert url not in edit.content.decode()


def test_commune_member_of_another_commune_cannot_edit_the_relais(client, caux_seine, relais):
    convention = caux_seine["convention"]
    client.force_login(user_for("commune_autre", caux_seine, convention))
    url = reverse("offer_views:edit", kwargs={"convention_pk": convention.pk, "pk": relais.pk})
    assert client.get(url).status_code == 403
    assert client.post(url, relais_data([BOLBEC])).status_code == 403
    assert coverage(relais) == [BOLBEC, LILLEBONNE]


def test_outsider_gets_404(client, caux_seine, relais):
    client.force_login(UserFactory())
    url = reverse("offer_views:edit", kwargs={"convention_pk": caux_seine["convention"].pk, "pk": relais.pk})
    assert client.post(url, relais_data([BOLBEC])).status_code == 404
    assert coverage(relais) == [BOLBEC, LILLEBONNE]
