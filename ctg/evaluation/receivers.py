"""What the evaluation does when the conventions app records an event it cannot import us for."""

from django.utils import timezone

from ctg.evaluation.enums import SnapshotKind
from ctg.evaluation.models import DiagnosticSnapshot
from ctg.evaluation.services import snapshot_take
from ctg.steering.enums import BodyKind


def take_signature_snapshot(sender, *, convention, by=None, **kwargs) -> None:
    """On signature, freeze the diagnostic as it stands, in the signature's transaction (a few hundred
    milliseconds for an EPCI: the values of its territories only)."""
    snapshot_take(convention=convention, kind=SnapshotKind.SIGNATURE, reference_date=convention.signed_on, by=by)


def take_decision_snapshot(sender, *, outcome, meeting, by=None, **kwargs) -> None:
    """On the first decision a steering committee (COPIL) records at a meeting, freeze the diagnostic as it stands at
    that meeting, in the decision's transaction. The other decisions of the same meeting share that snapshot; the
    decisions of technical or thematic committees take none."""
    if meeting.body.kind != BodyKind.COPIL:
        return
    if DiagnosticSnapshot.objects.filter(meeting=meeting).exists():
        return
    today = timezone.localdate()
    reference_date = min(meeting.local_date, today)
    snapshot_take(
        convention=meeting.body.convention,
        kind=SnapshotKind.DECISION,
        reference_date=reference_date,
        label=f"Décisions du {meeting}"[:255],
        # Recorded after the meeting's day: the values are those present when the decision was recorded.
        reconstructed=reference_date < today,
        meeting=meeting,
        by=by,
    )
