"""The ids of the community integration this project replaces, and what they become.

The community integration (GitHub `StefanPlizga/izypower_cloud`, stable 1.0.x and the
1.0.11 beta) has the same domain: installing this project over it loads this code with
its config entry and registries. This module only knows its ids, as data (no Home
Assistant import): which config entries are its own, which device identifiers and
entity unique ids it created, and for each unique id either the entity of ours that
takes it over (our device identifier value and key, docs/design.md §3) or why none does.
`registry.py` applies it to the registries.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
import re
from typing import Any

from custom_components.izypower_cloud.api import EnergySeries, Rate
from custom_components.izypower_cloud.identifiers import (
    DEVICE_PREFIX,
    LINK_PREFIX,
    STATION_PREFIX,
)

# What its config entries look like (version 1, minor 1, no unique id).
LEGACY_TITLE = "Izypower Cloud"
LEGACY_REFRESH_PERIOD = "refresh_period"
# Every identifier and most unique ids it made start with this.
_LEGACY = "izypower_cloud_"


def is_legacy_entry(
    version: int, unique_id: str | None, data: Mapping[str, Any]
) -> bool:
    """Tell whether a config entry was created by the community integration.

    Ours always have a unique id (the account) and never store the refresh period in
    their data: the community integration's entries have none and do.
    """
    return version == 1 and unique_id is None and LEGACY_REFRESH_PERIOD in data


def legacy_refresh_period(
    data: Mapping[str, Any], options: Mapping[str, Any], bounds: tuple[int, int]
) -> int | None:
    """Return its refresh period (options win over data) as our whole minutes.

    Clamped to `bounds`; `None` when neither holds a number.
    """
    for source in (options, data):
        value = source.get(LEGACY_REFRESH_PERIOD)
        if not isinstance(value, (int, float, str)) or isinstance(value, bool):
            continue
        try:
            minutes = round(float(value))
        except TypeError, ValueError, OverflowError:
            continue
        return min(max(minutes, bounds[0]), bounds[1])
    return None


_LEGACY_DEVICE_PREFIXES = (
    (f"{_LEGACY}station_", STATION_PREFIX),
    (f"{_LEGACY}device_", DEVICE_PREFIX),
    (f"{_LEGACY}battery_link_", LINK_PREFIX),
)


def device_identifier(legacy: str) -> str | None:
    """Return our identifier value for one of its device identifiers, else `None`."""
    for old, new in _LEGACY_DEVICE_PREFIXES:
        if legacy.startswith(old) and len(legacy) > len(old):
            return new + legacy[len(old) :]
    return None


class Retired(StrEnum):
    """Why one of its entities has no successor here (the repair groups them so)."""

    # A text sensor of its is a binary sensor here (online state, firmware update).
    BINARY_SENSOR = "binary_sensor"
    # Ours keeps no statistics of it (installed capacity, charging and discharging
    # times have no state class here): the recorder would flag the old ones.
    STATISTICS = "statistics"
    # Nothing of ours does the same (EV charger controls, live mode; its calibration
    # time select is a time entity here).
    NO_EQUIVALENT = "no_equivalent"
    # Ours exists, but not for this account's equipment (battery figures of a station
    # without a battery, EV figures without a charger, ...).
    ABSENT = "absent"


@dataclass(frozen=True, slots=True)
class Successor:
    """The entity of ours that takes over one of its unique ids."""

    domain: str
    unique_id: str


type Outcome = Successor | Retired

# Periods: it writes "all" or "total" for the lifetime figures.
_P = r"(?P<period>day|month|year|total|all)"
_SID = r"(?P<sid>\d+)"
_DID = r"(?P<did>\d+)"
_STATION = f"{_LEGACY}station_{_SID}"
_DEVICE = f"{_LEGACY}device_{_DID}"
_LINK = f"{_LEGACY}battery_link_(?P<sn>.+?)"

# Its rate names -> ours.
_RATES: Mapping[str, str] = {
    "cover_rate": Rate.COVER,
    "storage_in_rate": Rate.BATTERY_CHARGE,
    "storage_out_rate": Rate.BATTERY_DISCHARGE,
    "energy_self_rate": Rate.SELF_SUFFICIENCY,
    "meter_energy_p_rate": Rate.GRID_IMPORT,
    "meter_energy_n_rate": Rate.GRID_EXPORT,
    "consumption_rate": Rate.CONSUMPTION_FROM_PV,
    "ev_rate": "ev_rate",
}
# Its station live values -> ours.
_STATION_LIVE: Mapping[str, str] = {
    "production_power": "pv_power",
    "grid_power": "grid_power",
    "consumption_power": "consumption_power",
    "battery_power": "battery_power",
    "battery_pv_power": "battery_pv_power",
    "battery_soc": "battery_soc",
    "last_update": "last_update",
    "ev_power": "ev_power",
}
# Its equipment sensors -> ours.
_EQUIPMENT_SENSORS: Mapping[str, str] = {
    "wifi_signal": "wifi_rssi",
    "wifi_network": "wifi_ssid",
    "ip_address": "ip_address",
    "temperature": "temperature",
    "cluster_mode": "cluster_mode",
    "device_battery_soc": "average_soc",
    "battery_soc_links": "battery_soc",
    "battery_energy": "battery_energy",
    "battery_temperature": "battery_temperature",
    "battery_device_state": "battery_state",
    "charge_from_external": "charge_from_grid_power",
    "charge_from_pv": "charge_from_pv_power",
    "discharge_from_battery": "discharge_from_battery_power",
    "discharge_from_pv": "discharge_from_pv_power",
    "power_consumption": "consumption_need_power",
    "battery_device_power": "battery_power",
    "solar_surplus": "solar_surplus_power",
    "direct_solar": "direct_solar_power",
    "off_grid_power": "backup_outlet_power",
    "evse_ac_power": "ev_charger_ac_power",
    "evse_power": "ev_charger_power",
}
# Its controls of a Titan or meter (unique id `<device id>_<name>`) -> (domain, ours).
_CONTROLS: Mapping[str, tuple[str, str]] = {
    "injection_control": ("switch", "injection_control"),
    "injection_limit": ("number", "injection_limit"),
    "battery_min_soc": ("number", "min_soc"),
    "battery_led_on": ("button", "led_on"),
    "battery_led_off": ("button", "led_off"),
    "battery_control_mode": ("select", "control_mode"),
    "battery_manual_mode": ("select", "manual_mode"),
    "battery_offgrid_mode": ("select", "backup_outlet_mode"),
    "battery_offgrid": ("switch", "backup_outlet"),
    "battery_calibration": ("switch", "calibration"),
    "battery_max_charge_power": ("number", "max_charge_power"),
    "battery_max_discharge_power": ("number", "max_discharge_power"),
    "battery_manual_charge_power": ("number", "manual_charge_power"),
    "battery_manual_discharge_power": ("number", "manual_discharge_power"),
    "battery_calibration_interval": ("number", "calibration_interval"),
}
# Its entities that nothing of ours takes over, by unique id suffix.
_RETIRED_STATION: Mapping[str, Retired] = {
    "upgrade": Retired.BINARY_SENSOR,
    "device": Retired.STATISTICS,
    "live_mode": Retired.NO_EQUIVALENT,
    "evse_priority": Retired.NO_EQUIVALENT,
}
_RETIRED_DEVICE: Mapping[str, Retired] = {
    "online_state": Retired.BINARY_SENSOR,
    "upgrade": Retired.BINARY_SENSOR,
    "charging_time": Retired.STATISTICS,
    "discharging_time": Retired.STATISTICS,
    "evse_control_mode": Retired.NO_EQUIVALENT,
    "evse_power_derate": Retired.NO_EQUIVALENT,
    "evse_max_charging_power": Retired.NO_EQUIVALENT,
    "evse_started": Retired.NO_EQUIVALENT,
    "evse_enable_grid": Retired.NO_EQUIVALENT,
    "evse_enable_battery": Retired.NO_EQUIVALENT,
    "meter_live_mode": Retired.NO_EQUIVALENT,
    "evse_live_mode": Retired.NO_EQUIVALENT,
    "battery_live_mode": Retired.NO_EQUIVALENT,
}
_RETIRED_CONTROLS: Mapping[str, Retired] = {
    # A select of its; a time entity here (`calibration_time`).
    "battery_calibration_time": Retired.NO_EQUIVALENT,
}


def _period(match: re.Match[str]) -> str:
    period = match["period"]
    return "total" if period == "all" else period


def _sensor(owner: str, key: str) -> Successor:
    return Successor("sensor", f"{owner}_{key}")


def _alternatives(*names: object) -> str:
    return "|".join(re.escape(str(name)) for name in names)


_ENERGY = re.compile(
    rf"{_SID}_(?:(?P<series>production|consumption|consumption_from_pv|ev)_{_P}"
    rf"|(?P<flow>grid|battery)_{_P.replace('period', 'fperiod')}_"
    r"(?P<direction>import|export|charge|discharge))"
)
_RATE = re.compile(rf"{_SID}_(?P<rate>{_alternatives(*_RATES)})_{_P}")
_STATION_ANY = re.compile(rf"{_STATION}_(?P<name>.+)")
_DEVICE_PV = re.compile(rf"{_DEVICE}_pv_(?P<input>.+)")
_DEVICE_CT = re.compile(
    rf"{_DEVICE}_ct(?P<channel>\d)(?:_(?P<reading>apparent_power|current|voltage|mode))?"
)
_DEVICE_ANY = re.compile(rf"{_DEVICE}_(?P<name>.+)")
_LINK_ANY = re.compile(rf"{_LINK}_(?P<name>soc|kwh|temperature)")
_CONTROL = re.compile(rf"{_DID}_(?P<name>[a-z_]+)")
_LINK_SENSORS = {"soc": "battery_soc", "kwh": "battery_energy"}

_FLOWS = {
    ("grid", "import"): EnergySeries.GRID_IMPORT,
    ("grid", "export"): EnergySeries.GRID_EXPORT,
    ("battery", "charge"): EnergySeries.BATTERY_CHARGE,
    ("battery", "discharge"): EnergySeries.BATTERY_DISCHARGE,
}


def _energy(match: re.Match[str]) -> Outcome | None:
    owner = f"{STATION_PREFIX}{match['sid']}"
    if (series := match["series"]) is not None:
        key = "ev_energy" if series == "ev" else series
        return _sensor(owner, f"{key}_{_period(match)}")
    flow = _FLOWS.get((match["flow"], match["direction"]))
    if flow is None:
        return None
    period = match["fperiod"]
    return _sensor(owner, f"{flow}_{'total' if period == 'all' else period}")


def _station(match: re.Match[str]) -> Outcome | None:
    name = match["name"]
    if name in _STATION_LIVE:
        return _sensor(f"{STATION_PREFIX}{match['sid']}", _STATION_LIVE[name])
    return _RETIRED_STATION.get(name)


def _device(match: re.Match[str]) -> Outcome | None:
    name, owner = match["name"], f"{DEVICE_PREFIX}{match['did']}"
    if name in _EQUIPMENT_SENSORS:
        return _sensor(owner, _EQUIPMENT_SENSORS[name])
    return _RETIRED_DEVICE.get(name)


def _channel(match: re.Match[str]) -> Outcome:
    # The 1.0.11 beta's `ct<n>` sensors read the meter's channel n (its data page),
    # like our `channel_<n>_...` sensors.
    reading = match["reading"] or "power"
    owner = f"{DEVICE_PREFIX}{match['did']}"
    return _sensor(owner, f"channel_{match['channel']}_{reading}")


def _control(match: re.Match[str]) -> Outcome | None:
    name = match["name"]
    if name in _CONTROLS:
        domain, key = _CONTROLS[name]
        return Successor(domain, f"{DEVICE_PREFIX}{match['did']}_{key}")
    return _RETIRED_CONTROLS.get(name)


# Checked in order; the first pattern that matches the whole unique id decides.
_RULES: tuple[tuple[re.Pattern[str], Any], ...] = (
    (_ENERGY, _energy),
    (
        _RATE,
        lambda m: _sensor(
            f"{STATION_PREFIX}{m['sid']}", f"{_RATES[m['rate']]}_{_period(m)}"
        ),
    ),
    (_STATION_ANY, _station),
    (
        _DEVICE_PV,
        lambda m: _sensor(
            f"{DEVICE_PREFIX}{m['did']}", f"pv_string_power_{m['input']}"
        ),
    ),
    (_DEVICE_CT, _channel),
    (_DEVICE_ANY, _device),
    (
        _LINK_ANY,
        lambda m: _sensor(
            f"{LINK_PREFIX}{m['sn']}", _LINK_SENSORS.get(m["name"], m["name"])
        ),
    ),
    (_CONTROL, _control),
)


def is_legacy_unique_id(unique_id: str) -> bool:
    """Tell whether a unique id has the shape of its ids (never one of ours)."""
    return unique_id.startswith(_LEGACY) or unique_id[:1].isdigit()


def successor(domain: str, unique_id: str) -> Outcome | None:
    """Return what one of its entities becomes here.

    `None` when the unique id is not one of its known patterns (ours, or unknown). A
    pattern of another platform than the entity's is not a match.
    """
    for pattern, decide in _RULES:
        if (match := pattern.fullmatch(unique_id)) is not None:
            outcome: Outcome | None = decide(match)
            if isinstance(outcome, Successor) and outcome.domain != domain:
                return None
            return outcome
    return None
