"""The coordinator: many cloud calls in, one immutable snapshot of the account out.

Cadences. Every refresh fetches what changes every few minutes: station info, the day
report, PV strings, the device lists (online state, `dataDtos`), battery pages and
micro-inverter temperatures. Slow data (station list, month/year/total reports, Wi-Fi,
firmware flags, the controls' settings) is fetched on the first refresh, then every
`SLOW_REFRESH_INTERVAL`, or on demand (`async_request_slow_refresh`). A device or
station that appears gets its own slow calls in the refresh that first lists it (and its
station's firmware list again). In between, the last slow results are carried over
(slow_cache.py, one cache per kind). After a write, `pending` (pending.py) has just the
written resource read again (`async_reread`) until the cloud shows the value.

Failures. Independent calls run concurrently, at most `MAX_CONCURRENT_REQUESTS` at a
time (fetch.py). A failing call only blanks the part of the snapshot it feeds (its
`Feed` is in that part's `failed` set, data.py) and is logged once when it starts
failing and once when it recovers. A failing slow call is tried again at the next refresh (once per refresh), and its last
good result, if any, is shown meanwhile for up to `SLOW_RESULT_MAX_AGE`. Only two
situations fail the whole refresh: no station list ever received, or no station info
for any station. Once a station list was received, a failing one is tolerated: the
previous list stays in use until the cloud answers again. A refused login anywhere
starts the reauthentication flow.

Stale devices. A device of the registry that the cloud's answers no longer list is
removed after a few slow refreshes without it; a failed listing is no evidence
(stale_devices.py holds the rules). Each successful snapshot is its evidence.

Energy. Counters pass through the energy guard (energy_guard.py), dated by the station's
`lastUpdate` (in its own UTC offset), or by the station's current local time when that
is missing or implausibly in the future. The guard's memory is stored with the config
entry so that it survives restarts.
"""

from collections.abc import Mapping
import dataclasses
from datetime import datetime, timedelta, tzinfo
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
    Period,
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
from .data import REPORT_FEEDS, DeviceData, Feed, IzypowerData, StationData
from .energy_guard import METER_EXPORT_TOTAL, METER_IMPORT_TOTAL, EnergyGuard
from .features import Feature, StationFeatures, shows_battery, shows_ev_charger
from .fetch import SLOW_PERIODS, CloudFetcher, DeviceCalls, StationCalls, gather_keyed
from .identifiers import device_identifier, station_identifier
from .issues import check_station_list
from .pending import PendingWrites
from .stale_devices import StaleDevices

type IzypowerConfigEntry = ConfigEntry[IzypowerCoordinator]

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
        self._stations: dict[int, Station] | None = None
        self._station_list_failed = False
        self._fetcher = CloudFetcher(client, SLOW_RESULT_MAX_AGE)
        # Writes waiting for the cloud to show them (pending.py).
        self.pending = PendingWrites(hass, self.async_reread)
        self._fetcher.pending = self.pending.is_pending
        self._last_slow_refresh: datetime | None = None
        self._slow_requested = False
        # Station id -> its UTC offset as last seen in `lastUpdate`.
        self._station_tz: dict[int, tzinfo] = {}
        # What each station was seen with (data.py `has_battery`, `has_ev`).
        self._features = StationFeatures()
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
        """Read one control resource again now and publish it (after a write)."""
        if (old := self.data.device(station_id, device_id)) is None:
            return None
        fresh = await self._fetcher.reread(old, feed)
        data = self.data.with_device(station_id, fresh)
        self.pending.observe(data)
        self.async_set_updated_data(data)
        return fresh

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
        self._fetcher.begin()
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

    async def _async_fetch(self, slow: bool) -> IzypowerData:
        stations = await self._async_stations(slow)
        results = await gather_keyed(
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
        stations = await self._fetcher.call("station list", self.client.get_stations)
        self._station_list_failed = stations is None
        if stations is not None:
            self._stations = {station.station_id: station for station in stations}
            check_station_list(self.hass, self.config_entry, self._stations)
        elif self._stations is None:
            raise UpdateFailed(
                translation_domain=DOMAIN, translation_key="station_list_failed"
            )
        return self._stations

    async def _async_fetch_station(self, station: Station, slow: bool) -> StationData:
        """Fetch one station: its own calls first, then those of its devices."""
        station_id = station.station_id
        today = self._station_now(station_id).date()
        calls = await self._fetcher.station_calls(station_id, today, slow)
        devices, new_devices = self._devices_to_follow(station_id, calls.devices)
        measured_at = self._measured_at(station_id, calls.info)
        # A new device's firmware flag is in its station's list, fetched again now.
        own = await self._fetcher.device_calls(
            station_id, devices, today, slow, firmware_due=slow or new_devices
        )
        return self._station_data(station, calls, devices, own, measured_at)

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

    # --------------------------------------------------------------- snapshot

    def _station_data(
        self,
        station: Station,
        calls: StationCalls,
        devices: list[Device],
        own: DeviceCalls,
        measured_at: datetime,
    ) -> StationData:
        """Assemble one station's part of the snapshot from this refresh's results."""
        station_id = station.station_id
        firmware = self._fetcher.firmware.get(station_id)
        pv_by_serial = calls.pv_by_serial()
        device_data = {
            device.device_id: self._device_data(
                device, own, firmware, pv_by_serial, measured_at
            )
            for device in devices
        }
        reports = self._reports(station_id, calls.day_report)
        info = calls.info
        has_battery = self._features.has(
            Feature.BATTERY, station_id, shown=shows_battery(devices, info)
        )
        has_ev = self._features.has(
            Feature.EV_CHARGER,
            station_id,
            shown=shows_ev_charger(devices, info, reports),
        )
        owner = station_identifier(station_id)[1]
        return StationData(
            station=station,
            info=info,
            energy=(
                {}
                if info is None
                else self.energy_guard.station_energy(
                    owner,
                    info.energy,
                    measured_at,
                    has_battery=has_battery,
                )
            ),
            reports=reports,
            devices=device_data,
            firmware_update=(
                None
                if firmware is None
                else any(item.firmware_update for item in device_data.values())
            ),
            has_battery=has_battery,
            has_ev=has_ev,
            ev_energy=self.energy_guard.period_counters(
                owner,
                "ev",
                {period: report.ev_energy for period, report in reports.items()},
                measured_at,
            )
            if has_ev
            else {},
            failed=calls.failed()
            | {REPORT_FEEDS[period] for period in Period if period not in reports}
            | ({Feed.FIRMWARE} if firmware is None else set()),
        )

    def _reports(
        self, station_id: int, day_report: EnergyReport | None
    ) -> dict[Period, EnergyReport]:
        """Return the reports to show: today's, and the slow ones carried over."""
        reports: dict[Period, EnergyReport] = {}
        if day_report is not None:
            reports[Period.DAY] = day_report
        for period in SLOW_PERIODS:
            if (report := self._fetcher.reports.get((station_id, period))) is not None:
                reports[period] = report
        return reports

    def _device_data(
        self,
        device: Device,
        own: DeviceCalls,
        firmware: Mapping[str, bool] | None,
        pv_by_serial: Mapping[str, dict[str, float | None]] | None,
        measured_at: datetime,
    ) -> DeviceData:
        """Assemble one device's part of the snapshot."""
        device_id = device.device_id
        wifi = self._fetcher.wifi.get(device_id)
        battery = own.battery.get(device_id)
        failed: set[Feed] = set()
        if device.serial is not None and wifi is None:
            failed.add(Feed.WIFI)
        # Also without a serial: a Titan whose page is missing has not listed its
        # Link modules (no evidence that they are gone).
        if device.device_type is DeviceType.BATTERY and battery is None:
            failed.add(Feed.BATTERY)
        if device_id in own.temperature_failed:
            failed.add(Feed.TEMPERATURE)
        settings, meter_control, controls_failed = self._fetcher.control_state(device)
        return DeviceData(
            device=self._guarded_meter(device, measured_at),
            pv_strings=(
                None
                if pv_by_serial is None
                else pv_by_serial.get(device.serial or "", {})
            ),
            wifi=wifi,
            battery=battery,
            temperature=own.temperature.get(device_id),
            firmware_update=(
                firmware.get(device.serial)
                if firmware is not None and device.serial
                else None
            ),
            settings=settings,
            meter_control=meter_control,
            failed=frozenset(failed) | controls_failed,
        )

    # ---------------------------------------------------------------- helpers

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


def _auth_failed() -> ConfigEntryAuthFailed:
    return ConfigEntryAuthFailed(
        translation_domain=DOMAIN, translation_key="auth_failed"
    )
