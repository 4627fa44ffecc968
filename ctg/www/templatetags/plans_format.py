"""Formatting of plan figures in templates: amounts in euros, with "non renseigné" for an unknown amount."""

from django import template
from django.utils.html import format_html

from ctg.core.formatting import format_euros
from ctg.plans.funding import granted_above_requested

register = template.Library()


@register.filter
def euros(value):
    if value is None:
        return format_html('<span class="status-missing">{}</span>', "non renseigné")
    return format_euros(value)


@register.filter
def funding_warning(line) -> str:
    """The warning a funding line deserves (an amount granted above the amount requested), or ''."""
    return granted_above_requested(line)
