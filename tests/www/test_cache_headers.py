"""Responses to a logged-in person are marked private and never stored; anonymous public pages are left alone."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils.cache import patch_cache_control

from ctg.accounts.enums import Role
from ctg.conventions.models import Convention
from ctg.www.middleware import PrivateCacheMiddleware
from tests.accounts.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def directives(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


def test_a_page_seen_logged_in_is_private_and_not_stored(client):
    member = MembershipFactory(role=Role.LECTEUR)
    client.force_login(member.user)
    response = client.get(reverse("conventions_views:detail", args=[member.convention_id]))
    assert response.status_code == 200
    assert {"private", "no-store"} <= directives(response)


def test_a_download_is_private_and_not_stored(client):
    member = MembershipFactory(role=Role.LECTEUR)
    client.force_login(member.user)
    response = client.get(reverse("indicators_views:export_csv", args=[member.convention_id]))
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert {"private", "no-store"} <= directives(response)
    response = client.get(reverse("accounts_views:profile_export"))
    assert {"private", "no-store"} <= directives(response)


def test_the_login_page_keeps_its_own_policy(client):
    response = client.get(reverse("accounts_views:login"))
    # Django's never_cache, untouched: the middleware only acts for logged-in people.
    assert directives(response) == {"max-age=0", "no-cache", "no-store", "must-revalidate", "private"}


def test_the_public_convention_page_keeps_its_caching_for_anonymous_visitors(client):
    member = MembershipFactory()
    Convention.objects.filter(pk=member.convention_id).update(is_public=True)
    response = client.get(reverse("public_views:convention", args=[member.convention_id]))
    assert response.status_code == 200
    assert "no-store" not in directives(response) and "private" not in directives(response)


def test_a_public_policy_set_by_a_view_becomes_private_for_a_logged_in_person():
    def view(request):
        response = HttpResponse("ok")
        patch_cache_control(response, public=True, max_age=600)
        return response

    request = RequestFactory().get("/")
    request.user = UserFactory()
    assert "public" not in directives(PrivateCacheMiddleware(view)(request))
    assert {"private", "no-store"} <= directives(PrivateCacheMiddleware(view)(request))
    request.user = AnonymousUser()
    assert directives(PrivateCacheMiddleware(view)(request)) == {"public", "max-age=600"}
