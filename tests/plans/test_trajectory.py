import datetime
from decimal import Decimal

from ctg.plans.enums import BaselineState, Trajectory
from ctg.plans.trajectory import Point, compute_trajectory

D = datetime.date
BASE = Point(D(2022, 1, 1), Decimal("10"))
# Target 20 on 1 Jan 2024: 730 days after the baseline; 1 Jan 2023 is 365 days in, i.e. 50 % of the time.
TARGETS = [Point(D(2024, 1, 1), Decimal("20"))]


def traj(measures, targets=TARGETS, baseline=BASE, state=BaselineState.RENSEIGNEE):
    return compute_trajectory(baseline_state=state, baseline=baseline, targets=targets, measures=measures)


def test_baseline_to_enter_blocks_the_trajectory():
    assert traj([Point(D(2023, 1, 1), Decimal("30"))], baseline=None, state=BaselineState.A_RENSEIGNER) == (
        Trajectory.BASELINE_MISSING
    )
    assert Trajectory.BASELINE_MISSING.label == "Ligne de base à renseigner"


def test_no_target_and_no_measure():
    assert traj([Point(D(2023, 1, 1), Decimal("15"))], targets=[]) == Trajectory.NO_TARGET
    assert traj([]) == Trajectory.NO_MEASURE
    # A measure older than the baseline does not count.
    assert traj([Point(D(2021, 1, 1), Decimal("15"))]) == Trajectory.NO_MEASURE


def test_on_track_when_the_way_covered_matches_the_time_elapsed():
    # Half the time, 15 is half the way from 10 to 20: on track; 14 is 40 % of the way: behind.
    assert traj([Point(D(2023, 1, 1), Decimal("15"))]) == Trajectory.ON_TRACK
    assert traj([Point(D(2023, 1, 1), Decimal("14"))]) == Trajectory.BEHIND


def test_achieved_uses_the_latest_measure():
    measures = [Point(D(2022, 6, 1), Decimal("25")), Point(D(2023, 1, 1), Decimal("20"))]
    assert traj(measures) == Trajectory.ACHIEVED
    measures = [Point(D(2022, 6, 1), Decimal("25")), Point(D(2023, 12, 1), Decimal("12"))]
    assert traj(measures) == Trajectory.BEHIND


def test_decreasing_target():
    # From 10 down to 4 by 1 Jan 2024; at mid-term 7 is half the way (on track), 8 is a third (behind).
    targets = [Point(D(2024, 1, 1), Decimal("4"))]
    assert traj([Point(D(2023, 1, 1), Decimal("7"))], targets=targets) == Trajectory.ON_TRACK
    assert traj([Point(D(2023, 1, 1), Decimal("8"))], targets=targets) == Trajectory.BEHIND
    assert traj([Point(D(2023, 1, 1), Decimal("3"))], targets=targets) == Trajectory.ACHIEVED


def test_intermediate_target_is_the_next_one():
    # Targets 14 at end 2022 and 20 at end 2024; a measure of 14 in mid-2022 reaches the next target.
    targets = [Point(D(2022, 12, 31), Decimal("14")), Point(D(2024, 12, 31), Decimal("20"))]
    assert traj([Point(D(2022, 6, 30), Decimal("14"))], targets=targets) == Trajectory.ACHIEVED
    # After the first target date the 2024 one counts: 14 on 1 Jan 2023 is 4/10 of the way after 365 of
    # 1,095 days (1/3 of the time): on track; the same 14 on 31 Dec 2023 (729 days, 2/3) is behind.
    assert traj([Point(D(2023, 1, 1), Decimal("14"))], targets=targets) == Trajectory.ON_TRACK
    assert traj([Point(D(2023, 12, 31), Decimal("14"))], targets=targets) == Trajectory.BEHIND
