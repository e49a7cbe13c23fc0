"""Energy counters only go down at their real rollover.

The cloud's counters sometimes dip, drop to 0, vanish or spike for one cycle, and right
after midnight it may still report the previous day's total for a while. Passed on as
they are, these glitches make Home Assistant's statistics count phantom energy: a
`total_increasing` sensor that drops and comes back is read as a reset followed by a
whole day's production. This module filters them out (docs/design.md §4).

Rules, per owner (a station, or a meter for its own lifetime counters) and counter:

* Every value is dated by the moment the cloud measured it, read in the station's own
  UTC offset (the coordinator chooses that moment, see `IzypowerCoordinator`). Dating
  by the data rather than by our clock means a value measured at 23:58 still counts for
  that day even when we read it at 00:02, and a station whose data stopped yesterday
  keeps yesterday's values rather than inventing a rollover.
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
  real reset that follows is not mistaken for a dip; once the reset is stored, such a
  value (the cloud flipping back to the old total) keeps the reset's value. After
  `LAG_WINDOW` a higher value is believed (for example after a long outage spanning the
  rollover). A period that ended at 0 has no total to lag behind: any value starts the
  new one.
* An implausible rise is held: a rise of more than `MAX_POWER_KW` times the time
  elapsed since the last accepted value (at least `min_elapsed`, one refresh period)
  keeps the last good value until the next reading confirms it by being at least as
  high. A one-cycle spike therefore never reaches the sensor, and a counter that was
  stale for days and then catches up is accepted one refresh later.
* A value dated in an earlier period than the stored one (a cloud glitch) keeps the
  stored value.

Daylight-saving changes need no special case: they happen in the night, never at a
period boundary, and only the local date of each value matters.

The state is plain data (`as_dict` / `load`): the coordinator stores it with the config
entry so that a glitch on the first refresh after a restart is filtered too.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from .api import EnergySeries, Period, parse_number
from .const import LOGGER

# How long after a rollover the cloud may still report the previous period's total.
LAG_WINDOW = timedelta(hours=2)
# Far above any installation the cloud serves (homes and small businesses): a counter
# rising faster than this is a glitch until the next reading confirms it.
MAX_POWER_KW = 100.0
# The shortest time a rise is judged over: one refresh period by default.
DEFAULT_MIN_ELAPSED = timedelta(minutes=3)

type EnergyKey = tuple[EnergySeries, Period]
# A counter of one owner: its name (an `EnergySeries` or a meter counter) and period.
type CounterKey = tuple[str, Period]

# The lifetime counters of a meter, guarded like a station's (owner: the meter).
METER_IMPORT_TOTAL: CounterKey = ("meter_import", Period.TOTAL)
METER_EXPORT_TOTAL: CounterKey = ("meter_export", Period.TOTAL)

# Lifetime counters belong to one endless period.
_LIFETIME_START = date.min


@dataclass(frozen=True, slots=True)
class _Reading:
    # Last accepted value.
    value: float
    # First day of the period the value belongs to.
    period_start: date
    # When the cloud measured it.
    measured_at: datetime
    # The previous period's final value, kept to recognise the cloud flipping back to
    # it early in the new period.
    previous_final: float | None = None
    # An implausible rise waiting for the next reading to confirm it.
    held: float | None = None


def _reading_from_dict(item: Any) -> tuple[tuple[str, str, Period], _Reading]:
    """Parse one counter saved by `EnergyGuard.as_dict`; raise on anything malformed."""
    value = parse_number(item["value"])
    measured_at = datetime.fromisoformat(item["measured_at"])
    if value is None or measured_at.tzinfo is None:
        raise ValueError("no value or a naive time")
    reading = _Reading(
        value=value,
        period_start=date.fromisoformat(item["period_start"]),
        measured_at=measured_at,
        previous_final=parse_number(item.get("previous_final")),
        held=parse_number(item.get("held")),
    )
    return (str(item["owner"]), str(item["counter"]), Period(item["period"])), reading


def consumption_from_pv(
    consumption: float | None, discharge: float | None, grid_import: float | None
) -> float | None:
    """Consumption not covered by the battery or the grid, clamped at zero.

    Rounded to the cloud's resolution (two decimals): the subtraction of three such
    values would otherwise leave float noise (0.100000000000001) in the recorder.
    """
    if consumption is None or discharge is None or grid_import is None:
        return None
    return round(max(0.0, consumption - discharge - grid_import), 2)


# The counters consumption from solar is computed from, in `consumption_from_pv` order.
_CONSUMPTION_FROM_PV_INPUTS = (
    EnergySeries.CONSUMPTION,
    EnergySeries.BATTERY_DISCHARGE,
    EnergySeries.GRID_IMPORT,
)


def _accepted(
    raw: Mapping[EnergyKey, float | None],
    guarded: Mapping[EnergyKey, float | None],
    key: EnergyKey,
) -> float | None:
    """Return the counter if the guard published it as the cloud sent it, else None."""
    value = raw.get(key)
    return value if value is not None and guarded.get(key) == value else None


def _period_start(period: Period, day: date) -> date:
    if period is Period.DAY:
        return day
    if period is Period.MONTH:
        return day.replace(day=1)
    if period is Period.YEAR:
        return day.replace(month=1, day=1)
    return _LIFETIME_START


def _time_into_period(period: Period, measured_at: datetime) -> timedelta:
    """Wall-clock time elapsed since the period started, in the station's local time."""
    local = measured_at.replace(tzinfo=None)
    return local - datetime.combine(_period_start(period, local.date()), time.min)


class EnergyGuard:
    """Filter the energy counters of every station and meter of one account."""

    def __init__(
        self,
        *,
        lag_window: timedelta = LAG_WINDOW,
        min_elapsed: timedelta = DEFAULT_MIN_ELAPSED,
    ) -> None:
        """Start with no history."""
        self._lag_window = lag_window
        self._min_elapsed = min_elapsed
        self._readings: dict[tuple[str, str, Period], _Reading] = {}

    def apply[K: CounterKey](
        self,
        owner: str,
        counters: Mapping[K, float | None],
        measured_at: datetime,
    ) -> dict[K, float | None]:
        """Return the counters to publish for values the cloud measured at `measured_at`.

        `owner` names whose counters these are (e.g. `station_81234`); `measured_at`
        must be aware and expressed in the station's local time.
        """
        return {
            key: self._filter((owner, key[0], key[1]), value, measured_at)
            for key, value in counters.items()
        }

    def period_counters(
        self,
        owner: str,
        name: str,
        values: Mapping[Period, float | None],
        measured_at: datetime,
    ) -> dict[Period, float | None]:
        """Guard one counter `name` of `owner` for every period (absent: unknown).

        For counters read from the reports (EV energy), one per period like the
        station info's; a period whose report is missing keeps its last good value.
        """
        guarded = self.apply(
            owner,
            {(name, period): values.get(period) for period in Period},
            measured_at,
        )
        return {period: value for (_, period), value in guarded.items()}

    def station_energy(
        self,
        owner: str,
        raw: Mapping[EnergyKey, float | None],
        measured_at: datetime,
        *,
        has_battery: bool = True,
    ) -> dict[EnergyKey, float | None]:
        """Guard a station's counters and derive `consumption_from_pv` from the result.

        Consumption from solar is consumption - battery discharge - grid import, or
        consumption - grid import on a station without battery (`has_battery` False:
        its discharge counters are ignored, missing or not). A period's value is only
        computed when the guard accepted every input of that period as the cloud sent
        it: one held input (a dip, 0, null, missing key, spike or midnight lag) would
        make the difference book energy that never happened, which the derived
        counter's own guard could then never take back. Otherwise the derived counter
        gets no value, so it keeps its last one (or stays unknown after a rollover).
        It is then guarded like any counter.
        """
        guarded = self.apply(owner, raw, measured_at)
        derived: dict[EnergyKey, float | None] = {}
        for period in Period:
            consumption, discharge, grid_import = (
                _accepted(raw, guarded, (series, period))
                for series in _CONSUMPTION_FROM_PV_INPUTS
            )
            if not has_battery:
                discharge = 0.0
            derived[(EnergySeries.CONSUMPTION_FROM_PV, period)] = consumption_from_pv(
                consumption, discharge, grid_import
            )
        guarded.update(self.apply(owner, derived, measured_at))
        return guarded

    def forget(self, owner: str) -> None:
        """Drop the history of a station or meter that left the account."""
        for key in [key for key in self._readings if key[0] == owner]:
            del self._readings[key]

    def as_dict(self) -> dict[str, Any]:
        """Return the state as plain JSON data (see `load`)."""
        return {
            "counters": [
                {
                    "owner": owner,
                    "counter": name,
                    "period": str(period),
                    "value": reading.value,
                    "period_start": reading.period_start.isoformat(),
                    "measured_at": reading.measured_at.isoformat(),
                    "previous_final": reading.previous_final,
                    "held": reading.held,
                }
                for (owner, name, period), reading in self._readings.items()
            ]
        }

    def load(self, data: object) -> None:
        """Restore a state saved by `as_dict`; malformed parts are skipped."""
        counters = data.get("counters") if isinstance(data, dict) else None
        for item in counters if isinstance(counters, list) else ():
            try:
                key, reading = _reading_from_dict(item)
            except KeyError, TypeError, ValueError, AttributeError:
                continue
            self._readings[key] = reading

    def _filter(
        self, key: tuple[str, str, Period], value: float | None, measured_at: datetime
    ) -> float | None:
        period = key[2]
        period_start = _period_start(period, measured_at.date())
        stored = self._readings.get(key)

        if stored is None:
            if value is not None:
                self._readings[key] = _Reading(value, period_start, measured_at)
            return value

        if period_start > stored.period_start:
            return self._enter_period(key, stored, value, period_start, measured_at)

        if period_start < stored.period_start or value is None or value < stored.value:
            return self._keep(key, stored, value, "dipped or is dated too early")

        if self._is_lag(stored.previous_final, value, period, measured_at):
            return self._keep(
                key, stored, value, "went back to the previous period's total"
            )

        elapsed = max(measured_at - stored.measured_at, self._min_elapsed)
        plausible_rise = MAX_POWER_KW * elapsed / timedelta(hours=1)
        confirmed = stored.held is not None and value >= stored.held
        if value - stored.value > plausible_rise and not confirmed:
            LOGGER.debug(
                "%s: %s %s rose from %s to %s in %s; held until confirmed",
                *key,
                stored.value,
                value,
                elapsed,
            )
            self._readings[key] = replace(stored, held=value)
            return stored.value

        self._readings[key] = _Reading(
            value, period_start, measured_at, stored.previous_final
        )
        return value

    def _enter_period(
        self,
        key: tuple[str, str, Period],
        stored: _Reading,
        value: float | None,
        period_start: date,
        measured_at: datetime,
    ) -> float | None:
        """Handle the first value dated in a later period than the stored one."""
        if value is None:
            return None
        if self._is_lag(stored.value, value, key[2], measured_at):
            LOGGER.debug(
                "%s: %s %s still shows the previous period's %s after the rollover; "
                "unknown until the cloud resets it",
                *key,
                value,
            )
            return None
        self._readings[key] = _Reading(
            value, period_start, measured_at, previous_final=stored.value
        )
        return value

    def _is_lag(
        self,
        previous_final: float | None,
        value: float,
        period: Period,
        measured_at: datetime,
    ) -> bool:
        """Tell whether `value` is the previous period's total, reported late.

        A period that ended at 0 has no total to lag behind.
        """
        return (
            previous_final is not None
            and previous_final > 0
            and value >= previous_final
            and _time_into_period(period, measured_at) < self._lag_window
        )

    def _keep(
        self,
        key: tuple[str, str, Period],
        stored: _Reading,
        value: float | None,
        why: str,
    ) -> float:
        """Publish the stored value; a held rise is not confirmed by this reading."""
        LOGGER.debug("%s: %s %s %s (%s); keeping %s", *key, why, value, stored.value)
        if stored.held is not None:
            self._readings[key] = replace(stored, held=None)
        return stored.value
