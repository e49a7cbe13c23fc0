"""The coordinator: many cloud calls in, one immutable snapshot of the account out.

Cadences. Every refresh fetches what changes every few minutes: station info, PV
strings, the device lists (online state, `dataDtos`), battery pages, and the pages read on demand (a meter's channels, an EV charger's powers) of the
devices where the entity registry holds an enabled entity that reads them
(on_demand.py). The day report and the CT clamps of stations with a smart meter (layout
power, once the device list shows the meter) follow the cloud's own 5-minute cadence:
read again once the last answer is `fetch.CLOUD_SAMPLE_INTERVAL` old. Slow data (station list, month/year/total reports, Wi-Fi, firmware
flags, the controls' settings, and the temperatures of online micro-inverters, which
change slowly) is fetched on the first refresh, then every
`SLOW_REFRESH_INTERVAL`, or on demand (`async_request_slow_refresh`). A device or
station that appears gets its own slow calls in the refresh that first lists it (and its
station's firmware list again). In between, the last slow results are carried over
(slow_cache.py, one cache per kind). After a write, `pending` (pending.py) has just the
written resource read again (`async_reread`) until the cloud shows the value.

Order and failures. The station list (when due), then the station infos, the device
lists of every station, and the rest (request slots are taken in that order). After a
failed refresh, at the first one, or when the station list just failed, the infos go
alone first and probe the cloud: if they all fail, the refresh stops there (a down
cloud costs a handful of requests). A refresh fails with one error only when no station
list was ever received or no station info was read. Calls run at most
`MAX_CONCURRENT_REQUESTS` at a time (fetch.py), within the refresh's deadline, retry
budget and circuit breaker (refresh_guard.py). A failing or cut call only blanks the
part of the snapshot it feeds (its `Feed` is in that part's `failed` set, data.py);
failures are logged once per streak. A failing slow call is tried again at every
refresh, its last good result shown meanwhile for up to `SLOW_RESULT_MAX_AGE`. A
failing station list is tolerated while a previous one is known. A refused login
starts reauthentication.

Stale devices. A device of the registry that the cloud's answers no longer list is
removed after a few slow refreshes without it; a failed listing is no evidence
(stale_devices.py holds the rules). Each successful snapshot is its evidence.

Energy. Counters pass through the energy guard (energy_guard.py), dated by each
station's clock (station_clock.py). The guard's memory is stored with the config entry
so that it survives restarts.
"""

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any, Final, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.storage import Store
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
import homeassistant.util.dt as dt_util

from .api import (
    Device,
    IzypowerAuthenticationError,
    IzypowerClient,
    Station,
    StationInfo,
)
from .const import (
    CONF_REFRESH_PERIOD,
    DEFAULT_REFRESH_PERIOD,
    DOMAIN,
    LOGGER,
    SLOW_REFRESH_INTERVAL,
)
from .control_reads import Page
from .data import DeviceData, Feed, IzypowerData, StationData
from .energy_guard import EnergyGuard
from .fetch import CloudFetcher, gather_keyed
from .fetch_results import DeviceCalls, StationCalls
from .issues import check_station_list
from .on_demand import page_of
from .pending import PendingWrites
from .refresh_guard import (
    FIRST_REFRESH_DEADLINE,
    REFRESH_DEADLINE,
    REFRESH_RETRIES,
    RefreshGuard,
    known,
)
from .runtime import IzypowerConfigEntry
from .snapshot import SnapshotAssembler
from .stale_devices import StaleDevices
from .station_clock import StationClocks

# How long the last good result of a failing slow call stands in for it.
SLOW_RESULT_MAX_AGE = 2 * SLOW_REFRESH_INTERVAL

# The energy guard's memory, one store per config entry.
ENERGY_GUARD_STORE_VERSION: Final = 1
ENERGY_GUARD_SAVE_DELAY: Final = 60  # seconds


def refresh_interval(entry: ConfigEntry) -> timedelta:
    """Return the polling period chosen in the entry's options."""
    return timedelta(
        minutes=entry.options.get(CONF_REFRESH_PERIOD, DEFAULT_REFRESH_PERIOD)
    )


def energy_guard_store(hass: HomeAssistant, entry_id: str) -> Store[dict[str, Any]]:
    """Return the store of one config entry's energy guard."""
    return Store(hass, ENERGY_GUARD_STORE_VERSION, f"{DOMAIN}.{entry_id}.energy_guard")


class IzypowerCoordinator(DataUpdateCoordinator[IzypowerData]):
    """Fetch the whole account of one config entry on two cadences."""

    config_entry: IzypowerConfigEntry

    def __init__(
        self, hass: HomeAssistant, entry: IzypowerConfigEntry, client: IzypowerClient
    ) -> None:
        """Prepare an empty history; nothing is fetched yet."""
        interval = refresh_interval(entry)
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=DOMAIN,
            update_interval=interval,
        )
        self.client = client
        # A counter's rise is judged over at least one refresh period.
        self.energy_guard = EnergyGuard(min_elapsed=interval)
        self._store = energy_guard_store(hass, entry.entry_id)
        self._fetcher = CloudFetcher(client, SLOW_RESULT_MAX_AGE)
        # Writes waiting for the cloud to show them (pending.py).
        self.pending = PendingWrites(hass, self.async_reread)
        # Devices with a battery mode hold (mode_holds.py sets it): like those with a
        # pending write, their settings are read at every refresh.
        self.holding: Callable[[int], bool] = lambda _: False
        self._fetcher.controls.pending = lambda device_id: (
            self.pending.is_pending(device_id) or self.holding(device_id)
        )
        self._last_slow_refresh: datetime | None = None
        self._slow_requested = False
        self._snapshot = SnapshotAssembler(self._fetcher, self.energy_guard)
        self._clocks = StationClocks()
        self._stale = StaleDevices()
        # When the last refresh succeeded (system health).
        self.last_success: datetime | None = None

    # ----------------------------------------------------------------- public

    async def async_request_slow_refresh(self) -> None:
        """Fetch slow data too at the next (debounced) refresh, e.g. after a write."""
        self._slow_requested = True
        await self.async_request_refresh()

    async def async_reread(
        self, station_id: int, device_id: int, feed: Feed
    ) -> DeviceData | None:
        """Read one control resource again now and publish it (after a write).

        Returns the device's part of the snapshot as published; None when it is gone.
        A read that fails raises `IzypowerConnectionError` and publishes nothing.
        """
        if (old := self.data.device(station_id, device_id)) is None:
            return None
        await self._fetcher.controls.reread(station_id, old.device, feed)
        # A refresh may have published a newer snapshot during the read: update that
        # one, so the device's other values never go back in time.
        if (current := self.data.device(station_id, device_id)) is None:
            return None
        fresh = self._fetcher.controls.with_state(current)
        data = self.data.with_device(station_id, fresh)
        self.pending.observe(data)
        # A partial update, not a refresh: unlike `async_set_updated_data`, it does not
        # declare a failed refresh successful, move the polling timer, or cancel a
        # refresh that was asked for.
        self.data = data
        self.async_update_listeners()
        LOGGER.debug("Re-read %s of device %s published", feed, device_id)
        return fresh

    @callback
    def async_publish_station_info(self, station_id: int, info: StationInfo) -> None:
        """Show a station info read between refreshes (live data, live_data.py).

        Only the info's own values change (live powers, the reading's date); the
        counters stay the guarded ones of the last refresh. A partial update, like
        `async_reread`.
        """
        if (station := self.data.stations.get(station_id)) is None:
            return
        fresh = replace(station, info=info, read_at=dt_util.utcnow())
        self.data = replace(
            self.data, stations={**self.data.stations, station_id: fresh}
        )
        self.async_update_listeners()

    def may_still_exist(self, device_entry: dr.DeviceEntry) -> bool:
        """Tell whether the cloud may still have a device of the registry."""
        return self._stale.may_still_exist(dr.async_get(self.hass), device_entry)

    @override
    async def async_shutdown(self) -> None:
        """Stop polling and save the energy guard's memory now (a reload reads it)."""
        await super().async_shutdown()
        self.pending.clear()
        await self._store.async_save(self.energy_guard.as_dict())

    # ---------------------------------------------------------------- refresh

    @override
    async def _async_setup(self) -> None:
        """Restore the energy guard's memory before the first refresh."""
        self.energy_guard.load(await self._store.async_load())

    @override
    async def _async_update_data(self) -> IzypowerData:
        now = dt_util.utcnow()
        slow = (
            self._slow_requested
            or self._last_slow_refresh is None
            or now - self._last_slow_refresh >= SLOW_REFRESH_INTERVAL
        )
        self._slow_requested = False
        deadline = REFRESH_DEADLINE if self.data else FIRST_REFRESH_DEADLINE
        try:
            with self.client.refresh_round(retries=REFRESH_RETRIES) as limits:
                guard = RefreshGuard(limits, deadline)
                with self._fetcher.refresh(guard, self._wanted_pages()):
                    data = await self._async_fetch(slow, guard)
        except ExceptionGroup as group:
            if group.subgroup(IzypowerAuthenticationError):
                raise _auth_failed() from group
            raise
        except IzypowerAuthenticationError as err:
            raise _auth_failed() from err
        except UpdateFailed:
            # Whatever was due is still due at the next attempt.
            self._slow_requested = self._slow_requested or slow
            raise
        guard.log_cut()
        self._fetcher.prune()
        self._stale.observe(data)
        if slow:
            self._last_slow_refresh = now
            self._stale.remove_stale(
                dr.async_get(self.hass),
                self.config_entry.entry_id,
                now,
                self.energy_guard.forget,
            )
        self._store.async_delay_save(self.energy_guard.as_dict, ENERGY_GUARD_SAVE_DELAY)
        self.pending.observe(data)
        self.last_success = now
        return data

    def _wanted_pages(self) -> set[Page]:
        """Return the on-demand pages that an enabled entity of the entry reads."""
        registry = er.async_get(self.hass)
        return {
            page
            for entry in er.async_entries_for_config_entry(
                registry, self.config_entry.entry_id
            )
            if entry.disabled_by is None
            and (page := page_of(entry.unique_id)) is not None
        }

    async def _async_fetch(self, slow: bool, guard: RefreshGuard) -> IzypowerData:
        """Read the account in the order of the module docstring; fail early."""
        stations = guard.require_station_list(await self._fetcher.station_list(slow))
        if not self._fetcher.station_list_failed:
            check_station_list(self.hass, self.config_entry, stations)
        # From here on, a cloud that fails everything opens the circuit.
        guard.arm()
        infos: dict[int, Coroutine[Any, Any, StationInfo | None]]
        if (
            not (self.data and self.last_update_success)
            or self._fetcher.station_list_failed
        ):
            # The cloud may be down: the station infos alone probe it first.
            probed = await gather_keyed(
                {sid: self._fetcher.station_info(sid) for sid in stations}
            )
            guard.require_station_info(probed.values())
            infos = {sid: known(info) for sid, info in probed.items()}
        else:
            infos = {sid: self._fetcher.station_info(sid) for sid in stations}
        async with asyncio.TaskGroup() as group:
            # Slots are taken in order: every device list before the rest, so that
            # every station's entities exist after the first refresh.
            info_tasks = {sid: group.create_task(info) for sid, info in infos.items()}
            device_lists = {
                sid: group.create_task(self._fetcher.device_list(sid))
                for sid in stations
            }
            tasks = {
                sid: group.create_task(
                    self._async_fetch_station(
                        station, slow, (info_tasks[sid], device_lists[sid])
                    )
                )
                for sid, station in stations.items()
            }
        results = {sid: task.result() for sid, task in tasks.items()}
        guard.require_station_info([result.info for result in results.values()])
        return IzypowerData(stations=results)

    async def _async_fetch_station(
        self,
        station: Station,
        slow: bool,
        first: tuple[Awaitable[StationInfo | None], Awaitable[list[Device] | None]],
    ) -> StationData:
        """Fetch the rest of one station: its own calls, and its devices' meanwhile."""
        station_id = station.station_id
        today = self._clocks.now(station_id).date()
        pending_info, device_list = first
        async with asyncio.TaskGroup() as group:
            own_calls = group.create_task(
                self._fetcher.station_calls(station_id, today, slow)
            )
            device_calls = group.create_task(
                self._async_device_calls(station_id, today, slow, device_list)
            )
        listed, devices, own = device_calls.result()
        info = await pending_info
        calls = StationCalls(info, *own_calls.result(), listed)
        measured_at = self._clocks.measured_at(station_id, info)
        data = self._snapshot.station_data(station, calls, devices, own, measured_at)
        return replace(data, read_at=dt_util.utcnow())

    async def _async_device_calls(
        self,
        station_id: int,
        today: date,
        slow: bool,
        device_list: Awaitable[list[Device] | None],
    ) -> tuple[list[Device] | None, list[Device], DeviceCalls]:
        """Return the device list, the devices to follow and their calls' results."""
        listed = await device_list
        devices, new_devices = self._devices_to_follow(station_id, listed)
        # A new device's firmware flag is in its station's list, fetched again now.
        own = await self._fetcher.device_calls(
            station_id, devices, today, slow, firmware_due=slow or new_devices
        )
        return listed, devices, own

    def _devices_to_follow(
        self, station_id: int, listed: list[Device] | None
    ) -> tuple[list[Device], bool]:
        """Return the station's devices, and whether one is new since the last refresh.

        When the device list failed, the devices we knew stay, so that their own calls
        still run; the entities fed by the list itself see `DEVICE_LIST` failed.
        """
        previous = self.data.stations.get(station_id) if self.data else None
        known = previous.devices if previous else {}
        devices = [item.device for item in known.values()] if listed is None else listed
        new_devices = previous is not None and any(
            device.device_id not in known for device in devices
        )
        return devices, new_devices


def _auth_failed() -> ConfigEntryAuthFailed:
    return ConfigEntryAuthFailed(
        translation_domain=DOMAIN, translation_key="auth_failed"
    )
