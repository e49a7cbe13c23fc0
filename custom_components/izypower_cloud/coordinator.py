"""The coordinator: many cloud calls in, one immutable snapshot of the account out.

Cadences. Every refresh fetches what changes every few minutes: station info, the day
report, PV strings, the device lists (online state, `dataDtos`), battery pages and
micro-inverter temperatures. Slow data (station list, month/year/total reports, Wi-Fi,
firmware flags, battery settings, meter injection state) is fetched on the first
refresh, then every `SLOW_REFRESH_INTERVAL`, at the first refresh after a new device
appeared, or when something asks for it (`async_request_slow_refresh`, e.g. after a
write). In between, the last slow results are carried over into each new snapshot.

Failures. Independent calls run concurrently, at most `MAX_CONCURRENT_REQUESTS` at a
time. A failing call only blanks the part of the snapshot it feeds (its field is None
or absent) and is logged once when it starts failing and once when it recovers. Only
two situations fail the whole refresh: no station list at all, or no station info for
any station. A refused login anywhere starts the reauthentication flow.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from functools import partial
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
import homeassistant.util.dt as dt_util

from .api import (
    BatteryPage,
    BatterySettings,
    Device,
    DeviceType,
    EnergyReport,
    IzypowerAuthenticationError,
    IzypowerClient,
    IzypowerError,
    MeterControl,
    Period,
    PvString,
    Station,
    StationInfo,
    WifiInfo,
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
from .energy_guard import EnergyGuard, EnergyKey
from .identifiers import device_identifier, link_identifier, station_identifier

type IzypowerConfigEntry = ConfigEntry[IzypowerCoordinator]

# Reports of the slow cadence; the day report is fetched on every refresh.
SLOW_PERIODS = (Period.MONTH, Period.YEAR, Period.TOTAL)

# A device absent from this many consecutive slow refreshes leaves the registry.
STALE_AFTER_SLOW_REFRESHES = 2


@dataclass(slots=True)
class _SlowStation:
    """Slow results of one station, carried over until the next slow refresh."""

    reports: dict[Period, EnergyReport] = field(default_factory=dict)
    # Serial -> needs an upgrade; None when the firmware list failed.
    firmware: dict[str, bool] | None = None
    # By device id; a device missing here was not known at the last slow refresh.
    wifi: dict[int, WifiInfo | None] = field(default_factory=dict)
    battery_settings: dict[int, BatterySettings | None] = field(default_factory=dict)
    meter_control: dict[int, MeterControl | None] = field(default_factory=dict)


@dataclass(slots=True)
class _FastStation:
    """What one refresh fetched for one station before the per-device calls."""

    info: StationInfo | None
    day_report: EnergyReport | None
    pv_strings: list[PvString] | None
    devices: list[Device] | None


def refresh_interval(entry: ConfigEntry) -> timedelta:
    """Return the polling period chosen in the entry's options."""
    return timedelta(
        minutes=entry.options.get(CONF_REFRESH_PERIOD, DEFAULT_REFRESH_PERIOD)
    )


class IzypowerCoordinator(DataUpdateCoordinator[IzypowerData]):
    """Fetch the whole account of one config entry on two cadences."""

    config_entry: IzypowerConfigEntry

    def __init__(
        self, hass: HomeAssistant, entry: IzypowerConfigEntry, client: IzypowerClient
    ) -> None:
        """Prepare an empty history; nothing is fetched yet."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=DOMAIN,
            update_interval=refresh_interval(entry),
        )
        self.client = client
        self.energy_guard = EnergyGuard()
        self._semaphore = asyncio.Semaphore(MAX_CONCURRENT_REQUESTS)
        self._stations: dict[int, Station] | None = None
        self._slow: dict[int, _SlowStation] = {}
        self._last_slow_refresh: datetime | None = None
        self._slow_requested = False
        # Station id -> its UTC offset as last seen in `lastUpdate`.
        self._station_tz: dict[int, tzinfo] = {}
        # Device id -> serials of its Link modules at its last readable battery page.
        self._last_links: dict[int, frozenset[str]] = {}
        # Registry device id -> consecutive slow refreshes it was missing from.
        self._missing: dict[str, int] = {}
        # Calls currently failing, so each failure streak is logged once.
        self._failing: set[str] = set()

    # ----------------------------------------------------------------- public

    async def async_request_slow_refresh(self) -> None:
        """Fetch slow data too at the next (debounced) refresh, e.g. after a write."""
        self._slow_requested = True
        await self.async_request_refresh()

    def identifiers(self) -> set[tuple[str, str]]:
        """Return the device identifiers of everything the cloud still lists.

        That is everything in the current snapshot, plus the Link modules of a battery
        whose page failed this cycle (a failed call is no evidence they are gone).
        """
        return self._present_identifiers(self.data) if self.data else set()

    # ---------------------------------------------------------------- refresh

    def _present_identifiers(self, data: IzypowerData) -> set[tuple[str, str]]:
        present = _snapshot_identifiers(data)
        for station in data.stations.values():
            for device_id, device in station.devices.items():
                if device.battery is None:
                    present.update(
                        link_identifier(serial)
                        for serial in self._last_links.get(device_id, ())
                    )
        return present

    async def _async_update_data(self) -> IzypowerData:
        now = dt_util.utcnow()
        slow = (
            self._slow_requested
            or self._last_slow_refresh is None
            or now - self._last_slow_refresh >= SLOW_REFRESH_INTERVAL
        )
        self._slow_requested = False
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
        if slow:
            self._last_slow_refresh = now
            self._remove_stale_devices(data)
        return data

    async def _async_fetch(self, slow: bool) -> IzypowerData:
        stations = await self._async_stations(slow)
        for gone in set(self._slow) - set(stations):
            del self._slow[gone]
            self.energy_guard.forget(gone)
        results = await _gather(
            self._async_fetch_station(station, slow) for station in stations.values()
        )
        if results and all(result.info is None for result in results):
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="no_station_answered",
                translation_placeholders={"count": str(len(results))},
            )
        snapshot = IzypowerData(
            stations={result.station.station_id: result for result in results}
        )
        if not slow and self.data is not None and _new_device_ids(self.data, snapshot):
            # Their Wi-Fi, settings and firmware flags come with the next refresh.
            self._slow_requested = True
        return snapshot

    async def _async_stations(self, slow: bool) -> dict[int, Station]:
        if not slow and self._stations is not None:
            return self._stations
        stations = await self._call("station list", self.client.get_stations)
        if stations is not None:
            self._stations = {station.station_id: station for station in stations}
        elif self._stations is None:
            raise UpdateFailed(
                translation_domain=DOMAIN, translation_key="station_list_failed"
            )
        return self._stations

    async def _async_fetch_station(self, station: Station, slow: bool) -> StationData:
        station_id = station.station_id
        today = self._station_today(station_id)
        fast, slow_station = await self._async_fetch_station_calls(
            station_id, today, slow
        )
        if fast.info is not None and fast.info.last_update is not None:
            self._station_tz[station_id] = fast.info.last_update.tzinfo or dt_util.UTC

        previous = self.data.stations.get(station_id) if self.data else None
        listed = fast.devices is not None
        if fast.devices is not None:
            devices = fast.devices
        else:
            # Keep the devices we knew so their own calls still run; the entities fed
            # by the list itself see `listed` False.
            devices = (
                [item.device for item in previous.devices.values()] if previous else []
            )

        if slow:
            (batteries, temperatures), device_slow = await _gather(
                [
                    self._async_fetch_device_fast(devices, today),
                    self._async_fetch_device_slow(devices),
                ]
            )
            (
                slow_station.wifi,
                slow_station.battery_settings,
                slow_station.meter_control,
            ) = device_slow
            self._slow[station_id] = slow_station
        else:
            slow_station = self._slow.setdefault(station_id, _SlowStation())
            batteries, temperatures = await self._async_fetch_device_fast(
                devices, today
            )
        pv_by_serial = _pv_by_serial(fast.pv_strings)
        firmware = slow_station.firmware
        device_data = {
            device.device_id: DeviceData(
                device=device,
                station_id=station_id,
                listed=listed,
                pv_strings=(
                    None
                    if pv_by_serial is None
                    else pv_by_serial.get(device.serial or "", {})
                ),
                wifi=slow_station.wifi.get(device.device_id),
                battery=batteries.get(device.device_id),
                battery_settings=slow_station.battery_settings.get(device.device_id),
                meter_control=slow_station.meter_control.get(device.device_id),
                temperature=temperatures.get(device.device_id),
                firmware_update=(
                    firmware.get(device.serial)
                    if firmware is not None and device.serial
                    else None
                ),
            )
            for device in devices
        }
        reports = dict(slow_station.reports)
        if fast.day_report is not None:
            reports[Period.DAY] = fast.day_report
        return StationData(
            station=station,
            info=fast.info,
            energy=self._guarded_energy(station_id, fast.info),
            reports=reports,
            devices=device_data,
            firmware_update=(
                None
                if firmware is None
                else any(firmware.get(device.serial or "", False) for device in devices)
            ),
        )

    async def _async_fetch_station_calls(
        self, station_id: int, today: date, slow: bool
    ) -> tuple[_FastStation, _SlowStation]:
        client = self.client
        fast_calls: list[Coroutine[Any, Any, Any]] = [
            self._call(
                f"station info {station_id}",
                partial(client.get_station_info, station_id),
            ),
            self._call(
                f"day report of station {station_id}",
                partial(client.get_energy_report, station_id, Period.DAY, today),
            ),
            self._call(
                f"PV strings of station {station_id}",
                partial(client.get_pv_strings, station_id, today),
            ),
            self._call(
                f"device list of station {station_id}",
                partial(client.get_devices, station_id),
            ),
        ]
        slow_calls: list[Coroutine[Any, Any, Any]] = []
        if slow:
            slow_calls = [
                self._call(
                    f"{period} report of station {station_id}",
                    partial(client.get_energy_report, station_id, period, today),
                )
                for period in SLOW_PERIODS
            ]
            slow_calls.append(
                self._call(
                    f"firmware list of station {station_id}",
                    partial(client.get_firmware_updates, station_id),
                )
            )
        results = await _gather([*fast_calls, *slow_calls])
        info, day_report, pv_strings, devices = results[:4]
        slow_station = _SlowStation()
        if slow:
            reports = results[4:7]
            slow_station.reports = {
                period: report
                for period, report in zip(SLOW_PERIODS, reports, strict=True)
                if report is not None
            }
            slow_station.firmware = results[7]
        return _FastStation(info, day_report, pv_strings, devices), slow_station

    async def _async_fetch_device_fast(
        self, devices: list[Device], today: date
    ) -> tuple[dict[int, BatteryPage], dict[int, float]]:
        client = self.client
        battery_ids: list[int] = []
        temperature_ids: list[int] = []
        calls: list[Coroutine[Any, Any, Any]] = []
        for device in devices:
            if device.serial is None:
                continue
            if device.device_type is DeviceType.BATTERY:
                battery_ids.append(device.device_id)
                calls.append(
                    self._call(
                        f"battery page of device {device.device_id}",
                        partial(client.get_battery, device.serial),
                    )
                )
        for device in devices:
            # An offline micro-inverter has no fresh temperature: do not ask.
            if (
                device.serial is not None
                and device.device_type is DeviceType.MICRO_INVERTER
                and device.online
            ):
                temperature_ids.append(device.device_id)
                calls.append(
                    self._call(
                        f"temperature of device {device.device_id}",
                        partial(client.get_temperature, device.serial, today),
                    )
                )
        results = await _gather(calls)
        batteries: dict[int, BatteryPage] = {}
        for device_id, page in zip(
            battery_ids, results[: len(battery_ids)], strict=True
        ):
            if page is not None:
                batteries[device_id] = page
                self._last_links[device_id] = frozenset(
                    link.serial for link in page.links
                )
        temperatures = {
            device_id: value
            for device_id, value in zip(
                temperature_ids, results[len(battery_ids) :], strict=True
            )
            if value is not None
        }
        return batteries, temperatures

    async def _async_fetch_device_slow(
        self, devices: list[Device]
    ) -> tuple[
        dict[int, WifiInfo | None],
        dict[int, BatterySettings | None],
        dict[int, MeterControl | None],
    ]:
        client = self.client
        keys: list[tuple[str, int]] = []
        calls: list[Coroutine[Any, Any, Any]] = []
        for device in devices:
            device_id = device.device_id
            if device.serial is not None:
                keys.append(("wifi", device_id))
                calls.append(
                    self._call(
                        f"Wi-Fi of device {device_id}",
                        partial(client.get_wifi, device.serial),
                    )
                )
                if device.device_type is DeviceType.BATTERY:
                    keys.append(("settings", device_id))
                    calls.append(
                        self._call(
                            f"battery settings of device {device_id}",
                            partial(client.get_battery_settings, device.serial),
                        )
                    )
            if device.device_type is DeviceType.METER:
                keys.append(("meter", device_id))
                calls.append(
                    self._call(
                        f"injection control of device {device_id}",
                        partial(client.get_meter_control, device_id),
                    )
                )
        results = await _gather(calls)
        by_kind: dict[str, dict[int, Any]] = {"wifi": {}, "settings": {}, "meter": {}}
        for (kind, device_id), result in zip(keys, results, strict=True):
            by_kind[kind][device_id] = result
        return by_kind["wifi"], by_kind["settings"], by_kind["meter"]

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

    def _station_today(self, station_id: int) -> date:
        """Return the station's local date (HA's time zone until its offset is known)."""
        return dt_util.now(self._station_tz.get(station_id)).date()

    def _guarded_energy(
        self, station_id: int, info: StationInfo | None
    ) -> dict[EnergyKey, float | None]:
        if info is None:
            return {}
        measured_at = info.last_update or dt_util.now()
        return self.energy_guard.apply(station_id, info.energy, measured_at)

    def _remove_stale_devices(self, data: IzypowerData) -> None:
        """Detach devices that missed `STALE_AFTER_SLOW_REFRESHES` slow refreshes.

        A device whose listing call failed (device list, battery page) counts as
        present: only a successful answer without it is evidence that it is gone.
        """
        present = self._present_identifiers(data)
        registry = dr.async_get(self.hass)
        entry_id = self.config_entry.entry_id
        for device_entry in dr.async_entries_for_config_entry(registry, entry_id):
            ours = {item for item in device_entry.identifiers if item[0] == DOMAIN}
            if not ours or ours & present:
                self._missing.pop(device_entry.id, None)
                continue
            misses = self._missing.get(device_entry.id, 0) + 1
            if misses < STALE_AFTER_SLOW_REFRESHES:
                self._missing[device_entry.id] = misses
                continue
            LOGGER.info("Removing %s: gone from the Izypower Cloud", device_entry.name)
            del self._missing[device_entry.id]
            registry.async_update_device(
                device_entry.id, remove_config_entry_id=entry_id
            )


def _auth_failed() -> ConfigEntryAuthFailed:
    return ConfigEntryAuthFailed(
        translation_domain=DOMAIN, translation_key="auth_failed"
    )


async def _gather(calls: Iterable[Coroutine[Any, Any, Any]]) -> list[Any]:
    """Run coroutines concurrently; the first error that escapes cancels the others."""
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(call) for call in calls]
    return [task.result() for task in tasks]


def _pv_by_serial(
    strings: list[PvString] | None,
) -> dict[str, dict[str, float | None]] | None:
    if strings is None:
        return None
    by_serial: dict[str, dict[str, float | None]] = {}
    for string in strings:
        by_serial.setdefault(string.serial, {})[string.name] = string.power
    return by_serial


def _new_device_ids(previous: IzypowerData, current: IzypowerData) -> set[int]:
    known = {
        device_id
        for station in previous.stations.values()
        for device_id in station.devices
    }
    return {
        device_id
        for station in current.stations.values()
        for device_id in station.devices
        if device_id not in known
    }


def _snapshot_identifiers(data: IzypowerData) -> set[tuple[str, str]]:
    identifiers: set[tuple[str, str]] = set()
    for station_id, station in data.stations.items():
        identifiers.add(station_identifier(station_id))
        for device_id, device in station.devices.items():
            identifiers.add(device_identifier(device_id))
            if device.battery is not None:
                identifiers.update(
                    link_identifier(link.serial) for link in device.battery.links
                )
    return identifiers
