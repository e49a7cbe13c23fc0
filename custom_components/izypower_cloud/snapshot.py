"""Assemble one station's part of the snapshot from one refresh's results.

The coordinator fetches (fetch.py); this module only combines what was fetched with
what is carried over (the slow caches), the features each station has shown
(features.py) and the energy guard (energy_guard.py), into `StationData`/`DeviceData`
(data.py). Each failed call's `Feed` goes into the `failed` set of the part it feeds.
"""

from collections.abc import Mapping
import dataclasses
from datetime import datetime

from .api import (
    BatteryPage,
    Device,
    DeviceType,
    EnergyReport,
    Period,
    Station,
    StationInfo,
    WifiInfo,
)
from .data import REPORT_FEEDS, DeviceData, Feed, StationData
from .energy_guard import METER_EXPORT_TOTAL, METER_IMPORT_TOTAL, EnergyGuard, EnergyKey
from .features import (
    Feature,
    StationFeatures,
    shows_battery,
    shows_ev_charger,
    shows_meter,
)
from .fetch import SLOW_PERIODS, CloudFetcher
from .fetch_results import DeviceCalls, StationCalls
from .identifiers import device_identifier, station_identifier

# Powers of named inputs (PV strings, current clamps) by device serial, then input.
type _BySerial = Mapping[str, dict[str, float | None]]


class SnapshotAssembler:
    """Build the snapshot's station and device parts; remembers stations' features."""

    def __init__(self, fetcher: CloudFetcher, energy_guard: EnergyGuard) -> None:
        """Read the slow results from `fetcher`; pass counters through the guard."""
        self._fetcher = fetcher
        self._energy_guard = energy_guard
        # What each station was seen with (data.py `has_battery`, `has_meter`,
        # `has_ev`).
        self._features = StationFeatures()

    def station_data(
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
        ct_by_serial = None if own.ct_failed else own.ct_by_serial()
        device_data = {
            device.device_id: self._device_data(
                device, own, firmware, (pv_by_serial, ct_by_serial), measured_at
            )
            for device in devices
        }
        reports = self._reports(station_id, calls.day_report)
        info = calls.info
        has_battery, has_meter, has_ev = self._station_features(
            station_id, devices, info, reports
        )
        owner = station_identifier(station_id)[1]
        return StationData(
            station=station,
            info=info,
            energy=self._station_energy(owner, info, measured_at, has_battery),
            reports=reports,
            devices=device_data,
            firmware_update=(
                None
                if firmware is None
                else any(item.firmware_update for item in device_data.values())
            ),
            has_battery=has_battery,
            has_meter=has_meter,
            has_ev=has_ev,
            ev_energy=(self._ev_energy(owner, reports, measured_at) if has_ev else {}),
            failed=calls.failed()
            | {REPORT_FEEDS[period] for period in Period if period not in reports}
            | ({Feed.FIRMWARE} if firmware is None else set())
            | ({Feed.CT_POWER} if own.ct_failed else set()),
        )

    def _station_features(
        self,
        station_id: int,
        devices: list[Device],
        info: StationInfo | None,
        reports: Mapping[Period, EnergyReport],
    ) -> tuple[bool, bool, bool]:
        """Return whether the station has a battery, a meter and an EV charger."""
        return (
            self._features.has(
                Feature.BATTERY, station_id, shown=shows_battery(devices, info)
            ),
            self._features.has(
                Feature.METER, station_id, shown=shows_meter(devices, info, reports)
            ),
            self._features.has(
                Feature.EV_CHARGER,
                station_id,
                shown=shows_ev_charger(devices, info, reports),
            ),
        )

    def _station_energy(
        self,
        owner: str,
        info: StationInfo | None,
        measured_at: datetime,
        has_battery: bool,
    ) -> dict[EnergyKey, float | None]:
        """Return the station's energy counters through the guard (none without info)."""
        if info is None:
            return {}
        return self._energy_guard.station_energy(
            owner, info.energy, measured_at, has_battery=has_battery
        )

    def _ev_energy(
        self,
        owner: str,
        reports: Mapping[Period, EnergyReport],
        measured_at: datetime,
    ) -> dict[Period, float | None]:
        """Return the EV charger's period counters through the guard."""
        return self._energy_guard.period_counters(
            owner,
            "ev",
            {period: report.ev_energy for period, report in reports.items()},
            measured_at,
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
        inputs: tuple[_BySerial | None, _BySerial | None],
        measured_at: datetime,
    ) -> DeviceData:
        """Assemble one device's part of the snapshot.

        `inputs` are the PV strings' and the current clamps' powers by serial (None
        when their call failed).
        """
        pv_by_serial, ct_by_serial = inputs
        device_id = device.device_id
        wifi = self._fetcher.wifi.get(device_id)
        battery = own.battery.get(device_id)
        failed = _own_failures(device, wifi, battery, own)
        controls, controls_failed = self._fetcher.controls.state(device)
        channels, charger, on_demand_failed = self._fetcher.on_demand.state(device)
        return DeviceData(
            device=self._guarded_meter(device, measured_at),
            pv_strings=(
                None
                if pv_by_serial is None
                else pv_by_serial.get(device.serial or "", {})
            ),
            ct_powers=(
                ct_by_serial.get(device.serial or "", {})
                if ct_by_serial is not None and device.device_type is DeviceType.METER
                else None
            ),
            wifi=wifi,
            battery=battery,
            temperature=own.temperature.get(device_id),
            firmware_update=(
                firmware.get(device.serial)
                if firmware is not None and device.serial
                else None
            ),
            settings=controls.settings,
            meter_control=controls.meter_control,
            ev_settings=controls.ev_settings,
            meter_channels=channels,
            ev_charger=charger,
            failed=frozenset(failed) | controls_failed | on_demand_failed,
        )

    def _guarded_meter(self, device: Device, measured_at: datetime) -> Device:
        """Return the device with its meter's lifetime counters through the guard."""
        guarded = self._energy_guard.apply(
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


def _own_failures(
    device: Device, wifi: WifiInfo | None, battery: BatteryPage | None, own: DeviceCalls
) -> set[Feed]:
    """Return the device's own calls that failed this refresh."""
    failed: set[Feed] = set()
    if device.serial is not None and wifi is None:
        failed.add(Feed.WIFI)
    # Also without a serial: a Titan whose page is missing has not listed its Link
    # modules (no evidence that they are gone).
    if device.device_type is DeviceType.BATTERY and battery is None:
        failed.add(Feed.BATTERY)
    if device.device_id in own.temperature_failed:
        failed.add(Feed.TEMPERATURE)
    return failed
