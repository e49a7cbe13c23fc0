"""Tests of the energy guard: counters only go down at their real rollover."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from custom_components.izypower_cloud.api import EnergySeries, Period
from custom_components.izypower_cloud.energy_guard import LAG_WINDOW, EnergyGuard

PARIS = ZoneInfo("Europe/Paris")
CEST = timezone(timedelta(hours=2))
CET = timezone(timedelta(hours=1))
STATION = 81234
PROD = EnergySeries.PRODUCTION


def at(text: str, tz: timezone | ZoneInfo = CEST) -> datetime:
    """Return an aware local time of the station."""
    return datetime.fromisoformat(text).replace(tzinfo=tz)


def feed(
    guard: EnergyGuard,
    period: Period,
    value: float | None,
    when: datetime,
    station: int = STATION,
) -> float | None:
    """Pass one counter through the guard and return what it publishes."""
    return guard.apply(station, {(PROD, period): value}, when)[(PROD, period)]


@pytest.mark.parametrize(
    "period", [Period.DAY, Period.MONTH, Period.YEAR, Period.TOTAL]
)
@pytest.mark.parametrize("glitch", [9.0, 0.0, None])
def test_mid_period_glitch_keeps_last_good_value(
    period: Period, glitch: float | None
) -> None:
    """A dip, a zero or a null in the middle of a period never reaches the sensor."""
    guard = EnergyGuard()
    assert feed(guard, period, 9.84, at("2026-07-14 13:39")) == 9.84
    assert feed(guard, period, glitch, at("2026-07-14 13:42")) == 9.84
    # The next real value passes again.
    assert feed(guard, period, 9.9, at("2026-07-14 13:45")) == 9.9


def test_first_values_are_taken_as_they_come() -> None:
    """Without history there is nothing to compare with; unknown stays unknown."""
    guard = EnergyGuard()
    assert feed(guard, Period.DAY, None, at("2026-07-14 13:39")) is None
    assert feed(guard, Period.DAY, 0.0, at("2026-07-14 13:42")) == 0.0
    assert feed(guard, Period.DAY, 1.5, at("2026-07-14 13:45")) == 1.5


def test_stations_are_independent() -> None:
    """One station's history never filters another's counters."""
    guard = EnergyGuard()
    assert feed(guard, Period.DAY, 9.84, at("2026-07-14 13:39"), station=1) == 9.84
    assert feed(guard, Period.DAY, 4.86, at("2026-07-14 13:39"), station=2) == 4.86
    guard.forget(1)
    assert feed(guard, Period.DAY, 2.0, at("2026-07-14 13:42"), station=1) == 2.0
    assert feed(guard, Period.DAY, 2.0, at("2026-07-14 13:42"), station=2) == 4.86


def test_real_midnight_resets_the_day() -> None:
    """A lower value once the station's local date changed is the new day's."""
    guard = EnergyGuard()
    assert feed(guard, Period.DAY, 12.4, at("2026-07-14 23:57")) == 12.4
    assert feed(guard, Period.DAY, 0.0, at("2026-07-15 00:03")) == 0.0
    assert feed(guard, Period.DAY, 0.1, at("2026-07-15 06:30")) == 0.1
    # A dip inside the new day is guarded again.
    assert feed(guard, Period.DAY, 0.0, at("2026-07-15 06:33")) == 0.1


def test_data_measured_before_midnight_counts_for_that_day() -> None:
    """Read after midnight, a value measured at 23:58 is still the old day's."""
    guard = EnergyGuard()
    assert feed(guard, Period.DAY, 12.4, at("2026-07-14 23:50")) == 12.4
    assert feed(guard, Period.DAY, 12.5, at("2026-07-14 23:58")) == 12.5
    assert feed(guard, Period.DAY, 0.2, at("2026-07-15 00:05")) == 0.2


def test_lag_after_midnight_is_unknown_until_the_reset() -> None:
    """Yesterday's total dated after midnight is neither published nor stored."""
    guard = EnergyGuard()
    assert feed(guard, Period.DAY, 12.4, at("2026-07-14 23:55")) == 12.4
    # The cloud moved its clock past midnight but not its counter yet (even caught
    # up with yesterday's last minutes).
    assert feed(guard, Period.DAY, 12.4, at("2026-07-15 00:02")) is None
    assert feed(guard, Period.DAY, 12.5, at("2026-07-15 00:05")) is None
    assert feed(guard, Period.DAY, None, at("2026-07-15 00:08")) is None
    # The real reset is not taken for a dip.
    assert feed(guard, Period.DAY, 0.0, at("2026-07-15 00:11")) == 0.0
    assert feed(guard, Period.DAY, 0.3, at("2026-07-15 07:00")) == 0.3


def test_higher_value_long_after_the_rollover_is_believed() -> None:
    """After an outage spanning midnight, a value above yesterday's is today's."""
    guard = EnergyGuard()
    assert feed(guard, Period.DAY, 2.0, at("2026-07-14 20:00")) == 2.0
    later = at("2026-07-15 00:00") + LAG_WINDOW
    assert feed(guard, Period.DAY, 5.0, later) == 5.0
    assert feed(guard, Period.DAY, 4.0, later + timedelta(minutes=3)) == 5.0


def test_zero_after_a_zero_day_is_a_reset() -> None:
    """A day without production followed by a night: 0 is accepted at once."""
    guard = EnergyGuard()
    assert feed(guard, Period.DAY, 0.0, at("2026-07-14 23:55")) == 0.0
    assert feed(guard, Period.DAY, 0.0, at("2026-07-15 00:02")) == 0.0


def test_value_dated_in_an_earlier_period_keeps_the_stored_one() -> None:
    """A `lastUpdate` that jumps back a day is a glitch, whatever the value."""
    guard = EnergyGuard()
    assert feed(guard, Period.DAY, 0.5, at("2026-07-15 08:00")) == 0.5
    assert feed(guard, Period.DAY, 12.4, at("2026-07-14 23:55")) == 0.5


def test_day_rollover_inside_the_month_does_not_reset_the_month() -> None:
    """At midnight only the day counter may go down."""
    guard = EnergyGuard()
    before = at("2026-07-14 23:55")
    after = at("2026-07-15 00:05")
    energy = {(PROD, Period.DAY): 12.4, (PROD, Period.MONTH): 248.6}
    assert guard.apply(STATION, energy, before) == energy
    glitch = {(PROD, Period.DAY): 0.0, (PROD, Period.MONTH): 0.0}
    assert guard.apply(STATION, glitch, after) == {
        (PROD, Period.DAY): 0.0,
        (PROD, Period.MONTH): 248.6,
    }


def test_month_rollover() -> None:
    """The month counter resets on the first of the month, after any lag."""
    guard = EnergyGuard()
    assert feed(guard, Period.MONTH, 310.2, at("2026-07-31 23:55")) == 310.2
    assert feed(guard, Period.MONTH, 310.2, at("2026-08-01 00:03")) is None
    assert feed(guard, Period.MONTH, 0.0, at("2026-08-01 00:06")) == 0.0
    # Mid-month dips are guarded.
    assert feed(guard, Period.MONTH, 12.0, at("2026-08-02 12:00")) == 12.0
    assert feed(guard, Period.MONTH, 0.0, at("2026-08-03 00:05")) == 12.0


def test_year_rollover() -> None:
    """The year counter resets on the first of January only."""
    guard = EnergyGuard()
    assert feed(guard, Period.YEAR, 2874.3, at("2026-07-31 23:55")) == 2874.3
    assert feed(guard, Period.YEAR, 0.0, at("2026-08-01 00:05")) == 2874.3
    assert feed(guard, Period.YEAR, 3500.0, at("2026-12-31 23:57", CET)) == 3500.0
    assert feed(guard, Period.YEAR, 3500.0, at("2027-01-01 00:03", CET)) is None
    assert feed(guard, Period.YEAR, 0.01, at("2027-01-01 00:09", CET)) == 0.01


def test_lifetime_counter_never_goes_down_even_at_new_year() -> None:
    """`total` has no rollover."""
    guard = EnergyGuard()
    assert feed(guard, Period.TOTAL, 14021.7, at("2026-12-31 23:57", CET)) == 14021.7
    assert feed(guard, Period.TOTAL, 0.0, at("2027-01-01 00:03", CET)) == 14021.7
    assert feed(guard, Period.TOTAL, 14021.8, at("2027-01-01 00:06", CET)) == 14021.8


@pytest.mark.parametrize(
    ("before", "after"),
    [
        # Spring forward: 02:00 CET becomes 03:00 CEST on 2026-03-29.
        ("2026-03-29T01:55:00+01:00", "2026-03-29T03:05:00+02:00"),
        # Fall back: 03:00 CEST becomes 02:00 CET on 2026-10-25.
        ("2026-10-25T02:55:00+02:00", "2026-10-25T02:05:00+01:00"),
    ],
)
def test_daylight_saving_change_is_not_a_rollover(before: str, after: str) -> None:
    """The offset changes in the night; the date does not, so a dip stays guarded."""
    guard = EnergyGuard()
    assert feed(guard, Period.DAY, 0.4, datetime.fromisoformat(before)) == 0.4
    assert feed(guard, Period.DAY, 0.0, datetime.fromisoformat(after)) == 0.4


@pytest.mark.parametrize(
    ("last_evening", "after_midnight"),
    [
        ("2026-03-28T23:55:00+01:00", "2026-03-29T00:05:00+01:00"),
        ("2026-03-29T23:55:00+02:00", "2026-03-30T00:05:00+02:00"),
        ("2026-10-24T23:55:00+02:00", "2026-10-25T00:05:00+02:00"),
        ("2026-10-25T23:55:00+01:00", "2026-10-26T00:05:00+01:00"),
    ],
)
def test_midnight_around_daylight_saving_changes(
    last_evening: str, after_midnight: str
) -> None:
    """The nights before and after both changes still roll over at local midnight."""
    guard = EnergyGuard()
    assert feed(guard, Period.DAY, 8.0, datetime.fromisoformat(last_evening)) == 8.0
    assert feed(guard, Period.DAY, 0.0, datetime.fromisoformat(after_midnight)) == 0.0


def test_home_assistant_time_zone_when_the_cloud_gives_no_offset() -> None:
    """Values dated in a `ZoneInfo` (the fallback) follow the same rules, DST included."""
    guard = EnergyGuard()
    assert feed(guard, Period.DAY, 0.4, at("2026-03-29 01:55", PARIS)) == 0.4
    assert feed(guard, Period.DAY, 0.0, at("2026-03-29 03:05", PARIS)) == 0.4
    assert feed(guard, Period.DAY, 9.0, at("2026-03-29 23:55", PARIS)) == 9.0
    assert feed(guard, Period.DAY, 0.1, at("2026-03-30 00:05", PARIS)) == 0.1


def test_station_offset_wins_over_the_reader_clock() -> None:
    """Only the station's local date matters, not where Home Assistant runs."""
    guard = EnergyGuard()
    # 23:30 UTC is already the next day in Paris (UTC+2).
    assert feed(guard, Period.DAY, 12.4, at("2026-07-15 01:25")) == 12.4
    utc_reading = datetime(2026, 7, 14, 23, 30, tzinfo=UTC).astimezone(CEST)
    assert feed(guard, Period.DAY, 0.0, utc_reading) == 12.4
