"""Who may change the enjeux of a convention."""

from ctg.conventions.perms import can_edit_content, can_edit_convention


def can_edit_enjeu(user, convention) -> bool:
    """Administrators and contributors propose and edit enjeux; other roles read them."""
    return can_edit_content(user, convention)


def can_validate_enjeu(user, convention) -> bool:
    """Only administrators (coordination) record that the COPIL validated an enjeu."""
    return can_edit_convention(user, convention)
