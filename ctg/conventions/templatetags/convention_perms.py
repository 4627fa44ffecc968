"""Permission predicates for templates, so that a page only offers links the visitor may follow.

{% load convention_perms %}
{% if request.user|may_manage_members:convention %}…{% endif %}
"""

from django import template

from ctg.conventions import perms

register = template.Library()


@register.filter
def may_manage_members(user, convention) -> bool:
    return perms.can_manage_members(user, convention)


@register.filter
def may_edit_content(user, convention) -> bool:
    return perms.can_edit_content(user, convention)


@register.filter
def may_edit_convention(user, convention) -> bool:
    return perms.can_edit_convention(user, convention)
