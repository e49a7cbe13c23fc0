"""The `izypower_cloud.set_battery_mode` action: a Titan's mode, for a while or not.

It targets Titan devices (a cluster master or a standalone unit) and sets one mode:
intelligent, standby, charge, discharge or calendar, with an optional power (W) for
charge and discharge. With a `duration` or an `until_soc` the previous mode is set back
afterwards (mode_holds.py; the holds are in the entry's runtime data, runtime.py).
Every value (and the hold's end time) is checked before any request, then every
targeted device as shown: a refusal is a translated `ServiceValidationError` and no
request. Then each device's settings are read again (one request each) and checked
once more: the writes, and what a hold will set back, are decided from what is really
in effect, never from a read up to the slow cadence old (the app changes it too).
The writes then go through the controls' one write path (pending until the cloud shows
them, translated errors); see modes.py for their order. The whole action ends within
`ACTION_TIMEOUT` (helpers.py). `clear_battery_mode` ends a hold now. Both actions are
registered with the others in services.py.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
import math
from typing import Final

from homeassistant.const import ATTR_DEVICE_ID
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv, device_registry as dr
import homeassistant.util.dt as dt_util
import probatio

from .action_targets import action_target
from .api import ClusterMode
from .const import DOMAIN
from .controls import async_current, check_range, titan
from .data import DeviceData, Feed, StationData
from .helpers import action_time_limit, cloud_errors
from .identifiers import device_identifier
from .mode_holds import Hold
from .modes import (
    BatteryMode,
    async_set_mode,
    battery_level,
    battery_mode,
    station_has_meter,
)
from .number import manual_power_limit, max_power
from .runtime import IzypowerConfigEntry
from .targets import EquipmentTarget
from .words import async_form_words, entity_word, number

SERVICE_SET_BATTERY_MODE: Final = "set_battery_mode"
SERVICE_CLEAR_BATTERY_MODE: Final = "clear_battery_mode"
ATTR_RESTORE: Final = "restore"
ATTR_MODE: Final = "mode"
ATTR_POWER: Final = "power"
ATTR_DURATION: Final = "duration"
ATTR_UNTIL_SOC: Final = "until_soc"
POWER_STEP: Final = 50
# The longest hold: its end time must be a date, and a forgotten hold has to end.
MAX_DURATION: Final = timedelta(days=31)

SCHEMA = probatio.Schema(
    {
        probatio.Required(ATTR_DEVICE_ID): probatio.All(cv.ensure_list, [cv.string]),
        probatio.Required(ATTR_MODE): probatio.Coerce(BatteryMode),
        # Ranges (and infinite or not-a-number values) are checked by the handler,
        # with translated messages.
        probatio.Optional(ATTR_POWER): probatio.Coerce(float),
        probatio.Optional(ATTR_DURATION): cv.time_period,
        probatio.Optional(ATTR_UNTIL_SOC): probatio.Coerce(float),
    }
)


CLEAR_SCHEMA = probatio.Schema(
    {
        probatio.Required(ATTR_DEVICE_ID): probatio.All(cv.ensure_list, [cv.string]),
        probatio.Optional(ATTR_RESTORE, default=True): cv.boolean,
    }
)


@dataclass(frozen=True, slots=True)
class Titan:
    """A targeted Titan: its entry, where it is in the snapshot, its name."""

    entry: IzypowerConfigEntry
    target: EquipmentTarget
    name: str


async def async_clear_battery_mode(call: ServiceCall) -> None:
    """End the hold of every targeted Titan now, setting its mode back if asked.

    A Titan with no hold is refused before anything is sent. The mode is set back
    as at the hold's end (read first; left alone if changed outside the hold).
    """
    hass = call.hass
    restore: bool = call.data[ATTR_RESTORE]
    titans = [_titan(hass, device_id) for device_id in call.data[ATTR_DEVICE_ID]]
    for titan_ in titans:
        if titan_.entry.runtime_data.holds.get(titan_.target.device_id) is None:
            raise _refused("no_hold", device=titan_.name)
    async with action_time_limit() as progress:
        progress.writing = restore
        for titan_ in titans:
            with cloud_errors(hass, titan_.entry):
                await titan_.entry.runtime_data.holds.async_end(
                    titan_.target.device_id, restore=restore
                )


async def async_set_battery_mode(call: ServiceCall) -> None:
    """Check every value and targeted Titan, read each again, then set the mode."""
    hass = call.hass
    mode: BatteryMode = call.data[ATTR_MODE]
    power: float | None = call.data.get(ATTR_POWER)
    until_soc: float | None = call.data.get(ATTR_UNTIL_SOC)
    words = await async_form_words(hass, SERVICE_SET_BATTERY_MODE)
    ends = _check_values(
        hass,
        words,
        (mode, power, call.data.get(ATTR_DURATION), until_soc),
        dt_util.utcnow(),
    )
    # Not truthiness: an `until_soc` of 0 % is one.
    timed = ends is not None or until_soc is not None
    titans = [_titan(hass, device_id) for device_id in call.data[ATTR_DEVICE_ID]]
    validate = partial(
        _validate,
        hass,
        words,
        mode=mode,
        power=power,
        until_soc=until_soc,
        restores=timed,
    )
    for titan_ in titans:
        validate(titan_, _shown(titan_))
    async with action_time_limit() as progress:
        current: list[tuple[Titan, DeviceData]] = []
        for titan_ in titans:
            with cloud_errors(hass, titan_.entry):
                device = await async_current(
                    titan_.entry.runtime_data.coordinator,
                    titan_.target,
                    Feed.SETTINGS,
                )
            validate(titan_, device)
            current.append((titan_, device))
        progress.writing = True
        for titan_, device in current:
            hold = _hold(titan_, device, mode, ends, until_soc) if timed else None
            await _async_apply(hass, titan_, device, mode, power=power or 0, hold=hold)


def _check_values(
    hass: HomeAssistant,
    words: Mapping[str, str],
    values: tuple[BatteryMode, float | None, timedelta | None, float | None],
    now: datetime,
) -> datetime | None:
    """Refuse what no Titan accepts, before anything else; return the end time.

    `values` are the mode, power, duration and until_soc asked for; a message names
    a field by its name in the form (`words`).
    """
    mode, power, duration, until_soc = values
    if mode.manual is None or mode is BatteryMode.STANDBY:
        for option, given in ((ATTR_POWER, power), (ATTR_UNTIL_SOC, until_soc)):
            if given is not None:
                raise _refused(
                    "option_not_applicable", option=words.get(option, option)
                )
    if power is not None and (not math.isfinite(power) or power < 0):
        raise _refused(
            "invalid_value",
            setting=words.get(ATTR_POWER, ATTR_POWER),
            value=number(hass, power),
            allowed="≥ 0",
        )
    if until_soc is not None and not 0 <= until_soc <= 100:
        raise _refused(
            "invalid_value",
            setting=words.get(ATTR_UNTIL_SOC, ATTR_UNTIL_SOC),
            value=number(hass, until_soc),
            allowed="0–100",
        )
    if duration is None:
        return None
    if not timedelta(seconds=1) <= duration <= MAX_DURATION:
        raise _refused("invalid_duration", days=number(hass, MAX_DURATION.days))
    return now + duration


def _hold(
    titan_: Titan,
    device: DeviceData,
    mode: BatteryMode,
    ends: datetime | None,
    until_soc: float | None,
) -> Hold:
    """Return the hold to keep: what is in effect now is what it sets back.

    A hold still in force (its mode still shown) keeps its own mode to set back.
    """
    holds = titan_.entry.runtime_data.holds
    previous = holds.get(titan_.target.device_id)
    restore, restore_power = holds.in_effect(previous, device)
    # Known: `_validate` refused an unknown mode to set back (`mode_unknown`).
    assert restore is not None
    return Hold(
        station_id=titan_.target.station_id,
        device_id=titan_.target.device_id,
        name=titan_.name,
        mode=mode,
        restore=restore,
        restore_power=restore_power,
        ends=ends,
        until_soc=until_soc,
    )


async def _async_apply(
    hass: HomeAssistant,
    titan_: Titan,
    device: DeviceData,
    mode: BatteryMode,
    *,
    power: float,
    hold: Hold | None,
) -> None:
    """Set the mode on one Titan, and keep (or release) its hold."""
    holds = titan_.entry.runtime_data.holds
    device_id = titan_.target.device_id
    async with holds.changing(device_id):
        with cloud_errors(hass, titan_.entry):
            await async_set_mode(
                titan_.entry.runtime_data.coordinator,
                titan_.target,
                titan_.name,
                mode,
                power,
                device=device,
            )
        if hold is None:
            await holds.async_release(device_id)
        else:
            await holds.async_hold(hold)


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
    words: Mapping[str, str],
    titan_: Titan,
    device: DeviceData,
    *,
    mode: BatteryMode,
    power: float | None,
    until_soc: float | None,
    restores: bool,
) -> None:
    """Refuse what the cloud would refuse or what makes no sense, before any write.

    `device` is the Titan as shown, then as just read.
    """
    station = titan_.target.station(titan_.entry.runtime_data.coordinator.data)
    if device.device.cluster_mode not in (ClusterMode.MASTER, ClusterMode.STANDALONE):
        raise _refused(
            "slave_unit_master",
            device=titan_.name,
            master=_master_name(hass, titan_, station),
        )
    if mode is BatteryMode.INTELLIGENT and not station_has_meter(device, station):
        raise _refused("no_meter", device=titan_.name)
    if power is not None:
        setting = words.get(ATTR_POWER, ATTR_POWER)
        with cloud_errors(hass, titan_.entry):
            check_range(setting, power, 0, max_power(device), POWER_STEP)
        manual = mode.manual
        if manual is not None and power > (limit := manual_power_limit(device, manual)):
            raise _refused(
                f"manual_{manual.option}_power_above_max",
                setting=setting,
                value=number(hass, power),
                allowed=number(hass, limit),
            )
    level = battery_level(device)
    if (
        until_soc is not None
        and level is not None
        and (level >= until_soc if mode is BatteryMode.CHARGE else level <= until_soc)
    ):
        raise _refused(
            "until_soc_reached",
            device=titan_.name,
            level=number(hass, level),
            mode=entity_word(hass, f"sensor.battery_mode_hold.state.{mode}", mode),
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
