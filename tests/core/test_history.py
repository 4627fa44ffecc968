import pytest
from django.contrib.auth.models import AnonymousUser

from ctg.core.history import set_history_author
from tests.accounts.factories import UserFactory
from tests.plans.factories import ActionFactory

pytestmark = pytest.mark.django_db


def test_the_author_is_recorded():
    user = UserFactory()
    action = ActionFactory()
    set_history_author(action, user)
    action.save()
    assert action.history.first().history_user == user


@pytest.mark.parametrize("by", [None, AnonymousUser()])
def test_nobody_leaves_the_record_without_author(by):
    action = ActionFactory()
    set_history_author(action, by)
    assert not hasattr(action, "_history_user")
    action.save()
    assert action.history.first().history_user is None
