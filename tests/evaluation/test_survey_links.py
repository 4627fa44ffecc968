"""The partners' personal answer links: hashed tokens, regeneration, revocation, answers and the e-mailing job."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from ctg.conventions.enums import SignatoryRole
from ctg.conventions.models import Signatory
from ctg.core.tokens import token_hash
from ctg.evaluation import survey_links
from ctg.evaluation.final_report.content import final_report
from ctg.evaluation.models import PartnerAnswer, SurveyLink
from ctg.evaluation.services import partner_survey_close, partner_survey_open
from ctg.jobs.enums import JobStatus
from ctg.jobs.models import Job
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.conventions.factories import ConventionFactory
from tests.jobs.helpers import run_queued_tasks
from tests.organisations.factories import OrganisationFactory
from tests.steering.factories import BodyFactory, BodyMemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    convention = ConventionFactory(title="CTG fictive")
    admin = MembershipFactory(convention=convention, role="administrateur").user
    body = BodyFactory(convention=convention)
    association = OrganisationFactory(name="Association fictive")
    mairie = OrganisationFactory(name="Mairie fictive")
    # The association sits in the body with two accounts (one without address) and a person without account.
    with_address = UserFactory(email="alice@example.org", first_name="Alice", last_name="Fictive")
    BodyMemberFactory(body=body, organisation=association, user=with_address, person_name="")
    BodyMemberFactory(body=body, organisation=association, user=UserFactory(email="bob@example.org", is_active=False))
    BodyMemberFactory(body=body, organisation=association, person_name="Claire, sans compte")
    BodyMemberFactory(body=body, organisation=mairie, person_name="Denis, sans compte")
    survey = partner_survey_open(convention=convention, by=admin)
    return {
        "convention": convention,
        "admin": admin,
        "survey": survey,
        "association": association,
        "mairie": mairie,
        "alice": with_address,
    }


def _find(world, token):
    return survey_links.survey_link_for_token(convention_pk=world["convention"].pk, token=token)


def test_the_token_is_stored_hashed_and_a_new_one_kills_the_previous(world):
    first = survey_links.survey_link_renew(
        survey=world["survey"], organisation=world["association"], by=world["admin"]
    )
    link = SurveyLink.objects.get()
    assert link.token_hash == token_hash(first) and first not in link.token_hash and len(first) >= 43
    assert _find(world, first) == link
    second = survey_links.survey_link_renew(
        survey=world["survey"], organisation=world["association"], by=world["admin"]
    )
    assert SurveyLink.objects.count() == 1 and second != first
    assert _find(world, first) is None and _find(world, second) is not None
    # The history keeps who created and regenerated the link, never its hash.
    records = SurveyLink.history.filter(id=link.pk)
    assert records.count() == 2 and {r.history_user for r in records} == {world["admin"]}
    assert not hasattr(records.first(), "token_hash")


def test_wrong_revoked_and_other_conventions_tokens_find_nothing(world):
    token = survey_links.survey_link_renew(
        survey=world["survey"], organisation=world["association"], by=world["admin"]
    )
    assert _find(world, token[:-1]) is None
    assert _find(world, "") is None and _find(world, "x" * 500) is None
    assert survey_links.survey_link_for_token(convention_pk=ConventionFactory().pk, token=token) is None
    assert survey_links.survey_link_revoke(
        survey=world["survey"], organisation=world["association"], by=world["admin"]
    )
    assert _find(world, token) is None
    assert not survey_links.survey_link_revoke(
        survey=world["survey"], organisation=world["association"], by=world["admin"]
    )


def test_no_link_for_a_closed_questionnaire_or_an_organisation_that_is_not_a_partner(world):
    with pytest.raises(ValidationError, match="n'est pas partenaire"):
        survey_links.survey_link_renew(survey=world["survey"], organisation=OrganisationFactory(), by=world["admin"])
    token = survey_links.survey_link_renew(
        survey=world["survey"], organisation=world["association"], by=world["admin"]
    )
    partner_survey_close(survey=world["survey"], by=world["admin"])
    link = _find(world, token)
    assert survey_links.survey_link_refusal(link) == survey_links.CLOSED
    with pytest.raises(ValidationError, match="clos"):
        survey_links.survey_link_answer(link=link, data={"pertinence": "oui"})
    with pytest.raises(ValidationError, match="n'est pas ouvert"):
        survey_links.survey_link_renew(survey=link.survey, organisation=world["mairie"], by=world["admin"])
    assert not PartnerAnswer.objects.exists()


def test_an_answer_through_the_link_is_the_organisations_without_author(world):
    token = survey_links.survey_link_renew(
        survey=world["survey"], organisation=world["association"], by=world["admin"]
    )
    answer = survey_links.survey_link_answer(link=_find(world, token), data={"pertinence": "oui", "comment": "Bien."})
    assert (answer.organisation, answer.answered_by, answer.via_link, answer.on_behalf) == (
        world["association"],
        None,
        True,
        False,
    )
    record = answer.history.get()
    assert record.history_user is None and record.history_change_reason == survey_links.LINK_REASON
    # Counted in the summary and the final report like any other answer.
    report = final_report(convention=world["convention"])["survey"]
    assert report["answered_count"] == 1 and report["comments"] == [("Association fictive", "Bien.")]
    # Corrected through the link: still one answer for the organisation.
    survey_links.survey_link_answer(link=_find(world, token), data={"pertinence": "non"})
    assert PartnerAnswer.objects.get().pertinence == "non"
    # A link regenerated meanwhile no longer writes, even from a page opened before.
    stale = _find(world, token)
    survey_links.survey_link_renew(survey=world["survey"], organisation=world["association"], by=world["admin"])
    with pytest.raises(ValidationError, match="révoqué ou remplacé"):
        survey_links.survey_link_answer(link=stale, data={"pertinence": "oui"})
    assert PartnerAnswer.objects.get().pertinence == "non"


def test_the_organisation_leaving_the_partners_ends_its_link(world):
    outgoing = OrganisationFactory(name="Signataire sortant")
    signature = Signatory.objects.create(
        convention=world["convention"], organisation=outgoing, role=SignatoryRole.PARTENAIRE
    )
    token = survey_links.survey_link_renew(survey=world["survey"], organisation=outgoing, by=world["admin"])
    assert survey_links.survey_link_refusal(_find(world, token)) is None
    signature.delete()
    assert survey_links.survey_link_refusal(_find(world, token)) == survey_links.NOT_PARTNER


def test_recipients_are_the_organisations_body_members_with_an_active_account_and_an_address(world):
    recipients = survey_links.survey_link_recipients(convention=world["convention"], organisation=world["association"])
    assert recipients == [world["alice"]]
    assert survey_links.survey_link_recipients(convention=world["convention"], organisation=world["mairie"]) == []
    with pytest.raises(ValidationError, match="Aucun membre des instances"):
        survey_links.survey_link_email_request(survey=world["survey"], organisation=world["mairie"], by=world["admin"])
    assert not Job.objects.exists()


def test_the_worker_emails_a_new_link_and_records_when(world):
    old = survey_links.survey_link_renew(survey=world["survey"], organisation=world["association"], by=world["admin"])
    before = timezone.now()
    job = survey_links.survey_link_email_request(
        survey=world["survey"], organisation=world["association"], by=world["admin"]
    )
    # The queue holds ids only, never a token.
    assert job.params == {"survey": world["survey"].pk, "organisation": world["association"].pk}
    assert mail.outbox == []
    assert run_queued_tasks() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and "envoyé par courriel à 1 personne" in job.message
    [message] = mail.outbox
    assert message.to == ["alice@example.org"] and "Association fictive" in message.subject
    prefix = survey_links.survey_link_url(convention=world["convention"], token="TOKEN").removesuffix("TOKEN/")
    [url] = [line for line in message.body.splitlines() if line.startswith(prefix)]
    token = url.removeprefix(prefix).removesuffix("/")
    link = _find(world, token)
    assert link is not None and link.organisation == world["association"]
    assert link.emailed_to == 1 and link.emailed_at >= before
    assert _find(world, old) is None


def test_a_failed_sending_keeps_the_previous_link(world, settings):
    old = survey_links.survey_link_renew(survey=world["survey"], organisation=world["association"], by=world["admin"])
    settings.EMAIL_BACKEND = "tests.evaluation.test_survey_links.FailingBackend"
    job = survey_links.survey_link_email_request(
        survey=world["survey"], organisation=world["association"], by=world["admin"]
    )
    run_queued_tasks()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    link = _find(world, old)
    assert link is not None and link.emailed_at is None


class FailingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP server unreachable")
