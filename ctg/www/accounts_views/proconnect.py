"""Sign-in with ProConnect: start, return from the provider, linking an existing account, logout.

The session keeps each sign-in in progress under its `state` (with its nonce, PKCE verifier and start time); the
return consumes it, so that a forged, replayed or stale `state` ends on an error page. Every failure is journaled
and ends on a French page saying what to do.
"""

import dataclasses
import secrets
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET

from ctg.accounts.client_ip import client_ip
from ctg.accounts.enums import OidcFailure, SecurityEventKind
from ctg.accounts.journal import security_event_record
from ctg.accounts.models import Invitation, User
from ctg.accounts.oidc import (
    Identity,
    OidcError,
    authorization_request,
    complete_authorization,
    end_session_url,
    is_configured,
)
from ctg.accounts.proconnect import (
    proconnect_account_create,
    proconnect_identity_link,
    proconnect_link_for,
    proconnect_sign_in_known,
)
from ctg.accounts.selectors import accounts_holding_address
from ctg.accounts.services import invitation_accept, invitation_for_token
from ctg.www.accounts_views.forms import ProConnectLinkForm

FLOWS_KEY = "proconnect_flows"
PENDING_KEY = "proconnect_pending_link"
ID_TOKEN_KEY = "proconnect_id_token"  # noqa: S105 (a session key, not a secret)
LOGOUT_STATE_KEY = "proconnect_logout_state"
BACKEND = "ctg.accounts.proconnect.ProConnectBackend"
# Sign-ins started in other tabs stay valid; beyond this many, the oldest are forgotten.
MAX_FLOWS = 5

ADVICE = {
    OidcFailure.NOT_CONFIGURED: "La connexion par ProConnect n'est pas proposée sur ce site : connectez-vous avec "
    "votre identifiant et votre mot de passe.",
    OidcFailure.CONSENT_REFUSED: "Vous avez refusé de transmettre votre identité à Pilote CTG : vous n'êtes pas "
    "connecté·e. Pour entrer, recommencez et acceptez, ou connectez-vous avec votre mot de passe.",
    OidcFailure.PROVIDER_REFUSED: "ProConnect a refusé la connexion. Recommencez ; si le refus persiste, "
    "contactez le support de votre fournisseur d'identité.",
    OidcFailure.STATE_INVALID: "Ce retour de ProConnect ne correspond à aucune connexion en cours dans ce navigateur "
    "(lien déjà utilisé, ou ouvert dans un autre navigateur). Recommencez la connexion depuis la page de connexion.",
    OidcFailure.STATE_EXPIRED: "La connexion a pris trop de temps et a expiré. Recommencez-la depuis la page de "
    "connexion.",
    OidcFailure.PROVIDER_DOWN: "ProConnect ne répond pas pour le moment. Réessayez dans quelques minutes, ou "
    "connectez-vous avec votre mot de passe si vous en avez un.",
    OidcFailure.PROVIDER_ERROR: "ProConnect a envoyé une réponse que Pilote CTG n'a pas pu utiliser. Recommencez la "
    "connexion ; si le problème persiste, prévenez l'administrateur de votre convention.",
    OidcFailure.TOKEN_INVALID: "L'identité transmise par ProConnect n'a pas pu être vérifiée (jeton invalide ou "
    "expiré) : vous n'êtes pas connecté·e. Recommencez la connexion depuis la page de connexion.",
    OidcFailure.NONCE_MISMATCH: "L'identité transmise par ProConnect ne correspond pas à cette connexion (jeton "
    "rejoué) : vous n'êtes pas connecté·e. Recommencez la connexion depuis la page de connexion.",
    OidcFailure.CLAIMS_MISSING: "ProConnect n'a pas transmis toutes les informations nécessaires (adresse "
    "électronique, prénom et nom). Complétez votre profil auprès de votre fournisseur d'identité, puis recommencez.",
    OidcFailure.NO_ACCOUNT: "Aucun compte Pilote CTG n'est lié à cette identité ProConnect. Demandez une invitation "
    "à l'administrateur de votre convention, puis ouvrez le lien reçu par courriel et choisissez ProConnect.",
    OidcFailure.ACCOUNT_INACTIVE: "Ce compte Pilote CTG est désactivé. Contactez l'administrateur de votre "
    "convention.",
    OidcFailure.INVITATION_UNUSABLE: "Cette invitation ne peut pas être utilisée : demandez-en une nouvelle à "
    "l'administrateur de la convention.",
    OidcFailure.ALREADY_LINKED: "Ce compte est déjà lié à une autre identité ProConnect : connectez-vous avec "
    "celle-ci, ou demandez à l'équipe technique de retirer l'ancienne liaison.",
}
STATUS = {
    OidcFailure.PROVIDER_DOWN: 503,
    OidcFailure.PROVIDER_ERROR: 502,
    OidcFailure.CONSENT_REFUSED: 403,
    OidcFailure.PROVIDER_REFUSED: 403,
    OidcFailure.NO_ACCOUNT: 403,
    OidcFailure.ACCOUNT_INACTIVE: 403,
    OidcFailure.ALREADY_LINKED: 403,
    OidcFailure.INVITATION_UNUSABLE: 410,
}


def _failure(request, reason: OidcFailure, detail: str = "", user=None) -> HttpResponse:
    security_event_record(
        kind=SecurityEventKind.PROCONNECT_LOGIN_FAILED,
        user=user,
        detail=f"{reason.label}{f' : {detail}' if detail else ''}",
        ip_address=client_ip(request),
    )
    return render(
        request,
        "accounts_views/proconnect_error.html",
        {"title": reason.label, "advice": ADVICE[reason], "reason": reason.value},
        status=STATUS.get(reason, 400),
    )


def _callback_uri(request) -> str:
    return request.build_absolute_uri(reverse("accounts_views:proconnect_callback"))


def _safe_next(request, candidate: str) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


@login_not_required
@require_GET
def proconnect_login(request):
    """Send the browser to ProConnect with a new state, nonce and PKCE challenge kept in the session."""
    if not is_configured():
        raise Http404("La connexion ProConnect n'est pas configurée.")
    invitation_token = request.GET.get("invitation", "")[:200]
    if request.user.is_authenticated and not invitation_token:
        return redirect(settings.LOGIN_REDIRECT_URL)
    try:
        auth_request = authorization_request(redirect_uri=_callback_uri(request))
    except OidcError as exc:
        return _failure(request, exc.reason, exc.detail)
    flows = dict(request.session.get(FLOWS_KEY, {}))
    flows[auth_request.state] = {
        "nonce": auth_request.nonce,
        "code_verifier": auth_request.code_verifier,
        "started_at": time.time(),
        "next": request.GET.get("next", "")[:1000],
        "invitation": invitation_token,
    }
    request.session[FLOWS_KEY] = dict(sorted(flows.items(), key=lambda item: item[1]["started_at"])[-MAX_FLOWS:])
    return redirect(auth_request.url)


@login_not_required
@require_GET
def proconnect_callback(request):
    """The provider's return: check the state, then the code, the tokens and the identity."""
    if not is_configured():
        raise Http404("La connexion ProConnect n'est pas configurée.")
    flows = dict(request.session.get(FLOWS_KEY, {}))
    # Consumed whatever happens next: a state is good for one return only.
    flow = flows.pop(request.GET.get("state", ""), None)
    request.session[FLOWS_KEY] = flows
    if flow is None:
        return _failure(request, OidcFailure.STATE_INVALID)
    if time.time() - flow["started_at"] > settings.PROCONNECT_STATE_MAX_AGE:
        return _failure(request, OidcFailure.STATE_EXPIRED)
    error = request.GET.get("error", "")
    if error == "access_denied":
        return _failure(request, OidcFailure.CONSENT_REFUSED)
    if error:
        return _failure(
            request, OidcFailure.PROVIDER_REFUSED, f"{error[:100]} {request.GET.get('error_description', '')[:200]}"
        )
    code = request.GET.get("code", "")
    if not code:
        return _failure(request, OidcFailure.PROVIDER_ERROR, "aucun code d'autorisation")
    try:
        identity = complete_authorization(
            code=code, redirect_uri=_callback_uri(request), nonce=flow["nonce"], code_verifier=flow["code_verifier"]
        )
    except OidcError as exc:
        return _failure(request, exc.reason, exc.detail)
    return _sign_in(request, identity, flow)


def _log_in(request, user: User, identity: Identity, next_url: str) -> HttpResponse:
    login(request, user, backend=BACKEND)
    # Kept for the logout through the provider (id_token_hint).
    request.session[ID_TOKEN_KEY] = identity.id_token
    return redirect(_safe_next(request, next_url))


def _invitation_usable_by_new_account(invitation: Invitation) -> bool:
    return invitation.is_usable and not accounts_holding_address(invitation.email).exists()


def _sign_in(request, identity: Identity, flow: dict) -> HttpResponse:
    invitation = invitation_for_token(flow["invitation"]) if flow.get("invitation") else None
    link = proconnect_link_for(identity)
    if link is not None:
        try:
            user = proconnect_sign_in_known(link=link, identity=identity)
        except ValidationError:
            return _failure(request, OidcFailure.ACCOUNT_INACTIVE, identity.email, user=link.user)
        response = _log_in(request, user, identity, flow.get("next", ""))
        if invitation is not None:
            return _accept_invitation(request, invitation, user) or response
        return response
    if invitation is not None and _invitation_usable_by_new_account(invitation):
        try:
            user = proconnect_account_create(invitation=invitation, identity=identity, ip_address=client_ip(request))
        except ValidationError as exc:
            return _failure(request, OidcFailure.INVITATION_UNUSABLE, " ".join(exc.messages))
        _log_in(request, user, identity, "")
        messages.success(request, f"Bienvenue : vous avez désormais accès à « {invitation.convention} ».")
        return redirect("conventions_views:detail", pk=invitation.convention_id)
    # No account is ever taken over by its address: its owner proves it with the password.
    address = invitation.email if invitation is not None and invitation.is_usable else identity.email
    candidate = accounts_holding_address(address).filter(is_active=True, deleted_at__isnull=True).first()
    if candidate is not None:
        request.session[PENDING_KEY] = {
            "identity": dataclasses.asdict(identity),
            "user_id": candidate.pk,
            "started_at": time.time(),
            "next": flow.get("next", ""),
            "invitation": flow.get("invitation", "") if invitation is not None and invitation.is_usable else "",
        }
        return redirect("accounts_views:proconnect_link")
    if invitation is not None:
        return _failure(request, OidcFailure.INVITATION_UNUSABLE, identity.email)
    return _failure(request, OidcFailure.NO_ACCOUNT, identity.email)


def _accept_invitation(request, invitation: Invitation, user: User) -> HttpResponse | None:
    """Use the invitation the sign-in started from; a refusal is said, the person stays signed in."""
    try:
        invitation_accept(invitation=invitation, by=user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return None
    messages.success(request, f"Bienvenue : vous avez désormais accès à « {invitation.convention} ».")
    return redirect("conventions_views:detail", pk=invitation.convention_id)


@login_not_required
def proconnect_link(request):
    """An account holds the address ProConnect declared: its owner types its password to link it."""
    if not is_configured():
        raise Http404("La connexion ProConnect n'est pas configurée.")
    pending = request.session.get(PENDING_KEY)
    if not pending:
        return _failure(request, OidcFailure.STATE_INVALID, "aucune liaison en cours")
    if time.time() - pending["started_at"] > settings.PROCONNECT_STATE_MAX_AGE:
        del request.session[PENDING_KEY]
        return _failure(request, OidcFailure.STATE_EXPIRED, "liaison")
    user = User.objects.filter(pk=pending["user_id"], is_active=True, deleted_at__isnull=True).first()
    if user is None:
        del request.session[PENDING_KEY]
        return _failure(request, OidcFailure.ACCOUNT_INACTIVE)
    identity = Identity(**pending["identity"])
    form = ProConnectLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # authenticate() counts failures towards the lockout (django-axes) and journals them.
        proven = authenticate(request, username=user.username, password=form.cleaned_data["password"])
        if proven is None or proven.pk != user.pk:
            form.add_error("password", "Mot de passe incorrect.")
        else:
            try:
                proconnect_identity_link(user=user, identity=identity, ip_address=client_ip(request))
            except ValidationError as exc:
                del request.session[PENDING_KEY]
                return _failure(request, OidcFailure.ALREADY_LINKED, " ".join(exc.messages), user=user)
            del request.session[PENDING_KEY]
            response = _log_in(request, user, identity, pending.get("next", ""))
            messages.success(request, "Votre compte est lié à ProConnect : connectez-vous désormais avec ProConnect.")
            invitation = invitation_for_token(pending["invitation"]) if pending.get("invitation") else None
            if invitation is not None:
                return _accept_invitation(request, invitation, user) or response
            return response
    return render(
        request,
        "accounts_views/proconnect_link.html",
        {"form": form, "identity": identity, "account": user, "has_password": user.has_usable_password()},
    )


def proconnect_logout_response(request, id_token: str) -> HttpResponse | None:
    """After Django's logout: a page that sends the browser to the provider's logout (None when not possible)."""
    if not id_token or not is_configured():
        return None
    state = secrets.token_urlsafe(32)
    try:
        url = end_session_url(
            id_token=id_token,
            post_logout_redirect_uri=request.build_absolute_uri(reverse("accounts_views:proconnect_logout_return")),
            state=state,
        )
    except OidcError:
        messages.warning(
            request,
            "Vous êtes déconnecté·e de Pilote CTG, mais ProConnect ne répond pas : fermez votre navigateur pour "
            "terminer aussi votre session ProConnect.",
        )
        return None
    if not url:
        return None
    request.session[LOGOUT_STATE_KEY] = state
    # A page rather than a redirect: the Content-Security-Policy (form-action 'self') forbids a form's redirect
    # to another site, not a navigation (meta refresh, or the link for browsers that block it).
    return render(request, "accounts_views/proconnect_logout.html", {"end_session_url": url})


@login_not_required
@require_GET
def proconnect_logout_return(request):
    """The provider's return after its logout."""
    expected = request.session.pop(LOGOUT_STATE_KEY, None)
    if expected and secrets.compare_digest(expected, request.GET.get("state", "")):
        messages.success(request, "Vous êtes déconnecté·e de Pilote CTG et de ProConnect.")
    return redirect(settings.LOGOUT_REDIRECT_URL)
