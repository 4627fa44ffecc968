"""A deleted fiche goes to the trash with what it holds, hidden everywhere, restorable, purged after 30 days."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command

from ctg.plans import services
from ctg.plans.history import activity
from ctg.plans.models import Action, FollowUpIndicator, FundingLine, IndicatorMeasure, Milestone
from ctg.plans.selectors import filter_choices, ledger_totals
from ctg.plans.trash import held_by_fiches, trash
from tests.accounts.factories import UserFactory
from tests.plans.factories import (
    ActionFactory,
    FundingLineFactory,
    IndicatorFactory,
    MeasureFactory,
    MilestoneFactory,
)

pytestmark = pytest.mark.django_db
DELETED_AT = datetime.datetime(2024, 3, 1, 12, tzinfo=datetime.UTC)


@pytest.fixture
def fiche():
    action = ActionFactory(code="PE-01", title="Relais petite enfance")
    FundingLineFactory(action=action, amount_planned=Decimal("1000"))
    MilestoneFactory(action=action)
    MilestoneFactory(action=action)
    indicator = IndicatorFactory(action=action, code="PE-01-I1")
    MeasureFactory(indicator=indicator)
    return action


def test_a_deleted_fiche_and_what_it_holds_disappear_from_every_read(fiche):
    convention = fiche.convention
    sub = ActionFactory(convention=convention, parent=fiche, code="PE-01.1")
    kept = ActionFactory(convention=convention, code="PE-02")
    FundingLineFactory(action=kept, amount_planned=Decimal("50"))
    by = UserFactory()
    trashed = services.action_delete(action=fiche, by=by)
    assert [a.code for a in trashed] == ["PE-01", "PE-01.1"]
    assert list(Action.objects.filter(convention=convention)) == [kept]
    assert list(convention.actions.all()) == [kept]
    assert FundingLine.objects.filter(action__convention=convention).count() == 1
    assert not Milestone.objects.exists()
    assert not FollowUpIndicator.objects.exists() and not IndicatorMeasure.objects.exists()
    # Nothing was deleted: the rows are there, through the managers that see the trash.
    assert Action.all_objects.filter(pk__in=[fiche.pk, sub.pk], deleted_at__isnull=False).count() == 2
    assert Milestone.all_objects.filter(action=fiche).count() == 2
    # Totals and filter choices count the live fiche only (50 €, not 1 050 €).
    assert ledger_totals(convention=convention)["overall"]["amount_planned"] == Decimal("50")
    assert [pk for pk, _ in filter_choices(convention)["funders"]] == [kept.funding_lines.get().funder_id]


def test_restore_brings_back_the_fiche_its_sub_actions_and_contents_and_history_says_so(fiche):
    sub = ActionFactory(convention=fiche.convention, parent=fiche, code="PE-01.1")
    admin = UserFactory(first_name="Camille", last_name="Martin")
    services.action_delete(action=fiche, by=admin)
    restored = services.action_restore(action=Action.all_objects.get(pk=fiche.pk), by=admin)
    assert [a.pk for a in restored] == [fiche.pk, sub.pk]
    assert set(Action.objects.values_list("code", flat=True)) == {"PE-01", "PE-01.1"}
    assert Milestone.objects.filter(action=fiche).count() == 2
    kinds = [(e.kind, e.subject, e.who) for e in activity(action_id=fiche.pk)[:2]]
    assert kinds == [
        ("Restauration", "Fiche PE-01 « Relais petite enfance »", str(admin)),
        ("Mise à la corbeille", "Fiche PE-01 « Relais petite enfance »", str(admin)),
    ]


def test_a_code_taken_meanwhile_blocks_the_restore_with_a_message(fiche):
    services.action_delete(action=fiche, by=None)
    ActionFactory(convention=fiche.convention, code="PE-01")  # the code is free once the fiche is in the trash
    with pytest.raises(ValidationError, match="porte aujourd'hui le code PE-01"):
        services.action_restore(action=Action.all_objects.get(pk=fiche.pk), by=None)
    assert Action.all_objects.get(pk=fiche.pk).deleted_at is not None


def test_an_indicator_code_of_a_fiche_in_the_trash_is_refused_with_a_message(fiche):
    services.action_delete(action=fiche, by=None)
    other = ActionFactory(convention=fiche.convention)
    with pytest.raises(ValidationError, match="PE-01-I1 de la fiche PE-01, dans la corbeille"):
        services.indicator_create(
            convention=fiche.convention,
            action=other,
            code="pe-01-i1",
            label="Places",
            source="Coordination",
            baseline_value=Decimal("1"),
            baseline_date=datetime.date(2022, 1, 1),
        )


def test_the_trash_lists_each_deletion_once_with_what_it_holds(fiche):
    ActionFactory(convention=fiche.convention, parent=fiche, code="PE-01.1")
    with time_machine.travel(DELETED_AT, tick=False):
        services.action_delete(action=fiche, by=None)
    (item,) = trash(fiche.convention)
    assert item.action.pk == fiche.pk
    assert item.sub_actions == ["PE-01.1 – " + Action.all_objects.get(code="PE-01.1").title]
    assert item.held == ["1 sous-action", "2 jalons", "1 ligne de financement", "1 indicateur de suivi", "1 mesure"]
    # Deleted on 1 March 2024 at 13:00 in Paris: purged from 31 March.
    assert item.purge_on == datetime.date(2024, 3, 31)


def test_held_by_fiches_says_nothing_of_what_a_fiche_lacks():
    action = ActionFactory()
    assert held_by_fiches([action.pk]) == {action.pk: []}


def test_the_purge_deletes_only_expired_fiches_and_is_idempotent(fiche):
    recent = ActionFactory(convention=fiche.convention, code="PE-02")
    with time_machine.travel(DELETED_AT, tick=False):
        services.action_delete(action=fiche, by=None)
    with time_machine.travel(DELETED_AT + datetime.timedelta(days=20), tick=False):
        services.action_delete(action=recent, by=None)
    with time_machine.travel(DELETED_AT + datetime.timedelta(days=30, seconds=1), tick=False):
        assert services.plan_trash_purge() == 1
        assert services.plan_trash_purge() == 0
        call_command("purge_plan_trash")  # the command the daily cron runs
    assert not Action.all_objects.filter(pk=fiche.pk).exists()
    assert not Milestone.all_objects.filter(action_id=fiche.pk).exists()
    assert Action.all_objects.filter(pk=recent.pk).exists()


def test_the_purge_command_reports_what_it_deleted(fiche, capsys):
    with time_machine.travel(DELETED_AT, tick=False):
        services.action_delete(action=fiche, by=None)
    with time_machine.travel(DELETED_AT + datetime.timedelta(days=31), tick=False):
        call_command("purge_plan_trash")
    assert "1 fiche supprimée définitivement" in capsys.readouterr().out


def test_an_update_of_an_object_of_a_fiche_in_the_trash_is_refused_with_a_message(fiche):
    line = FundingLine.objects.get(action=fiche)
    services.action_delete(action=fiche, by=None)
    with pytest.raises(ValidationError, match="Cette ligne de financement a été supprimée pendant votre saisie"):
        services.funding_line_update(line=line, expected_version=line.version, amount_planned=Decimal("5"))
