"""The address of the person behind a request, the same for login throttling, the journal and rate limits.

Behind reverse proxies, REMOTE_ADDR is the last proxy's: every client would share it, and one person's failed
logins would lock an account for everybody. Each trusted proxy appends the address it received the request from
to X-Forwarded-For, so with N trusted proxies the client is the N-th address from the right; whatever stands to
its left was written by the client and proves nothing. With no trusted proxy (the default) the header is ignored.
"""

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    """The client's IP address as the trusted proxies saw it, else the direct peer's (REMOTE_ADDR)."""
    remote = request.META.get("REMOTE_ADDR") or None
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.headers.get("x-forwarded-for", "").split(",") if part.strip()]
    if len(forwarded) < count:
        # The request did not come through every trusted proxy: only the direct peer is known for sure.
        return remote
    candidate = forwarded[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
