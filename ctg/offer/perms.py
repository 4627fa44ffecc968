"""Who may change the offer of services of a convention.

Rule: administrators and contributors of the convention edit its whole offer; a member with the « commune »
role edits only what concerns its own commune (Membership.commune): the items located there, which it may not
move elsewhere, and, in a relais' list of covered communes, its own commune only (never the others'); pilots and
readers only read. Imports of a whole file are reserved to administrators and contributors.
"""

from ctg.accounts.enums import Role
from ctg.conventions.perms import can_edit_content, membership_for


def commune_of_member(user, convention) -> str | None:
    """The INSEE code of the commune a « commune » member stands for, else None."""
    membership = membership_for(user, convention)
    if membership and membership.role == Role.COMMUNE:
        return membership.commune_id
    return None


def can_add_offer_item(user, convention) -> bool:
    """Administrators, contributors and commune members (for their commune) add equipment."""
    return can_edit_content(user, convention) or commune_of_member(user, convention) is not None


def can_add_offer_item_in(user, convention, commune_code: str) -> bool:
    """Administrators and contributors add equipment anywhere in the EPCI, a commune member only in its commune."""
    if can_edit_content(user, convention):
        return True
    return commune_code is not None and commune_of_member(user, convention) == commune_code


def can_edit_offer_item(user, item) -> bool:
    """Administrators and contributors edit every item; a commune member only the items of its commune."""
    return can_add_offer_item_in(user, item.convention, item.commune_id)


def can_change_relais_coverage(user, convention, *, before: set[str], after: set[str]) -> bool:
    """Editors change any relais' covered communes; a commune member may add or remove only its own commune."""
    if can_edit_content(user, convention):
        return True
    own = commune_of_member(user, convention)
    return own is not None and (set(before) ^ set(after)) <= {own}


def can_delete_offer_item(user, item, *, covered: set[str]) -> bool:
    """Editors delete any item; a commune member an item of its commune that covers no other commune."""
    if not can_edit_offer_item(user, item):
        return False
    return can_change_relais_coverage(user, item.convention, before=covered, after=set())


def can_import_offer(user, convention) -> bool:
    """Only administrators and contributors import an offer file, which may touch every commune."""
    return can_edit_content(user, convention)


def restricted_commune(user, convention) -> str | None:
    """The only commune where a commune member may place equipment; None for everyone else (see can_add_offer_item)."""
    if can_edit_content(user, convention):
        return None
    return commune_of_member(user, convention)
