"""What a page shows for a code chosen from a pick list: `{{ code|indicator_label }}`, never the code alone."""

from django import template

from ctg.www.pick_lists import indicator_label as label_of

register = template.Library()


@register.filter
def indicator_label(code: str) -> str:
    return label_of(code)
