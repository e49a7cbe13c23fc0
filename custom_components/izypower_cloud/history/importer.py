"""Past days: import station-local days from their day reports.

The cloud answers the day report of any past date with that day's totals per series,
but nothing finer (docs/api.md §7.3), so an imported day's total is spread evenly over
its hours (statistics.py). Rules:

* Idempotent: a day that already has rows in every series (imported before, or
  written live) is left alone and its report is not even fetched; running an import
  twice changes nothing.
* Continuous: rows before the imported days keep their sums; the rows after them are
  raised by the energy inserted before them (and so is the hourly writer's running
  sum, under its lock), so every later sum stays correct whatever order ranges are
  imported in, and the first row of a statistic still starts from 0.
* Only days before the station's current day are imported (the hourly writer owns the
  current day and every day after its first one), and only the series the station has
  a statistic of (no battery series without a battery, statistics.py).
* A day the cloud has no data for (all totals missing or zero: before the station
  existed, or nothing measured) is skipped and reported, never written as zeros; a
  day whose report failed is reported as failed and can be imported again later.
* A day whose report lacks some series' totals is incomplete: what it has is written,
  the missing series are left without rows (never zeros) and reported with the day.
  The idempotence is per series: a later import fetches the day again and writes only
  the series still without rows, which completes it.
* Reports are fetched at most `HISTORY_CONCURRENCY` at a time, with progress in the log.
"""

import asyncio
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from itertools import accumulate
from typing import Final

from homeassistant.core import HomeAssistant

from custom_components.izypower_cloud.api import EnergyReport, IzypowerError
from custom_components.izypower_cloud.const import LOGGER

from .hourly import HourlyStatistics, ReportFetcher
from .statistics import (
    FAR_PAST,
    STATISTIC_SERIES,
    Row,
    StatisticSeries,
    async_metadata,
    async_read_rows,
    day_hours,
    report_total,
    spread_day,
    statistic_id,
    write_rows,
)

HISTORY_CONCURRENCY: Final = 2
PROGRESS_EVERY: Final = 30  # days

type _Block = tuple[list[datetime], float]


@dataclass(slots=True)
class ImportResult:
    """What one station's import did, day by day."""

    imported: list[date] = field(default_factory=list)
    present: list[date] = field(default_factory=list)
    skipped: list[date] = field(default_factory=list)
    failed: list[date] = field(default_factory=list)
    # Days whose report lacked some series still without rows: those series, by day.
    incomplete: dict[date, list[StatisticSeries]] = field(default_factory=dict)


def merge_rows(existing: Sequence[Row], blocks: list[_Block]) -> list[Row]:
    """Return the rows to write so that `blocks` (hours, total) join `existing`.

    Each new day starts at the sum of the last existing row before it, raised by the
    energy inserted before it; each existing row after an inserted day is raised by
    the energy inserted before it; rows before every inserted day stay. So the very
    first row still starts from 0 (Home Assistant counts a statistic's first period
    from 0) and every difference of sums stays what it was.
    """
    if not blocks:
        return []
    blocks = sorted(blocks, key=lambda block: block[0][0])
    starts = [row.start for row in existing]
    block_starts = [hours[0] for hours, _ in blocks]
    # Energy inserted before block i.
    before_block = [0.0, *accumulate(total for _, total in blocks)]
    # Before the first existing row: the sum at the start of that row's day.
    first_level = existing[0].sum - existing[0].state if existing else 0.0
    rows: list[Row] = []
    for index, (hours, total) in enumerate(blocks):
        position = bisect_left(starts, hours[0])
        level = existing[position - 1].sum if position else first_level
        rows += spread_day(hours, total, level + before_block[index])
    for row in existing:
        shift = before_block[bisect_right(block_starts, row.start)]
        if shift:
            rows.append(Row(row.start, row.sum + shift, row.state))
    return rows


def _has_rows(starts: Sequence[datetime], hours: Sequence[datetime]) -> bool:
    position = bisect_left(starts, hours[0])
    return position < len(starts) and starts[position] <= hours[-1]


def _has_data(report: EnergyReport) -> bool:
    return any(report_total(report, series) for series in STATISTIC_SERIES)


def _book(
    report: EnergyReport,
    wanted: Sequence[StatisticSeries],
    hours: list[datetime],
    blocks: dict[StatisticSeries, list[_Block]],
) -> list[StatisticSeries]:
    """Add the day's block of each wanted series the report has; return those series."""
    booked: list[StatisticSeries] = []
    for one in wanted:
        if (total := report_total(report, one)) is not None:
            blocks[one].append((hours, total))
            booked.append(one)
    return booked


class HistoryImporter:
    """Import past days of one config entry's stations, one import at a time."""

    def __init__(
        self,
        hass: HomeAssistant,
        fetch_day_report: ReportFetcher,
        hourly: HourlyStatistics,
    ) -> None:
        """Prepare; nothing is fetched yet."""
        self._hass = hass
        self._fetch = fetch_day_report
        self._hourly = hourly
        self._lock = asyncio.Lock()

    async def async_import(
        self,
        station_id: int,
        station_name: str,
        zone: tzinfo,
        first: date,
        last: date,
        *,
        series: Sequence[StatisticSeries],
    ) -> ImportResult:
        """Import the days from `first` to `last` included of these series."""
        ids = {s: statistic_id(station_id, s) for s in series}
        days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        hours = {day: day_hours(day, zone) for day in days}
        async with self._lock:
            existing = await async_read_rows(self._hass, set(ids.values()), FAR_PAST)
            starts = {s: [row.start for row in existing[ids[s]]] for s in series}
            result = ImportResult()
            missing: list[date] = []
            for day in days:
                if all(_has_rows(starts[s], hours[day]) for s in series):
                    result.present.append(day)
                else:
                    missing.append(day)
            reports = await self._async_fetch_all(station_id, missing)
            blocks: dict[StatisticSeries, list[_Block]] = {s: [] for s in series}
            for day in missing:
                if (report := reports.get(day)) is None:
                    result.failed.append(day)
                elif not _has_data(report):
                    result.skipped.append(day)
                else:
                    wanted = [s for s in series if not _has_rows(starts[s], hours[day])]
                    booked = _book(report, wanted, hours[day], blocks)
                    if booked:
                        result.imported.append(day)
                    if lacking := [s for s in wanted if s not in booked]:
                        result.incomplete[day] = lacking
            await self._async_write(station_id, station_name, ids, blocks)
        return result

    async def _async_write(
        self,
        station_id: int,
        station_name: str,
        ids: dict[StatisticSeries, str],
        blocks: dict[StatisticSeries, list[_Block]],
    ) -> None:
        """Write the new days and raise the later rows and the hourly writer's sums.

        Under the hourly writer's lock, with the rows read again: live rows written
        while the reports were fetched are raised too.
        """
        if not any(blocks.values()):
            return
        metadata = await async_metadata(self._hass, station_id, station_name)
        async with self._hourly.lock:
            existing = await async_read_rows(self._hass, set(ids.values()), FAR_PAST)
            for series, series_blocks in blocks.items():
                write_rows(
                    self._hass,
                    metadata[series],
                    merge_rows(existing[ids[series]], series_blocks),
                )
            # Every imported day lies before the writer's open day.
            self._hourly.raise_sums(
                station_id,
                {
                    series: sum(total for _, total in series_blocks)
                    for series, series_blocks in blocks.items()
                },
            )
            await self._hourly.async_store()

    async def _async_fetch_all(
        self, station_id: int, days: list[date]
    ) -> dict[date, EnergyReport]:
        """Fetch the reports of these days (a failing one is absent)."""
        semaphore = asyncio.Semaphore(HISTORY_CONCURRENCY)
        reports: dict[date, EnergyReport] = {}
        done = 0

        async def fetch(day: date) -> None:
            nonlocal done
            async with semaphore:
                try:
                    reports[day] = await self._fetch(station_id, day)
                except IzypowerError as err:
                    # A refused login too: the coordinator's next refresh starts the
                    # reauthentication; the day is reported as failed meanwhile.
                    LOGGER.debug(
                        "Day report %s of station %s: %s", day, station_id, err
                    )
            done += 1
            if done % PROGRESS_EVERY == 0 or done == len(days):
                LOGGER.info(
                    "Izypower history of station %s: %s of %s days read",
                    station_id,
                    done,
                    len(days),
                )

        async with asyncio.TaskGroup() as group:
            for day in days:
                group.create_task(fetch(day))
        return reports
