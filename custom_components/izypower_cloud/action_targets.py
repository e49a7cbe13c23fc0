"""What an action's target is: a device of the registry, its loaded entry, its station.

The actions (`export_data`, `import_history`, `set_battery_mode`) take devices of the
registry (or a config entry); each needs the loaded Izypower entry behind it (its
runtime data, runtime.py, holds the coordinator, the energy history and the battery
mode holds), and the station when the device is one. This is the one place that
resolves them; each action keeps its own refusals (translation keys) for what does not
resolve.
"""

from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr

from .const import DOMAIN
from .identifiers import STATION_PREFIX
from .runtime import IzypowerConfigEntry


@dataclass(frozen=True, slots=True)
class ActionTarget:
    """A device an action targets, as the registry and the loaded entries know it."""

    device: dr.AnyDeviceEntry
    # The loaded Izypower entry the device belongs to, if any.
    entry: IzypowerConfigEntry | None
    # The station id when the device is a station, else None.
    station_id: int | None


def action_target(hass: HomeAssistant, device_id: str) -> ActionTarget | None:
    """Resolve a device id of the registry; None when the registry has no such device."""
    if (device := dr.async_get(hass).async_get(device_id)) is None:
        return None
    station_id = next(
        (
            int(identifier.removeprefix(STATION_PREFIX))
            for domain, identifier in device.identifiers
            if domain == DOMAIN and identifier.startswith(STATION_PREFIX)
        ),
        None,
    )
    return ActionTarget(device, loaded_entry(hass, device.config_entry_id), station_id)


def loaded_entry(
    hass: HomeAssistant, entry_id: str | None
) -> IzypowerConfigEntry | None:
    """Return the Izypower config entry `entry_id` when it is loaded, else None."""
    entry = hass.config_entries.async_get_entry(entry_id or "")
    if (
        entry is None
        or entry.domain != DOMAIN
        or entry.state is not ConfigEntryState.LOADED
    ):
        return None
    return entry
