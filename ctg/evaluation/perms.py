"""Who may do what in a convention's evaluation (readers of the convention see its pages)."""

from ctg.conventions.perms import can_edit_convention


def can_take_snapshot(user, convention) -> bool:
    """Only the convention's administrators (coordinators) freeze its diagnostic: a snapshot is never undone."""
    return can_edit_convention(user, convention)
