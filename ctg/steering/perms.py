"""Who may do what on the governance of a convention. Reading follows the convention."""

from ctg.conventions.perms import can_edit_convention, can_view_convention
from ctg.steering.enums import MemberRole
from ctg.steering.models import BodyMember, Meeting


def can_view_steering(user, convention) -> bool:
    """Every reader of the convention reads its bodies, meetings, decisions and minutes."""
    return can_view_convention(user, convention)


def can_manage_steering(user, convention) -> bool:
    """The convention's administrators (coordination) manage bodies, meetings, agendas, minutes and outcomes."""
    return can_edit_convention(user, convention)


def can_send_minutes(user, meeting: Meeting) -> bool:
    """The administrators and the body's secretary write and send the minutes."""
    if can_manage_steering(user, meeting.body.convention):
        return True
    return (
        user.is_authenticated
        and can_view_convention(user, meeting.body.convention)
        and BodyMember.objects.filter(body_id=meeting.body_id, user=user, role=MemberRole.SECRETAIRE).exists()
    )


def can_answer_minutes(user, meeting: Meeting, side: str) -> bool:
    """The administrators record any side's answer; a member of the body answers for their own side."""
    if can_manage_steering(user, meeting.body.convention):
        return True
    return (
        user.is_authenticated
        and can_view_convention(user, meeting.body.convention)
        and BodyMember.objects.filter(body_id=meeting.body_id, user=user, side=side).exists()
    )


def answerable_sides(user, meeting: Meeting, sides: list[str]) -> list[str]:
    """The sides among `sides` the user may answer for."""
    if can_manage_steering(user, meeting.body.convention):
        return list(sides)
    if not user.is_authenticated:
        return []
    own = set(BodyMember.objects.filter(body_id=meeting.body_id, user=user).values_list("side", flat=True))
    return [s for s in sides if s in own]
