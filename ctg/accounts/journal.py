"""The security journal: who did what, when (logins, role changes, invitations, exports, imports)."""

from ctg.accounts.models import SecurityEvent


def security_event_record(*, kind: str, user=None, convention=None, detail: str = "", ip_address: str | None = None):
    """Append one entry to the journal. Never raises for a missing user: anonymous events are kept too."""
    return SecurityEvent.objects.create(
        kind=kind,
        user=user if getattr(user, "is_authenticated", False) else None,
        username=getattr(user, "username", "") or "",
        convention=convention,
        detail=detail[:1000],
        ip_address=ip_address,
    )
