"""Downloads of the steering documents: a meeting's COPIL pack (DOCX, PDF, PPTX) and a year's review of the
convention (DOCX, PDF).

Every reader of the convention's steering pages may download them. The background worker builds each document once
per version of its data; the reader waits on the job's page (htmx polling) or gets at once the file already built.
The download itself goes through the job's file page, which writes it to the security journal.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.decorators.http import require_safe

from ctg.steering.jobs import MEETING_FORMATS, REVIEW_FORMATS, annual_review_request, meeting_pack_request
from ctg.steering.models import Meeting
from ctg.steering.pack.content import review_years
from ctg.steering.perms import can_view_steering
from ctg.www.downloads import job_redirect
from ctg.www.utils import get_convention_for

VIEW_REFUSED = "Seuls les membres de la convention consultent ses documents de pilotage."


def _readable(request, convention_pk):
    convention = get_convention_for(request, convention_pk)
    if not can_view_steering(request.user, convention):
        raise PermissionDenied(VIEW_REFUSED)
    return convention


@require_safe
def meeting_pack(request, convention_pk, pk, fmt):
    convention = _readable(request, convention_pk)
    if fmt not in MEETING_FORMATS:
        raise Http404("Le dossier de séance existe en DOCX, PDF ou PPTX.")
    meeting = get_object_or_404(
        Meeting.objects.filter(body__convention=convention).select_related("body__convention"), pk=pk
    )
    return job_redirect(meeting_pack_request(meeting=meeting, fmt=fmt, by=request.user))


@require_safe
def annual_review(request, convention_pk, year, fmt):
    convention = _readable(request, convention_pk)
    if fmt not in REVIEW_FORMATS:
        raise Http404("Le bilan annuel existe en DOCX ou PDF.")
    if year not in review_years(convention, timezone.localdate()):
        raise Http404("Aucun bilan pour cette année : elle n'est pas une année commencée de la convention.")
    return job_redirect(annual_review_request(convention=convention, year=year, fmt=fmt, by=request.user))
