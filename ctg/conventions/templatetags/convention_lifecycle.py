"""Where a convention stands in time, for the pages of every section.

{% load convention_lifecycle %}
{% if convention|is_over %}…{% endif %}
{% period_overrun convention start=action.planned_start end=action.planned_end as warning %}
"""

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def is_over(convention) -> bool:
    """The convention's period has ended, as of today in Paris."""
    return convention.is_over(timezone.localdate())


@register.simple_tag
def period_overrun(convention, *, start=None, end=None) -> str | None:
    """What a planned period does past the convention's end (a warning, never a refusal), or None."""
    return convention.period_overrun(start=start, end=end)
