"""Lateness of an action: one rule, `late_condition`, as a filter (`.late()`) and an annotation (`with_lateness`)."""

import datetime

import pytest

from ctg.plans.enums import ActionStatus
from ctg.plans.models import Action
from tests.plans.factories import ActionFactory

pytestmark = pytest.mark.django_db
END = datetime.date(2023, 6, 30)


def late_on(action, today):
    return Action.objects.with_lateness(today).values_list("late", flat=True).get(pk=action.pk)


def test_late_from_the_day_after_the_planned_end():
    action = ActionFactory(planned_end=END, status=ActionStatus.EN_COURS)
    assert late_on(action, END) is False
    assert late_on(action, END + datetime.timedelta(days=1)) is True


@pytest.mark.parametrize("status", [ActionStatus.REALISEE, ActionStatus.ABANDONNEE])
def test_a_closed_action_is_never_late(status):
    action = ActionFactory(planned_end=END, status=status)
    assert late_on(action, datetime.date(2030, 1, 1)) is False


@pytest.mark.parametrize("status", [ActionStatus.A_VENIR, ActionStatus.EN_COURS, ActionStatus.BLOQUEE])
def test_an_open_action_past_its_end_is_late(status):
    assert late_on(ActionFactory(planned_end=END, status=status), datetime.date(2023, 7, 1)) is True


def test_without_planned_end_never_late():
    assert late_on(ActionFactory(planned_end=None, planned_start=None), datetime.date(2030, 1, 1)) is False


def test_filter_and_annotation_agree():
    today = datetime.date(2023, 7, 1)
    late = ActionFactory(planned_end=END, status=ActionStatus.BLOQUEE)
    convention = late.convention
    ActionFactory(convention=convention, planned_end=END, status=ActionStatus.REALISEE)
    ActionFactory(convention=convention, planned_end=today, status=ActionStatus.EN_COURS)
    ActionFactory(convention=convention, planned_end=None, planned_start=None)
    actions = Action.objects.filter(convention=convention)
    assert list(actions.late(today).values_list("pk", flat=True)) == [late.pk]
    assert [a.pk for a in actions.with_lateness(today) if a.late] == [late.pk]
