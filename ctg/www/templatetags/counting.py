"""Counts and the words they govern, agreed the French way (ctg.core.formatting.counted): 0 and 1 take the
singular. `{{ n|counted:"action propre" }}`, or with an irregular plural `{{ n|counted:"commune a;communes ont" }}`."""

from django import template

from ctg.core.formatting import counted as counted_text

register = template.Library()


@register.filter
def counted(value, words: str) -> str:
    singular, _, plural = words.partition(";")
    return counted_text(int(value or 0), singular, plural or None)
