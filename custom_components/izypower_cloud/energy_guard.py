"""Keep energy counters from going down except at their real rollover.

The cloud's counters sometimes dip, drop to 0 or vanish for one cycle, and right after
midnight it may still report the previous day's total for a while. Passed on as they
are, these glitches make Home Assistant's statistics count phantom energy: a
`total_increasing` sensor that drops and comes back is read as a reset followed by a
whole day's production. This module filters them out (../DESIGN.md §4).

Rules, per station and counter:

* Every value is dated by the moment the cloud measured it, `lastUpdate`, read in the
  station's own UTC offset (Home Assistant's time zone when the cloud gives no
  `lastUpdate`). Dating by the data rather than by our clock means a value measured at
  23:58 still counts for that day even when we read it at 00:02, and a station whose
  data stopped yesterday keeps yesterday's values rather than inventing a rollover.
* Lifetime counters (`Period.TOTAL`) never go down: a lower value, 0 or null keeps the
  last good value.
* Period counters (day, month, year) within the same period behave the same way: a
  dip, 0 or null keeps the last good value.
* When the data's date enters a new period (local midnight, first of the month, first
  of January), the previous period's final value no longer stands for anything, so it
  is not published any more. The first value *lower* than that final value, 0
  included, is the reset and starts the new period. A value that is still equal to or
  higher than the final value during the first `LAG_WINDOW` of the new period is the
  cloud lagging behind the rollover: it is published as unknown and not stored, so the
  real reset that follows is not mistaken for a dip. After `LAG_WINDOW` such a value is
  believed (for example after a long outage spanning the rollover).
* A value dated in an earlier period than the stored one (a cloud glitch) keeps the
  stored value.

Daylight-saving changes need no special case: they happen in the night, never at a
period boundary, and only the local date of each value matters. The state is kept in
memory by the coordinator of one config entry; after a restart the first value of each
counter is taken as it comes, which the sensors' `total_increasing` class tolerates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
import logging

from .api import EnergySeries, Period

_LOGGER = logging.getLogger(__name__)

# How long after a rollover the cloud may still report the previous period's total.
LAG_WINDOW = timedelta(hours=2)

type EnergyKey = tuple[EnergySeries, Period]


@dataclass(frozen=True, slots=True)
class _Reading:
    value: float
    # The period the value belongs to: (year,), (year, month) or (year, month, day);
    # () for lifetime counters.
    period_key: tuple[int, ...]


def _period_key(period: Period, day: date) -> tuple[int, ...]:
    if period is Period.DAY:
        return (day.year, day.month, day.day)
    if period is Period.MONTH:
        return (day.year, day.month)
    if period is Period.YEAR:
        return (day.year,)
    return ()


def _period_start(period: Period, day: date) -> date:
    if period is Period.MONTH:
        return day.replace(day=1)
    if period is Period.YEAR:
        return day.replace(month=1, day=1)
    return day


def _time_into_period(period: Period, measured_at: datetime) -> timedelta:
    """Wall-clock time elapsed since the period started, in the station's local time."""
    local = measured_at.replace(tzinfo=None)
    return local - datetime.combine(_period_start(period, local.date()), time.min)


class EnergyGuard:
    """Filter the energy counters of every station of one account."""

    def __init__(self, lag_window: timedelta = LAG_WINDOW) -> None:
        """Start with no history."""
        self._lag_window = lag_window
        self._readings: dict[tuple[int, EnergySeries, Period], _Reading] = {}

    def apply(
        self,
        station_id: int,
        energy: Mapping[EnergyKey, float | None],
        measured_at: datetime,
    ) -> dict[EnergyKey, float | None]:
        """Return the counters to publish for values the cloud measured at `measured_at`.

        `measured_at` must be aware and expressed in the station's local time.
        """
        return {
            (series, period): self._filter(
                station_id, series, period, value, measured_at
            )
            for (series, period), value in energy.items()
        }

    def forget(self, station_id: int) -> None:
        """Drop the history of a station that left the account."""
        for key in [key for key in self._readings if key[0] == station_id]:
            del self._readings[key]

    def _filter(
        self,
        station_id: int,
        series: EnergySeries,
        period: Period,
        value: float | None,
        measured_at: datetime,
    ) -> float | None:
        state_key = (station_id, series, period)
        period_key = _period_key(period, measured_at.date())
        stored = self._readings.get(state_key)

        if stored is None:
            if value is not None:
                self._readings[state_key] = _Reading(value, period_key)
            return value

        if period_key <= stored.period_key:
            if (
                period_key == stored.period_key
                and value is not None
                and value >= stored.value
            ):
                self._readings[state_key] = _Reading(value, period_key)
                return value
            _LOGGER.debug(
                "Station %s: %s %s went from %s to %s within its period (or dated in an "
                "earlier one); keeping %s",
                station_id,
                series,
                period,
                stored.value,
                value,
                stored.value,
            )
            return stored.value

        # The data entered a new period.
        if value is None:
            return None
        if value < stored.value or value == 0:
            self._readings[state_key] = _Reading(value, period_key)
            return value
        if _time_into_period(period, measured_at) < self._lag_window:
            _LOGGER.debug(
                "Station %s: %s %s still shows the previous period's %s after the "
                "rollover; unknown until the cloud resets it",
                station_id,
                series,
                period,
                value,
            )
            return None
        self._readings[state_key] = _Reading(value, period_key)
        return value
