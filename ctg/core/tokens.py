"""Private links whose random token is the only credential (a calendar feed, a partner's answer link).

The token is drawn once and shown once; only its SHA-256 is stored, so a copy of the database opens no link. A link
is found by the hash of the token it was given, and the hashes are compared in constant time all the same.
"""

import hashlib
import hmac
import secrets

TOKEN_BYTES = 32  # 256 random bits, 43 URL-safe characters
# Longer than any token drawn here: a longer one is refused before it is hashed.
TOKEN_MAX_LENGTH = 200


def token_new() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_is_plausible(token: str) -> bool:
    """Empty or absurdly long tokens are refused without a lookup."""
    return bool(token) and len(token) <= TOKEN_MAX_LENGTH


def token_matches(stored_hash: str, token: str) -> bool:
    return hmac.compare_digest(stored_hash, token_hash(token))
