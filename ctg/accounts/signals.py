"""Journal the authentication events Django emits: logins, failed logins and logouts."""

from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from ctg.accounts.client_ip import client_ip
from ctg.accounts.enums import SecurityEventKind
from ctg.accounts.journal import security_event_record
from ctg.accounts.models import SecurityEvent, User

PROCONNECT_BACKEND = "ctg.accounts.proconnect.ProConnectBackend"


def _ip(request):
    return client_ip(request) if request is not None else None


@receiver(user_logged_in, dispatch_uid="ctg_journal_login")
def journal_login(sender, request, user, **kwargs):
    # login() keeps in the session the backend that let the user in: ProConnect's says the sign-in went through it.
    backend = request.session.get(BACKEND_SESSION_KEY, "") if request is not None else ""
    detail = "par ProConnect" if backend == PROCONNECT_BACKEND else ""
    security_event_record(kind=SecurityEventKind.LOGIN, user=user, ip_address=_ip(request), detail=detail)


@receiver(user_login_failed, dispatch_uid="ctg_journal_login_failed")
def journal_login_failed(sender, credentials, request=None, **kwargs):
    # Django masks the password in credentials; only the typed identifier is kept, to link it to a member.
    SecurityEvent.objects.create(
        kind=SecurityEventKind.LOGIN_FAILED,
        user=User.objects.filter(username=credentials.get("username", "")).first(),
        username=str(credentials.get("username", ""))[:150],
        ip_address=_ip(request),
    )


@receiver(user_logged_out, dispatch_uid="ctg_journal_logout")
def journal_logout(sender, request, user, **kwargs):
    if user is not None:
        security_event_record(kind=SecurityEventKind.LOGOUT, user=user, ip_address=_ip(request))
