"""`{% form_top form %}`: the top of a form whose template lays its fields out one by one (with
`{{ form.<name>.as_field_group }}`), the same as `{{ form }}` writes it: the summary of the errors, which takes the
focus and links to each field in error, and the note on the asterisk of the required fields."""

from django import template

register = template.Library()


@register.inclusion_tag("forms/top.html")
def form_top(form) -> dict:
    context = form.get_context()
    context["has_required_fields"] = any(field.field.required for field, _ in context["fields"])
    return context
