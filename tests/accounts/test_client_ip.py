import pytest
from django.test import RequestFactory

from ctg.accounts.client_ip import client_ip


def request(remote="10.0.0.1", forwarded=None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **headers)


def test_without_trusted_proxy_the_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request(forwarded="203.0.113.7")) == "10.0.0.1"


@pytest.mark.parametrize(
    "count,forwarded,expected",
    [
        # One proxy appends the address it saw; what the client wrote on the left is ignored.
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "1.2.3.4, 203.0.113.7", "203.0.113.7"),
        # Two proxies: the outer one's entry is the client, the inner one's is the outer proxy.
        (2, "1.2.3.4, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (1, " 2001:db8::1 ", "2001:db8::1"),
        # Fewer entries than trusted proxies, or garbage: only the direct peer is certain.
        (2, "203.0.113.7", "10.0.0.1"),
        (1, "", "10.0.0.1"),
        (1, "pas-une-adresse", "10.0.0.1"),
    ],
)
def test_the_client_is_the_address_seen_by_the_outermost_trusted_proxy(settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_ip(request(forwarded=forwarded)) == expected
