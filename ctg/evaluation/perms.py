"""Who may do what in a convention's evaluation (readers of the convention see its pages)."""

from ctg.conventions.perms import can_edit_convention, membership_for
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


def can_write_conclusions(user, convention) -> bool:
    """Only the convention's administrators (coordinators) write the conclusions and recommendations of the
    evaluation."""
    return can_edit_convention(user, convention)


def can_open_partner_survey(user, convention) -> bool:
    """Only the convention's administrators open and close the questionnaire to the partners."""
    return can_edit_convention(user, convention)


def can_answer_partner_survey(user, convention, organisation) -> bool:
    """A member of the convention answers for the organisation their account belongs to; the convention's
    administrators enter an organisation's answer on its behalf."""
    if can_edit_convention(user, convention):
        return True
    return (
        user.is_authenticated
        and membership_for(user, convention) is not None
        and user.organisation_id == organisation.pk
    )
