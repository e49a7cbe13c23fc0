"""The `izypower_cloud.set_battery_mode` action: a Titan's mode, for a while or not.

It targets Titan devices (a cluster master or a standalone unit) and sets one mode:
intelligent, standby, charge, discharge or calendar, with an optional power (W) for
charge and discharge. With a `duration` or an `until_soc` the previous mode is set back
afterwards (mode_holds.py; the holds are in the entry's runtime data, runtime.py).
Everything is checked for every targeted device before anything is sent: a refusal is
a translated `ServiceValidationError` and no request.
The writes then go through the controls' one write path (pending until the cloud shows
them, translated errors); see modes.py for their order.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from homeassistant.const import ATTR_DEVICE_ID
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv, device_registry as dr
import homeassistant.util.dt as dt_util
import probatio

from .action_targets import action_target
from .api import BatterySettings, ClusterMode
from .const import DOMAIN
from .controls import check_range, titan
from .data import DeviceData, StationData
from .helpers import cloud_errors
from .identifiers import device_identifier
from .mode_holds import Hold
from .modes import (
    BatteryMode,
    async_set_mode,
    battery_level,
    battery_mode,
    station_has_meter,
)
from .number import max_power
from .runtime import IzypowerConfigEntry
from .targets import EquipmentTarget

SERVICE_SET_BATTERY_MODE: Final = "set_battery_mode"
ATTR_MODE: Final = "mode"
ATTR_POWER: Final = "power"
ATTR_DURATION: Final = "duration"
ATTR_UNTIL_SOC: Final = "until_soc"
POWER_STEP: Final = 50

SCHEMA = probatio.Schema(
    {
        probatio.Required(ATTR_DEVICE_ID): probatio.All(cv.ensure_list, [cv.string]),
        probatio.Required(ATTR_MODE): probatio.Coerce(BatteryMode),
        probatio.Optional(ATTR_POWER): probatio.All(
            probatio.Coerce(float), probatio.Range(min=0)
        ),
        probatio.Optional(ATTR_DURATION): probatio.All(
            cv.time_period, probatio.Range(min=timedelta(seconds=1))
        ),
        probatio.Optional(ATTR_UNTIL_SOC): probatio.All(
            probatio.Coerce(float), probatio.Range(min=0, max=100)
        ),
    }
)


@dataclass(frozen=True, slots=True)
class Titan:
    """A targeted Titan: its entry, where it is in the snapshot, its name."""

    entry: IzypowerConfigEntry
    target: EquipmentTarget
    name: str


@callback
def async_setup_battery_mode(hass: HomeAssistant) -> None:
    """Register the action (once, in `async_setup`: it exists with no entry loaded)."""

    async def handle(call: ServiceCall) -> None:
        await async_set_battery_mode(hass, call)

    hass.services.async_register(
        DOMAIN, SERVICE_SET_BATTERY_MODE, handle, schema=SCHEMA
    )


async def async_set_battery_mode(hass: HomeAssistant, call: ServiceCall) -> None:
    """Check every targeted Titan, then set the mode on each."""
    mode: BatteryMode = call.data[ATTR_MODE]
    power: float | None = call.data.get(ATTR_POWER)
    duration: timedelta | None = call.data.get(ATTR_DURATION)
    until_soc: float | None = call.data.get(ATTR_UNTIL_SOC)
    if mode.manual is None or mode is BatteryMode.STANDBY:
        for option, given in ((ATTR_POWER, power), (ATTR_UNTIL_SOC, until_soc)):
            if given is not None:
                raise _refused("option_not_applicable", option=option)
    # Not truthiness: an `until_soc` of 0 % is one.
    timed = duration is not None or until_soc is not None
    titans = [_titan(hass, device_id) for device_id in call.data[ATTR_DEVICE_ID]]
    for titan_ in titans:
        _validate(hass, titan_, mode, power, until_soc, restores=timed)
    for titan_ in titans:
        coordinator = titan_.entry.runtime_data.coordinator
        holds = titan_.entry.runtime_data.holds
        device = _shown(titan_)
        previous = holds.get(titan_.target.device_id)
        restore = battery_mode(device) if previous is None else previous.restore
        with cloud_errors(hass, titan_.entry):
            await async_set_mode(
                coordinator, titan_.target, titan_.name, mode, power or 0
            )
        if not timed or restore is None:
            await holds.async_release(titan_.target.device_id)
            continue
        settings = device.settings
        await holds.async_hold(
            Hold(
                station_id=titan_.target.station_id,
                device_id=titan_.target.device_id,
                name=titan_.name,
                mode=mode,
                restore=restore,
                restore_power=_restore_power(previous, settings),
                ends=None if duration is None else dt_util.utcnow() + duration,
                until_soc=until_soc,
            )
        )


def _restore_power(previous: Hold | None, settings: BatterySettings | None) -> float:
    """Return the manual power to set back: the first hold's, else the one shown now."""
    if previous is not None:
        return previous.restore_power
    return (None if settings is None else settings.manual_power) or 0


def _refused(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders,
    )


def _shown(titan_: Titan) -> DeviceData:
    """Return the targeted device as shown (pending writes included)."""
    coordinator = titan_.entry.runtime_data.coordinator
    source = titan_.target.source(coordinator.data)
    if source is None or source.settings is None:
        # Its settings could not be read: the mode cannot be checked.
        raise HomeAssistantError(
            translation_domain=DOMAIN, translation_key="control_unavailable"
        )
    return coordinator.pending.overlay(source)


def _titan(hass: HomeAssistant, device_id: str) -> Titan:
    """Find a targeted device in a loaded entry's snapshot; refuse anything else."""
    target = action_target(hass, device_id)
    name = device_id
    if target is not None:
        name = target.device.name_by_user or target.device.name or device_id
        if (
            target.entry is not None
            and (found := _find(target.entry, target.device)) is not None
        ):
            return Titan(target.entry, found, name)
    raise _refused("not_titan", device=name)


def _find(
    entry: IzypowerConfigEntry, device_entry: dr.AnyDeviceEntry
) -> EquipmentTarget | None:
    """Return the Titan of the snapshot that the device registry entry is."""
    for station_id, station in entry.runtime_data.coordinator.data.stations.items():
        for device_id, device in station.devices.items():
            if device_identifier(device_id) in device_entry.identifiers and titan(
                device
            ):
                return EquipmentTarget(station_id, device_id)
    return None


def _validate(
    hass: HomeAssistant,
    titan_: Titan,
    mode: BatteryMode,
    power: float | None,
    until_soc: float | None,
    *,
    restores: bool,
) -> None:
    """Refuse what the cloud would refuse or what makes no sense, before any request."""
    station = titan_.target.station(titan_.entry.runtime_data.coordinator.data)
    device = _shown(titan_)
    if device.device.cluster_mode not in (ClusterMode.MASTER, ClusterMode.STANDALONE):
        raise _refused(
            "slave_unit_master",
            device=titan_.name,
            master=_master_name(hass, titan_, station),
        )
    if mode is BatteryMode.INTELLIGENT and not station_has_meter(device, station):
        raise _refused("no_meter", device=titan_.name)
    if power is not None:
        with cloud_errors(hass, titan_.entry):
            check_range(ATTR_POWER, power, 0, max_power(device), POWER_STEP)
    level = battery_level(device)
    if (
        until_soc is not None
        and level is not None
        and (level >= until_soc if mode is BatteryMode.CHARGE else level <= until_soc)
    ):
        raise _refused(
            "until_soc_reached", device=titan_.name, level=f"{level:g}", mode=mode
        )
    if restores and battery_mode(device) is None:
        raise _refused("mode_unknown", device=titan_.name)


def _master_name(
    hass: HomeAssistant, titan_: Titan, station: StationData | None
) -> str:
    """Return the name of the master unit in a slave's station, as the user sees it."""
    registry = dr.async_get(hass)
    for device in [] if station is None else station.devices.values():
        entry = registry.async_get_device_by_identifier(
            device_identifier(device.device.device_id), titan_.entry.entry_id
        )
        if device.device.cluster_mode is ClusterMode.MASTER and entry is not None:
            return entry.name_by_user or entry.name or ""
    # No master listed (the cloud's cluster roles disagree): say so plainly.
    return "?"
