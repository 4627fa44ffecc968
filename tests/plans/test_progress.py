"""The progress of an action: one rule, `ActionQuerySet.with_progress()`, for pages, exports and summaries."""

import datetime

import pytest

from ctg.plans.models import Action, Milestone
from tests.conventions.factories import ConventionFactory
from tests.plans.factories import ActionFactory, MilestoneFactory

pytestmark = pytest.mark.django_db
DONE = datetime.date(2022, 5, 1)


def progress_of(action):
    row = Action.objects.with_progress().values("progress", "progress_source").get(pk=action.pk)
    return row["progress"], row["progress_source"]


def test_weighted_share_of_done_milestones():
    action = ActionFactory()
    MilestoneFactory(action=action, weight=3, done_date=DONE)
    MilestoneFactory(action=action, weight=1)
    assert progress_of(action) == (75, "jalons")


def test_milestones_outweigh_the_entered_figure():
    action = ActionFactory(progress_manual=90)
    MilestoneFactory(action=action, weight=1)
    assert progress_of(action) == (0, "jalons")
    MilestoneFactory(action=action, weight=1, done_date=DONE)
    assert progress_of(action) == (50, "jalons")


def test_without_milestones_the_entered_figure_or_nothing():
    assert progress_of(ActionFactory(progress_manual=40)) == (40, "saisie")
    assert progress_of(ActionFactory(progress_manual=0)) == (0, "saisie")
    assert progress_of(ActionFactory(progress_manual=None)) == (None, "")


def test_all_done_is_100():
    action = ActionFactory()
    MilestoneFactory(action=action, weight=100, done_date=DONE)
    MilestoneFactory(action=action, weight=100, done_date=DONE)
    assert progress_of(action) == (100, "jalons")


def test_whole_percent_rounds_half_up_for_every_share_up_to_a_weight_of_60():
    # Every (done, total) pair, with exact integer arithmetic: ties such as 1/8 = 12.5 % read 13, 3/8 = 37.5 % 38.
    convention = ConventionFactory()
    pairs = [(done, total) for total in range(1, 61) for done in range(total + 1)]
    actions = Action.objects.bulk_create(
        Action(convention=convention, code=f"A{done}-{total}", title="Action") for done, total in pairs
    )
    milestones = []
    for action, (done, total) in zip(actions, pairs, strict=True):
        if done:
            milestones.append(Milestone(action=action, title="Fait", weight=done, done_date=DONE))
        if total - done:
            milestones.append(Milestone(action=action, title="À faire", weight=total - done))
    Milestone.objects.bulk_create(milestones)
    computed = dict(Action.objects.with_progress().values_list("pk", "progress"))
    expected = {
        action.pk: (200 * done + total) // (2 * total) for action, (done, total) in zip(actions, pairs, strict=True)
    }
    assert expected[actions[pairs.index((1, 8))].pk] == 13
    assert computed == expected
