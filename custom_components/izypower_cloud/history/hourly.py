"""Hourly statistic rows going forward, from each refresh's guarded day counters.

Each station has one open day (station-local, see statistics.py) and, per series, a
cursor: the day's energy at the last reading and at the start of that reading's hour.
A new reading moves the cursor: the energy between two readings is spread evenly over
the time between them (with 3-minute refreshes that is the hour it was produced in;
after an outage it is the missed hours), and the rows of every hour touched are
written, the current hour's provisionally (it is rewritten by the next reading).

A reading dated on or after the open day's end closes that day with its day report:
the energy between the last reading and the day's report total is spread evenly over
the rest of the day, so every closed day adds up to the cloud's total exactly, and a
day Home Assistant missed entirely is one even spread of its report. The next day
starts where the closed one ended, so sums are continuous. Without the report (cloud
unreachable) the day stays open and is closed at a later refresh.

Readings are the guarded day counters (energy_guard.py: never a mid-day dip, a lagging
previous-day total after midnight is unknown) dated by the station's `lastUpdate`; a
reading without a plausible `lastUpdate` is skipped, the next one covers its energy.
The open days are stored with the config entry, so a restart neither books energy
twice (the cursors know what was written) nor loses it (the next reading or report
covers the downtime).
"""

import asyncio
from collections.abc import Callable, Coroutine, Mapping
import copy
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, Final

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from custom_components.izypower_cloud.api import EnergyReport, IzypowerError
from custom_components.izypower_cloud.const import DOMAIN, LOGGER
from custom_components.izypower_cloud.data import IzypowerData, StationData

from .statistics import (
    HOUR,
    STATISTIC_SERIES,
    Row,
    StatisticSeries,
    async_empty_statistics,
    async_metadata,
    async_sum_before,
    clear_statistics,
    day_energy,
    day_start,
    parse_series,
    report_total,
    station_series,
    station_zone,
    statistic_id,
    write_rows,
)

STORE_VERSION: Final = 1
SAVE_DELAY: Final = 30  # seconds
# A `lastUpdate` further ahead of our clock than this is a broken clock.
MAX_CLOCK_AHEAD: Final = timedelta(hours=1)

type ReportFetcher = Callable[[int, date], Coroutine[Any, Any, EnergyReport]]
type FirstDayCallback = Callable[[int, date], None]


def statistics_store(hass: HomeAssistant, entry_id: str) -> Store[dict[str, Any]]:
    """Return the store of one config entry's open statistic days."""
    return Store(hass, STORE_VERSION, f"{DOMAIN}.{entry_id}.statistics")


@dataclass(slots=True)
class _Cursor:
    """Where one series of the open day stands."""

    base: float  # sum at the day's start
    at: datetime  # last reading
    value: float  # the day's energy at `at`
    hour_value: float  # the day's energy at the start of the hour containing `at`

    def advance(self, until: datetime, value: float) -> list[Row]:
        """Move to a later reading; return the rows of the hours in between."""
        value = max(value, self.value)
        span = (until - self.at).total_seconds()
        rows: list[Row] = []
        hour = self.at.replace(minute=0, second=0, microsecond=0)
        while hour < until:
            end = min(hour + HOUR, until)
            # Exactly `value` at `until`: the next day's sums start from it.
            energy = (
                value
                if end == until
                else self.value
                + (value - self.value) * ((end - self.at).total_seconds() / span)
            )
            rows.append(Row(hour, self.base + energy, energy))
            if end == hour + HOUR:
                self.hour_value = energy
            hour += HOUR
        self.at, self.value = until, value
        return rows

    def as_dict(self) -> dict[str, Any]:
        return {
            "base": self.base,
            "at": self.at.isoformat(),
            "value": self.value,
            "hour_value": self.hour_value,
        }


@dataclass(slots=True)
class _OpenDay:
    """The station-local day being written, and where each series stands in it."""

    day: date
    end: datetime
    cursors: dict[StatisticSeries, _Cursor]

    def as_dict(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "end": self.end.isoformat(),
            "cursors": {str(s): cursor.as_dict() for s, cursor in self.cursors.items()},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> _OpenDay:
        return cls(
            day=date.fromisoformat(data["day"]),
            end=datetime.fromisoformat(data["end"]),
            cursors={
                parse_series(series): _Cursor(
                    base=item["base"],
                    at=datetime.fromisoformat(item["at"]),
                    value=item["value"],
                    hour_value=item["hour_value"],
                )
                for series, item in data["cursors"].items()
            },
        )


def _start_day(
    day: date, start: datetime, end: datetime, bases: dict[StatisticSeries, float]
) -> _OpenDay:
    """Return a day opened at `start`, with a cursor for each series of `bases`."""
    return _OpenDay(
        day=day,
        end=end,
        cursors={series: _new_cursor(base, start) for series, base in bases.items()},
    )


def _new_cursor(base: float, start: datetime) -> _Cursor:
    return _Cursor(base=base, at=start, value=0.0, hour_value=0.0)


class HourlyStatistics:
    """Write one config entry's hourly rows after each refresh."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry_id: str,
        fetch_day_report: ReportFetcher,
        on_first_day: FirstDayCallback,
    ) -> None:
        """Prepare; `async_load` restores the open days."""
        self._hass = hass
        self._store = statistics_store(hass, entry_id)
        self._fetch = fetch_day_report
        self._on_first_day = on_first_day
        self._days: dict[int, _OpenDay] = {}
        self._failing: set[int] = set()
        # Held while rows are written, so that an import can raise the sums of the
        # rows and of the open days between two refreshes (importer.py).
        self.lock = asyncio.Lock()

    async def async_load(self) -> None:
        """Restore the open days stored with the entry."""
        stored = await self._store.async_load() or {}
        self._days = {
            int(station_id): _OpenDay.from_dict(item)
            for station_id, item in stored.get("days", {}).items()
        }

    async def async_save(self) -> None:
        """Store the open days now (at unload), once the rows being written are."""
        async with self.lock:
            await self.async_store()

    async def async_store(self) -> None:
        """Store the open days now; the caller holds `lock`."""
        await self._store.async_save(self._as_dict())

    def _as_dict(self) -> dict[str, Any]:
        return {"days": {str(k): day.as_dict() for k, day in self._days.items()}}

    def open_day(self, station_id: int) -> date | None:
        """Return the station's open day (None before its first reading)."""
        day = self._days.get(station_id)
        return None if day is None else day.day

    def continue_rows(
        self, station_id: int, zone: tzinfo, last: Mapping[StatisticSeries, Row]
    ) -> date | None:
        """Open a station's first day where earlier rows of its series end.

        For rows carried from the community integration (legacy/statistics.py), so
        that their hours are continued, not written again. The open day is the day of
        the latest row, if that is yesterday or today (older: the usual first day);
        a series whose last row is on it continues from that row (its state is the
        day's energy up to the row's end), another from its last sum at the day's
        start. Returns the day opened (None: not opened). The caller holds `lock`.
        """
        if station_id in self._days or not last:
            return None
        latest = max(row.start for row in last.values())
        day = latest.astimezone(zone).date()
        if day < dt_util.now(zone).date() - timedelta(days=1):
            return None
        start = day_start(day, zone)
        cursors: dict[StatisticSeries, _Cursor] = {}
        for series, row in last.items():
            if row.start >= start:
                end = row.start + HOUR
                cursors[series] = _Cursor(
                    row.sum - row.state, end, row.state, row.state
                )
            else:
                cursors[series] = _new_cursor(row.sum, start)
        end = day_start(day + timedelta(days=1), zone)
        self._days[station_id] = _OpenDay(day, end, cursors)
        self._on_first_day(station_id, day)
        return day

    def raise_sums(self, station_id: int, energy: dict[StatisticSeries, float]) -> None:
        """Raise the running sums of a station: days were imported before them.

        The caller holds `lock` and stores the open days at once (`async_store`):
        rows already raised in the recorder and an old running sum after a crash
        would make the sums fall.
        """
        if (open_day := self._days.get(station_id)) is None:
            return
        for series, cursor in open_day.cursors.items():
            cursor.base += energy.get(series, 0.0)

    async def async_process(self, data: IzypowerData) -> None:
        """Write the rows of one refresh's readings (stations one after the other)."""
        async with self.lock:
            for station_id, station_data in data.stations.items():
                await self._async_station(station_id, station_data)
        self._store.async_delay_save(self._as_dict, SAVE_DELAY)

    async def _async_station(self, station_id: int, station_data: StationData) -> None:
        """Move a station's open day to its new reading and write the rows.

        The open day is changed on a copy and stored, with its rows queued for the
        recorder, only at the end and without awaiting in between: a task cancelled
        at unload leaves both as they were, so no hour is skipped or booked twice.
        """
        info = station_data.info
        measured_at = None if info is None else info.last_update
        if measured_at is None or measured_at - dt_util.utcnow() > MAX_CLOCK_AHEAD:
            return
        metadata = await async_metadata(
            self._hass, station_id, station_data.station.name
        )
        zone = station_zone(self._hass, measured_at)
        series = station_series(station_data)
        at = dt_util.as_utc(measured_at)
        rows: dict[StatisticSeries, list[Row]] = {s: [] for s in STATISTIC_SERIES}
        open_day = copy.deepcopy(self._days.get(station_id))
        if open_day is None:
            open_day = await self._async_first_day(
                station_id, measured_at.astimezone(zone).date(), zone, series
            )
        while at >= open_day.end:
            closed = await self._async_close(station_id, open_day, zone, rows)
            if closed is None:
                break
            open_day = closed
        cleared = await self._async_follow(station_id, open_day, zone, series)
        # Only a reading of the open day's own date (the counter's day, in the offset
        # the station sent) moves its cursors: where the zone's midnight is not the
        # station's (a fixed offset matched to an EU zone on its change day, a
        # half-hour offset floored to the hour), a late reading of the day before
        # still carries that day's whole counter, already booked by its report.
        if at < open_day.end and measured_at.date() == open_day.day:
            for one, cursor in open_day.cursors.items():
                value = day_energy(station_data, one)
                if value is not None and at > cursor.at:
                    rows[one] += cursor.advance(at, value)
        self._days[station_id] = open_day
        for one, series_rows in rows.items():
            write_rows(self._hass, metadata[one], series_rows)
        clear_statistics(self._hass, cleared)

    async def _async_first_day(
        self,
        station_id: int,
        day: date,
        zone: tzinfo,
        series: tuple[StatisticSeries, ...],
    ) -> _OpenDay:
        """Open the station's first day, continuing the sums of any earlier rows."""
        start = day_start(day, zone)
        bases = {
            one: await async_sum_before(
                self._hass, statistic_id(station_id, one), start
            )
            for one in series
        }
        self._on_first_day(station_id, day)
        return _start_day(day, start, day_start(day + timedelta(days=1), zone), bases)

    async def _async_follow(
        self,
        station_id: int,
        open_day: _OpenDay,
        zone: tzinfo,
        series: tuple[StatisticSeries, ...],
    ) -> list[str]:
        """Give the open day a cursor for each of the station's series, and no other.

        A series the station gains (a battery installed later) starts at the open
        day's start, from the sum before it: the day's counter counts from there. A
        cursor of a series the station has not got is dropped while it holds none of
        the day's energy (a battery unseen for one refresh keeps what it booked today).
        Returns the dropped statistics that hold nothing at all, to be deleted: the
        battery series earlier versions wrote as zeros for stations without a battery.
        """
        start = day_start(open_day.day, zone)
        for one in series:
            if one not in open_day.cursors:
                stat_id = statistic_id(station_id, one)
                base = await async_sum_before(self._hass, stat_id, start)
                open_day.cursors[one] = _new_cursor(base, start)
        dropped = {
            one
            for one, cursor in open_day.cursors.items()
            if one not in series and cursor.value == 0
        }
        if not dropped:
            return []
        for one in dropped:
            del open_day.cursors[one]
        return await async_empty_statistics(
            self._hass, {statistic_id(station_id, one) for one in dropped}
        )

    async def _async_close(
        self,
        station_id: int,
        open_day: _OpenDay,
        zone: tzinfo,
        rows: dict[StatisticSeries, list[Row]],
    ) -> _OpenDay | None:
        """Close the open day with its report; return the next day (None: no report)."""
        try:
            report = await self._fetch(station_id, open_day.day)
        except IzypowerError as err:
            if station_id not in self._failing:
                self._failing.add(station_id)
                LOGGER.info(
                    "Day report %s of station %s unavailable, statistics wait: %s",
                    open_day.day,
                    station_id,
                    err,
                )
            return None
        self._failing.discard(station_id)
        bases: dict[StatisticSeries, float] = {}
        for series, cursor in open_day.cursors.items():
            total = report_total(report, series)
            rows[series] += cursor.advance(
                open_day.end, cursor.value if total is None else total
            )
            bases[series] = cursor.base + cursor.value
        day = open_day.day + timedelta(days=1)
        return _start_day(
            day, open_day.end, day_start(day + timedelta(days=1), zone), bases
        )
