"""Rate limits on requests that send e-mail or cost work, counted in the "throttle" cache.

A counter per (scope, key) lives for one window from its first hit; beyond the limit the caller refuses quietly.
Counters are approximate under concurrency (file cache), which is enough to stop floods.
"""

import hashlib

from django.conf import settings
from django.core.cache import caches


def _counter_key(scope: str, key: str) -> str:
    # Hashed: an e-mail address is personal data and must not appear in cache file names.
    return f"throttle:{scope}:{hashlib.sha256(key.encode()).hexdigest()}"


def throttle_hit(*, scope: str, key: str, limit: int, window: int) -> bool:
    """Count one more request for `key`; True while the count stays within `limit` for the current window."""
    cache = caches["throttle"]
    name = _counter_key(scope, key)
    cache.add(name, 0, timeout=window)
    try:
        count = cache.incr(name)
    except ValueError:
        # Expired between add and incr, or a cache that keeps nothing: this is the window's first request.
        cache.set(name, 1, timeout=window)
        count = 1
    return count <= limit


def password_reset_allowed(*, ip: str | None, email: str) -> bool:
    """At most PASSWORD_RESET_LIMIT_PER_IP requests an hour from one address and …_PER_ADDRESS for one e-mail."""
    window = settings.PASSWORD_RESET_LIMIT_WINDOW
    by_ip = throttle_hit(
        scope="password-reset-ip", key=ip or "inconnue", limit=settings.PASSWORD_RESET_LIMIT_PER_IP, window=window
    )
    by_address = throttle_hit(
        scope="password-reset-email",
        key=email.strip().lower(),
        limit=settings.PASSWORD_RESET_LIMIT_PER_ADDRESS,
        window=window,
    )
    return by_ip and by_address
