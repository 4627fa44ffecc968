"""The pack lists exactly the changes made since the previous meeting of the body: the five kinds, with their dates,
and nothing else."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from ctg.plans.enums import ActionStatus
from ctg.steering.pack.changes import ChangeKind, plan_changes
from ctg.steering.pack.content import meeting_pack, previous_meeting
from tests.conventions.factories import ConventionFactory
from tests.organisations.factories import OrganisationFactory
from tests.plans.factories import (
    ActionFactory,
    FundingLineFactory,
    IndicatorFactory,
    MeasureFactory,
    MilestoneFactory,
    TargetFactory,
)
from tests.steering.factories import PARIS, AgendaItemFactory, BodyFactory, MeetingFactory

pytestmark = pytest.mark.django_db

SETUP = datetime.datetime(2024, 1, 10, 9, 0, tzinfo=PARIS)
BEFORE = datetime.datetime(2024, 2, 5, 10, 0, tzinfo=PARIS)
PREVIOUS = datetime.datetime(2024, 3, 12, 14, 0, tzinfo=PARIS)
AFTER = datetime.datetime(2024, 4, 18, 11, 0, tzinfo=PARIS)
MEETING = datetime.datetime(2024, 6, 20, 14, 0, tzinfo=PARIS)
LATER = datetime.datetime(2024, 6, 25, 9, 0, tzinfo=PARIS)


def _one_of_each_kind(convention, tag: str, action, milestone, line, indicator):
    """An action created, a status, a typed progress, a milestone done, an amount and a measure; plus changes of
    other kinds that the pack must not list (a title, a new milestone not done, a target)."""
    ActionFactory(convention=convention, code=f"NEW-{tag}", title=f"Nouvelle action {tag}")
    action.status = ActionStatus.EN_COURS if tag == "avant" else ActionStatus.BLOQUEE
    action.save()
    action.progress_manual = 20 if tag == "avant" else 45
    action.save()
    milestone.done_date = datetime.date(2024, 2, 1) if tag == "avant" else datetime.date(2024, 4, 15)
    milestone.save()
    line.amount_granted = Decimal("800.00") if tag == "avant" else Decimal("950.00")
    line.save()
    MeasureFactory(indicator=indicator, date=datetime.date(2024, 2, 1 if tag == "avant" else 15))
    # Not listed: other fields, a milestone created, a target set.
    action.title = f"Intitulé revu {tag}"
    action.save()
    MilestoneFactory(action=action, title=f"Jalon prévu {tag}")
    TargetFactory(indicator=indicator, date=datetime.date(2026 if tag == "avant" else 2027, 1, 1))


@pytest.fixture
def history():
    with time_machine.travel(SETUP, tick=False):
        convention = ConventionFactory()
        action = ActionFactory(convention=convention, code="A1", title="Relais petite enfance")
        other = ActionFactory(convention=convention, code="A2", title="Autre action")
        milestone = MilestoneFactory(action=other, title="Ouverture")
        milestone_after = MilestoneFactory(action=other, title="Bilan")
        line = FundingLineFactory(action=action, funder=OrganisationFactory(name="CAF de la Seine-Maritime"))
        indicator = IndicatorFactory(action=action, code="IND-RPE", label="Familles accompagnées")
        body = BodyFactory(convention=convention)
        previous = MeetingFactory(body=body, starts_at=PREVIOUS)
        meeting = MeetingFactory(body=body, starts_at=MEETING)
        AgendaItemFactory(meeting=meeting, title="Point d'étape", action=action)
        # A meeting of another body in between does not move the window.
        MeetingFactory(body=BodyFactory(convention=convention), starts_at=AFTER - datetime.timedelta(days=1))
    with time_machine.travel(BEFORE, tick=False):
        _one_of_each_kind(convention, "avant", action, milestone, line, indicator)
    with time_machine.travel(AFTER, tick=False):
        _one_of_each_kind(convention, "après", action, milestone_after, line, indicator)
    with time_machine.travel(LATER, tick=False):
        # After the meeting: belongs to the next one.
        ActionFactory(convention=convention, code="NEXT", title="Action de la réunion suivante")
    return {"convention": convention, "meeting": meeting, "previous": previous, "action": action}


def test_previous_meeting_is_the_bodys_last_one_before(history):
    assert previous_meeting(history["meeting"]) == history["previous"]
    assert previous_meeting(history["previous"]) is None


def test_exactly_the_changes_since_the_previous_meeting(history):
    changes = plan_changes(
        convention_id=history["convention"].pk, start=history["previous"].starts_at, end=history["meeting"].starts_at
    )
    listed = [(c.date, c.kind, c.action_code, c.detail) for c in changes]
    day = datetime.date(2024, 4, 18)
    assert listed == [
        (day, ChangeKind.ACTION_CREATED, "NEW-après", "Statut initial : À venir"),
        (day, ChangeKind.STATUS, "A1", "En cours → Bloquée"),
        (day, ChangeKind.PROGRESS, "A1", "Avancement saisi : 20 % → 45 %"),
        (day, ChangeKind.PROGRESS, "A2", "Jalon « Bilan » réalisé le 15/04/2024"),
        (day, ChangeKind.FUNDING, "A1", "Ligne CAF de la Seine-Maritime 2022 : accordé 800,00 € → 950,00 €"),
        (day, ChangeKind.MEASURE, "IND-RPE", "Mesure du 15/02/2024 : 15 places (source : Relevé de la coordination)"),
    ]


def test_before_the_previous_meeting_lists_the_earlier_changes_only(history):
    changes = plan_changes(convention_id=history["convention"].pk, start=None, end=history["previous"].starts_at)
    kinds = [(c.kind, c.action_code) for c in changes if c.date == datetime.date(2024, 2, 5)]
    assert kinds == [
        (ChangeKind.ACTION_CREATED, "NEW-avant"),
        (ChangeKind.STATUS, "A1"),
        (ChangeKind.PROGRESS, "A1"),
        (ChangeKind.PROGRESS, "A2"),
        (ChangeKind.FUNDING, "A1"),
        (ChangeKind.MEASURE, "IND-RPE"),
    ]
    # The set-up on 10 January: every action and the funding line created, nothing else.
    assert {(c.kind, c.action_code) for c in changes if c.date == datetime.date(2024, 1, 10)} == {
        (ChangeKind.ACTION_CREATED, "A1"),
        (ChangeKind.ACTION_CREATED, "A2"),
        (ChangeKind.FUNDING, "A1"),
    }


def test_pack_section_lists_them_with_their_dates(history):
    with time_machine.travel(LATER, tick=False):
        pack = meeting_pack(meeting=history["meeting"])
    section = next(s for s in pack.sections if s.title == "Ce qui a changé depuis la réunion précédente")
    rows = [row for table in section.tables for row in table.rows]
    assert len(rows) == 6
    assert {row[0] for row in rows} == {"18/04/2024"}
    assert not any("NEW-avant" in row[1] for row in rows)
    # A fiche is named as it reads today.
    assert ["18/04/2024", "A1 – Intitulé revu après", "En cours → Bloquée"] in rows
    assert not any("NEXT" in row[1] for row in rows)
