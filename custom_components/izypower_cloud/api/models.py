"""Typed models of the Izypower Cloud payloads, parsed defensively.

The cloud has no public contract: numbers arrive as numbers, as strings, with units or
as placeholders such as ``"-"``, keys go missing and ids sometimes arrive as strings.
Every ``from_json`` here therefore accepts any JSON value and turns whatever it cannot
understand into ``None`` (unknown) instead of raising, so one odd field never takes a
whole refresh down. A value the cloud did not send is ``None``, never ``0``.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from enum import StrEnum
import json
import math
import re
from typing import Any, Self

# A number, optionally signed, with "." or "," as decimal separator and an optional
# exponent, followed by an optional unit the cloud is known to use, in any case ("V",
# "kWh", "%", "°C", "dBm"...). Anything else (several numbers, thousands separators,
# words, unknown units) is rejected so that garbage reads as unknown rather than as a
# wrong number: "12 apples" is not 12.
_UNITS = (
    "kWh",
    "Wh",
    "kW",
    "W",
    "V",
    "A",
    "Hz",
    "%",
    "°C",
    "C",
    "min",
    "ms",
    "h",
    "s",
    "dBm",
)
_NUMBER_RE = re.compile(
    rf"""^\s*
    (?P<number>[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?)
    \s*
    (?i:{"|".join(map(re.escape, _UNITS))})?
    \s*$""",
    re.VERBOSE,
)

# "2026-07-14 13:39:00 UTC+02:00": the suffix is the real offset of the timestamp.
_LAST_UPDATE_RE = re.compile(
    r"""^\s*
    (?P<date>\d{4}-\d{2}-\d{2})[ T](?P<time>\d{2}:\d{2}(?::\d{2})?)
    \s*(?:UTC|GMT)
    (?:\s*(?P<sign>[+-])(?P<hours>\d{1,2})(?::?(?P<minutes>\d{2}))?)?
    \s*$""",
    re.VERBOSE,
)

_PV_NAME_RE = re.compile(r"^\s*pv\s*[-_]?\s*(\d+)\s*$", re.IGNORECASE)
_CT_NAME_RE = re.compile(r"^\s*ct\s*[-_]?\s*(\d+)\s*$", re.IGNORECASE)

# Timezone offsets Python accepts are strictly below one day; real ones stay within
# -12:00..+14:00, anything else is a corrupt value.
_MAX_OFFSET = timedelta(hours=14)


def parse_number(value: object) -> float | None:
    """Parse any numeric-looking JSON value the cloud sends; ``None`` when unusable.

    Accepts numbers, numeric strings with or without a known unit (``"231.4V"``,
    ``"2455.0kWh"``, ``"50.01Hz"``, ``"63.7 %"``, ``"25.6 °C"``; the units are listed in
    ``_UNITS``) and comma decimals (``"1,5"``). Returns ``None`` for ``None``, booleans,
    empty strings, placeholders (``"-"``, ``"--"``, ``"{}"``), NaN, infinities,
    containers, unknown units (``"12 apples"``, ``"1.5e"``) and any other garbage.
    """
    # bool is an int subclass; a flag is never a measurement.
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:  # JSON integers are unbounded
            return None
    elif isinstance(value, str):
        match = _NUMBER_RE.match(value)
        if match is None:
            return None
        number = float(match.group("number").replace(",", "."))
    else:
        return None
    return number if math.isfinite(number) else None


def parse_bool(value: object) -> bool | None:
    """Parse a flag sent as a boolean, ``0``/``1`` or a string; ``None`` when unclear."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text in {"true", "yes", "on"}:
            return True
        if text in {"false", "no", "off"}:
            return False
    number = parse_number(value)
    if number == 1:
        return True
    if number == 0:
        return False
    return None


def parse_int(value: object) -> int | None:
    """Parse an integral value (``1000``, ``"1000"``, ``1000.0``); ``None`` otherwise."""
    number = parse_number(value)
    if number is None or not number.is_integer():
        return None
    return int(number)


def parse_id(value: object) -> int | None:
    """Parse a cloud id, which may arrive as a number or a string (``"640101"``)."""
    number = parse_int(value)
    # A unit suffix would make no sense on an id: insist on bare digits for strings.
    if number is None or number < 0:
        return None
    if isinstance(value, str) and not value.strip().isdigit():
        return None
    return number


def parse_text(value: object) -> str | None:
    """Return a stripped non-empty string, or ``None``.

    Serials sometimes come back as bare numbers; they are converted to text.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        text = value.strip()
        return text or None
    return None


def parse_last_update(value: object) -> datetime | None:
    """Parse ``YYYY-MM-DD HH:MM:SS UTC±HH:MM`` into an aware datetime.

    The offset is the cloud's own statement of the time zone, so it is used as is
    rather than assuming the zone of whoever runs the client. A timestamp without an
    offset is ambiguous and reads as unknown.
    """
    if not isinstance(value, str):
        return None
    match = _LAST_UPDATE_RE.match(value)
    if match is None:
        return None
    offset = timedelta()
    if match.group("sign") is not None:
        offset = timedelta(
            hours=int(match.group("hours")), minutes=int(match.group("minutes") or 0)
        )
        if match.group("sign") == "-":
            offset = -offset
    if abs(offset) > _MAX_OFFSET:
        return None
    time_text = match.group("time")
    if time_text.count(":") == 1:
        time_text += ":00"
    try:
        naive = datetime.fromisoformat(f"{match.group('date')}T{time_text}")
    except ValueError:
        return None
    return naive.replace(tzinfo=timezone(offset))


def _mapping(value: object) -> Mapping[str, Any]:
    """Return ``value`` when it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def _items(value: object) -> list[Any]:
    """Return ``value`` when it is a JSON array, else an empty one."""
    return value if isinstance(value, list) else []


def parse_all[T](
    values: Iterable[object], parse: Callable[[object], T | None]
) -> list[T]:
    """Parse every record, skipping the ones that are unusable."""
    return [item for item in map(parse, values) if item is not None]


def _abs_or_none(value: float | None) -> float | None:
    return None if value is None else abs(value)


def _normalise_name(value: object, pattern: re.Pattern[str], prefix: str) -> str | None:
    """Normalise an input name such as ``pv1``/``PV 1`` to ``PV1``."""
    text = parse_text(value)
    if text is None:
        return None
    match = pattern.match(text)
    return f"{prefix}{int(match.group(1))}" if match else text.upper()


class Period(StrEnum):
    """Energy accounting period."""

    DAY = "day"
    MONTH = "month"
    YEAR = "year"
    TOTAL = "total"


class EnergySeries(StrEnum):
    """Energy counter kind."""

    PRODUCTION = "production"
    GRID_IMPORT = "grid_import"
    GRID_EXPORT = "grid_export"
    CONSUMPTION = "consumption"
    # Not sent by the cloud: derived by its users from the other counters (consumption
    # - battery discharge - grid import), so it is absent from `StationInfo.energy`.
    CONSUMPTION_FROM_PV = "consumption_from_pv"
    BATTERY_CHARGE = "battery_charge"
    BATTERY_DISCHARGE = "battery_discharge"


class Rate(StrEnum):
    """Percentage computed by the cloud for a period (never recomputed here)."""

    COVER = "cover_rate"
    BATTERY_CHARGE = "battery_charge_rate"
    SELF_SUFFICIENCY = "self_sufficiency_rate"
    GRID_EXPORT = "grid_export_rate"
    BATTERY_DISCHARGE = "battery_discharge_rate"
    CONSUMPTION_FROM_PV = "consumption_from_pv_rate"
    GRID_IMPORT = "grid_import_rate"


class DeviceType(StrEnum):
    """Kind of equipment, from the cloud's type code."""

    MICRO_INVERTER = "vm"
    BATTERY = "battery"
    METER = "meter"
    CHARGER = "evse"
    UNKNOWN = "unknown"

    @classmethod
    def from_code(cls, code: str) -> DeviceType:
        """Map a type code; codes this library does not know give ``UNKNOWN``."""
        try:
            return cls(code.strip().lower())
        except ValueError:
            return cls.UNKNOWN


class ClusterMode(StrEnum):
    """Role of a Titan unit in a master/slave cluster."""

    MASTER = "master"
    SLAVE = "slave"
    STANDALONE = "standalone"
    NONE = "none"

    @classmethod
    def from_code(cls, code: object) -> ClusterMode:
        """Map ``1000``/``1001``/``1002`` (number or string); anything else is NONE."""
        return _CLUSTER_CODES.get(parse_int(code) or 0, cls.NONE)


_CLUSTER_CODES = {
    1000: ClusterMode.MASTER,
    1001: ClusterMode.SLAVE,
    1002: ClusterMode.STANDALONE,
}


class BatteryState(StrEnum):
    """Direction of the battery power flow."""

    CHARGING = "charging"
    DISCHARGING = "discharging"
    STANDBY = "standby"


# Where each counter lives in the station info's `extraData`: category, then the key
# per period. Grid suffix 1 is export and 2 is import (docs/api.md §7.2).
_PERIOD_SUFFIX = {
    Period.DAY: "day",
    Period.MONTH: "month",
    Period.YEAR: "year",
    Period.TOTAL: "all",
}
_EXTRA_DATA_KEYS: dict[EnergySeries, tuple[str, str]] = {
    EnergySeries.PRODUCTION: ("production", "{}"),
    EnergySeries.CONSUMPTION: ("consumption", "{}"),
    EnergySeries.GRID_EXPORT: ("grid", "{}1"),
    EnergySeries.GRID_IMPORT: ("grid", "{}2"),
    EnergySeries.BATTERY_CHARGE: ("battery", "{}_in"),
    EnergySeries.BATTERY_DISCHARGE: ("battery", "{}_out"),
}

# Report keys of each rate (docs/api.md §7.3).
_RATE_KEYS = {
    Rate.COVER: "cover_rate",
    Rate.BATTERY_CHARGE: "storage_in_rate",
    Rate.SELF_SUFFICIENCY: "energy_self_rate",
    Rate.GRID_EXPORT: "meter_energy_n_rate",
    Rate.BATTERY_DISCHARGE: "storage_out_rate",
    Rate.CONSUMPTION_FROM_PV: "consumption_rate",
    Rate.GRID_IMPORT: "meter_energy_p_rate",
}

# Report keys of each period total in kWh (docs/api.md §7.3); the cloud's own
# "consumption from PV" (`consumption`) is not a counter of ours.
_REPORT_ENERGY_KEYS = {
    EnergySeries.PRODUCTION: "energy",
    EnergySeries.CONSUMPTION: "total_consumption",
    EnergySeries.GRID_IMPORT: "meter_energy_p",
    EnergySeries.GRID_EXPORT: "meter_energy_n",
    EnergySeries.BATTERY_CHARGE: "storage_in",
    EnergySeries.BATTERY_DISCHARGE: "storage_out",
}


@dataclass(frozen=True, slots=True)
class Station:
    """A power station of the account."""

    station_id: int
    name: str
    installed_capacity: float | None
    address: str | None

    @classmethod
    def from_json(cls, record: object) -> Self | None:
        """Parse a station list record; ``None`` when it has no usable id."""
        data = _mapping(record)
        station_id = parse_id(data.get("stationsId"))
        if station_id is None:
            return None
        # Some app versions spell it "stationsName"; names are free text, so the id is
        # the last resort to keep the name non-empty.
        name = (
            parse_text(data.get("stationName"))
            or parse_text(data.get("stationsName"))
            or str(station_id)
        )
        return cls(
            station_id=station_id,
            name=name,
            installed_capacity=parse_number(data.get("installedCapacity")),
            address=parse_text(data.get("address")),
        )


@dataclass(frozen=True, slots=True)
class StationInfo:
    """Live figures and energy counters of a station (station info endpoint)."""

    pv_power: float | None
    grid_power: float | None
    consumption_power: float | None
    battery_power: float | None
    battery_pv_power: float | None
    battery_soc: float | None
    installed_capacity: float | None
    last_update: datetime | None
    # Every (series, period) pair the cloud sends is present (every series but the
    # derived CONSUMPTION_FROM_PV); plain dicts keep dataclasses.asdict and copying
    # working, callers must treat them as read-only.
    energy: Mapping[tuple[EnergySeries, Period], float | None]
    device_types: Mapping[str, str]

    def energy_value(self, series: EnergySeries, period: Period) -> float | None:
        """Return one energy counter in kWh, ``None`` when unknown."""
        return self.energy.get((series, period))

    @classmethod
    def from_json(cls, body: object) -> Self:
        """Parse the whole response body (live fields sit at its top level)."""
        top = _mapping(body)
        metadata = _mapping(top.get("data"))
        extra = _mapping(top.get("extraData"))
        energy: dict[tuple[EnergySeries, Period], float | None] = {}
        for period, suffix in _PERIOD_SUFFIX.items():
            for series, (category, key) in _EXTRA_DATA_KEYS.items():
                energy[series, period] = parse_number(
                    _mapping(extra.get(category)).get(key.format(suffix))
                )
        device_types: dict[str, str] = {}
        for item in _items(top.get("deviceTypes")):
            entry = _mapping(item)
            if (code := parse_text(entry.get("value"))) is not None:
                device_types[code] = parse_text(entry.get("name")) or code
        return cls(
            pv_power=parse_number(top.get("power")),
            grid_power=parse_number(top.get("grid_power")),
            consumption_power=parse_number(top.get("consumption")),
            battery_power=parse_number(top.get("battery_power")),
            battery_pv_power=parse_number(top.get("battery_pv_power")),
            battery_soc=parse_number(top.get("battery_soc")),
            installed_capacity=parse_number(metadata.get("installedCapacity")),
            last_update=parse_last_update(top.get("lastUpdate"))
            or parse_last_update(metadata.get("lastUpdate")),
            energy=energy,
            device_types=device_types,
        )


@dataclass(frozen=True, slots=True)
class EnergyReport:
    """Percentages and energy totals of one period (energy report endpoint)."""

    period: Period
    rates: Mapping[Rate, float | None]
    # kWh of the period per series (every series but the derived
    # CONSUMPTION_FROM_PV); for a past period these are its final totals.
    energy: Mapping[EnergySeries, float | None] = field(default_factory=dict)

    @classmethod
    def from_json(cls, body: object, period: Period) -> Self:
        """Parse the whole response body (rates and totals sit at its top level)."""
        top = _mapping(body)
        return cls(
            period=period,
            rates={
                rate: parse_number(top.get(key)) for rate, key in _RATE_KEYS.items()
            },
            energy={
                series: parse_number(top.get(key))
                for series, key in _REPORT_ENERGY_KEYS.items()
            },
        )


@dataclass(frozen=True, slots=True)
class PvString:
    """Live power of one PV input of a device (component endpoint)."""

    serial: str
    name: str
    power: float | None

    @classmethod
    def from_json(cls, record: object) -> Self | None:
        """Parse one ``pvData`` entry; ``None`` without a serial or an input name."""
        data = _mapping(record)
        serial = parse_text(data.get("sn"))
        name = _normalise_name(data.get("pv"), _PV_NAME_RE, "PV")
        if serial is None or name is None:
            return None
        return cls(serial=serial, name=name, power=parse_number(data.get("pvPower")))

    @classmethod
    def list_from_json(cls, body: object) -> list[Self]:
        """Parse the component response body (``pvData`` sits at its top level)."""
        return parse_all(_items(_mapping(body).get("pvData")), cls.from_json)


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
        data = _mapping(record)
        device_id = parse_id(data.get("deviceId"))
        if device_id is None:
            return None
        type_code = parse_text(data.get("deviceType")) or DeviceType.UNKNOWN.value
        readings: dict[str, object] = {}
        for item in _items(data.get("dataDtos")):
            entry = _mapping(item)
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
    mode = ClusterMode.from_code(_mapping(connect_info).get("clusterMode"))
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
        data = _mapping(payload)
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

    @classmethod
    def from_json(cls, record: object) -> Self | None:
        """Parse one ``items`` entry; ``None`` without a serial."""
        data = _mapping(record)
        serial = parse_text(data.get("sn"))
        if serial is None:
            return None
        return cls(
            serial=serial,
            soc=parse_number(data.get("soc")),
            energy=parse_number(data.get("kwh")),
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

    @property
    def state(self) -> BatteryState | None:
        """Flow direction from the sign of ``power`` (negative means charging)."""
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
        data = _mapping(payload)
        charge = _mapping(data.get("chargeData"))
        discharge = _mapping(data.get("dischargeData"))
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
            links=tuple(parse_all(_items(data.get("items")), LinkModule.from_json)),
        )


@dataclass(frozen=True, slots=True)
class BatterySettings:
    """Settings of a Titan unit (``cmd`` endpoint)."""

    min_soc: float | None
    has_meter: bool | None
    control_mode: int | None

    @classmethod
    def from_json(cls, payload: object) -> Self:
        """Parse the ``data`` object of the settings read."""
        data = _mapping(payload)
        return cls(
            min_soc=parse_number(data.get("min_soc")),
            has_meter=parse_bool(data.get("hasMeter")),
            control_mode=parse_int(_mapping(data.get("mode")).get("ctr_mode")),
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
        extra = _mapping(_mapping(payload).get("meter_extra"))
        return cls(
            enabled=parse_bool(extra.get("isControl")),
            limit=_abs_or_none(parse_number(extra.get("feedThreshold"))),
        )


@dataclass(frozen=True, slots=True)
class CtPower:
    """Power measured by one current clamp of a smart meter."""

    serial: str
    name: str
    power: float | None

    @classmethod
    def from_json(cls, record: object) -> Self | None:
        """Parse one ``extra`` item; ``None`` unless it is a ``ct*`` item with a serial."""
        data = _mapping(record)
        serial = parse_text(data.get("deviceSn")) or parse_text(data.get("deviceSN"))
        name = _normalise_name(data.get("pv"), _CT_NAME_RE, "CT")
        if serial is None or name is None or not name.startswith("CT"):
            return None
        return cls(serial=serial, name=name, power=parse_number(data.get("dataVal")))

    @classmethod
    def list_from_json(cls, payload: object) -> list[Self]:
        """Parse the layout power ``data``: the last row of the day that has CT items."""
        for row in reversed(_items(_mapping(payload).get("data"))):
            if items := _items(_mapping(row).get("extra")):
                return parse_all(items, cls.from_json)
        return []


def parse_upgrade_flags(payload: object) -> dict[str, bool]:
    """Parse the upgrade list ``data`` into serial -> firmware update available."""
    flags: dict[str, bool] = {}
    for item in _items(payload):
        entry = _mapping(item)
        serial = parse_text(entry.get("sn"))
        need_upgrade = parse_bool(entry.get("needUpgrade"))
        if serial is not None and need_upgrade is not None:
            flags[serial] = need_upgrade
    return flags


def parse_latest_temperature(payload: object) -> float | None:
    """Return the last point of the temperature series, ``None`` when empty."""
    series = _items(_mapping(next(iter(_items(payload)), None)).get("data"))
    return parse_number(_mapping(series[-1]).get("val")) if series else None


__all__ = [
    "BatteryPage",
    "BatterySettings",
    "BatteryState",
    "ClusterMode",
    "CtPower",
    "Device",
    "DeviceType",
    "EnergyReport",
    "EnergySeries",
    "LinkModule",
    "MeterControl",
    "Period",
    "PvString",
    "Rate",
    "Station",
    "StationInfo",
    "WifiInfo",
    "parse_all",
    "parse_bool",
    "parse_id",
    "parse_int",
    "parse_last_update",
    "parse_latest_temperature",
    "parse_number",
    "parse_text",
    "parse_upgrade_flags",
]
