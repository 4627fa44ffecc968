"""ID token verification (ctg.accounts.oidc.verify_id_token) on tokens signed here with joserfc: a bad signature,
an expired token, another audience or issuer, a missing nonce are refused. The full flow against a real provider
is in tests/www/accounts_views/test_proconnect.py."""

import time

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey, RSAKey

from ctg.accounts.enums import OidcFailure
from ctg.accounts.oidc import OidcError, verify_id_token

ISSUER = "https://proconnect.exemple.invalid/api/v2"
CLIENT_ID = "pilote-ctg"
NONCE = "nonce-de-la-connexion"


@pytest.fixture(autouse=True)
def _client_id(settings):
    settings.PROCONNECT_CLIENT_ID = CLIENT_ID


@pytest.fixture(scope="module")
def provider_key():
    return RSAKey.generate_key(2048, parameters={"kid": "cle-du-fournisseur"})


def claims(**overrides):
    now = int(time.time())
    return {"iss": ISSUER, "aud": CLIENT_ID, "sub": "sub-1", "iat": now, "exp": now + 60, "nonce": NONCE, **overrides}


def sign(key, payload, alg="RS256"):
    return jwt.encode({"alg": alg, "kid": key.kid}, payload, key)


def public_keys(key) -> KeySet:
    return KeySet.import_key_set({"keys": [key.as_dict(private=False)]})


def refusal(raw, key, **kwargs) -> OidcError:
    with pytest.raises(OidcError) as error:
        verify_id_token(raw, keys=public_keys(key), issuer=ISSUER, nonce=kwargs.pop("nonce", NONCE), **kwargs)
    return error.value


def test_a_good_token_is_accepted(provider_key):
    verified = verify_id_token(
        sign(provider_key, claims()), keys=public_keys(provider_key), issuer=ISSUER, nonce=NONCE
    )
    assert verified["sub"] == "sub-1"


def test_badly_signed_token(provider_key):
    forger = RSAKey.generate_key(2048, parameters={"kid": "cle-du-fournisseur"})
    error = refusal(sign(forger, claims()), provider_key)
    assert error.reason == OidcFailure.TOKEN_INVALID and "signature" in error.detail


def test_tampered_payload(provider_key):
    header, _, signature = sign(provider_key, claims()).split(".")
    other_payload = sign(provider_key, claims(sub="sub-2")).split(".")[1]
    assert refusal(f"{header}.{other_payload}.{signature}", provider_key).reason == OidcFailure.TOKEN_INVALID


def test_unsigned_and_symmetric_tokens(provider_key):
    header, payload, _ = sign(provider_key, claims()).split(".")
    # alg "none" (eyJhbGciOiJub25lIn0 = {"alg":"none"}), then HS256 with the public key's bytes as the secret.
    assert refusal(f"eyJhbGciOiJub25lIn0.{payload}.", provider_key).reason == OidcFailure.TOKEN_INVALID
    secret = OctKey.import_key(b"une-cle-symetrique-devinee-0123456789", parameters={"kid": "cle-du-fournisseur"})
    assert refusal(sign(secret, claims(), alg="HS256"), provider_key).reason == OidcFailure.TOKEN_INVALID


def test_expired_token(provider_key):
    long_ago = int(time.time()) - 3600
    error = refusal(sign(provider_key, claims(iat=long_ago - 60, exp=long_ago)), provider_key)
    assert error.reason == OidcFailure.TOKEN_INVALID and "expiré" in error.detail
    # The same token, checked at a time it was valid, passes: only the expiry refused it.
    verify_id_token(
        sign(provider_key, claims(iat=long_ago - 60, exp=long_ago)),
        keys=public_keys(provider_key),
        issuer=ISSUER,
        nonce=NONCE,
        now=long_ago - 30,
    )


@pytest.mark.parametrize(
    ("overrides", "claim"),
    [
        ({"aud": "un-autre-service"}, "aud"),
        ({"iss": "https://faux-fournisseur.invalid"}, "iss"),
        ({"nonce": "un-autre-nonce"}, "nonce"),
        ({"nonce": None}, "nonce"),
        ({"sub": None}, "sub"),
    ],
)
def test_claims_checked(provider_key, overrides, claim):
    payload = {k: v for k, v in claims(**overrides).items() if v is not None}
    error = refusal(sign(provider_key, payload), provider_key)
    assert f"« {claim} »" in error.detail
    assert error.reason == (OidcFailure.NONCE_MISMATCH if claim == "nonce" else OidcFailure.TOKEN_INVALID)


def test_several_audiences_need_us_as_authorized_party(provider_key):
    payload = claims(aud=[CLIENT_ID, "un-autre-service"])
    assert "azp" in refusal(sign(provider_key, payload), provider_key).detail
    verify_id_token(
        sign(provider_key, {**payload, "azp": CLIENT_ID}), keys=public_keys(provider_key), issuer=ISSUER, nonce=NONCE
    )
