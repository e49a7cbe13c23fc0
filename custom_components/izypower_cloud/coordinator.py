"""The coordinator: many cloud calls in, one immutable snapshot of the account out.

Cadences. Every refresh fetches what changes every few minutes: station info, the day
report, PV strings, the device lists (online state, `dataDtos`), battery pages and
micro-inverter temperatures. Slow data (station list, month/year/total reports, Wi-Fi,
firmware flags, battery settings, meter injection state) is fetched on the first
refresh, then every `SLOW_REFRESH_INTERVAL`, or when something asks for it
(`async_request_slow_refresh`, e.g. after a write). A device or station that appears
gets its own slow calls in the refresh that first lists it (and its station's firmware
list is fetched again then). In between, the last slow results are carried over into
each new snapshot.

Failures. Independent calls run concurrently, at most `MAX_CONCURRENT_REQUESTS` at a
time. A failing call only blanks the part of the snapshot it feeds (its field is None
or absent) and is logged once when it starts failing and once when it recovers. A
failing slow call is tried again at the next refresh (once per refresh), and its last
good result, if any, is shown meanwhile for up to `SLOW_RESULT_MAX_AGE`. Only two
situations fail the whole refresh: no station list ever received, or no station info
for any station. Once a station list was received, a failing one is tolerated: the
previous list stays in use until the cloud answers again. A refused login anywhere
starts the reauthentication flow.

Stale devices. A device of the registry that the cloud's answers no longer list is
removed once it was missing from `STALE_AFTER_SLOW_REFRESHES` consecutive slow
refreshes spanning at least `STALE_AFTER`. A failed listing is no evidence: a device
under a station whose device list failed, or a Link module under a battery whose page
failed (directly or through its parents in the registry), is neither counted missing
nor removable by hand.

Energy. Counters pass through the energy guard (energy_guard.py), dated by the station's
`lastUpdate` (in its own UTC offset), or by the station's current local time when that
is missing or implausibly in the future. The guard's memory is stored with the config
entry so that it survives restarts.
"""

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Hashable, Mapping
import dataclasses
from datetime import date, datetime, timedelta, tzinfo
from functools import partial
from typing import Any, Final, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.storage import Store
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
import homeassistant.util.dt as dt_util

from .api import (
    Device,
    DeviceType,
    EnergyReport,
    IzypowerAuthenticationError,
    IzypowerClient,
    IzypowerError,
    Period,
    PvString,
    Station,
    StationInfo,
)
from .const import (
    CONF_REFRESH_PERIOD,
    DEFAULT_REFRESH_PERIOD,
    DOMAIN,
    LOGGER,
    MAX_CONCURRENT_REQUESTS,
    SLOW_REFRESH_INTERVAL,
)
from .data import DeviceData, IzypowerData, StationData
from .energy_guard import METER_EXPORT_TOTAL, METER_IMPORT_TOTAL, EnergyGuard
from .identifiers import device_identifier, station_identifier
from .targets import snapshot_targets

type IzypowerConfigEntry = ConfigEntry[IzypowerCoordinator]

# Reports of the slow cadence; the day report is fetched on every refresh.
SLOW_PERIODS = (Period.MONTH, Period.YEAR, Period.TOTAL)

# A device leaves the registry once missing from this many consecutive slow refreshes,
# the first of them at least `STALE_AFTER` ago (slow refreshes on demand can come
# back to back).
STALE_AFTER_SLOW_REFRESHES = 2
STALE_AFTER = 2 * SLOW_REFRESH_INTERVAL

# How long the last good result of a failing slow call stands in for it.
SLOW_RESULT_MAX_AGE = 2 * SLOW_REFRESH_INTERVAL

# A `lastUpdate` further ahead of our clock than this is a broken clock, not the time
# of a measurement (it would date every later value "earlier" and freeze counters).
MAX_CLOCK_AHEAD = timedelta(hours=1)

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


class _SlowResults:
    """The last good result of each slow call, and which calls are due again.

    A call is due on a slow refresh, when it never succeeded (a new device), and after
    it failed (retried at every refresh until it answers).
    """

    def __init__(self) -> None:
        self._good: dict[Hashable, tuple[datetime, Any]] = {}
        self._retry: set[Hashable] = set()
        # Calls considered during the current refresh; the others are gone.
        self._seen: set[Hashable] = set()

    def due(self, key: Hashable, slow: bool) -> bool:
        self._seen.add(key)
        return slow or key in self._retry or key not in self._good

    def record(self, key: Hashable, result: object) -> None:
        if result is None:
            self._retry.add(key)
        else:
            self._good[key] = (dt_util.utcnow(), result)
            self._retry.discard(key)

    def get(self, key: Hashable) -> Any:
        """Return the result to show; None for a call not made for this snapshot."""
        fetched_at, result = self._good.get(key, (None, None))
        if (
            key not in self._seen
            or fetched_at is None
            or dt_util.utcnow() - fetched_at > SLOW_RESULT_MAX_AGE
        ):
            return None
        return result

    def begin(self) -> None:
        """Start a refresh: no call considered yet."""
        self._seen = set()

    def prune(self) -> None:
        """Forget the calls of stations and devices this refresh did not consider."""
        for gone in self._good.keys() - self._seen:
            del self._good[gone]
        self._retry &= self._seen


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
        self._semaphore = asyncio.Semaphore(MAX_CONCURRENT_REQUESTS)
        self._stations: dict[int, Station] | None = None
        self._station_list_failed = False
        self._slow = _SlowResults()
        self._last_slow_refresh: datetime | None = None
        self._slow_requested = False
        # Station id -> its UTC offset as last seen in `lastUpdate`.
        self._station_tz: dict[int, tzinfo] = {}
        # Identifiers of everything the latest snapshot lists, and of the parents
        # (stations, batteries) whose listing of their children failed in it.
        self._present: set[tuple[str, str]] = set()
        self._unlisted: set[tuple[str, str]] = set()
        self._refresh_unlisted: set[tuple[str, str]] = set()
        # Registry device id -> (consecutive slow refreshes missed, first miss).
        self._missing: dict[str, tuple[int, datetime]] = {}
        # Calls currently failing, so each failure streak is logged once.
        self._failing: set[str] = set()

    # ----------------------------------------------------------------- public

    async def async_request_slow_refresh(self) -> None:
        """Fetch slow data too at the next (debounced) refresh, e.g. after a write."""
        self._slow_requested = True
        await self.async_request_refresh()

    def may_still_exist(self, device_entry: dr.DeviceEntry) -> bool:
        """Tell whether the cloud may still have a device of the registry.

        True when the latest snapshot lists it, or when a listing it would be part of
        failed (a failed call is no evidence that the device is gone).
        """
        return bool(
            device_entry.identifiers & self._present
        ) or self._under_failed_listing(dr.async_get(self.hass), device_entry)

    @override
    async def async_shutdown(self) -> None:
        """Stop polling and save the energy guard's memory now (a reload reads it)."""
        await super().async_shutdown()
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
        self._refresh_unlisted = set()
        self._slow.begin()
        try:
            data = await self._async_fetch(slow)
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
        self._slow.prune()
        self._present = {target.identifier for target, _ in snapshot_targets(data)}
        self._unlisted = self._refresh_unlisted
        if slow:
            self._last_slow_refresh = now
            self._remove_stale_devices(now)
        self._store.async_delay_save(self.energy_guard.as_dict, ENERGY_GUARD_SAVE_DELAY)
        return data

    async def _async_fetch(self, slow: bool) -> IzypowerData:
        stations = await self._async_stations(slow)
        results = await _gather_keyed(
            {
                station_id: self._async_fetch_station(station, slow)
                for station_id, station in stations.items()
            }
        )
        if results and all(result.info is None for result in results.values()):
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="no_station_answered",
                translation_placeholders={"count": str(len(results))},
            )
        return IzypowerData(stations=results)

    async def _async_stations(self, slow: bool) -> dict[int, Station]:
        if self._stations is not None and not (slow or self._station_list_failed):
            return self._stations
        stations = await self._call("station list", self.client.get_stations)
        self._station_list_failed = stations is None
        if stations is not None:
            self._stations = {station.station_id: station for station in stations}
        elif self._stations is None:
            raise UpdateFailed(
                translation_domain=DOMAIN, translation_key="station_list_failed"
            )
        return self._stations

    async def _async_fetch_station(self, station: Station, slow: bool) -> StationData:
        station_id = station.station_id
        today = self._station_now(station_id).date()
        client = self.client
        calls: dict[Hashable, Coroutine[Any, Any, Any]] = {
            "info": self._call(
                f"station info {station_id}",
                partial(client.get_station_info, station_id),
            ),
            "day report": self._call(
                f"day report of station {station_id}",
                partial(client.get_energy_report, station_id, Period.DAY, today),
            ),
            "pv strings": self._call(
                f"PV strings of station {station_id}",
                partial(client.get_pv_strings, station_id, today),
            ),
            "devices": self._call(
                f"device list of station {station_id}",
                partial(client.get_devices, station_id),
            ),
        }
        for period in SLOW_PERIODS:
            self._add_slow_call(
                calls,
                ("report", station_id, period),
                slow,
                f"{period} report of station {station_id}",
                partial(client.get_energy_report, station_id, period, today),
            )
        results = await _gather_keyed(calls)
        info: StationInfo | None = results["info"]
        listed: list[Device] | None = results["devices"]

        previous = self.data.stations.get(station_id) if self.data else None
        known = previous.devices if previous else {}
        if listed is None:
            self._refresh_unlisted.add(station_identifier(station_id))
            # Keep the devices we knew so their own calls still run; the entities fed
            # by the list itself see `listed` False.
            devices = [item.device for item in known.values()]
        else:
            devices = listed
        new_devices = previous is not None and any(
            device.device_id not in known for device in devices
        )

        measured_at = self._measured_at(station_id, info)
        device_calls = self._device_calls(station_id, devices, today, slow)
        # A new device's firmware flag is in its station's list, fetched again now.
        self._add_slow_call(
            device_calls,
            ("firmware", station_id),
            slow or new_devices,
            f"firmware list of station {station_id}",
            partial(client.get_firmware_updates, station_id),
        )
        device_results = await _gather_keyed(device_calls)
        firmware: dict[str, bool] | None = self._slow.get(("firmware", station_id))
        pv_by_serial = _pv_by_serial(results["pv strings"])

        device_data: dict[int, DeviceData] = {}
        for device in devices:
            device_id = device.device_id
            battery = device_results.get(("battery", device_id))
            if device.device_type is DeviceType.BATTERY and battery is None:
                self._refresh_unlisted.add(device_identifier(device_id))
            temperature_key = ("temperature", device_id)
            device_data[device_id] = DeviceData(
                device=self._guarded_meter(device, measured_at),
                listed=listed is not None,
                pv_strings=(
                    None
                    if pv_by_serial is None
                    else pv_by_serial.get(device.serial or "", {})
                ),
                wifi=self._slow.get(("wifi", device_id)),
                battery=battery,
                battery_settings=self._slow.get(("settings", device_id)),
                meter_control=self._slow.get(("meter", device_id)),
                temperature=device_results.get(temperature_key),
                temperature_failed=(
                    temperature_key in device_results
                    and _temperature_label(device_id) in self._failing
                ),
                firmware_update=(
                    firmware.get(device.serial)
                    if firmware is not None and device.serial
                    else None
                ),
            )

        reports: dict[Period, EnergyReport] = {}
        if results["day report"] is not None:
            reports[Period.DAY] = results["day report"]
        for period in SLOW_PERIODS:
            if (report := self._slow.get(("report", station_id, period))) is not None:
                reports[period] = report
        return StationData(
            station=station,
            info=info,
            energy=(
                {}
                if info is None
                else self.energy_guard.station_energy(
                    station_identifier(station_id)[1], info.energy, measured_at
                )
            ),
            reports=reports,
            devices=device_data,
            firmware_update=(
                None
                if firmware is None
                else any(item.firmware_update for item in device_data.values())
            ),
        )

    def _device_calls(
        self, station_id: int, devices: list[Device], today: date, slow: bool
    ) -> dict[Hashable, Coroutine[Any, Any, Any]]:
        """Return the per-device calls of one refresh, keyed by (kind, device id)."""
        client = self.client
        calls: dict[Hashable, Coroutine[Any, Any, Any]] = {}
        for device in devices:
            device_id = device.device_id
            # The device's own calls are addressed by serial; the meter's by device id.
            if (serial := device.serial) is not None:
                self._add_slow_call(
                    calls,
                    ("wifi", device_id),
                    slow,
                    f"Wi-Fi of device {device_id}",
                    partial(client.get_wifi, serial),
                )
                if device.device_type is DeviceType.BATTERY:
                    calls["battery", device_id] = self._call(
                        f"battery page of device {device_id}",
                        partial(client.get_battery, serial),
                    )
                    self._add_slow_call(
                        calls,
                        ("settings", device_id),
                        slow,
                        f"battery settings of device {device_id}",
                        partial(client.get_battery_settings, serial),
                    )
                # An offline micro-inverter has no fresh temperature: do not ask.
                if device.device_type is DeviceType.MICRO_INVERTER and device.online:
                    calls["temperature", device_id] = self._call(
                        _temperature_label(device_id),
                        partial(client.get_temperature, serial, today),
                    )
            if device.device_type is DeviceType.METER:
                self._add_slow_call(
                    calls,
                    ("meter", device_id),
                    slow,
                    f"injection control of device {device_id}",
                    partial(client.get_meter_control, device_id),
                )
        return calls

    # ---------------------------------------------------------------- helpers

    async def _call[T](self, what: str, call: Callable[[], Awaitable[T]]) -> T | None:
        """Make one cloud call under the concurrency bound; None when it fails.

        `what` names the call in logs without serials or credentials.
        """
        async with self._semaphore:
            try:
                result = await call()
            except IzypowerAuthenticationError:
                # The client remembers the refusal, so the calls still queued fail
                # without sending the password again; the refresh starts reauth.
                raise
            except IzypowerError as err:
                if what in self._failing:
                    LOGGER.debug("%s still failing: %s", what, err)
                else:
                    self._failing.add(what)
                    LOGGER.info("%s unavailable: %s", what, err)
                return None
        if what in self._failing:
            self._failing.discard(what)
            LOGGER.info("%s available again", what)
        return result

    def _add_slow_call(
        self,
        calls: dict[Hashable, Coroutine[Any, Any, Any]],
        key: Hashable,
        slow: bool,
        what: str,
        call: Callable[[], Awaitable[object]],
    ) -> None:
        """Add a slow call to a fan-out when it is due; its result goes to `_slow`."""
        if self._slow.due(key, slow):
            calls[key] = self._call_slow(key, what, call)

    async def _call_slow(
        self, key: Hashable, what: str, call: Callable[[], Awaitable[object]]
    ) -> None:
        self._slow.record(key, await self._call(what, call))

    def _station_now(self, station_id: int) -> datetime:
        """Return the station's local time (HA's time zone until its offset is known)."""
        return dt_util.now(self._station_tz.get(station_id))

    def _measured_at(self, station_id: int, info: StationInfo | None) -> datetime:
        """Return when the cloud measured the station's values, in its local time.

        That is `lastUpdate`, and learns the station's UTC offset from it; without a
        plausible one (missing, or ahead of our clock), the station's current time.
        """
        last_update = None if info is None else info.last_update
        if last_update is None:
            return self._station_now(station_id)
        if last_update - dt_util.utcnow() > MAX_CLOCK_AHEAD:
            LOGGER.debug(
                "Station %s: lastUpdate %s is in the future; ignored",
                station_id,
                last_update,
            )
            return self._station_now(station_id)
        self._station_tz[station_id] = last_update.tzinfo or dt_util.UTC
        return last_update

    def _guarded_meter(self, device: Device, measured_at: datetime) -> Device:
        """Return the device with its meter's lifetime counters through the guard."""
        guarded = self.energy_guard.apply(
            device_identifier(device.device_id)[1],
            {
                METER_IMPORT_TOTAL: device.meter_import_total,
                METER_EXPORT_TOTAL: device.meter_export_total,
            },
            measured_at,
        )
        return dataclasses.replace(
            device,
            meter_import_total=guarded[METER_IMPORT_TOTAL],
            meter_export_total=guarded[METER_EXPORT_TOTAL],
        )

    def _under_failed_listing(
        self, registry: dr.DeviceRegistry, device_entry: dr.DeviceEntry
    ) -> bool:
        """Tell whether a parent of the device failed to list its children."""
        parent_id = device_entry.via_device_id
        while (
            parent_id is not None
            and (parent := registry.async_get(parent_id, include_child_devices=False))
            is not None
        ):
            if parent.identifiers & self._unlisted:
                return True
            parent_id = parent.via_device_id
        return False

    def _remove_stale_devices(self, now: datetime) -> None:
        """Detach the devices the cloud has stopped listing (see the module doc)."""
        registry = dr.async_get(self.hass)
        entry_id = self.config_entry.entry_id
        for device_entry in dr.async_entries_for_config_entry(registry, entry_id):
            ours = {item for item in device_entry.identifiers if item[0] == DOMAIN}
            if not ours or ours & self._present:
                self._missing.pop(device_entry.id, None)
                continue
            if self._under_failed_listing(registry, device_entry):
                continue
            misses, first_miss = self._missing.get(device_entry.id, (0, now))
            misses += 1
            if misses < STALE_AFTER_SLOW_REFRESHES or now - first_miss < STALE_AFTER:
                self._missing[device_entry.id] = (misses, first_miss)
                continue
            LOGGER.info(
                "Removing %s: gone from the Izypower Cloud",
                device_entry.name_by_user or device_entry.name or device_entry.id,
            )
            del self._missing[device_entry.id]
            registry.async_update_device(
                device_entry.id, remove_config_entry_id=entry_id
            )
            for _, owner in ours:
                self.energy_guard.forget(owner)


def _auth_failed() -> ConfigEntryAuthFailed:
    return ConfigEntryAuthFailed(
        translation_domain=DOMAIN, translation_key="auth_failed"
    )


async def _gather_keyed[K, T](calls: Mapping[K, Coroutine[Any, Any, T]]) -> dict[K, T]:
    """Run coroutines concurrently, results by key; an error that escapes cancels all."""
    async with asyncio.TaskGroup() as group:
        tasks = {key: group.create_task(call) for key, call in calls.items()}
    return {key: task.result() for key, task in tasks.items()}


def _temperature_label(device_id: int) -> str:
    return f"temperature of device {device_id}"


def _pv_by_serial(
    strings: list[PvString] | None,
) -> dict[str, dict[str, float | None]] | None:
    if strings is None:
        return None
    by_serial: dict[str, dict[str, float | None]] = {}
    for string in strings:
        by_serial.setdefault(string.serial, {})[string.name] = string.power
    return by_serial
