"""Who may do what in a convention's evaluation (readers of the convention see its pages)."""

from ctg.conventions.perms import can_edit_convention
from ctg.plans.perms import can_edit_action


def can_take_snapshot(user, convention) -> bool:
    """Only the convention's administrators (coordinators) freeze its diagnostic: a snapshot is never undone."""
    return can_edit_convention(user, convention)


def can_fill_action_evaluation(user, action) -> bool:
    """The action's pilot fills its evaluation grid; the plan's editors may too."""
    return can_edit_action(user, action)


def can_validate_action_evaluation(user, convention) -> bool:
    """Only the convention's administrators validate an action's evaluation grid."""
    return can_edit_convention(user, convention)


def can_prepare_renewal(user, convention) -> bool:
    """Only the convention's administrators prepare the convention that follows it."""
    return can_edit_convention(user, convention)
