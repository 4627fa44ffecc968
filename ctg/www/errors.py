"""The page shown when a form fails the CSRF check, in French and with the site's layout.

The 400, 403, 404 and 500 pages are the templates of the same names rendered by Django's default handlers
(403.html receives the reason given by `PermissionDenied("…")` as `exception`).
"""

from django.middleware.csrf import REASON_NO_CSRF_COOKIE, REASON_NO_REFERER
from django.shortcuts import render

NO_COOKIE = (
    "Votre navigateur n'a pas renvoyé le cookie de sécurité de Pilote CTG : autorisez les cookies pour ce site, "
    "puis rechargez la page."
)
NO_REFERER = (
    "Votre navigateur n'a pas indiqué de quelle page venait le formulaire : autorisez l'en-tête « Referer » pour "
    "ce site, puis rechargez la page."
)
EXPIRED = (
    "Le formulaire a expiré (page ouverte depuis longtemps, session renouvelée ou formulaire envoyé depuis un "
    "autre onglet) : il n'a pas été accepté."
)


def csrf_failure(request, reason: str = ""):
    # Django's reasons are English and technical: each is told in French with what the person can do.
    message = {REASON_NO_CSRF_COOKIE: NO_COOKIE, REASON_NO_REFERER: NO_REFERER}.get(reason, EXPIRED)
    return render(request, "403_csrf.html", {"reason": message}, status=403)
