import pytest

from ctg.accounts.enums import Role
from ctg.offer.perms import can_add_offer_item, can_edit_offer_item, can_import_offer, restricted_commune
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
