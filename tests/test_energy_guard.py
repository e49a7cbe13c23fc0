"""Tests of the energy guard: counters only go down at their real rollover."""

from datetime import UTC, datetime, timedelta, timezone
import json
from zoneinfo import ZoneInfo

import pytest

from custom_components.izypower_cloud.api import EnergySeries, Period
from custom_components.izypower_cloud.energy_guard import (
    LAG_WINDOW,
    EnergyGuard,
    EnergyKey,
    consumption_from_pv,
)

PARIS = ZoneInfo("Europe/Paris")
CEST = timezone(timedelta(hours=2))
CET = timezone(timedelta(hours=1))
STATION = "station_81234"
PROD = EnergySeries.PRODUCTION


def at(text: str, tz: timezone | ZoneInfo = CEST) -> datetime:
    """Return an aware local time of the station."""
    return datetime.fromisoformat(text).replace(tzinfo=tz)


def feed(
    guard: EnergyGuard,
    period: Period,
    value: float | None,
    when: datetime,
    station: str = STATION,
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
    assert feed(guard, Period.DAY, 9.84, at("2026-07-14 13:39"), station="a") == 9.84
    assert feed(guard, Period.DAY, 4.86, at("2026-07-14 13:39"), station="b") == 4.86
    guard.forget("a")
    assert feed(guard, Period.DAY, 2.0, at("2026-07-14 13:42"), station="a") == 2.0
    assert feed(guard, Period.DAY, 2.0, at("2026-07-14 13:42"), station="b") == 4.86


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


def test_rollover_flip_back_after_the_reset_keeps_the_reset() -> None:
    """The cloud showing yesterday's total again after the reset is still lag."""
    guard = EnergyGuard()
    assert feed(guard, Period.DAY, 10.0, at("2026-07-14 23:58")) == 10.0
    assert feed(guard, Period.DAY, 0.0, at("2026-07-15 00:02")) == 0.0
    assert feed(guard, Period.DAY, 10.0, at("2026-07-15 00:05")) == 0.0
    assert feed(guard, Period.DAY, 0.05, at("2026-07-15 00:08")) == 0.05
    assert feed(guard, Period.DAY, 10.0, at("2026-07-15 00:11")) == 0.05
    assert feed(guard, Period.DAY, 4.0, at("2026-07-15 09:00")) == 4.0
    # Past the lag window, yesterday's total is no reference any more.
    assert feed(guard, Period.DAY, 10.5, at("2026-07-15 12:00")) == 10.5


def test_period_that_ended_at_zero_starts_the_next_at_once() -> None:
    """Nothing to lag behind: the first value above 0 is today's, not unknown."""
    guard = EnergyGuard()
    assert feed(guard, Period.DAY, 0.0, at("2026-07-14 23:58")) == 0.0
    assert feed(guard, Period.DAY, 0.2, at("2026-07-15 00:30")) == 0.2
    assert feed(guard, Period.DAY, 0.3, at("2026-07-15 00:33")) == 0.3


def test_one_cycle_spike_is_held_and_dropped() -> None:
    """An impossible rise is not published; the next normal value continues."""
    guard = EnergyGuard()
    assert feed(guard, Period.TOTAL, 1000.0, at("2026-07-14 12:00")) == 1000.0
    assert feed(guard, Period.TOTAL, 99999.0, at("2026-07-14 12:03")) == 1000.0
    assert feed(guard, Period.TOTAL, 1000.2, at("2026-07-14 12:06")) == 1000.2
    assert feed(guard, Period.TOTAL, 1000.4, at("2026-07-14 12:09")) == 1000.4


@pytest.mark.parametrize("confirmation", [5000.0, 5000.1])
def test_confirmed_rise_is_accepted_one_reading_later(confirmation: float) -> None:
    """A stale counter that catches up is believed once a second reading agrees."""
    guard = EnergyGuard()
    assert feed(guard, Period.TOTAL, 1000.0, at("2026-07-14 12:00")) == 1000.0
    assert feed(guard, Period.TOTAL, 1000.0, at("2026-07-14 12:03")) == 1000.0
    assert feed(guard, Period.TOTAL, 5000.0, at("2026-07-14 12:06")) == 1000.0
    assert (
        feed(guard, Period.TOTAL, confirmation, at("2026-07-14 12:09")) == confirmation
    )


def test_unconfirmed_rise_must_be_confirmed_by_the_next_reading() -> None:
    """A null or a dip between the spike and its repetition drops the held value."""
    guard = EnergyGuard()
    assert feed(guard, Period.TOTAL, 1000.0, at("2026-07-14 12:00")) == 1000.0
    assert feed(guard, Period.TOTAL, 9000.0, at("2026-07-14 12:03")) == 1000.0
    assert feed(guard, Period.TOTAL, None, at("2026-07-14 12:06")) == 1000.0
    assert feed(guard, Period.TOTAL, 9000.0, at("2026-07-14 12:09")) == 1000.0
    # A lower but still impossible value replaces the held one.
    assert feed(guard, Period.TOTAL, 8000.0, at("2026-07-14 12:12")) == 1000.0
    assert feed(guard, Period.TOTAL, 8000.0, at("2026-07-14 12:15")) == 8000.0


def test_rise_bound_grows_with_the_time_since_the_last_accepted_value() -> None:
    """100 kW for the elapsed time, at least one refresh period: a plausible rise passes."""
    guard = EnergyGuard(min_elapsed=timedelta(minutes=3))
    assert feed(guard, Period.TOTAL, 1000.0, at("2026-07-14 12:00")) == 1000.0
    # 5 kWh in one refresh period is the bound; same `lastUpdate` counts as one period.
    assert feed(guard, Period.TOTAL, 1005.0, at("2026-07-14 12:00")) == 1005.0
    assert feed(guard, Period.TOTAL, 1010.1, at("2026-07-14 12:03")) == 1005.0
    assert feed(guard, Period.TOTAL, 1005.0, at("2026-07-14 12:06")) == 1005.0
    # A day without data: 2,400 kWh would be possible.
    assert feed(guard, Period.TOTAL, 1500.0, at("2026-07-15 12:03")) == 1500.0
    # Day counters follow the same bound.
    assert feed(guard, Period.DAY, 1.0, at("2026-07-15 12:03")) == 1.0
    assert feed(guard, Period.DAY, 40.0, at("2026-07-15 12:06")) == 1.0


def _station_counters(
    consumption: float | None, discharge: float | None, grid_import: float | None
) -> dict[EnergyKey, float | None]:
    return {
        (series, Period.TOTAL): value
        for series, value in (
            (EnergySeries.CONSUMPTION, consumption),
            (EnergySeries.BATTERY_DISCHARGE, discharge),
            (EnergySeries.GRID_IMPORT, grid_import),
        )
    }


def test_consumption_from_pv_is_derived_from_guarded_counters() -> None:
    """A glitch of one input never reaches the derived counter."""
    guard = EnergyGuard()
    cfpv = (EnergySeries.CONSUMPTION_FROM_PV, Period.TOTAL)
    readings = [
        (_station_counters(5000, 1000, 3000), 1000.0),
        # Grid import drops to 0 for one cycle: the derived counter does not advance
        # (issue 11: advancing on the held import booked energy that never happened).
        (_station_counters(5001, 1000, 0), 1000.0),
        (_station_counters(5002, 1000, 3000.5), 1001.5),
        # A null input keeps the last good derived value.
        (_station_counters(5003, None, 3000.5), 1001.5),
    ]
    when = at("2026-07-14 12:00")
    for counters, expected in readings:
        energy = guard.station_energy(STATION, counters, when)
        assert energy[cfpv] == pytest.approx(expected)
        assert energy[(EnergySeries.GRID_IMPORT, Period.TOTAL)] >= 3000  # type: ignore[operator]
        when += timedelta(minutes=3)
    # Every period of the derived series is published.
    assert {period for series, period in energy if series is cfpv[0]} == set(Period)


def test_consumption_from_pv_formula() -> None:
    """Consumption minus discharge minus import, clamped at 0, unknown without inputs."""
    assert consumption_from_pv(7.0, 1.0, 1.0) == 5.0
    assert consumption_from_pv(5.0, 3.0, 4.0) == 0.0
    assert consumption_from_pv(None, 1.0, 1.0) is None
    assert consumption_from_pv(7.0, None, 1.0) is None
    assert consumption_from_pv(7.0, 1.0, None) is None
    # Rounded to the cloud's two decimals: no float noise reaches the recorder.
    assert consumption_from_pv(0.3, 0.1, 0.1) == 0.1
    assert repr(consumption_from_pv(1234.57, 1000.12, 234.35)) == "0.1"


def test_state_survives_a_round_trip_through_plain_data() -> None:
    """What `as_dict` saves, `load` restores: a glitch after a restart is filtered."""
    guard = EnergyGuard()
    assert feed(guard, Period.DAY, 10.0, at("2026-07-14 23:58")) == 10.0
    assert feed(guard, Period.DAY, 0.0, at("2026-07-15 00:02")) == 0.0
    assert feed(guard, Period.TOTAL, 1000.0, at("2026-07-15 00:02")) == 1000.0
    assert feed(guard, Period.TOTAL, 9000.0, at("2026-07-15 00:05")) == 1000.0
    saved = json.loads(json.dumps(guard.as_dict()))

    restored = EnergyGuard()
    restored.load(saved)
    assert restored.as_dict() == saved
    # The previous day's total and the held rise came back too.
    assert feed(restored, Period.DAY, 10.0, at("2026-07-15 00:08")) == 0.0
    assert feed(restored, Period.TOTAL, 0.0, at("2026-07-15 00:08")) == 1000.0


@pytest.mark.parametrize(
    "saved",
    [
        None,
        "junk",
        {"counters": "junk"},
        {"counters": ["junk", {}]},
        {"counters": [{"owner": "a", "counter": "production", "period": "week"}]},
    ],
)
def test_malformed_saved_state_is_ignored(saved: object) -> None:
    """A damaged store starts the guard empty rather than failing the setup."""
    guard = EnergyGuard()
    guard.load(saved)
    assert guard.as_dict() == {"counters": []}


def test_malformed_saved_counter_is_skipped_alone() -> None:
    """One bad counter does not drop the others."""
    good = EnergyGuard()
    feed(good, Period.TOTAL, 1000.0, at("2026-07-14 12:00"))
    (counter,) = good.as_dict()["counters"]
    naive = {**counter, "owner": "naive", "measured_at": "2026-07-14T12:00:00"}
    no_value = {**counter, "owner": "none", "value": None}
    guard = EnergyGuard()
    guard.load({"counters": [naive, no_value, counter]})
    assert guard.as_dict() == {"counters": [counter]}
