"""The simulator's two readings of time: the calendar (dates) and the sky (physics)."""

from datetime import UTC, datetime, timedelta

import pytest

from izypower_simulator.clock import SimClock

from .conftest import FakeWall

START = datetime(2026, 7, 14, 12, 0, tzinfo=UTC)


def test_real_time_and_slower_keep_both_readings_together() -> None:
    """At time scale <= 1 the physics are the calendar: no lead, same speed."""
    wall = FakeWall()
    clock = SimClock(START, time_scale=0.5, wall=wall)

    wall.now += 60

    assert clock.now() == clock.sky_now() == START + timedelta(seconds=30)


def test_faster_physics_keep_the_calendar_in_real_time() -> None:
    """At 60 the sky gains 59 s per wall second; the calendar follows the wall."""
    wall = FakeWall()
    clock = SimClock(START, time_scale=60, wall=wall)

    wall.now += 24 * 60

    assert clock.now() == START + timedelta(minutes=24)
    assert clock.sky_now() == START + timedelta(days=1)
    assert clock.sky_lead_at(START + timedelta(minutes=12)) == timedelta(
        minutes=12 * 59
    )


def test_jumps_and_speed_changes_keep_the_lead_gained() -> None:
    """Jumping moves both readings; slowing down freezes the lead, never undoes it."""
    wall = FakeWall()
    clock = SimClock(START, time_scale=11, wall=wall, sky_lead=timedelta(hours=1))
    wall.now += 6  # the sky gains 60 s

    clock.advance(3600)
    assert clock.now() == START + timedelta(hours=1, seconds=6)
    assert clock.sky_now() - clock.now() == timedelta(hours=1, minutes=1)

    clock.set_time_scale(1)
    wall.now += 100
    assert clock.sky_now() - clock.now() == timedelta(hours=1, minutes=1)
    assert clock.time_scale == 1
    with pytest.raises(ValueError, match="time_scale"):
        clock.set_time_scale(-1)
