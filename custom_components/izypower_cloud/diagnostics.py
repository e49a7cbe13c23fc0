"""Diagnostics: the entry's settings, the latest snapshot and what waits on the cloud.

Without credentials or personal data: credentials, addresses, network details and
serials are redacted. The snapshot keeps the station and device names the user gave in
the app (they make a report readable, and the device registry shows them anyway); the
parts added here (energy guard, holds, pending writes) name devices by their registry
identifier (`device_<id>`, as in the unique ids), never by serial or name.
"""

from collections.abc import Mapping
import dataclasses
from datetime import date, datetime, time
from enum import Enum
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
import homeassistant.util.dt as dt_util

from .mode_holds import Hold
from .pending import CONFIRM_TIMEOUT, PendingWrite
from .runtime import IzypowerConfigEntry
from .targets import EquipmentTarget

# Keys (entry data and snapshot fields) whose values identify the owner, the place or
# the hardware: credentials, postal address, network details and serial numbers.
TO_REDACT = {
    CONF_USERNAME,
    CONF_PASSWORD,
    "token",
    "email",
    "address",
    "ssid",
    "ip_address",
    "serial",
}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: IzypowerConfigEntry
) -> dict[str, Any]:
    """Return what a bug report needs to reproduce the account's data."""
    runtime = entry.runtime_data
    coordinator = runtime.coordinator
    now = dt_util.utcnow()
    return {
        "entry": {
            "data": async_redact_data(dict(entry.data), TO_REDACT),
            "options": dict(entry.options),
        },
        "last_update_success": coordinator.last_update_success,
        "data": async_redact_data(to_jsonable(coordinator.data), TO_REDACT),
        # What the energy guard holds back and why: counters by owner (station or
        # device id), no personal data.
        "energy_guard": coordinator.energy_guard.as_dict(),
        # Modes set by `set_battery_mode` for a while, and what they will set back.
        "battery_mode_holds": _redacted([_hold(hold) for hold in runtime.holds.holds]),
        # Writes the cloud accepted but does not show yet: a control stuck on a value
        # asked for is explained here.
        "pending_writes": _redacted(
            [_pending(write, now) for write in coordinator.pending.writes]
        ),
    }


def _redacted(items: list[dict[str, Any]]) -> Any:
    """Return `items` as JSON, through the same redaction as the snapshot."""
    return async_redact_data(to_jsonable(items), TO_REDACT)


def _device(station_id: int, device_id: int) -> str:
    """Name a device as its registry identifier does (`device_<id>`), never by serial."""
    return EquipmentTarget(station_id, device_id).identifier[1]


def _hold(hold: Hold) -> dict[str, Any]:
    # Not the device's name: the user chose it, and the identifier is enough.
    return {
        "device": _device(hold.station_id, hold.device_id),
        "mode": hold.mode,
        "until": hold.ends,
        "until_soc": hold.until_soc,
        "restore": hold.restore,
        "restore_power": hold.restore_power,
    }


def _pending(write: PendingWrite, now: datetime) -> dict[str, Any]:
    # Every write waits `CONFIRM_TIMEOUT` from when it was accepted (controls.py).
    accepted = write.deadline - CONFIRM_TIMEOUT
    return {
        # The control's unique id: the device identifier plus the control's key.
        "control": write.control_id,
        "device": _device(write.station_id, write.device_id),
        "feed": write.feed,
        "fields": write.fields,
        "age_seconds": round((now - accepted).total_seconds()),
        "deadline": write.deadline,
    }


def to_jsonable(value: Any) -> Any:
    """Turn the snapshot's dataclasses, enums, dates, times and tuple keys into JSON."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            item.name: to_jsonable(getattr(value, item.name))
            for item in dataclasses.fields(value)
        }
    if isinstance(value, Mapping):
        return {_key(key): to_jsonable(item) for key, item in value.items()}
    if isinstance(value, (set, frozenset)):
        # Sorted, so the same failures always read the same in a bug report.
        return sorted(to_jsonable(item) for item in value)
    if isinstance(value, (list, tuple)):
        return [to_jsonable(item) for item in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    return value


def _key(key: Any) -> str:
    if isinstance(key, tuple):
        return "/".join(_key(part) for part in key)
    if isinstance(key, Enum):
        return str(key.value)
    return str(key)
