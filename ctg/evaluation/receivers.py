"""What the evaluation does when the conventions app records an event it cannot import us for."""

from ctg.evaluation.enums import SnapshotKind
from ctg.evaluation.services import snapshot_take


def take_signature_snapshot(sender, *, convention, by=None, **kwargs) -> None:
    """On signature, freeze the diagnostic as it stands, in the signature's transaction (a few hundred
    milliseconds for an EPCI: the values of its territories only)."""
    snapshot_take(convention=convention, kind=SnapshotKind.SIGNATURE, reference_date=convention.signed_on, by=by)
