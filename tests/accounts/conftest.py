from tests.oidc_provider.fixtures import oidc_provider, proconnect  # noqa: F401
