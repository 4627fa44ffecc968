"""A decision of the steering committee (COPIL) freezes the diagnostic: the steering announces the decision, the
evaluation (a higher layer) takes the snapshot, in the decision's transaction."""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import ValidationError

from ctg.evaluation.enums import SnapshotKind
from ctg.evaluation.models import DiagnosticSnapshot
from ctg.plans.enums import ActionStatus
from ctg.steering import services
from ctg.steering.enums import BodyKind, DecisionSubject, MeetingState, OutcomeKind
from tests.accounts.factories import UserFactory
from tests.evaluation.test_snapshots import world  # noqa: F401 (the small territory with computed figures)
from tests.plans.factories import ActionFactory
from tests.steering.factories import AgendaItemFactory, BodyFactory, MeetingFactory

pytestmark = pytest.mark.django_db
PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def held_meeting(convention, kind=BodyKind.COPIL):
    meeting = MeetingFactory(
        body=BodyFactory(convention=convention, kind=kind),
        state=MeetingState.TENUE,
        starts_at=datetime.datetime(2024, 3, 12, 14, 0, tzinfo=PARIS),
    )
    AgendaItemFactory(meeting=meeting)
    return meeting


def decide(meeting, by, kind=OutcomeKind.DECISION, **arguments):
    return services.outcome_create(
        agenda_item=meeting.agenda_items.first(), kind=kind, text="Le comité décide.", by=by, **arguments
    )


def test_the_first_copil_decision_of_a_meeting_freezes_the_diagnostic_once(world):  # noqa: F811
    convention, by = world["convention"], UserFactory()
    meeting = held_meeting(convention)
    decide(meeting, by, subject=DecisionSubject.OTHER)
    snapshot = DiagnosticSnapshot.objects.get(convention=convention)
    assert (snapshot.kind, snapshot.reference_date, snapshot.meeting, snapshot.taken_by) == (
        SnapshotKind.DECISION,
        datetime.date(2024, 3, 12),
        meeting,
        by,
    )
    # Recorded after the meeting's day: rebuilt from the data present, and says so.
    assert snapshot.reconstructed and snapshot.value_count > 0
    assert snapshot.label == f"Décisions du {meeting}"
    decide(meeting, by, subject=DecisionSubject.AMEND_PLAN)
    assert DiagnosticSnapshot.objects.filter(convention=convention).count() == 1
    # A later COPIL takes its own.
    decide(held_meeting(convention), by, subject=DecisionSubject.OTHER)
    assert DiagnosticSnapshot.objects.filter(convention=convention).count() == 2


def test_informations_tasks_and_other_committees_take_none(world):  # noqa: F811
    convention, by = world["convention"], UserFactory()
    copil = held_meeting(convention)
    decide(copil, by, kind=OutcomeKind.INFORMATION)
    decide(held_meeting(convention, kind=BodyKind.COTECH), by, subject=DecisionSubject.OTHER)
    assert not DiagnosticSnapshot.objects.filter(convention=convention).exists()


def test_a_refused_decision_takes_no_snapshot(world):  # noqa: F811
    convention, by = world["convention"], UserFactory()
    action = ActionFactory(convention=convention, status=ActionStatus.EN_COURS)
    with pytest.raises(ValidationError):
        decide(
            held_meeting(convention), by, subject=DecisionSubject.ACTION_STATUS, action=action, new_status="en_cours"
        )
    assert not DiagnosticSnapshot.objects.exists()


def test_the_steering_never_imports_the_evaluation():
    """The layering: the steering sends a signal, the evaluation (above it) receives it."""
    from pathlib import Path

    steering = Path(__file__).resolve().parents[2] / "ctg" / "steering"
    offending = [p.name for p in steering.rglob("*.py") if "ctg.evaluation" in p.read_text(encoding="utf-8")]
    assert offending == []
