"""The steering documents a page links to: the meetings whose pack is at hand, the years with a review."""

from django import template
from django.utils import timezone

from ctg.steering.models import Meeting
from ctg.steering.pack.content import review_years as years_of

register = template.Library()


@register.simple_tag
def pack_meetings(convention) -> list[Meeting]:
    """The next meeting to come and the last one held, of any body of the convention (two queries at most)."""
    now = timezone.now()
    meetings = Meeting.objects.filter(body__convention=convention).select_related("body")
    upcoming = meetings.filter(starts_at__gte=now).order_by("starts_at", "pk").first()
    last = meetings.filter(starts_at__lt=now).order_by("-starts_at", "-pk").first()
    return [m for m in (upcoming, last) if m is not None]


@register.simple_tag
def review_years(convention, today) -> list[int]:
    return years_of(convention, today)
