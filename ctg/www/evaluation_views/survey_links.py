"""Personal answer links to the partners' questionnaire: the coordinator's page, and the answer page behind a link.

The coordinator's pages need a login and an administrator of the convention. The answer page is deliberately
public: a member of a body without an account answers for their organisation, and the unguessable token of the link
is the only credential (see ctg.evaluation.survey_links). It shows that questionnaire's questions and that
organisation's answer, nothing else; it is rate-limited per address, never cached, never indexed and sends no
Referer (the token is in its address). Unknown, regenerated or revoked link: 404; questionnaire closed or
organisation no longer a partner: 410; both with a French page.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ctg.accounts.client_ip import client_ip
from ctg.accounts.throttle import throttle_hit
from ctg.evaluation import survey_links
from ctg.evaluation.enums import SURVEY_QUESTIONS
from ctg.evaluation.models import PartnerAnswer, PartnerSurvey
from ctg.evaluation.perms import can_open_partner_survey
from ctg.evaluation.selectors import partner_organisations
from ctg.jobs.enums import ACTIVE_STATUSES
from ctg.jobs.models import Job
from ctg.www.evaluation_views.forms import PartnerAnswerForm
from ctg.www.utils import add_service_errors, get_convention_for

FRESH_LINK_KEY = "survey_link_fresh"
UNKNOWN_LINK = (
    "Ce lien de réponse au questionnaire est inconnu, ou il a été remplacé ou révoqué par la coordination de la "
    "convention. Demandez-lui un nouveau lien."
)
TOO_MANY = "Trop de demandes depuis votre adresse : réessayez dans une heure."


# The coordinator's page


def _coordinator(request, convention_pk):
    convention = get_convention_for(request, convention_pk)
    if not can_open_partner_survey(request.user, convention):
        raise PermissionDenied(
            "Seuls les administrateurs de la convention gèrent les liens de réponse des partenaires."
        )
    return convention


def _open_survey_and_organisation(request, convention, organisation_pk):
    """The open questionnaire and one of its partner organisations; None (with a message) when it is not open."""
    organisation = next((o for o in partner_organisations(convention=convention) if o.pk == organisation_pk), None)
    if organisation is None:
        raise Http404("Cette organisation n'est pas partenaire de la convention.")
    survey = PartnerSurvey.objects.filter(convention=convention).select_related("convention").first()
    if survey is None or not survey.is_open:
        messages.error(
            request, "Le questionnaire aux partenaires n'est pas ouvert : ouvrez-le avant d'envoyer des liens."
        )
        return None, organisation
    return survey, organisation


def _back(convention):
    return redirect("evaluation_views:survey_links", convention_pk=convention.pk)


@require_safe
def links(request, convention_pk):
    """Per partner organisation: its answer link (created, e-mailed), its answer; create, regenerate, revoke, send."""
    convention = _coordinator(request, convention_pk)
    survey = PartnerSurvey.objects.filter(convention=convention).select_related("convention").first()
    fresh = request.session.get(FRESH_LINK_KEY)
    if fresh and fresh.get("convention") == convention.pk:
        del request.session[FRESH_LINK_KEY]
    else:
        fresh = None
    sending = set()
    if survey is not None:
        keys = Job.objects.filter(
            kind=survey_links.EMAIL_KIND, convention=convention, status__in=ACTIVE_STATUSES
        ).values_list("params", flat=True)
        sending = {params.get("organisation") for params in keys if params.get("survey") == survey.pk}
    context = {
        "convention": convention,
        "survey": survey,
        "rows": survey_links.survey_links_overview(survey=survey) if survey is not None else [],
        "fresh": fresh,
        "sending": sending,
    }
    return render(request, "evaluation_views/survey_links.html", context)


@require_POST
def link_renew(request, convention_pk, organisation_pk):
    """Create or regenerate an organisation's link; the new link is shown once, on the page the coordinator is sent
    back to."""
    convention = _coordinator(request, convention_pk)
    survey, organisation = _open_survey_and_organisation(request, convention, organisation_pk)
    if survey is None:
        return _back(convention)
    try:
        token = survey_links.survey_link_renew(survey=survey, organisation=organisation, by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return _back(convention)
    request.session[FRESH_LINK_KEY] = {
        "convention": convention.pk,
        "organisation": organisation.pk,
        "name": organisation.name,
        "url": survey_links.survey_link_url(convention=convention, token=token),
    }
    messages.success(
        request,
        f"Lien de réponse de « {organisation.name} » créé. Copiez-le maintenant : il ne sera plus affiché. Tout lien "
        "précédent de cette organisation ne fonctionne plus.",
    )
    return _back(convention)


@require_POST
def link_revoke(request, convention_pk, organisation_pk):
    convention = _coordinator(request, convention_pk)
    organisation = next((o for o in partner_organisations(convention=convention) if o.pk == organisation_pk), None)
    survey = PartnerSurvey.objects.filter(convention=convention).first()
    if organisation is None or survey is None:
        raise Http404("Cette organisation n'a pas de lien de réponse.")
    if survey_links.survey_link_revoke(survey=survey, organisation=organisation, by=request.user):
        messages.success(request, f"Le lien de réponse de « {organisation.name} » est révoqué : il ne répond plus.")
    else:
        messages.info(request, f"« {organisation.name} » n'avait pas de lien de réponse.")
    return _back(convention)


@require_POST
def link_email(request, convention_pk, organisation_pk):
    """« Envoyer le lien par courriel »: the worker draws a new link and e-mails it to the organisation's members of
    the bodies who have an account."""
    convention = _coordinator(request, convention_pk)
    survey, organisation = _open_survey_and_organisation(request, convention, organisation_pk)
    if survey is None:
        return _back(convention)
    try:
        survey_links.survey_link_email_request(survey=survey, organisation=organisation, by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            f"Envoi du lien de réponse de « {organisation.name} » en cours : un nouveau lien part par courriel et le "
            "précédent ne fonctionnera plus. La date d'envoi s'affiche ici une fois le courriel parti.",
        )
    return _back(convention)


# The public answer page


def _public(response: HttpResponse) -> HttpResponse:
    """Headers of the public answer page: the token in the address must not leak, be kept or be indexed."""
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    patch_cache_control(response, private=True, no_store=True, max_age=0)
    return response


def _refused(request, message: str, status: int) -> HttpResponse:
    return _public(render(request, "evaluation_views/survey_link_refused.html", {"message": message}, status=status))


@login_not_required
@require_http_methods(["GET", "HEAD", "POST"])
def public_answer(request, convention_pk, token):
    """Deliberately public: the token is the credential. One organisation's answer to one questionnaire."""
    allowed = throttle_hit(
        scope="survey-link-ip",
        key=client_ip(request) or "inconnue",
        limit=settings.SURVEY_LINK_LIMIT_PER_IP,
        window=settings.SURVEY_LINK_LIMIT_WINDOW,
    )
    if not allowed:
        return _refused(request, TOO_MANY, 429)
    link = survey_links.survey_link_for_token(convention_pk=convention_pk, token=token)
    if link is None:
        return _refused(request, UNKNOWN_LINK, 404)
    refusal = survey_links.survey_link_refusal(link)
    if refusal is not None:
        return _refused(request, refusal, 410)
    answer = PartnerAnswer.objects.filter(survey=link.survey, organisation=link.organisation).first()
    names = [*(c.value for c in SURVEY_QUESTIONS), "comment"]
    form = PartnerAnswerForm(request.POST or None, initial={n: getattr(answer, n) for n in names} if answer else {})
    if request.method == "POST" and form.is_valid():
        try:
            survey_links.survey_link_answer(link=link, data=form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"Réponse de « {link.organisation.name} » enregistrée, merci. Vous pouvez la corriger par ce même "
                "lien tant que le questionnaire est ouvert.",
            )
            return _public(redirect(request.path))
    context = {
        "convention": link.survey.convention,
        "organisation": link.organisation,
        "survey": link.survey,
        "answer": answer,
        "form": form,
    }
    return _public(render(request, "evaluation_views/survey_link_answer.html", context))
