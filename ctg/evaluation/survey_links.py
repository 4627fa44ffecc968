"""Personal answer links to the partners' questionnaire, for the members of the bodies who have no account.

While the questionnaire is open, the coordinator draws a link per partner organisation (`survey_link_renew`: a random
token shown once, only its SHA-256 stored, see ctg.core.tokens), regenerates it (the previous link stops working at
once) or revokes it (`survey_link_revoke`). The background worker can also draw a new link and e-mail it to the
organisation's members of the bodies who have an account with an address (`survey_link_email_request`): the clear
token then exists only in the worker's memory and in the e-mails, never in the queue or the database.

`survey_link_for_token` finds the link of a token; `survey_link_refusal` says why a found link no longer takes an
answer (questionnaire closed, organisation no longer a partner). `survey_link_answer` records the organisation's
answer like any other (one per organisation), without author and marked as given through the link.
"""

import dataclasses

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from ctg.accounts.models import User
from ctg.conventions.models import Convention
from ctg.core.formatting import counted
from ctg.core.history import history_reason, set_history_author
from ctg.core.tokens import token_hash, token_is_plausible, token_matches, token_new
from ctg.evaluation.models import PartnerAnswer, PartnerSurvey, SurveyLink
from ctg.evaluation.selectors import partner_organisations
from ctg.evaluation.services import partner_answer_save
from ctg.jobs.models import Job
from ctg.jobs.registry import JobResult, register_job_kind
from ctg.jobs.services import job_enqueue
from ctg.organisations.models import Organisation
from ctg.steering.models import BodyMember

EMAIL_KIND = "survey_link_email"
LINK_REASON = "réponse par le lien personnel de l'organisation"
CLOSED = "Le questionnaire aux partenaires est clos : il ne prend plus de réponse."
NOT_PARTNER = "Cette organisation n'est plus partenaire de la convention : son lien de réponse ne fonctionne plus."


# Reads


def survey_link_recipients(*, convention: Convention, organisation: Organisation) -> list[User]:
    """The organisation's members of the convention's bodies who have an active account with an e-mail address."""
    seats = BodyMember.objects.filter(
        body__convention=convention,
        organisation=organisation,
        user__is_active=True,
        user__deleted_at__isnull=True,
    ).exclude(user__email="")
    return list(User.objects.filter(pk__in=seats.values("user_id")).order_by("last_name", "first_name", "pk"))


@dataclasses.dataclass
class OrganisationLink:
    organisation: Organisation
    link: SurveyLink | None
    answer: PartnerAnswer | None
    recipients: list[User]


def survey_links_overview(*, survey: PartnerSurvey) -> list[OrganisationLink]:
    """Per partner organisation: its link, its answer and who would receive the link by e-mail (four queries)."""
    convention = survey.convention
    organisations = partner_organisations(convention=convention)
    links = {link.organisation_id: link for link in survey.links.all()}
    answers = {answer.organisation_id: answer for answer in survey.answers.all()}
    recipients: dict[int, list[User]] = {}
    seats = (
        BodyMember.objects.filter(
            body__convention=convention,
            organisation__in=organisations,
            user__is_active=True,
            user__deleted_at__isnull=True,
        )
        .exclude(user__email="")
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user_id")
    )
    for seat in seats:
        people = recipients.setdefault(seat.organisation_id, [])
        if seat.user is not None and seat.user not in people:
            people.append(seat.user)
    return [
        OrganisationLink(
            organisation=organisation,
            link=links.get(organisation.pk),
            answer=answers.get(organisation.pk),
            recipients=recipients.get(organisation.pk, []),
        )
        for organisation in organisations
    ]


def survey_link_for_token(*, convention_pk: int, token: str) -> SurveyLink | None:
    """The link of this token in this convention, or None (unknown, regenerated or revoked)."""
    if not token_is_plausible(token):
        return None
    link = (
        SurveyLink.objects.filter(token_hash=token_hash(token), survey__convention_id=convention_pk)
        .select_related("survey__convention", "organisation")
        .first()
    )
    # The lookup is by the hash, never by the token; the comparison below is constant-time all the same.
    if link is None or not token_matches(link.token_hash, token):
        return None
    return link


def survey_link_refusal(link: SurveyLink) -> str | None:
    """Why the link no longer takes an answer, or None while it does."""
    if not link.survey.is_open:
        return CLOSED
    if link.organisation_id not in {o.pk for o in partner_organisations(convention=link.survey.convention)}:
        return NOT_PARTNER
    return None


def survey_link_path(*, convention: Convention, token: str) -> str:
    return reverse("evaluation_views:survey_link_answer", kwargs={"convention_pk": convention.pk, "token": token})


def survey_link_url(*, convention: Convention, token: str) -> str:
    return f"{settings.SITE_BASE_URL.rstrip('/')}{survey_link_path(convention=convention, token=token)}"


# Writes


def _check_can_have_link(survey: PartnerSurvey, organisation: Organisation) -> None:
    if not survey.is_open:
        raise ValidationError(
            "Le questionnaire aux partenaires n'est pas ouvert : ouvrez-le avant d'envoyer des liens."
        )
    if organisation.pk not in {o.pk for o in partner_organisations(convention=survey.convention)}:
        raise ValidationError("Cette organisation n'est pas partenaire de la convention.")


@transaction.atomic
def survey_link_renew(*, survey: PartnerSurvey, organisation: Organisation, by) -> str:
    """Create the organisation's answer link, or replace its token (the previous link stops working at once).
    Returns the clear token, which is not stored."""
    survey = PartnerSurvey.objects.select_for_update(of=("self",)).select_related("convention").get(pk=survey.pk)
    _check_can_have_link(survey, organisation)
    token = token_new()
    link = SurveyLink.objects.select_for_update().filter(survey=survey, organisation=organisation).first()
    if link is None:
        link = SurveyLink(survey=survey, organisation=organisation)
    link.token_hash = token_hash(token)
    link.created_at = timezone.now()
    # A new link has not been e-mailed yet.
    link.emailed_at = None
    link.emailed_to = 0
    link.full_clean()
    set_history_author(link, by)
    link.save()
    return token


@transaction.atomic
def survey_link_revoke(*, survey: PartnerSurvey, organisation: Organisation, by) -> bool:
    """Delete the organisation's answer link; returns whether there was one."""
    link = SurveyLink.objects.select_for_update().filter(survey=survey, organisation=organisation).first()
    if link is None:
        return False
    set_history_author(link, by)
    link.delete()
    return True


@transaction.atomic
def survey_link_answer(*, link: SurveyLink, data: dict) -> PartnerAnswer:
    """Record the organisation's answer given through its link: no author, marked `via_link`, the history saying so.
    Refused when the link was revoked or regenerated meanwhile, or no longer takes an answer."""
    # The questionnaire first, then the link: the order survey_link_renew takes them in.
    PartnerSurvey.objects.select_for_update().get(pk=link.survey_id)
    current = (
        SurveyLink.objects.select_for_update(of=("self",))
        .filter(pk=link.pk, token_hash=link.token_hash)
        .select_related("survey__convention", "organisation")
        .first()
    )
    if current is None:
        raise ValidationError(
            "Ce lien de réponse a été révoqué ou remplacé : demandez-en un nouveau à la coordination."
        )
    with history_reason(LINK_REASON):
        return partner_answer_save(
            survey=current.survey,
            organisation=current.organisation,
            data=data,
            on_behalf=False,
            via_link=True,
            by=None,
        )


def survey_link_email_request(*, survey: PartnerSurvey, organisation: Organisation, by) -> Job:
    """Queue the e-mailing of a new link to the organisation's members of the bodies (the job under way, if any)."""
    _check_can_have_link(survey, organisation)
    if not survey_link_recipients(convention=survey.convention, organisation=organisation):
        raise ValidationError(
            f"Aucun membre des instances pour « {organisation.name} » n'a de compte avec une adresse électronique : "
            "copiez le lien et transmettez-le vous-même."
        )
    return job_enqueue(
        kind=EMAIL_KIND,
        key=f"{EMAIL_KIND}:{survey.pk}:{organisation.pk}",
        label=f"Envoi du lien de réponse au questionnaire à « {organisation.name} » – {survey.convention.title}",
        by=by,
        convention=survey.convention,
        params={"survey": survey.pk, "organisation": organisation.pk},
    )


def survey_link_send(*, survey: PartnerSurvey, organisation: Organisation, by) -> int:
    """Draw a new link for the organisation and e-mail it to each of its members of the bodies with an account;
    record when and to how many people. Returns that number. Run by the worker, in the job's transaction: when the
    sending fails, the new link is rolled back and the previous one keeps working."""
    convention = survey.convention
    recipients = survey_link_recipients(convention=convention, organisation=organisation)
    if not recipients:
        raise ValidationError(
            f"Aucun membre des instances pour « {organisation.name} » n'a de compte avec une adresse électronique."
        )
    token = survey_link_renew(survey=survey, organisation=organisation, by=by)
    context = {
        "convention": convention,
        "organisation": organisation,
        "url": survey_link_url(convention=convention, token=token),
        "sender": by,
    }
    subject = f"[{convention.title}] Questionnaire d'évaluation : la réponse de « {organisation.name} »"
    body = render_to_string("evaluation/emails/survey_link.txt", context)
    # One message per person: the members of an organisation do not see one another's addresses.
    messages = [
        EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[person.email])
        for person in recipients
    ]
    get_connection().send_messages(messages)
    link = SurveyLink.objects.get(survey=survey, organisation=organisation)
    link.emailed_at = timezone.now()
    link.emailed_to = len(recipients)
    set_history_author(link, by)
    link.save(update_fields=["emailed_at", "emailed_to"])
    return len(recipients)


@register_job_kind(EMAIL_KIND, expected_errors=(ValidationError,))
def _email_link(job: Job) -> JobResult:
    survey = PartnerSurvey.objects.select_related("convention").get(pk=job.params["survey"])
    organisation = Organisation.objects.get(pk=job.params["organisation"])
    count = survey_link_send(survey=survey, organisation=organisation, by=job.created_by)
    return JobResult(
        message=(
            f"Nouveau lien de réponse de « {organisation.name} » envoyé par courriel à {counted(count, 'personne')} ; "
            "le lien précédent ne fonctionne plus."
        )
    )
