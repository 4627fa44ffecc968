"""The convention's calendar: a private subscription link per reader, the feed behind it, a meeting's invitation.

The feed is deliberately public: a calendar application fetches it without a session, a cookie or a CSRF token, and
the unguessable token of the link is the only credential (see ctg.steering.calendar). Every other page here needs a
login and a reader of the convention. A link just created is shown once, on the page the person comes back to; the
database keeps only its hash.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST

from ctg.steering.calendar import (
    calendar_feed_renew,
    calendar_feed_revoke,
    convention_calendar,
    feed_for_token,
    feed_path,
    meeting_invitation,
)
from ctg.steering.models import CalendarFeed
from ctg.steering.perms import can_view_steering
from ctg.www.downloads import download_response
from ctg.www.steering_views.views import _meeting
from ctg.www.utils import get_convention_for

FRESH_LINK_KEY = "calendar_feed_fresh_link"
# Where the buttons of « Mon compte » come back to; any other value returns to the convention's calendar page.
BACK_TO_PROFILE = "compte"
ICS_TYPE = "text/calendar; charset=utf-8"


def fresh_link(request, convention_id: int) -> str | None:
    """The link just created for this convention, if any; shown once."""
    fresh = request.session.get(FRESH_LINK_KEY)
    if fresh and fresh.get("convention") == convention_id:
        del request.session[FRESH_LINK_KEY]
        return fresh["url"]
    return None


def fresh_link_any(request) -> dict | None:
    """The link just created, whatever its convention (« Mon compte »); shown once."""
    return request.session.pop(FRESH_LINK_KEY, None)


def _back(request, convention):
    if request.POST.get("retour") == BACK_TO_PROFILE:
        return redirect("accounts_views:profile")
    return redirect("steering_views:calendar", convention_pk=convention.pk)


def calendar(request, convention_pk):
    """The person's subscription link to the convention's calendar: create, regenerate, revoke."""
    convention = get_convention_for(request, convention_pk)
    feed = CalendarFeed.objects.filter(user=request.user, convention=convention).first()
    context = {"convention": convention, "feed": feed, "fresh_url": fresh_link(request, convention.pk)}
    return render(request, "steering_views/calendar.html", context)


@require_POST
def calendar_renew(request, convention_pk):
    convention = get_convention_for(request, convention_pk)
    try:
        token = calendar_feed_renew(user=request.user, convention=convention, by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return _back(request, convention)
    url = f"{settings.SITE_BASE_URL.rstrip('/')}{feed_path(convention, token)}"
    request.session[FRESH_LINK_KEY] = {"convention": convention.pk, "title": convention.title, "url": url}
    messages.success(
        request,
        "Votre lien d'agenda est créé. Copiez-le maintenant dans votre application d'agenda : il ne sera plus "
        "affiché. Tout lien précédent ne fonctionne plus.",
    )
    return _back(request, convention)


@require_POST
def calendar_revoke(request, convention_pk):
    convention = get_convention_for(request, convention_pk)
    if calendar_feed_revoke(user=request.user, convention=convention, by=request.user):
        messages.success(request, f"Votre lien d'agenda de « {convention.title} » est révoqué : il ne répond plus.")
    else:
        messages.info(request, "Vous n'aviez pas de lien d'agenda pour cette convention.")
    return _back(request, convention)


@login_not_required
@require_GET
@cache_control(private=True, no_store=True)
def calendar_feed(request, convention_pk, token):
    """Deliberately public: the token is the credential. Unknown, revoked or no longer readable: 404."""
    feed = feed_for_token(convention_pk=convention_pk, token=token)
    if feed is None:
        raise Http404("Lien d'agenda inconnu ou révoqué.")
    response = HttpResponse(convention_calendar(convention=feed.convention), content_type=ICS_TYPE)
    response["Content-Disposition"] = f'inline; filename="agenda-{slugify(feed.convention.title)[:60]}.ics"'
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_GET
def meeting_invitation_download(request, convention_pk, pk):
    """« Télécharger l'invitation (.ics) » of a meeting, for every reader of the convention."""
    convention = get_convention_for(request, convention_pk)
    if not can_view_steering(request.user, convention):
        raise Http404
    meeting = _meeting(convention, pk)
    content = meeting_invitation(meeting=meeting, attendee=request.user)
    date = timezone.localtime(meeting.starts_at).date().isoformat()
    return download_response(
        content,
        filename=f"invitation-{slugify(str(meeting.body))[:40]}-{date}.ics",
        content_type="text/calendar; method=REQUEST; charset=utf-8",
    )
