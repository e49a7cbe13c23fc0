"""Energy history of one config entry: hourly rows after each refresh, past imports.

Hooked to the coordinator as a listener (nothing in the coordinator knows about it):
after each successful refresh the readings are turned into hourly rows (hourly.py), one
refresh after the other. When a station gets its first day, the days of its current
month before it are imported in the background (importer.py), so setup never waits.
The writers are kept in the entry's runtime data (runtime.py), where `import_history`
finds them.
"""

from dataclasses import dataclass
from datetime import date, timedelta, tzinfo
from functools import partial

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util

from custom_components.izypower_cloud.api import EnergyReport, Period
from custom_components.izypower_cloud.const import DOMAIN, LOGGER
from custom_components.izypower_cloud.coordinator import IzypowerCoordinator
from custom_components.izypower_cloud.data import IzypowerData
from custom_components.izypower_cloud.legacy.statistics import (
    LegacyStation,
    async_carry_over,
    legacy_issue_id,
)
from custom_components.izypower_cloud.runtime import IzypowerConfigEntry

from .hourly import HourlyStatistics, statistics_store
from .importer import HistoryImporter, ImportResult
from .statistics import recorder_ready, station_series, station_zone


@dataclass(slots=True)
class EnergyHistory:
    """The statistic writers of one config entry."""

    coordinator: IzypowerCoordinator
    hourly: HourlyStatistics
    importer: HistoryImporter

    def station_zone(self, station_id: int) -> tzinfo:
        """Return the station's time zone as its latest `lastUpdate` tells."""
        data = self.coordinator.data.stations.get(station_id)
        info = None if data is None else data.info
        if info is None or info.last_update is None:
            return dt_util.get_default_time_zone()
        return station_zone(self.coordinator.hass, info.last_update)

    def last_importable_day(self, station_id: int) -> date:
        """Return the station's yesterday, or the day before its open day if earlier."""
        today = dt_util.now(self.station_zone(station_id)).date()
        open_day = self.hourly.open_day(station_id)
        return min(today, open_day or today) - timedelta(days=1)

    def station_name(self, station_id: int) -> str:
        """Return the station's name as the cloud lists it."""
        data = self.coordinator.data.stations.get(station_id)
        return str(station_id) if data is None else data.station.name

    async def async_import(
        self, station_id: int, first: date, last: date
    ) -> ImportResult:
        """Import a range of past days of one station, of the series it has now.

        A station without a battery gets no battery series, one without a smart
        meter no grid or consumption series; once it has shown one, an import fills
        its series of the earlier days too.
        """
        data = self.coordinator.data.stations.get(station_id)
        return await self.importer.async_import(
            station_id,
            self.station_name(station_id),
            self.station_zone(station_id),
            first,
            last,
            series=station_series(data),
        )


def energy_history(
    hass: HomeAssistant, entry: IzypowerConfigEntry, coordinator: IzypowerCoordinator
) -> EnergyHistory:
    """Build the entry's statistic writers; nothing is read or written yet."""
    fetch = partial(_fetch_day_report, coordinator)

    @callback
    def first_day(station_id: int, day: date) -> None:
        if day.day > 1:
            entry.async_create_background_task(
                hass,
                _async_import_month(history, station_id, day),
                f"{DOMAIN} history of station {station_id}",
            )

    hourly = HourlyStatistics(hass, entry.entry_id, fetch, first_day)
    history = EnergyHistory(coordinator, hourly, HistoryImporter(hass, fetch, hourly))
    return history


async def async_setup_energy_history(
    hass: HomeAssistant, entry: IzypowerConfigEntry
) -> None:
    """Start writing the entry's statistics (after its first refresh).

    The first write carries the community integration's statistics into ours first
    (legacy/statistics.py), before any row of ours.
    """
    coordinator = entry.runtime_data.coordinator
    hourly = entry.runtime_data.history.hourly
    await hourly.async_load()
    carry_over = True

    @callback
    def refreshed() -> None:
        nonlocal carry_over
        if coordinator.last_update_success and recorder_ready(hass):
            entry.async_create_background_task(
                hass,
                _async_write(hass, entry, coordinator.data, carry_over=carry_over),
                f"{DOMAIN} statistics",
            )
            carry_over = False

    entry.async_on_unload(coordinator.async_add_listener(refreshed))
    entry.async_on_unload(hourly.async_save)
    refreshed()


async def _async_write(
    hass: HomeAssistant,
    entry: IzypowerConfigEntry,
    data: IzypowerData,
    *,
    carry_over: bool,
) -> None:
    """Write the rows of one refresh, after carrying the old statistics over."""
    hourly = entry.runtime_data.history.hourly
    if carry_over:
        history = entry.runtime_data.history
        stations = {
            station_id: LegacyStation(
                item.station.name,
                station_series(item),
                history.station_zone(station_id),
            )
            for station_id, item in data.stations.items()
        }
        await async_carry_over(hass, entry.entry_id, stations, hourly)
    await hourly.async_process(data)


async def async_remove_energy_history(hass: HomeAssistant, entry_id: str) -> None:
    """Delete what the entry stored for its statistics (the statistics stay).

    That is its open days and its repair about the community integration's statistics.
    """
    await statistics_store(hass, entry_id).async_remove()
    ir.async_delete_issue(hass, DOMAIN, legacy_issue_id(entry_id))


async def _fetch_day_report(
    coordinator: IzypowerCoordinator, station_id: int, day: date
) -> EnergyReport:
    return await coordinator.client.get_energy_report(station_id, Period.DAY, day)


async def _async_import_month(
    history: EnergyHistory, station_id: int, day: date
) -> None:
    """Import the days of the month before a station's first day (first setup)."""
    result = await history.async_import(
        station_id, day.replace(day=1), day - timedelta(days=1)
    )
    LOGGER.info(
        "Izypower history of station %s imported: %s days, %s without data, %s failed",
        station_id,
        len(result.imported),
        len(result.skipped),
        len(result.failed),
    )
