"""Error pages: French, in the site's layout, with the reason the application gave and nothing internal."""

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import Client, RequestFactory
from django.urls import path, reverse
from django.views.defaults import server_error

from config.urls import urlpatterns as site_urlpatterns
from ctg.accounts.enums import Role
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.conventions.factories import ConventionFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


def refuse_without_reason(request):
    raise PermissionDenied


def fail(request):
    raise RuntimeError("secret interne : mot de passe de la base")


def suspicious(request):
    raise SuspiciousOperation("technical detail")


urlpatterns = [
    path("essai/refus/", refuse_without_reason),
    path("essai/panne/", fail),
    path("essai/suspect/", suspicious),
    *site_urlpatterns,
]


def assert_french_page(response, status: int, *texts: str):
    assert response.status_code == status
    content = response.content.decode()
    assert '<html lang="fr">' in content
    assert 'class="site-header"' in content
    for text in texts:
        assert text in content
    for english in ("Forbidden", "Not Found", "Server Error", "Bad Request", "CSRF verification failed"):
        assert english not in content
    return content


def test_debug_is_off(settings):
    assert settings.DEBUG is False


def test_404_is_french_and_reveals_nothing(client):
    client.force_login(UserFactory())
    content = assert_french_page(client.get("/nexiste-pas/"), 404, "Page introuvable")
    assert "nexiste-pas" not in content
    # A convention the person may not read: the same page, without the model name Django puts in its message.
    other = ConventionFactory()
    content = assert_french_page(client.get(reverse("conventions_views:detail", args=[other.pk])), 404)
    assert "matches the given query" not in content


def test_403_shows_the_reason_given_by_the_application(client):
    reader = MembershipFactory(role=Role.LECTEUR)
    client.force_login(reader.user)
    response = client.get(reverse("accounts_views:members", args=[reader.convention_id]))
    assert_french_page(response, 403, "Accès refusé", "Seuls les administrateurs de la convention gèrent ses membres.")


def test_403_without_a_reason_says_it_in_general_terms(client):
    client.force_login(UserFactory())
    assert_french_page(client.get("/essai/refus/"), 403, "Vous n'avez pas les droits nécessaires")


def test_400_is_french(client):
    client.force_login(UserFactory())
    assert_french_page(client.get("/essai/suspect/"), 400, "Requête invalide")
    assert_french_page(client.get("/", headers={"host": "pirate.invalid"}), 400, "Requête invalide")


def test_500_is_french_and_hides_the_error():
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory())
    content = assert_french_page(client.get("/essai/panne/"), 500, "Erreur du serveur", "rien n'a été enregistré")
    assert "secret interne" not in content and "RuntimeError" not in content


def test_500_page_needs_no_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "Erreur du serveur" in response.content.decode()


def test_csrf_failure_is_french_and_says_what_to_do():
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("accounts_views:login"), {"username": "a", "password": "b"})
    assert_french_page(response, 403, "Formulaire refusé", "autorisez les cookies pour ce site")
    client.get(reverse("accounts_views:login"))
    response = client.post(reverse("accounts_views:login"), {"username": "a", "password": "b"})
    assert_french_page(response, 403, "Le formulaire a expiré", "Rien n'a été enregistré")
