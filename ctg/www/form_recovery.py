"""A form submitted after the session expired is not lost.

When a POST reaches a login-required page from an anonymous visitor (their session expired while they typed), the
middleware keeps the submitted fields in the new anonymous session, server-side (the session table), for
RECOVERY_MINUTES, before the login redirect. The login keeps the session's data (Django cycles its key), so when
the same browser comes back to that page once logged in, the view finds the typed fields in `form_data(request)`
and shows the form filled with them: nothing is saved until the user submits it themselves.

Never kept: files, the CSRF token, and any field whose name says it holds a password. Entries are bounded in
number and size so that an anonymous POST cannot grow a session without limit.
"""

import datetime

from django.contrib import messages
from django.http import HttpRequest, QueryDict
from django.utils import timezone

SESSION_KEY = "form_recovery"
RECOVERY_MINUTES = 30
MAX_ENTRIES = 5
MAX_CHARACTERS = 100_000
SECRET_MARKERS = ("password", "passwd", "mot_de_passe", "csrfmiddlewaretoken", "token", "secret")


def _kept_fields(request: HttpRequest) -> list[tuple[str, list[str]]]:
    return [
        (name, request.POST.getlist(name))
        for name in request.POST
        if not any(marker in name.lower() for marker in SECRET_MARKERS)
    ]


def _fresh(entries: dict, now: datetime.datetime) -> dict:
    limit = now - datetime.timedelta(minutes=RECOVERY_MINUTES)
    return {path: e for path, e in entries.items() if datetime.datetime.fromisoformat(e["saved_at"]) >= limit}


def keep(request: HttpRequest) -> bool:
    """Keep the submitted fields of this POST for its page; returns whether they were kept."""
    fields = _kept_fields(request)
    if not fields or sum(len(n) + sum(len(v) for v in values) for n, values in fields) > MAX_CHARACTERS:
        return False
    now = timezone.now()
    entries = _fresh(request.session.get(SESSION_KEY, {}), now)
    entries[request.path] = {"saved_at": now.isoformat(), "fields": fields}
    # The latest entries only.
    request.session[SESSION_KEY] = dict(sorted(entries.items(), key=lambda item: item[1]["saved_at"])[-MAX_ENTRIES:])
    return True


def take(request: HttpRequest) -> QueryDict | None:
    """The fields kept for this page, if any and fresh, removed from the session (shown once)."""
    entries = request.session.get(SESSION_KEY)
    if not entries or request.path not in entries:
        return None
    entries = _fresh(entries, timezone.now())
    entry = entries.pop(request.path, None)
    request.session[SESSION_KEY] = entries
    if entry is None:
        return None
    data = QueryDict(mutable=True)
    for name, values in entry["fields"]:
        data.setlist(name, values)
    return data


def form_data(request: HttpRequest) -> QueryDict | None:
    """What a form of the page is bound to: the POST, or on a GET the fields recovered after a login, or None."""
    if request.method == "POST":
        return request.POST or None  # an empty POST shows the blank form, as a GET does
    recovered = getattr(request, "recovered_form", None)
    if recovered is not None and not getattr(request, "recovery_announced", False):
        setattr(request, "recovery_announced", True)  # noqa: B010 (an attribute of this request only)
        messages.info(
            request,
            "Votre session avait expiré pendant votre saisie : le formulaire a été rempli avec ce que vous aviez "
            "tapé. Rien n'est enregistré tant que vous ne l'envoyez pas : vérifiez-le, puis enregistrez.",
        )
    return recovered


class FormRecoveryMiddleware:
    """Keeps an anonymous POST to a login-required page before the login redirect, and hands it back to the page
    once logged in. Placed after the CSRF check (a forged POST is refused before) and before
    LoginRequiredMiddleware (which redirects to the login page)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not getattr(view_func, "login_required", True):
            return None
        if request.user.is_authenticated:
            if request.method == "GET" and SESSION_KEY in request.session:
                recovered = take(request)
                if recovered is not None:
                    request.recovered_form = recovered
            return None
        if request.method == "POST" and keep(request):
            messages.warning(
                request,
                f"Votre session a expiré : ce que vous aviez saisi est gardé {RECOVERY_MINUTES} minutes. "
                "Connectez-vous pour retrouver le formulaire rempli.",
            )
        return None
