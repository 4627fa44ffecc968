"""Formatting of plan figures in templates: amounts in euros, with "non renseigné" for an unknown amount."""

from decimal import Decimal

from django import template
from django.utils.html import format_html

register = template.Library()
NARROW_NBSP = "\u202f"


def format_euros(value) -> str:
    value = Decimal(value).quantize(Decimal("0.01"))
    whole, cents = f"{value:,.2f}".split(".")
    whole = whole.replace(",", NARROW_NBSP)
    return f"{whole} €" if cents == "00" else f"{whole},{cents} €"


@register.filter
def euros(value):
    if value is None:
        return format_html('<span class="status-missing">{}</span>', "non renseigné")
    return format_euros(value)
