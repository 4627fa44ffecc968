"""pytest fixtures around the local OpenID Connect provider (imported by the conftest files that need them)."""

import pytest

from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, start_provider

TEST_CLIENT_ORIGIN = "http://testserver"


@pytest.fixture(scope="session")
def oidc_provider():
    """One provider per test process, for Django's test client (host `testserver`)."""
    with start_provider(
        redirect_uris=[f"{TEST_CLIENT_ORIGIN}/compte/proconnect/retour/"],
        post_logout_redirect_uris=[f"{TEST_CLIENT_ORIGIN}/compte/proconnect/deconnexion/"],
    ) as provider:
        yield provider


@pytest.fixture
def proconnect(settings, oidc_provider):
    """ProConnect configured against the local provider."""
    settings.PROCONNECT_CLIENT_ID = CLIENT_ID
    settings.PROCONNECT_CLIENT_SECRET = CLIENT_SECRET
    settings.PROCONNECT_BASE_URL = oidc_provider.issuer
    return oidc_provider
