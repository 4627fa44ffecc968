import pytest
from django.template import Context, Template

from ctg.accounts.enums import Role
from tests.accounts.factories import MembershipFactory

pytestmark = pytest.mark.django_db

TEMPLATE = Template(
    "{% load convention_perms %}"
    "{% if user|may_manage_members:convention %}membres{% endif %}"
    "{% if user|may_edit_content:convention %} contenu{% endif %}"
    "{% if user|may_edit_convention:convention %} convention{% endif %}"
)


@pytest.mark.parametrize(
    "role,expected",
    [
        (Role.ADMINISTRATEUR, "membres contenu convention"),
        (Role.CONTRIBUTEUR, " contenu"),
        (Role.LECTEUR, ""),
    ],
)
def test_filters_follow_the_predicates(role, expected):
    membership = MembershipFactory(role=role)
    html = TEMPLATE.render(Context({"user": membership.user, "convention": membership.convention}))
    assert html == expected
