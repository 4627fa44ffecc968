"""The partners' answer links: the coordinator's page, and the public answer page behind a link."""

import html
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from ctg.evaluation import survey_links
from ctg.evaluation.models import PartnerAnswer, SurveyLink
from ctg.evaluation.services import partner_answer_save, partner_survey_close, partner_survey_open
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.conventions.factories import ConventionFactory
from tests.jobs.helpers import run_queued_tasks
from tests.organisations.factories import OrganisationFactory
from tests.steering.factories import BodyFactory, BodyMemberFactory

pytestmark = pytest.mark.django_db

ANSWER = {"pertinence": "oui", "efficacite": "plutot_oui", "efficience": "", "durabilite": "non", "comment": "Utile."}


@pytest.fixture
def world():
    convention = ConventionFactory(title="CTG fictive")
    admin = MembershipFactory(convention=convention, role="administrateur").user
    reader = MembershipFactory(convention=convention, role="lecteur").user
    body = BodyFactory(convention=convention)
    association = OrganisationFactory(name="Association fictive")
    mairie = OrganisationFactory(name="Mairie fictive")
    BodyMemberFactory(body=body, organisation=association, user=UserFactory(email="alice@example.org"), person_name="")
    BodyMemberFactory(body=body, organisation=mairie, person_name="Denis, sans compte")
    survey = partner_survey_open(convention=convention, by=admin)
    return {
        "convention": convention,
        "admin": admin,
        "reader": reader,
        "survey": survey,
        "association": association,
        "mairie": mairie,
    }


def url(world, name, **kwargs):
    return reverse(f"evaluation_views:{name}", kwargs={"convention_pk": world["convention"].pk, **kwargs})


def answer_url(world, token):
    return url(world, "survey_link_answer", token=token)


def new_token(world, organisation):
    return survey_links.survey_link_renew(survey=world["survey"], organisation=organisation, by=world["admin"])


def assert_public_headers(response):
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"


class TestCoordinatorPage:
    def test_anonymous_access(self, client, world):
        for name in ["survey_links"]:
            response = client.get(url(world, name))
            assert response.status_code == 302 and response["Location"].startswith(reverse("accounts_views:login"))
        response = client.post(url(world, "survey_link_renew", organisation_pk=world["association"].pk))
        assert response.status_code == 302 and not SurveyLink.objects.exists()

    def test_unauthorized_access(self, client, world):
        client.force_login(world["reader"])
        assert client.get(url(world, "survey_links")).status_code == 403
        pk = world["association"].pk
        for name in ["survey_link_renew", "survey_link_revoke", "survey_link_email"]:
            assert client.post(url(world, name, organisation_pk=pk)).status_code == 403
        client.force_login(MembershipFactory(convention=ConventionFactory(), role="administrateur").user)
        assert client.get(url(world, "survey_links")).status_code == 404
        assert client.post(url(world, "survey_link_renew", organisation_pk=pk)).status_code == 404
        assert not SurveyLink.objects.exists() and mail.outbox == []

    def test_the_coordinator_creates_a_link_shown_once_then_revokes_it(self, client, world):
        client.force_login(world["admin"])
        page = client.get(url(world, "survey_links")).content.decode()
        assert "Association fictive" in page and "Mairie fictive" in page and page.count("aucun lien") == 2
        # Only the association has a member of the bodies with an address.
        assert page.count("Envoyer le lien par courriel<span") == 1
        response = client.post(url(world, "survey_link_renew", organisation_pk=world["mairie"].pk), follow=True)
        page = response.content.decode()
        [shown] = re.findall(r'id="lien-reponse" type="text" readonly value="([^"]+)"', page)
        token = shown.rstrip("/").rsplit("/", 1)[1]
        link = SurveyLink.objects.get()
        assert link.organisation == world["mairie"] and token not in link.token_hash
        assert Client().get(answer_url(world, token)).status_code == 200
        # Shown once: the page read again no longer holds it.
        assert token not in client.get(url(world, "survey_links")).content.decode()
        client.post(url(world, "survey_link_revoke", organisation_pk=world["mairie"].pk))
        assert not SurveyLink.objects.exists()
        assert Client().get(answer_url(world, token)).status_code == 404

    def test_sending_by_email_goes_through_the_worker_and_is_recorded(self, client, world):
        client.force_login(world["admin"])
        response = client.post(url(world, "survey_link_email", organisation_pk=world["association"].pk), follow=True)
        assert "Envoi du lien de réponse de « Association fictive » en cours" in response.content.decode()
        assert "envoi par courriel en cours" in response.content.decode()
        assert mail.outbox == []
        run_queued_tasks()
        [message] = mail.outbox
        assert message.to == ["alice@example.org"]
        [link_url] = re.findall(r"http\S+/questionnaire/reponse/\S+/", message.body)
        path = link_url.split("://", 1)[1].split("/", 1)[1]
        assert Client().get(f"/{path}").status_code == 200
        page = client.get(url(world, "survey_links")).content.decode()
        assert "envoyé par courriel le" in page and "(1 destinataire)" in page
        # Nobody of the town hall has an address: refused, nothing queued.
        response = client.post(url(world, "survey_link_email", organisation_pk=world["mairie"].pk), follow=True)
        assert "Aucun membre des instances pour « Mairie fictive »" in response.content.decode()
        assert len(mail.outbox) == 1

    def test_no_link_while_the_questionnaire_is_closed(self, client, world):
        partner_survey_close(survey=world["survey"], by=world["admin"])
        client.force_login(world["admin"])
        response = client.post(url(world, "survey_link_renew", organisation_pk=world["association"].pk), follow=True)
        assert "n'est pas ouvert" in html.unescape(response.content.decode()) and not SurveyLink.objects.exists()
        assert "Créer le lien" not in client.get(url(world, "survey_links")).content.decode()
        # Not a partner of the convention: 404.
        other = OrganisationFactory()
        assert client.post(url(world, "survey_link_renew", organisation_pk=other.pk)).status_code == 404


class TestPublicAnswerPage:
    def test_anonymous_visitor_answers_for_the_organisation(self, world):
        token = new_token(world, world["association"])
        client = Client(enforce_csrf_checks=True)
        response = client.get(answer_url(world, token))
        assert response.status_code == 200
        assert_public_headers(response)
        page = response.content.decode()
        assert "réponse de « Association fictive »" in page and "Pertinence" in page
        assert "Mairie fictive" not in page
        # Without the CSRF token the answer is refused.
        assert client.post(answer_url(world, token), ANSWER).status_code == 403
        csrf = client.cookies["csrftoken"].value
        response = client.post(answer_url(world, token), {**ANSWER, "csrfmiddlewaretoken": csrf})
        assert response.status_code == 302 and response["Location"] == answer_url(world, token)
        assert_public_headers(response)
        answer = PartnerAnswer.objects.get()
        assert (answer.organisation, answer.efficacite, answer.answered_by, answer.via_link) == (
            world["association"],
            "plutot_oui",
            None,
            True,
        )
        # Reopened, the page is prefilled with the organisation's answer.
        page = client.get(answer_url(world, token)).content.decode()
        assert "Réponse de « Association fictive » enregistrée, merci." in page
        assert '<option value="plutot_oui" selected>' in page and "Utile." in page

    def test_the_answer_counts_in_the_summary_like_the_others(self, client, world):
        token = new_token(world, world["association"])
        Client().post(answer_url(world, token), ANSWER)
        client.force_login(world["reader"])
        page = client.get(url(world, "survey")).content.decode()
        assert "1 organisation sur 2 partenaires de la convention a répondu" in page and "Utile." in page
        client.force_login(world["admin"])
        assert "répondu le" in client.get(url(world, "survey_links")).content.decode()
        assert "(par le lien)" in client.get(url(world, "survey_links")).content.decode()

    def test_one_organisations_token_neither_reads_nor_writes_anothers_answer(self, world):
        partner_answer_save(
            survey=world["survey"],
            organisation=world["mairie"],
            data={"pertinence": "non", "comment": "Avis confidentiel de la mairie."},
            on_behalf=True,
            by=world["admin"],
        )
        token = new_token(world, world["association"])
        client = Client()
        page = client.get(answer_url(world, token)).content.decode()
        assert "Avis confidentiel de la mairie." not in page and "Mairie fictive" not in page
        # Whatever the body names, the token writes its own organisation's answer only.
        client.post(answer_url(world, token), {**ANSWER, "organisation": world["mairie"].pk})
        mairie = PartnerAnswer.objects.get(organisation=world["mairie"])
        assert (mairie.pertinence, mairie.comment, mairie.via_link) == (
            "non",
            "Avis confidentiel de la mairie.",
            False,
        )
        assert PartnerAnswer.objects.get(organisation=world["association"]).comment == "Utile."

    def test_wrong_revoked_regenerated_and_closed_links_are_refused_with_a_french_page(self, world):
        token = new_token(world, world["association"])
        client = Client()
        for bad in [token[:-1] + ("A" if token[-1] != "A" else "B"), "inconnu"]:
            response = client.get(answer_url(world, bad))
            assert response.status_code == 404 and "Ce lien de réponse au questionnaire est inconnu" in (
                response.content.decode()
            )
            assert_public_headers(response)
        # Another convention's address with a valid token: unknown.
        other = reverse(
            "evaluation_views:survey_link_answer", kwargs={"convention_pk": ConventionFactory().pk, "token": token}
        )
        assert client.get(other).status_code == 404
        new = new_token(world, world["association"])
        assert client.get(answer_url(world, token)).status_code == 404
        assert client.post(answer_url(world, token), ANSWER).status_code == 404
        partner_survey_close(survey=world["survey"], by=world["admin"])
        response = client.get(answer_url(world, new))
        assert response.status_code == 410 and "est clos" in response.content.decode()
        assert client.post(answer_url(world, new), ANSWER).status_code == 410
        assert not PartnerAnswer.objects.exists()
        partner_survey_open(convention=world["convention"], by=world["admin"])
        survey_links.survey_link_revoke(survey=world["survey"], organisation=world["association"], by=world["admin"])
        assert client.get(answer_url(world, new)).status_code == 404

    def test_a_logged_in_visitor_sees_no_member_navigation(self, client, world):
        token = new_token(world, world["association"])
        client.force_login(world["reader"])
        page = client.get(answer_url(world, token)).content.decode()
        assert url(world, "survey") not in page

    def test_requests_beyond_the_limit_are_refused(self, world, settings):
        settings.CACHES = {
            **settings.CACHES,
            "throttle": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "survey-link-test"},
        }
        settings.SURVEY_LINK_LIMIT_PER_IP = 3
        from django.core.cache import caches

        caches["throttle"].clear()
        token = new_token(world, world["association"])
        client = Client()
        statuses = [client.get(answer_url(world, "devine")).status_code for _ in range(3)]
        assert statuses == [404, 404, 404]
        response = client.get(answer_url(world, token))
        assert response.status_code == 429 and "Trop de demandes" in response.content.decode()
        assert Client(REMOTE_ADDR="192.0.2.7").get(answer_url(world, token)).status_code == 200
        caches["throttle"].clear()
