"""The OpenID Connect client of ProConnect: authorization-code flow with state, nonce and PKCE.

HTTP goes through requests, every JWT (ID token, signed userinfo) is verified by joserfc against the
provider's published keys; this module only builds requests and checks what the protocol requires: the
issuer, the audience, the expiry, the nonce, and that userinfo names the same subject as the ID token.
Every failure raises `OidcError` with a `reason` (an `OidcFailure`) that the sign-in page turns into advice.
"""

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import requests
from django.conf import settings
from joserfc import jwt
from joserfc.errors import ExpiredTokenError, InvalidClaimError, JoseError, MissingClaimError
from joserfc.jwk import KeySet

from ctg.accounts.enums import OidcFailure

# ProConnect signs with RS256 or ES256; "none" and symmetric algorithms are never accepted.
SIGNING_ALGORITHMS = ["RS256", "ES256"]
# Tolerated clock difference with the provider, in seconds.
CLOCK_LEEWAY = 60
REQUIRED_CLAIMS = ("email", "given_name", "usual_name")


class OidcError(Exception):
    def __init__(self, reason: OidcFailure, detail: str = ""):
        super().__init__(f"{reason.value}: {detail}" if detail else reason.value)
        self.reason = reason
        self.detail = detail


def is_configured() -> bool:
    return bool(settings.PROCONNECT_CLIENT_ID and settings.PROCONNECT_CLIENT_SECRET and settings.PROCONNECT_BASE_URL)


@dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_uri: str
    end_session_endpoint: str


@dataclass(frozen=True)
class AuthorizationRequest:
    url: str
    state: str
    nonce: str
    code_verifier: str


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in: its stable subject and ProConnect's claims."""

    issuer: str
    subject: str
    email: str
    given_name: str
    usual_name: str
    siret: str = ""
    uid: str = ""
    idp_id: str = ""
    id_token: str = field(default="", repr=False)


def _get(url: str, **kwargs: Any) -> requests.Response:
    try:
        response = requests.get(url, timeout=settings.PROCONNECT_TIMEOUT, **kwargs)
    except requests.RequestException as exc:
        raise OidcError(OidcFailure.PROVIDER_DOWN, f"{url} : {exc.__class__.__name__}") from exc
    if response.status_code >= 500:
        raise OidcError(OidcFailure.PROVIDER_DOWN, f"{url} : HTTP {response.status_code}")
    return response


def provider_metadata() -> ProviderMetadata:
    """The provider's endpoints, read from its discovery document; its issuer must be the configured base URL."""
    base_url = settings.PROCONNECT_BASE_URL
    response = _get(f"{base_url}/.well-known/openid-configuration")
    try:
        response.raise_for_status()
        document = response.json()
        metadata = ProviderMetadata(
            issuer=document["issuer"],
            authorization_endpoint=document["authorization_endpoint"],
            token_endpoint=document["token_endpoint"],
            userinfo_endpoint=document["userinfo_endpoint"],
            jwks_uri=document["jwks_uri"],
            end_session_endpoint=document.get("end_session_endpoint", ""),
        )
    except (requests.RequestException, ValueError, KeyError, TypeError) as exc:
        raise OidcError(OidcFailure.PROVIDER_ERROR, f"document de découverte illisible : {exc}") from exc
    if metadata.issuer.rstrip("/") != base_url:
        raise OidcError(OidcFailure.PROVIDER_ERROR, f"émetteur {metadata.issuer} différent de {base_url}")
    return metadata


def provider_keys(metadata: ProviderMetadata) -> KeySet:
    response = _get(metadata.jwks_uri)
    try:
        response.raise_for_status()
        return KeySet.import_key_set(response.json())
    except (requests.RequestException, ValueError, JoseError) as exc:
        raise OidcError(OidcFailure.PROVIDER_ERROR, f"clés du fournisseur illisibles : {exc}") from exc


def _pkce_challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode("ascii")


def authorization_request(*, redirect_uri: str) -> AuthorizationRequest:
    """Where to send the browser, with a fresh state, nonce and PKCE verifier to keep in the session."""
    metadata = provider_metadata()
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    code_verifier = secrets.token_urlsafe(64)
    query = urlencode(
        {
            "response_type": "code",
            "client_id": settings.PROCONNECT_CLIENT_ID,
            "redirect_uri": redirect_uri,
            "scope": settings.PROCONNECT_SCOPES,
            "state": state,
            "nonce": nonce,
            "code_challenge": _pkce_challenge(code_verifier),
            "code_challenge_method": "S256",
        }
    )
    return AuthorizationRequest(
        url=f"{metadata.authorization_endpoint}?{query}", state=state, nonce=nonce, code_verifier=code_verifier
    )


def _decode(raw: str, keys: KeySet, registry: jwt.JWTClaimsRegistry, what: str) -> dict[str, Any]:
    try:
        token = jwt.decode(raw, keys, algorithms=SIGNING_ALGORITHMS)
    except (JoseError, ValueError) as exc:
        raise OidcError(OidcFailure.TOKEN_INVALID, f"{what} : signature refusée ({exc.__class__.__name__})") from exc
    try:
        registry.validate(token.claims)
    except ExpiredTokenError as exc:
        raise OidcError(OidcFailure.TOKEN_INVALID, f"{what} : expiré") from exc
    except (InvalidClaimError, MissingClaimError) as exc:
        claim = getattr(exc, "claim", "")
        reason = OidcFailure.NONCE_MISMATCH if claim == "nonce" else OidcFailure.TOKEN_INVALID
        raise OidcError(reason, f"{what} : revendication « {claim} » refusée") from exc
    except JoseError as exc:
        raise OidcError(OidcFailure.TOKEN_INVALID, f"{what} : {exc}") from exc
    return dict(token.claims)


def verify_id_token(raw: str, *, keys: KeySet, issuer: str, nonce: str, now: int | None = None) -> dict[str, Any]:
    """The ID token's claims once its signature, issuer, audience, expiry, issue date and nonce are checked."""
    client_id = settings.PROCONNECT_CLIENT_ID
    registry = jwt.JWTClaimsRegistry(
        now=now,
        leeway=CLOCK_LEEWAY,
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": client_id},
        exp={"essential": True},
        iat={"essential": True},
        sub={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    claims = _decode(raw, keys, registry, "jeton d'identité")
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    # With several audiences, the token must have been issued to us (OpenID Connect Core 3.1.3.7).
    if len(audiences) > 1 and claims.get("azp") != client_id:
        raise OidcError(OidcFailure.TOKEN_INVALID, "jeton d'identité : destinataire autorisé (azp) absent")
    return claims


def _userinfo(metadata: ProviderMetadata, keys: KeySet, access_token: str) -> dict[str, Any]:
    """Userinfo as JSON or, as ProConnect answers, as a JWT signed by the provider for us."""
    response = _get(metadata.userinfo_endpoint, headers={"Authorization": f"Bearer {access_token}"})
    if response.status_code != 200:
        raise OidcError(OidcFailure.PROVIDER_ERROR, f"informations utilisateur : HTTP {response.status_code}")
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip()
    if content_type == "application/jwt":
        registry = jwt.JWTClaimsRegistry(
            leeway=CLOCK_LEEWAY,
            iss={"essential": True, "value": metadata.issuer},
            aud={"essential": True, "value": settings.PROCONNECT_CLIENT_ID},
            sub={"essential": True},
        )
        return _decode(response.text.strip(), keys, registry, "informations utilisateur")
    try:
        data = response.json()
    except ValueError as exc:
        raise OidcError(OidcFailure.PROVIDER_ERROR, "informations utilisateur illisibles") from exc
    if not isinstance(data, dict):
        raise OidcError(OidcFailure.PROVIDER_ERROR, "informations utilisateur illisibles")
    return data


def _token(metadata: ProviderMetadata, *, code: str, redirect_uri: str, code_verifier: str) -> dict[str, Any]:
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "client_id": settings.PROCONNECT_CLIENT_ID,
        "client_secret": settings.PROCONNECT_CLIENT_SECRET,
        "code_verifier": code_verifier,
    }
    try:
        response = requests.post(metadata.token_endpoint, data=data, timeout=settings.PROCONNECT_TIMEOUT)
    except requests.RequestException as exc:
        raise OidcError(OidcFailure.PROVIDER_DOWN, f"jeton : {exc.__class__.__name__}") from exc
    if response.status_code >= 500:
        raise OidcError(OidcFailure.PROVIDER_DOWN, f"jeton : HTTP {response.status_code}")
    try:
        tokens = response.json()
    except ValueError as exc:
        raise OidcError(
            OidcFailure.PROVIDER_ERROR, f"jeton : réponse illisible (HTTP {response.status_code})"
        ) from exc
    if response.status_code != 200 or not isinstance(tokens, dict) or "id_token" not in tokens:
        error = tokens.get("error", "") if isinstance(tokens, dict) else ""
        # A code used twice or too late ends here (invalid_grant).
        raise OidcError(OidcFailure.PROVIDER_ERROR, f"jeton refusé : {error or response.status_code}")
    return tokens


def complete_authorization(*, code: str, redirect_uri: str, nonce: str, code_verifier: str) -> Identity:
    """Exchange the code, verify the ID token and read userinfo: the identity the provider vouches for."""
    metadata = provider_metadata()
    keys = provider_keys(metadata)
    tokens = _token(metadata, code=code, redirect_uri=redirect_uri, code_verifier=code_verifier)
    id_token = str(tokens["id_token"])
    id_claims = verify_id_token(id_token, keys=keys, issuer=metadata.issuer, nonce=nonce)
    userinfo = _userinfo(metadata, keys, str(tokens.get("access_token", "")))
    if userinfo.get("sub") != id_claims["sub"]:
        raise OidcError(OidcFailure.TOKEN_INVALID, "les informations utilisateur désignent une autre personne")
    claims = {**userinfo, **{k: v for k, v in id_claims.items() if k in REQUIRED_CLAIMS and v}}
    missing = [name for name in REQUIRED_CLAIMS if not str(claims.get(name) or "").strip()]
    if missing:
        raise OidcError(OidcFailure.CLAIMS_MISSING, ", ".join(missing))
    return Identity(
        issuer=metadata.issuer,
        subject=str(id_claims["sub"]),
        email=str(claims["email"]).strip().lower(),
        given_name=str(claims["given_name"]).strip(),
        usual_name=str(claims["usual_name"]).strip(),
        siret=str(claims.get("siret") or "").strip(),
        uid=str(claims.get("uid") or ""),
        idp_id=str(claims.get("idp_id") or ""),
        id_token=id_token,
    )


def end_session_url(*, id_token: str, post_logout_redirect_uri: str, state: str) -> str:
    """The provider's logout address for this session ("" when the provider publishes none)."""
    metadata = provider_metadata()
    if not metadata.end_session_endpoint:
        return ""
    query = urlencode(
        {"id_token_hint": id_token, "post_logout_redirect_uri": post_logout_redirect_uri, "state": state}
    )
    return f"{metadata.end_session_endpoint}?{query}"
