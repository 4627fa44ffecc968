"""Trajectory of a follow-up indicator: from its baseline towards its target, where does the latest value stand?

Pure functions over plain values, so the rule is tested on hand-made cases.

Rule: the target compared is the first target dated on or after the latest measure (else the last target).
The direction is given by the target against the baseline (a rise or a fall is wanted). "Achieved" when the
latest value has reached the target in that direction; otherwise "on track" when the share of the way already
covered is at least the share of the time elapsed between the baseline date and the target date, else "behind".
A target equal to the baseline (keep the level) is achieved while the latest value equals it, else behind.
"""

import dataclasses
import datetime
from decimal import Decimal

from ctg.plans.enums import BaselineState, Trajectory


@dataclasses.dataclass(frozen=True)
class Point:
    date: datetime.date
    value: Decimal


def compute_trajectory(
    *, baseline_state: str, baseline: Point | None, targets: list[Point], measures: list[Point]
) -> Trajectory:
    if baseline_state == BaselineState.A_RENSEIGNER or baseline is None:
        return Trajectory.BASELINE_MISSING
    if not targets:
        return Trajectory.NO_TARGET
    later = [m for m in measures if m.date >= baseline.date]
    if not later:
        return Trajectory.NO_MEASURE
    latest = max(later, key=lambda m: m.date)
    ordered = sorted(targets, key=lambda t: t.date)
    target = next((t for t in ordered if t.date >= latest.date), ordered[-1])
    wanted = target.value - baseline.value
    moved = latest.value - baseline.value
    if wanted == 0:
        return Trajectory.ACHIEVED if moved == 0 else Trajectory.BEHIND
    covered = moved / wanted  # share of the way, whatever the direction
    if covered >= 1:
        return Trajectory.ACHIEVED
    span = (target.date - baseline.date).days
    if span <= 0:
        return Trajectory.BEHIND
    elapsed = Decimal((latest.date - baseline.date).days) / Decimal(span)
    return Trajectory.ON_TRACK if covered >= min(elapsed, Decimal(1)) else Trajectory.BEHIND


def indicator_trajectory(indicator) -> Trajectory:
    """The trajectory of a FollowUpIndicator whose targets and measures are prefetched."""
    baseline = None
    if indicator.baseline_value is not None and indicator.baseline_date is not None:
        baseline = Point(indicator.baseline_date, indicator.baseline_value)
    return compute_trajectory(
        baseline_state=indicator.baseline_state,
        baseline=baseline,
        targets=[Point(t.date, t.value) for t in indicator.targets.all()],
        measures=[Point(m.date, m.value) for m in indicator.measures.all()],
    )
