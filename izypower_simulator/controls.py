"""Setting writes: validation of each control's body, the write lag, applying changes.

A write is validated against the settings as last requested (pending writes included);
an accepted write becomes
a set of changes ("meter.<attr>", "battery.<attr>", "settings.<attr>" or "ev.<attr>"
-> value, ev.py for an EV charger) that
is applied at once, after the `write_lag_s` fault (simulated seconds), or never (the
`writes_never_apply` fault: the answer is still a success).
"""

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
import re
from typing import Any

from . import physics
from .faults import FaultConfig
from .model import (
    CLUSTER_SLAVE,
    CMD_FIELDS,
    CTR_INTELLIGENT,
    Account,
    BatterySettings,
    Device,
    PendingWrite,
    Station,
)

type Changes = dict[str, Any]
# (station, Titan, its settings as last requested, body) -> changes.
type Parser = Callable[[Station, Device, BatterySettings, dict[str, Any]], Changes]

POWER_STEP_W = 50
FULL_CHARGE_DAYS = (5, 60)
TIME_STEP_MIN = 5
_SETTING_KEYS = {attr: key for key, attr in CMD_FIELDS.items() if attr is not None}


class InvalidWrite(ValueError):
    """The cloud refuses the write: bad body, out of range, or not allowed now."""


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidWrite("not an integer")
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise InvalidWrite("not a boolean")
    return value


def _choice(value: Any, allowed: tuple[int, ...]) -> int:
    if _int(value) not in allowed:
        raise InvalidWrite("not an allowed value")
    return int(value)


def requested_settings(account: Account, device: Device) -> BatterySettings:
    """Return a Titan's settings with its pending writes applied (what writes check).

    A client may set a dependent setting right after switching its parent on, before
    the lag has passed.
    """
    assert device.battery is not None
    settings = replace(device.battery.settings)
    for write in account.pending_writes:
        if write.serial != device.serial:
            continue
        for name, value in write.changes.items():
            part, _, attribute = name.partition(".")
            if part == "settings":
                setattr(settings, attribute, value)
    return settings


def _cluster_control(device: Device) -> None:
    """Mode and power settings belong to a master or a standalone unit, never a slave."""
    if device.cluster_mode == CLUSTER_SLAVE:
        raise InvalidWrite("a slave unit follows its master")


def _power(station: Station, device: Device, value: Any) -> int:
    """W in 0..2,400 per unit of the cluster, step 50 (0 means the maximum)."""
    power = _int(value)
    if not 0 <= power <= physics.power_bound_w(station, device):
        raise InvalidWrite("power out of range")
    if power % POWER_STEP_W:
        raise InvalidWrite("power not a multiple of 50 W")
    return power


def has_meter(station: Station, settings: BatterySettings) -> bool:
    """`hasMeter` when the cloud sends it, else whether the station lists a meter."""
    if settings.shown is None or "hasMeter" in settings.shown:
        return settings.has_meter is True
    return station.meter is not None


def control_mode(
    station: Station, device: Device, settings: BatterySettings, body: dict[str, Any]
) -> Changes:
    """`{"ctr_mode": 0|1|2}`; intelligent (0) needs a meter."""
    _cluster_control(device)
    value = _choice(body.get("ctr_mode"), (0, 1, 2))
    if value == CTR_INTELLIGENT and not has_meter(station, settings):
        raise InvalidWrite("intelligent mode needs a smart meter")
    return {"settings.ctr_mode": value}


def manual_mode(
    station: Station, device: Device, settings: BatterySettings, body: dict[str, Any]
) -> Changes:
    """`{"mode": 0|1|2, "power": W}` (standby, charge, discharge)."""
    _cluster_control(device)
    mode = _choice(body.get("mode"), (0, 1, 2))
    power = _power(station, device, body.get("power"))
    return {"settings.manual_mode": mode, "settings.manual_power": power}


def max_power(
    station: Station, device: Device, settings: BatterySettings, body: dict[str, Any]
) -> Changes:
    """`{"type": "in"|"out", "max_in_power"|"max_out_power": W, "isCluster": bool}`."""
    _cluster_control(device)
    kind = body.get("type")
    if kind not in ("in", "out"):
        raise InvalidWrite("type must be in or out")
    key = f"max_{kind}_power"
    value = _power(station, device, body.get(key))
    # Which isCluster value the cloud expects is unknown: any boolean is accepted.
    _bool(body.get("isCluster"))
    return {f"settings.{key}": value}


def toggle_off_grid(
    station: Station, device: Device, settings: BatterySettings, body: dict[str, Any]
) -> Changes:
    """`{"value": bool}`: backup outlet on/off."""
    return {"settings.off_grid_open": _bool(body.get("value"))}


def off_grid(
    station: Station, device: Device, settings: BatterySettings, body: dict[str, Any]
) -> Changes:
    """`{"value": 1|2|3}`: backup outlet mode, only while the outlet is on."""
    value = _choice(body.get("value"), (1, 2, 3))
    if not settings.off_grid_open:
        raise InvalidWrite("the backup outlet is off")
    return {"settings.off_grid_value": value}


def toggle_full_charge(
    station: Station, device: Device, settings: BatterySettings, body: dict[str, Any]
) -> Changes:
    """`{"value": bool}`: calibration (periodic full charge) on/off."""
    return {"settings.full_charge_open": _bool(body.get("value"))}


def _full_charge_on(settings: BatterySettings) -> None:
    if not settings.full_charge_open:
        raise InvalidWrite("calibration is off")


def full_charge_days(
    station: Station, device: Device, settings: BatterySettings, body: dict[str, Any]
) -> Changes:
    """`{"value": 5..60}` days between calibrations, only while calibration is on."""
    value = _int(body.get("value"))
    if not FULL_CHARGE_DAYS[0] <= value <= FULL_CHARGE_DAYS[1]:
        raise InvalidWrite("days out of range")
    _full_charge_on(settings)
    return {"settings.full_charge_days": value}


def full_charge_time(
    station: Station, device: Device, settings: BatterySettings, body: dict[str, Any]
) -> Changes:
    """`{"value": "HH:MM"}` in 5-minute steps, only while calibration is on."""
    value = body.get("value")
    if not isinstance(value, str) or not re.fullmatch(
        r"([01]\d|2[0-3]):[0-5]\d", value
    ):
        raise InvalidWrite("not an HH:MM time")
    if int(value[3:]) % TIME_STEP_MIN:
        raise InvalidWrite("not a 5-minute step")
    _full_charge_on(settings)
    return {"settings.full_charge_time": value}


def app_changes(account: Account, device: Device, body: dict[str, Any]) -> Changes:
    """Return the changes of a mode change made in the Izypower app (the admin API's).

    `body` holds `ctr_mode` and/or the manual `mode` with its `power`, checked as the
    writes are (`InvalidWrite`); the caller applies them at once.
    """
    found = account.device_by_serial(device.serial)
    if found is None or device.battery is None:
        raise InvalidWrite("not a Titan")
    station = found[0]
    settings = requested_settings(account, device)
    if not body or set(body) - {"ctr_mode", "mode", "power"}:
        raise InvalidWrite("expected ctr_mode and/or mode with power")
    changes: Changes = {}
    if "ctr_mode" in body:
        changes |= control_mode(station, device, settings, body)
    if "mode" in body or "power" in body:
        changes |= manual_mode(station, device, settings, body)
    return changes


def submit(
    account: Account,
    config: FaultConfig,
    now: datetime,
    device: Device,
    changes: Changes,
) -> None:
    """Apply an accepted write now, after the configured lag, or never."""
    if config.writes_never_apply:
        return
    if config.write_lag_s <= 0:
        apply_changes(account, device.serial, changes)
        return
    due = now + timedelta(seconds=config.write_lag_s)
    account.pending_writes.append(PendingWrite(due, device.serial, changes))


def apply_due_writes(account: Account, now: datetime, target: datetime) -> None:
    """Apply the pending writes due by `now`, advancing the state to each one first.

    `target` is the instant the state will be brought to (the last cloud refresh): a
    write due later than it applies at that instant.
    """
    due = sorted(
        (w for w in account.pending_writes if w.due <= now), key=lambda w: w.due
    )
    for write in due:
        physics.advance_account(account, min(write.due, target))
        account.pending_writes.remove(write)
        apply_changes(account, write.serial, write.changes)


def apply_changes(account: Account, serial: str, changes: Changes) -> None:
    """Apply accepted changes to a device now, and dispatch its station again."""
    found = account.device_by_serial(serial)
    if found is None:
        return
    station, device = found
    for name, value in changes.items():
        part, _, attribute = name.partition(".")
        target: Any = {
            "meter": device.meter,
            "battery": device.battery,
            "settings": device.battery.settings if device.battery else None,
            "ev": device.ev,
        }[part]
        setattr(target, attribute, value)
        if part == "settings" and target.shown is not None:
            key = _SETTING_KEYS[attribute]
            if key not in target.shown:
                # The cloud sends a setting once it has been set.
                target.shown.append(key)
    physics.dispatch(station, account.sky_time)
