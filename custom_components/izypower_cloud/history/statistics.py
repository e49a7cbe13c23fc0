"""Long-term energy statistics that the integration writes itself (external statistics).

One statistic per station and series, `izypower_cloud:station_<stationsId>_<series>`,
in kWh, with one row per hour (docs/design.md §8). Rules every writer follows:

* Hours and days are the station's own: its day starts at its local midnight, read from
  the UTC offset of its `lastUpdate` (`station_zone`: the cloud sends no time zone, only
  that offset). A day boundary that is not on a whole UTC hour (a half-hour zone) is
  rounded down to one.
* A station has the statistics of the series it has: the battery's only with a battery,
  the grid's and consumption's only with a smart meter, the EV charger's (`ev`, the
  day report's EV energy) only with an EV charger (`station_series`), like its
  sensors.
* A row's `sum` is the running total of the series, `state` the energy of the row's
  station-local day up to the row's end. Only differences of `sum` mean anything: the
  sums of the first hour written live start from the last row before it (0 without
  one), and days imported later, before that hour, get lower (possibly negative) sums.
* Energy whose hour is unknown (a day imported from its report, the hours Home
  Assistant was down) is spread evenly over the hours it belongs to.

This module holds what the hourly writer (hourly.py) and the importer (importer.py)
share: ids, metadata, the station's hour grid and the recorder calls.
"""

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from enum import StrEnum
from functools import partial
from typing import Any, Final
from zoneinfo import ZoneInfo

from homeassistant.components.recorder.models import (
    StatisticData,
    StatisticMeanType,
    StatisticMetaData,
)
from homeassistant.components.recorder.statistics import (
    async_add_external_statistics,
    get_last_statistics,
    get_metadata,
    statistics_during_period,
)
from homeassistant.components.recorder.tasks import SynchronizeTask
from homeassistant.const import UnitOfEnergy
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance
from homeassistant.helpers.translation import async_get_translations
from homeassistant.util import dt as dt_util
from homeassistant.util.unit_conversion import EnergyConverter

from custom_components.izypower_cloud.api import (
    METER_SERIES,
    EnergyReport,
    EnergySeries,
    Period,
)
from custom_components.izypower_cloud.const import DOMAIN
from custom_components.izypower_cloud.data import StationData


class EvSeries(StrEnum):
    """The statistic series that is no `EnergySeries` (which has a sensor each)."""

    # Energy to the EV charger: the reports' `ev` (data.py `StationData.ev_energy`).
    EV = "ev"


type StatisticSeries = EnergySeries | EvSeries

# The series that have a statistic, in the order of the Energy dashboard's sections
# (the EV charger's last: an individual device).
STATISTIC_SERIES: Final[tuple[StatisticSeries, ...]] = (
    EnergySeries.PRODUCTION,
    EnergySeries.GRID_IMPORT,
    EnergySeries.GRID_EXPORT,
    EnergySeries.BATTERY_CHARGE,
    EnergySeries.BATTERY_DISCHARGE,
    EnergySeries.CONSUMPTION,
    EvSeries.EV,
)

# The series a station without a battery has no statistic of.
BATTERY_SERIES: Final = frozenset(
    {EnergySeries.BATTERY_CHARGE, EnergySeries.BATTERY_DISCHARGE}
)
# Zones on the European Union's summer time, western, central and eastern: all three
# change at 01:00 UTC on the same Sundays, so at any moment each has its own offset.
EU_ZONES: Final = tuple(
    ZoneInfo(key) for key in ("Europe/Lisbon", "Europe/Paris", "Europe/Helsinki")
)

HOUR: Final = timedelta(hours=1)
# Older than any statistic of ours: whole statistics are read from here on.
FAR_PAST: Final = datetime(2000, 1, 1, tzinfo=UTC)
# Digits of kWh kept in rows.
DECIMALS: Final = 6

type Totals = Mapping[StatisticSeries, float]


def statistic_id(station_id: int, series: StatisticSeries) -> str:
    """Return the id of one station's statistic of one series."""
    return f"{DOMAIN}:station_{station_id}_{series}"


def parse_series(value: str) -> StatisticSeries:
    """Return the series of a stored name (`ValueError` for an unknown one)."""
    return EvSeries(value) if value == EvSeries.EV else EnergySeries(value)


def day_energy(station: StationData, series: StatisticSeries) -> float | None:
    """Return a series' guarded day counter (kWh), `None` when unknown."""
    if isinstance(series, EvSeries):
        return station.ev_energy.get(Period.DAY)
    return station.energy.get((series, Period.DAY))


def report_total(report: EnergyReport, series: StatisticSeries) -> float | None:
    """Return a series' total in a report (kWh), `None` when it lacks one."""
    if isinstance(series, EvSeries):
        return report.ev_energy
    return report.energy.get(series)


def recorder_ready(hass: HomeAssistant) -> bool:
    """Tell whether the recorder runs (without it there is nowhere to write)."""
    return "recorder" in hass.config.components


def station_series(station: StationData | None) -> tuple[StatisticSeries, ...]:
    """Return the series a station has statistics of (`None`: nothing seen yet).

    The battery's only with a battery, the grid's and consumption's only with a
    smart meter, the EV charger's only with one (data.py `has_battery`,
    `has_meter`, `has_ev`).
    """
    has_battery = station is not None and station.has_battery
    has_meter = station is not None and station.has_meter
    has_ev = station is not None and station.has_ev
    return tuple(
        one
        for one in STATISTIC_SERIES
        if (has_battery or one not in BATTERY_SERIES)
        and (has_meter or one not in METER_SERIES)
        and (has_ev or one is not EvSeries.EV)
    )


def station_zone(hass: HomeAssistant, measured_at: datetime) -> tzinfo:
    """Return the station's time zone as far as its UTC offset tells.

    The cloud sends no zone, and one offset cannot tell whether a site changes its
    clocks (+02:00 in July is Paris or Johannesburg). The first zone that has this
    offset at this moment is taken: Home Assistant's (station and Home Assistant
    usually share one), then the European Union's three (Izypower's market), each
    knowing its daylight-saving days; otherwise the fixed offset (right for sites
    without summer time, such as the French overseas departments).
    """
    if (offset := measured_at.utcoffset()) is None:
        return dt_util.get_default_time_zone()
    for zone in (dt_util.get_default_time_zone(), *EU_ZONES):
        if measured_at.astimezone(zone).utcoffset() == offset:
            return zone
    return timezone(offset)


def day_start(day: date, zone: tzinfo) -> datetime:
    """Return the UTC hour at which a station-local day starts (rounded down)."""
    start = dt_util.as_utc(datetime.combine(day, time(0), zone))
    return start.replace(minute=0, second=0, microsecond=0)


def day_hours(day: date, zone: tzinfo) -> list[datetime]:
    """Return the UTC start of every hour of a station-local day (23 to 25 of them)."""
    start = day_start(day, zone)
    count = round((day_start(day + timedelta(days=1), zone) - start) / HOUR)
    return [start + n * HOUR for n in range(count)]


@dataclass(frozen=True, slots=True)
class Row:
    """One hourly row of one statistic."""

    start: datetime
    sum: float
    state: float

    def data(self) -> StatisticData:
        """Return the row as the recorder takes it.

        Rounded to the Wh's thousandth: sums computed along different paths (a day's
        last hour, the next day's base) then agree exactly, and rounding never turns
        a rise into a fall.
        """
        return StatisticData(
            start=self.start,
            sum=round(self.sum, DECIMALS),
            state=round(self.state, DECIMALS),
        )


def spread_day(hours: Sequence[datetime], total: float, base: float) -> list[Row]:
    """Return a day's rows with its total spread evenly over its hours."""
    count = len(hours)
    return [
        Row(start, base + total * (n + 1) / count, total * (n + 1) / count)
        for n, start in enumerate(hours[:-1])
    ] + [Row(hours[-1], base + total, total)]


async def async_metadata(
    hass: HomeAssistant, station_id: int, station_name: str
) -> dict[StatisticSeries, StatisticMetaData]:
    """Return the metadata of a station's statistics, named in the user's language.

    The name is the lifetime sensor's with a suffix ("… (hourly history)"), so that
    the Energy dashboard's pickers, which list both, never show two identical names.
    """
    language = hass.config.language
    translations = {
        **await async_get_translations(hass, language, "entity", [DOMAIN]),
        **await async_get_translations(hass, language, "exceptions", [DOMAIN]),
    }
    template = translations.get(
        f"component.{DOMAIN}.exceptions.statistic_name.message",
        "{station} {sensor} (hourly history)",
    )
    metadata: dict[StatisticSeries, StatisticMetaData] = {}
    for series in STATISTIC_SERIES:
        sensor = "ev_energy" if series is EvSeries.EV else series
        key = f"component.{DOMAIN}.entity.sensor.{sensor}_total.name"
        metadata[series] = StatisticMetaData(
            has_sum=True,
            mean_type=StatisticMeanType.NONE,
            name=template.format(
                station=station_name, sensor=translations.get(key, series)
            ),
            source=DOMAIN,
            statistic_id=statistic_id(station_id, series),
            unit_class=EnergyConverter.UNIT_CLASS,
            unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        )
    return metadata


def write_rows(
    hass: HomeAssistant, metadata: StatisticMetaData, rows: Iterable[Row]
) -> None:
    """Queue rows for the recorder (rows with the same start are replaced)."""
    data = [row.data() for row in rows]
    if data:
        async_add_external_statistics(hass, metadata, data)


async def async_recorder_caught_up(hass: HomeAssistant) -> None:
    """Wait until every recorder task queued so far has run and been committed.

    `Recorder.async_block_till_done` returns at once when the queue is empty, even
    while the recorder thread is still running the last task taken from it (rows just
    queued would then be read before they are written): a task queued behind them runs
    only after them.
    """
    future: asyncio.Future[None] = hass.loop.create_future()
    get_instance(hass).queue_task(SynchronizeTask(future))
    await future


def _rows(found: Iterable[Mapping[str, Any]]) -> list[Row]:
    return [
        Row(
            dt_util.utc_from_timestamp(item["start"]),
            float(item.get("sum") or 0.0),
            float(item.get("state") or 0.0),
        )
        for item in found
    ]


async def async_read_rows(
    hass: HomeAssistant, ids: set[str], start: datetime
) -> dict[str, list[Row]]:
    """Return every row of these statistics from `start` on, oldest first.

    Waits for the writes already queued, so what was just written is read back.
    """
    recorder = get_instance(hass)
    await async_recorder_caught_up(hass)
    found = await recorder.async_add_executor_job(
        statistics_during_period,
        hass,
        start,
        None,
        ids,
        "hour",
        None,
        {"sum", "state"},
    )
    return {key: _rows(found.get(key, [])) for key in ids}


async def async_empty_statistics(hass: HomeAssistant, ids: set[str]) -> list[str]:
    """Return those of these statistics whose every row holds 0 (they tell nothing)."""
    found = await async_read_rows(hass, ids, FAR_PAST)
    return sorted(
        key
        for key, rows in found.items()
        if all(row.sum == 0 and row.state == 0 for row in rows)
    )


def clear_statistics(hass: HomeAssistant, ids: list[str]) -> None:
    """Queue the deletion of these statistics, after the writes already queued."""
    if ids:
        get_instance(hass).async_clear_statistics(ids)


async def async_sum_before(
    hass: HomeAssistant, stat_id: str, before: datetime
) -> float:
    """Return the sum of the last row that starts before `before` (0 without one).

    A day has at most 25 hours, so the last 26 rows reach before any day's start.
    """
    recorder = get_instance(hass)
    await async_recorder_caught_up(hass)
    found = await recorder.async_add_executor_job(
        get_last_statistics, hass, 26, stat_id, False, {"sum"}
    )
    earlier = [row for row in _rows(found.get(stat_id, [])) if row.start < before]
    return earlier[0].sum if earlier else 0.0


async def async_own_statistic_ids(hass: HomeAssistant) -> set[str]:
    """Return the id of every statistic whose source is this integration's domain.

    Waits for the writes already queued, so what was just written is listed.
    """
    recorder = get_instance(hass)
    await async_recorder_caught_up(hass)
    found = await recorder.async_add_executor_job(
        partial(get_metadata, hass, statistic_source=DOMAIN)
    )
    return set(found)
