"""An EV charger: its settings as the cloud shows them, and its charging power.

The reads of docs/api.md §7.15 (one client only; the writes: ev_writes.py). The
charging power follows the settings:

- stopped (`open` false): 0 W;
- the limit: the charging power setting (within the charger's range) less the power
  derate, never below 0 (what "derate" does exactly is unknown: a reduction);
- manual: the limit;
- intelligent and hybrid: the solar surplus (the station's export), plus the battery's
  charging power when the station gives the charger priority over the battery, plus
  what the batteries can still discharge when *use battery* is on; below the
  charger's minimum power it starts from the grid at the minimum only when *start
  with grid* is on (hybrid always does), else waits (0 W). Never above the limit.

The station's other flows (consumption, grid, battery) do not include the car: the
charger's power is shown by the station info's `ev_power` and the charger's page
(render.py). A charger without settings (`Device.ev` None) charges a share of the use.
"""

from typing import Any

from . import physics
from .model import Device, EvSettings, Station

INTELLIGENT, MANUAL, HYBRID = 0, 1, 2


def chargers(station: Station) -> list[Device]:
    """Return the station's chargers that have settings."""
    return [device for device in station.devices if device.ev is not None]


def station_priority(found: list[Device]) -> bool:
    """Return the station's priority as its chargers hold it (they agree)."""
    return any(device.ev is not None and device.ev.priority for device in found)


def charging_power(station: Station, settings: EvSettings) -> float:
    """Return what one charger draws now, as the module docstring says."""
    if not settings.open:
        return 0.0
    limit = max(0, min(settings.power, settings.max_power) - settings.derate)
    if settings.control_mode == MANUAL:
        return float(limit)
    flows = physics.flows(station)
    available = max(0.0, -flows.grid)
    if settings.priority:
        available += max(0.0, -flows.battery)
    if settings.enable_battery:
        available += sum(
            max(0.0, unit.battery.max_discharge_w - max(0.0, unit.battery.power))
            for unit in station.batteries
            if unit.battery is not None
        )
    if available >= settings.min_power:
        return min(float(limit), available)
    if settings.enable_grid or settings.control_mode == HYBRID:
        return float(min(limit, settings.min_power))
    return 0.0


def station_power(station: Station) -> float | None:
    """Return the station's EV power; None when no charger has settings."""
    found = chargers(station)
    if not found:
        return None
    return sum(charging_power(station, d.ev) for d in found if d.ev is not None)


def cmd(station: Station, device: Device) -> dict[str, Any]:
    """Return a charger's settings read (`cmd`)."""
    assert device.ev is not None
    ev = device.ev
    return {
        "open": ev.open,
        "controlMode": ev.control_mode,
        "hasMeter": station.meter is not None,
        "power": ev.power,
        "min_power": ev.min_power,
        "max_power": ev.max_power,
        "interval": ev.interval,
    }


def derate(device: Device) -> dict[str, Any]:
    """Return a charger's power derate read."""
    assert device.ev is not None
    return {"value": device.ev.derate}


def options(device: Device) -> dict[str, Any]:
    """Return a charger's intelligent options read."""
    assert device.ev is not None
    return {
        "enableGrid": device.ev.enable_grid,
        "enableBattery": device.ev.enable_battery,
    }
