"""Reads for the members and journal pages: a fixed number of queries whatever the number of rows."""

from django.db.models import Q

from ctg.accounts.enums import SecurityEventKind
from ctg.accounts.models import Invitation, Membership, SecurityEvent, User

LOGIN_KINDS = [SecurityEventKind.LOGIN, SecurityEventKind.LOGIN_FAILED, SecurityEventKind.LOGOUT]


def convention_members(convention) -> list[Membership]:
    return list(
        Membership.objects.filter(convention=convention)
        .select_related("user", "user__organisation", "user__proconnect_identity", "commune")
        .order_by("user__last_name", "user__first_name", "user__username")
    )


def convention_pending_invitations(convention) -> list[Invitation]:
    return list(
        Invitation.objects.filter(convention=convention, accepted_at__isnull=True)
        .select_related("commune", "invited_by")
        .order_by("-created_at")
    )


def convention_journal(convention):
    """Events of the convention, plus logins, failed logins and logouts of its current members."""
    member_ids = Membership.objects.filter(convention=convention).values("user_id")
    return (
        SecurityEvent.objects.filter(Q(convention=convention) | Q(kind__in=LOGIN_KINDS, user_id__in=member_ids))
        .select_related("user")
        .order_by("-created_at", "-pk")
    )


def accounts_holding_address(email: str):
    """Accounts whose address or identifier is `email`: an account created by invitation is named after it."""
    return User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email))
