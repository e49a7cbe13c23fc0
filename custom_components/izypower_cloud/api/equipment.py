"""Typed models of the device-level payloads of the Izypower Cloud.

Devices, their Wi-Fi link, Titan batteries with their Link modules, smart meters and
the per-device lists of the station (firmware flags, temperatures). Every
``from_json`` accepts any JSON value and reads what it cannot understand as ``None``
(see :mod:`.parsers`).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
import json
from typing import Any, Self

from .enums import (
    BackupOutletMode,
    BatteryState,
    ClusterMode,
    ControlMode,
    DeviceType,
    ManualMode,
)
from .parsers import (
    json_array,
    json_object,
    parse_all,
    parse_bool,
    parse_clock_time,
    parse_id,
    parse_int,
    parse_number,
    parse_text,
)


def _abs_or_none(value: float | None) -> float | None:
    return None if value is None else abs(value)


@dataclass(frozen=True, slots=True)
class Device:
    """An equipment record of a station's device list."""

    device_id: int
    serial: str | None
    name: str | None
    type_code: str
    device_type: DeviceType
    online: bool | None
    cluster_mode: ClusterMode
    software_version: str | None
    average_soc: float | None
    grid_voltage: float | None
    grid_frequency: float | None
    meter_import_total: float | None
    meter_export_total: float | None
    has_average_soc: bool

    @classmethod
    def from_json(cls, record: object) -> Self | None:
        """Parse one device record; ``None`` when it has no usable ``deviceId``."""
        data = json_object(record)
        device_id = parse_id(data.get("deviceId"))
        if device_id is None:
            return None
        type_code = parse_text(data.get("deviceType")) or DeviceType.UNKNOWN.value
        readings: dict[str, object] = {}
        for item in json_array(data.get("dataDtos")):
            entry = json_object(item)
            if (key := parse_text(entry.get("key"))) is not None:
                readings[key] = entry.get("value")
        return cls(
            device_id=device_id,
            serial=parse_text(data.get("sn")) or parse_text(data.get("serialNumber")),
            name=parse_text(data.get("deviceName")),
            type_code=type_code,
            device_type=DeviceType.from_code(type_code),
            online=parse_bool(data.get("onlineState")),
            cluster_mode=_cluster_mode(data),
            software_version=parse_text(data.get("softwareVersion")),
            average_soc=parse_number(readings.get("6002")),
            grid_voltage=parse_number(readings.get("v_ac_all")),
            grid_frequency=parse_number(readings.get("freq")),
            meter_import_total=parse_number(readings.get("energy_p_all")),
            meter_export_total=parse_number(readings.get("energy_n_all")),
            has_average_soc="6002" in readings,
        )


def _cluster_mode(record: Mapping[str, Any]) -> ClusterMode:
    """Cluster role from ``connectInfoJson.clusterMode``, else the record's own code."""
    connect_info: object = record.get("connectInfoJson")
    # The name suggests the object may also arrive serialised as a JSON string.
    if isinstance(connect_info, str):
        try:
            connect_info = json.loads(connect_info)
        except ValueError, RecursionError:  # deep nesting overflows the decoder
            connect_info = None
    mode = ClusterMode.from_code(json_object(connect_info).get("clusterMode"))
    if mode is ClusterMode.NONE:
        mode = ClusterMode.from_code(record.get("clusterMode"))
    return mode


@dataclass(frozen=True, slots=True)
class WifiInfo:
    """Wi-Fi link of a device."""

    rssi: float | None
    ssid: str | None
    ip_address: str | None

    @classmethod
    def from_json(cls, payload: object) -> Self:
        """Parse the Wi-Fi payload (top level or ``data``, chosen by the client)."""
        data = json_object(payload)
        return cls(
            rssi=parse_number(data.get("rssi")),
            ssid=parse_text(data.get("wifi")),
            ip_address=parse_text(data.get("ip")),
        )


@dataclass(frozen=True, slots=True)
class LinkModule:
    """A Link battery module attached to a Titan unit."""

    serial: str
    soc: float | None
    energy: float | None
    # °C; sent by newer cloud versions only (docs/api.md §7.7).
    temperature: float | None = None

    @classmethod
    def from_json(cls, record: object) -> Self | None:
        """Parse one ``items`` entry; ``None`` without a serial."""
        data = json_object(record)
        serial = parse_text(data.get("sn"))
        if serial is None:
            return None
        return cls(
            serial=serial,
            soc=parse_number(data.get("soc")),
            energy=parse_number(data.get("kwh")),
            temperature=parse_number(data.get("temp")),
        )


@dataclass(frozen=True, slots=True)
class BatteryPage:
    """Battery page of a Titan unit (powers in W, energies in kWh, times in min)."""

    soc: float | None
    energy: float | None
    average_soc: float | None
    average_energy: float | None
    power: float | None
    consumption_need_power: float | None
    solar_surplus_power: float | None
    direct_solar_power: float | None
    backup_outlet_power: float | None
    charge_from_grid_power: float | None
    charge_from_pv_power: float | None
    charging_time: float | None
    discharge_from_battery_power: float | None
    discharge_from_pv_power: float | None
    discharging_time: float | None
    online: bool | None
    links: tuple[LinkModule, ...]
    # °C; sent by newer cloud versions only (docs/api.md §7.7).
    temperature: float | None = None
    # The cloud's own state code, when it sends one it is known to mean.
    state_code: BatteryState | None = None

    @property
    def state(self) -> BatteryState | None:
        """Flow direction: the cloud's state code, else the sign of ``power``.

        Negative power means charging. The code wins because it is the unit's own
        view; the sign is the fallback for answers without a known code.
        """
        if self.state_code is not None:
            return self.state_code
        if self.power is None:
            return None
        if self.power > 0:
            return BatteryState.DISCHARGING
        if self.power < 0:
            return BatteryState.CHARGING
        return BatteryState.STANDBY

    @classmethod
    def from_json(cls, payload: object) -> Self:
        """Parse the ``data`` object of the battery page."""
        data = json_object(payload)
        charge = json_object(data.get("chargeData"))
        discharge = json_object(data.get("dischargeData"))
        return cls(
            soc=parse_number(data.get("soc")),
            energy=parse_number(data.get("socKwh")),
            average_soc=parse_number(data.get("avgSoc")),
            average_energy=parse_number(data.get("avgSocKwh")),
            power=parse_number(data.get("batteryPower")),
            consumption_need_power=parse_number(data.get("consumptionPower")),
            solar_surplus_power=parse_number(data.get("solarPower")),
            direct_solar_power=parse_number(data.get("pvPower")),
            backup_outlet_power=parse_number(data.get("offGridPower")),
            charge_from_grid_power=parse_number(charge.get("power1")),
            charge_from_pv_power=parse_number(charge.get("power2")),
            # "-" (not charging) and "{}" both read as unknown, never as 0 minutes.
            charging_time=parse_number(charge.get("remainingTime")),
            discharge_from_battery_power=parse_number(discharge.get("power1")),
            discharge_from_pv_power=parse_number(discharge.get("power2")),
            discharging_time=parse_number(discharge.get("remainingTime")),
            online=parse_bool(data.get("onlineState")),
            temperature=parse_number(data.get("socTemp")),
            state_code=BatteryState.from_code(data.get("onlineState")),
            links=tuple(parse_all(json_array(data.get("items")), LinkModule.from_json)),
        )


@dataclass(frozen=True, slots=True)
class BatterySettings:
    """Settings of a Titan unit (``cmd`` endpoint); powers in W.

    Every field is ``None`` when the cloud did not send it or sent something unusable.
    ``unit_count`` is the number of units of the cluster (``allBatteries``).
    """

    min_soc: float | None
    has_meter: bool | None
    control_mode: ControlMode | None
    manual_mode: ManualMode | None = None
    manual_power: float | None = None
    max_charge_power: float | None = None
    max_discharge_power: float | None = None
    cluster_max_discharge_power: float | None = None
    unit_count: int | None = None
    backup_outlet: bool | None = None
    backup_outlet_mode: BackupOutletMode | None = None
    calibration: bool | None = None
    calibration_interval: int | None = None
    calibration_time: time | None = None

    @classmethod
    def from_json(cls, payload: object) -> Self:
        """Parse the ``data`` object of the settings read."""
        data = json_object(payload)
        manual = json_object(data.get("manual"))
        power = json_object(data.get("power"))
        off_grid = json_object(data.get("offGrid"))
        full_charge = json_object(data.get("fullCharge"))
        batteries = data.get("allBatteries")
        return cls(
            min_soc=parse_number(data.get("min_soc")),
            has_meter=parse_bool(data.get("hasMeter")),
            control_mode=ControlMode.from_code(
                json_object(data.get("mode")).get("ctr_mode")
            ),
            manual_mode=ManualMode.from_code(manual.get("mode")),
            manual_power=parse_number(manual.get("power")),
            max_charge_power=parse_number(power.get("max_in_power")),
            max_discharge_power=parse_number(power.get("max_out_power")),
            cluster_max_discharge_power=parse_number(
                power.get("cluster_max_out_power")
            ),
            # No list, or an empty one, says nothing about the cluster's size.
            unit_count=(len(batteries) or None)
            if isinstance(batteries, list)
            else None,
            backup_outlet=parse_bool(off_grid.get("open")),
            backup_outlet_mode=BackupOutletMode.from_code(off_grid.get("value")),
            calibration=parse_bool(full_charge.get("open")),
            calibration_interval=parse_int(full_charge.get("days")),
            calibration_time=parse_clock_time(full_charge.get("time")),
        )


@dataclass(frozen=True, slots=True)
class MeterControl:
    """Export limitation ("injection blocking") of a smart meter."""

    enabled: bool | None
    limit: float | None

    @classmethod
    def from_json(cls, payload: object) -> Self:
        """Parse the ``data`` object of the meter base info.

        The cloud stores the allowed export as a negative threshold; it is exposed as
        positive watts.
        """
        extra = json_object(json_object(payload).get("meter_extra"))
        return cls(
            enabled=parse_bool(extra.get("isControl")),
            limit=_abs_or_none(parse_number(extra.get("feedThreshold"))),
        )


def parse_upgrade_flags(payload: object) -> dict[str, bool]:
    """Parse the upgrade list ``data`` into serial -> firmware update available."""
    flags: dict[str, bool] = {}
    for item in json_array(payload):
        entry = json_object(item)
        serial = parse_text(entry.get("sn"))
        need_upgrade = parse_bool(entry.get("needUpgrade"))
        if serial is not None and need_upgrade is not None:
            flags[serial] = need_upgrade
    return flags


def parse_latest_temperature(payload: object) -> float | None:
    """Return the last point of the temperature series, ``None`` when empty."""
    series = json_array(json_object(next(iter(json_array(payload)), None)).get("data"))
    return parse_number(json_object(series[-1]).get("val")) if series else None
