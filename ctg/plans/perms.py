"""Who may change the action plan. Reading follows the convention: whoever reads it reads its plan."""

from ctg.accounts.enums import Role
from ctg.conventions.perms import EDITOR_ROLES, can_edit_convention, can_view_convention, role_on


def can_view_plan(user, convention) -> bool:
    """Every reader of the convention reads its action plan."""
    return can_view_convention(user, convention)


def can_edit_plan(user, convention) -> bool:
    """Administrators and contributors of the convention edit the whole plan (objectives, any action, import)."""
    return user.is_authenticated and (user.is_superuser or role_on(user, convention) in EDITOR_ROLES)


def can_edit_action(user, action) -> bool:
    """Plan editors edit any action; a member with the pilote role edits only the actions they pilot."""
    if can_edit_plan(user, action.convention):
        return True
    return (
        user.is_authenticated and action.pilot_user_id == user.pk and role_on(user, action.convention) == Role.PILOTE
    )


def can_restore_action(user, convention) -> bool:
    """Only the convention's administrators see the trash of its plan and restore a deleted fiche."""
    return can_edit_convention(user, convention)
