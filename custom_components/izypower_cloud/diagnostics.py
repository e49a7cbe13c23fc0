"""Diagnostics: the entry's settings and the latest snapshot, without personal data."""

from collections.abc import Mapping
import dataclasses
from datetime import date, datetime, time
from enum import Enum
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant

from .runtime import IzypowerConfigEntry

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
    coordinator = entry.runtime_data.coordinator
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
