"""Login, password reset, invitations, the members and journal pages of a convention, and "my account"."""

import json

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST

from ctg.accounts.client_ip import client_ip
from ctg.accounts.enums import SecurityEventKind
from ctg.accounts.journal import security_event_record
from ctg.accounts.models import Invitation, Membership
from ctg.accounts.oidc import is_configured
from ctg.accounts.selectors import (
    accounts_holding_address,
    convention_journal,
    convention_members,
    convention_pending_invitations,
)
from ctg.accounts.services import (
    invitation_accept,
    invitation_create,
    invitation_for_token,
    invitation_revoke,
    membership_change_role,
    membership_remove,
    user_delete,
    user_personal_data,
    user_update_profile,
)
from ctg.accounts.throttle import password_reset_allowed
from ctg.conventions.models import Convention
from ctg.conventions.perms import can_manage_members, can_view_journal
from ctg.conventions.services import convention_set_public
from ctg.steering.calendar import calendar_feeds_personal_data
from ctg.steering.models import CalendarFeed, ReminderKind
from ctg.steering.reminders import received_kinds, reminder_preferences_set
from ctg.www.accounts_views import proconnect
from ctg.www.accounts_views.forms import (
    AccountDeleteForm,
    InvitationAcceptForm,
    InvitationForm,
    LoginForm,
    ProfileForm,
    PublicationForm,
    ReminderPreferencesForm,
    RoleForm,
)
from ctg.www.accounts_views.invitations import send_invitation
from ctg.www.downloads import download_response
from ctg.www.steering_views.calendar import fresh_link_any
from ctg.www.utils import run_service

JOURNAL_PAGE_SIZE = 100


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "accounts_views/login.html"
    redirect_authenticated_user = True
    authentication_form = LoginForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["proconnect_enabled"] = is_configured()
        return context


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        # Read before Django's logout empties the session.
        id_token = request.session.get(proconnect.ID_TOKEN_KEY, "")
        response = super().post(request, *args, **kwargs)
        return proconnect.proconnect_logout_response(request, id_token) or response


@method_decorator(login_not_required, name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts_views/password_reset_form.html"
    email_template_name = "accounts_views/emails/password_reset.txt"
    subject_template_name = "accounts_views/emails/password_reset_subject.txt"
    success_url = reverse_lazy("accounts_views:password_reset_done")

    def form_valid(self, form):
        ip, email = client_ip(self.request), form.cleaned_data["email"]
        if password_reset_allowed(ip=ip, email=email):
            return super().form_valid(form)
        # Same answer as when an e-mail leaves, so that the limit reveals nothing about the address.
        security_event_record(
            kind=SecurityEventKind.PASSWORD_RESET_THROTTLED,
            detail=f"demande pour {email[:200]} non envoyée : limite horaire atteinte",
            ip_address=ip,
        )
        return redirect(self.get_success_url())


@method_decorator(login_not_required, name="dispatch")
class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts_views/password_reset_done.html"


@method_decorator(login_not_required, name="dispatch")
class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts_views/password_reset_confirm.html"
    success_url = reverse_lazy("accounts_views:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        security_event_record(kind=SecurityEventKind.PASSWORD_RESET, user=form.user, detail="par lien électronique")
        return response


@method_decorator(login_not_required, name="dispatch")
class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts_views/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts_views/password_change.html"
    success_url = reverse_lazy("accounts_views:profile")

    def form_valid(self, form):
        response = super().form_valid(form)
        security_event_record(kind=SecurityEventKind.PASSWORD_RESET, user=self.request.user, detail="depuis le profil")
        messages.success(self.request, "Votre mot de passe a été modifié.")
        return response


# --- Invitations ---------------------------------------------------------------------------------------------


@login_not_required
def invitation_accept_view(request, token):
    invitation = invitation_for_token(token)
    if invitation is None:
        raise Http404("Invitation introuvable.")
    user = request.user
    if user.is_authenticated and not accounts_holding_address(invitation.email).filter(pk=user.pk).exists():
        raise PermissionDenied("Cette invitation est destinée à une autre adresse électronique.")
    existing_account = not user.is_authenticated and accounts_holding_address(invitation.email).exists()
    if existing_account:
        # The account may be the one this very invitation created a moment ago (a double click): it is then used.
        invitation.refresh_from_db(fields=["accepted_at"])
    problem = None
    if invitation.accepted_at is not None:
        problem = "Cette invitation a déjà été utilisée."
    elif invitation.is_expired:
        problem = "Cette invitation a expiré : demandez-en une nouvelle à l'administrateur de la convention."
    if problem is None and existing_account:
        problem = "Un compte existe déjà pour cette adresse : connectez-vous, puis rouvrez le lien de l'invitation."
    form = None
    if problem is None and not user.is_authenticated:
        form = InvitationAcceptForm(request.POST or None)
    if problem is None and request.method == "POST" and (form is None or form.is_valid()):
        data = form.cleaned_data if form is not None else {}
        try:
            accepted = invitation_accept(
                invitation=invitation,
                by=user if user.is_authenticated else None,
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
                password=data.get("password1", ""),
            )
        except ValidationError as exc:
            # A second click of the same link finds the invitation used by the first: say so, without the form.
            invitation.refresh_from_db(fields=["accepted_at"])
            if form is None or not invitation.is_usable:
                problem, form = " ".join(exc.messages), None
            else:
                form.add_error(None, exc)
        else:
            if not user.is_authenticated:
                login(request, accepted, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Bienvenue : vous avez désormais accès à « {invitation.convention} ».")
            return redirect("conventions_views:detail", pk=invitation.convention_id)
    return render(
        request,
        "accounts_views/invitation_accept.html",
        {
            "invitation": invitation,
            "form": form,
            "problem": problem,
            "existing_account": existing_account,
            "proconnect_enabled": is_configured(),
            "token": token,
        },
        status=200 if invitation.is_usable else 410,
    )


# --- Members of a convention ---------------------------------------------------------------------------------


def _convention_for_admin(request, convention_pk) -> Convention:
    convention = get_object_or_404(Convention.objects.for_user(request.user).select_related("epci"), pk=convention_pk)
    if not can_manage_members(request.user, convention):
        raise PermissionDenied("Seuls les administrateurs de la convention gèrent ses membres.")
    return convention


def members(request, convention_pk):
    convention = _convention_for_admin(request, convention_pk)
    communes = list(convention.communes.order_by("name").only("pk", "name"))
    invite_form = InvitationForm(request.POST or None, communes=communes)
    if request.method == "POST" and invite_form.is_valid():
        try:
            invitation, token = invitation_create(
                convention=convention,
                email=invite_form.cleaned_data["email"],
                role=invite_form.cleaned_data["role"],
                commune=invite_form.cleaned_data["commune"],
                by=request.user,
            )
        except ValidationError as exc:
            invite_form.add_error(None, exc)
        else:
            send_invitation(request, invitation, token)
            messages.success(request, f"Invitation envoyée à {invitation.email}.")
            return redirect("accounts_views:members", convention_pk=convention.pk)
    memberships = convention_members(convention)
    context = {
        "convention": convention,
        "memberships": memberships,
        "role_forms": [
            (m, RoleForm(initial={"role": m.role, "commune": m.commune_id}, communes=communes, prefix=f"m{m.pk}"))
            for m in memberships
        ],
        "invitations": convention_pending_invitations(convention),
        "invite_form": invite_form,
        "publication_form": PublicationForm(initial={"is_public": convention.is_public}),
    }
    return render(request, "accounts_views/members.html", context)


@require_POST
def member_role(request, convention_pk, pk):
    convention = _convention_for_admin(request, convention_pk)
    membership = get_object_or_404(Membership.objects.filter(convention=convention).select_related("user"), pk=pk)
    communes = list(convention.communes.order_by("name").only("pk", "name"))
    form = RoleForm(request.POST, communes=communes, prefix=f"m{membership.pk}")
    if form.is_valid():
        if run_service(
            request,
            membership_change_role,
            membership=membership,
            role=form.cleaned_data["role"],
            commune=form.cleaned_data["commune"],
        ):
            messages.success(request, f"Le rôle de {membership.user} a été modifié.")
    else:
        messages.error(request, "Rôle invalide.")
    return redirect("accounts_views:members", convention_pk=convention.pk)


@require_POST
def member_remove(request, convention_pk, pk):
    convention = _convention_for_admin(request, convention_pk)
    membership = get_object_or_404(Membership.objects.filter(convention=convention).select_related("user"), pk=pk)
    if run_service(request, membership_remove, membership=membership):
        messages.success(request, f"{membership.user} n'a plus accès à la convention.")
    return redirect("accounts_views:members", convention_pk=convention.pk)


@require_POST
def invitation_revoke_view(request, convention_pk, pk):
    convention = _convention_for_admin(request, convention_pk)
    invitation = get_object_or_404(Invitation.objects.filter(convention=convention), pk=pk)
    if run_service(request, invitation_revoke, invitation=invitation):
        messages.success(request, f"L'invitation de {invitation.email} est annulée.")
    return redirect("accounts_views:members", convention_pk=convention.pk)


@require_POST
def publication(request, convention_pk):
    convention = _convention_for_admin(request, convention_pk)
    form = PublicationForm(request.POST)
    is_public = form.is_valid() and form.cleaned_data["is_public"]
    convention_set_public(convention=convention, is_public=is_public, by=request.user)
    if is_public:
        messages.success(request, "La page publique de la convention est en ligne.")
    else:
        messages.success(request, "La page publique de la convention n'est plus accessible.")
    return redirect("accounts_views:members", convention_pk=convention.pk)


def journal(request, convention_pk):
    convention = get_object_or_404(Convention.objects.for_user(request.user), pk=convention_pk)
    if not can_view_journal(request.user, convention):
        raise PermissionDenied("Seuls les administrateurs de la convention consultent son journal de sécurité.")
    page = Paginator(convention_journal(convention), JOURNAL_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "accounts_views/journal.html", {"convention": convention, "page": page})


# --- My account ----------------------------------------------------------------------------------------------


def profile(request):
    form = ProfileForm(
        request.POST or None, initial={"first_name": request.user.first_name, "last_name": request.user.last_name}
    )
    if request.method == "POST" and form.is_valid():
        try:
            user_update_profile(user=request.user, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Votre profil est enregistré.")
            return redirect("accounts_views:profile")
    memberships = Membership.objects.filter(user=request.user).select_related("convention", "commune")
    return render(
        request,
        "accounts_views/profile.html",
        {
            "form": form,
            "reminders_form": ReminderPreferencesForm(initial={"kinds": received_kinds(user=request.user)}),
            "memberships": memberships,
            "delete_form": AccountDeleteForm(user=request.user),
            "proconnect_enabled": is_configured(),
            "calendar_feeds": CalendarFeed.objects.filter(
                user=request.user, convention__in=Convention.objects.for_user(request.user)
            ).select_related("convention"),
            "fresh_calendar_link": fresh_link_any(request),
        },
    )


@require_POST
def reminder_preferences(request):
    form = ReminderPreferencesForm(request.POST)
    if form.is_valid():
        reminder_preferences_set(user=request.user, received_kinds=form.cleaned_data["kinds"])
        messages.success(request, "Vos préférences de rappels sont enregistrées.")
    else:
        messages.error(request, "Choix de rappels non reconnu : cochez les rappels proposés, puis enregistrez.")
    return redirect("accounts_views:profile")


def profile_export(request):
    data = user_personal_data(request.user)
    # Kept by the steering, above the accounts: the calendar links and the e-mail reminders the person receives.
    data["liens_agenda"] = calendar_feeds_personal_data(request.user)
    data["rappels_par_courriel"] = [ReminderKind(kind).label for kind in received_kinds(user=request.user)]
    security_event_record(
        kind=SecurityEventKind.PERSONAL_DATA_EXPORT, user=request.user, detail="export JSON de mes données"
    )
    return download_response(
        json.dumps(data, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
        filename="mes-donnees-pilote-ctg.json",
    )


def profile_delete(request):
    form = AccountDeleteForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            user_delete(user=request.user, by=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            logout(request)
            messages.success(request, "Votre compte a été supprimé. Merci d'avoir utilisé Pilote CTG.")
            return redirect("accounts_views:login")
    return render(request, "accounts_views/profile_delete.html", {"form": form})
