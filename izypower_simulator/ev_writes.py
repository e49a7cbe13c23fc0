"""An EV charger's setting writes: validation of each body (docs/api.md §8).

Like a Titan's (controls.py): validated against the settings as last requested
(pending writes included), then applied at once, after the write lag, or never.
"""

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from .controls import Changes, InvalidWrite
from .ev import HYBRID, INTELLIGENT, MANUAL
from .model import Account, Device, EvSettings, Station

DERATE_MAX_W = 64000
DERATE_STEP_W = 10

# (station, charger's settings as last requested, body) -> changes.
type Parser = Callable[[Station, EvSettings, dict[str, Any]], Changes]


def requested(account: Account, device: Device) -> EvSettings:
    """Return a charger's settings with its pending writes applied (what writes check)."""
    assert device.ev is not None
    settings = replace(device.ev)
    for write in account.pending_writes:
        if write.serial != device.serial:
            continue
        for name, value in write.changes.items():
            part, _, attribute = name.partition(".")
            if part == "ev":
                setattr(settings, attribute, value)
    return settings


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise InvalidWrite("not a boolean")
    return value


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidWrite("not an integer")
    return value


def state(station: Station, settings: EvSettings, body: dict[str, Any]) -> Changes:
    """`{"value": bool}`: start or stop charging."""
    return {"ev.open": _bool(body.get("value"))}


def mode(station: Station, settings: EvSettings, body: dict[str, Any]) -> Changes:
    """`{"value": 0|1|2}`; intelligent needs a smart meter in the station."""
    value = _int(body.get("value"))
    if value not in (INTELLIGENT, MANUAL, HYBRID):
        raise InvalidWrite("not a control mode")
    if value == INTELLIGENT and station.meter is None:
        raise InvalidWrite("intelligent mode needs a smart meter")
    return {"ev.control_mode": value}


def charge_power(
    station: Station, settings: EvSettings, body: dict[str, Any]
) -> Changes:
    """`{"value": W}` within the charger's range, on its step from the minimum."""
    value = _int(body.get("value"))
    if not settings.min_power <= value <= settings.max_power:
        raise InvalidWrite("power out of range")
    if (value - settings.min_power) % settings.interval:
        raise InvalidWrite("power off the charger's step")
    return {"ev.power": value}


def power_derate(
    station: Station, settings: EvSettings, body: dict[str, Any]
) -> Changes:
    """`{"value": W}` in 0..64,000, step 10."""
    value = _int(body.get("value"))
    if not 0 <= value <= DERATE_MAX_W or value % DERATE_STEP_W:
        raise InvalidWrite("derate out of range")
    return {"ev.derate": value}


def intelligent_value(
    station: Station, settings: EvSettings, body: dict[str, Any]
) -> Changes:
    """`{"enableGrid": bool, "enableBattery": bool}`: both, always."""
    return {
        "ev.enable_grid": _bool(body.get("enableGrid")),
        "ev.enable_battery": _bool(body.get("enableBattery")),
    }


def priority(body: dict[str, Any]) -> Changes:
    """`{"value": bool}`: the station's chargers before its battery (by station)."""
    return {"ev.priority": _bool(body.get("value"))}
