import pytest

from ctg.accounts.enums import Role
from ctg.offer.perms import (
    can_add_offer_item,
    can_change_relais_coverage,
    can_delete_offer_item,
    can_edit_offer_item,
    can_import_offer,
    restricted_commune,
)
from tests.accounts.factories import MembershipFactory
from tests.offer.factories import OfferItemFactory
from tests.territories.factories import CommuneFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "role,own,other,can_import",
    [
        (Role.ADMINISTRATEUR, True, True, True),
        (Role.CONTRIBUTEUR, True, True, True),
        (Role.COMMUNE, True, False, False),
        (Role.PILOTE, False, False, False),
        (Role.LECTEUR, False, False, False),
    ],
)
def test_offer_edit_rule(role, own, other, can_import):
    own_item = OfferItemFactory()
    convention = own_item.convention
    other_item = OfferItemFactory(convention=convention, commune=CommuneFactory(epci=convention.epci))
    membership = MembershipFactory(
        convention=convention, role=role, commune=own_item.commune if role == Role.COMMUNE else None
    )
    user = membership.user
    assert can_edit_offer_item(user, own_item) is own
    assert can_edit_offer_item(user, other_item) is other
    assert can_import_offer(user, convention) is can_import
    assert can_add_offer_item(user, convention) is own
    expected_restriction = own_item.commune_id if role == Role.COMMUNE else None
    assert restricted_commune(user, convention) == expected_restriction


def test_member_of_another_convention_cannot_edit():
    item = OfferItemFactory()
    user = MembershipFactory(role=Role.ADMINISTRATEUR).user
    assert not can_edit_offer_item(user, item)


@pytest.mark.parametrize(
    "role,own_only,others",
    [
        (Role.ADMINISTRATEUR, True, True),
        (Role.CONTRIBUTEUR, True, True),
        (Role.COMMUNE, True, False),
        (Role.PILOTE, False, False),
        (Role.LECTEUR, False, False),
    ],
)
def test_relais_coverage_rule(role, own_only, others):
    relais = OfferItemFactory(relais=True)
    convention = relais.convention
    own, other = relais.commune_id, CommuneFactory(epci=convention.epci).code
    membership = MembershipFactory(
        convention=convention, role=role, commune=relais.commune if role == Role.COMMUNE else None
    )
    user = membership.user
    assert can_change_relais_coverage(user, convention, before=set(), after={own}) is own_only
    assert can_change_relais_coverage(user, convention, before={own, other}, after={other}) is own_only
    assert can_change_relais_coverage(user, convention, before={own}, after={own, other}) is others
    assert can_change_relais_coverage(user, convention, before={own, other}, after={own}) is others
    assert can_change_relais_coverage(user, convention, before={other}, after={other}) is (
        role not in (Role.PILOTE, Role.LECTEUR)
    )
    assert can_delete_offer_item(user, relais, covered={own}) is own_only
    assert can_delete_offer_item(user, relais, covered={own, other}) is others
