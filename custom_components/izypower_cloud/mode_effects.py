"""Confirm a battery mode by its effect: the battery must follow a manual mode.

The cloud showing a mode (pending.py) only proves the setting was stored. After the
settings of a cluster master or standalone Titan show a new manual mode (set in Home
Assistant or in the app), the battery state of the next refreshes must follow:
charging for charge, discharging for discharge, standby for standby. When it has not
after `EFFECT_REFRESHES` refreshes, one warning is logged and a repair issue raised
("charging was accepted but the Titan stayed in standby"); it is deleted once the
battery follows, the mode changes again, or the entry is unloaded.

Not expected, so never reported: charging a full battery, discharging one at its
discharge floor, an offline or unread unit (or a battery state the cloud did not send),
and intelligent or calendar mode (the Titan then decides).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, issue_registry as ir

from .api import BatteryState, ManualMode
from .const import DOMAIN, LOGGER
from .controls import cluster_titan
from .data import DeviceData
from .identifiers import device_identifier
from .modes import in_manual, manual_mode
from .runtime import IzypowerConfigEntry
from .words import entity_word

# Refreshes a manual mode is given to show its effect (the cloud lags the unit).
EFFECT_REFRESHES: Final = 3
ISSUE_TRANSLATION_KEY: Final = "mode_ignored"
FULL_SOC: Final = 99.0

EXPECTED: Final = {
    ManualMode.CHARGE: BatteryState.CHARGING,
    ManualMode.DISCHARGE: BatteryState.DISCHARGING,
    ManualMode.STANDBY: BatteryState.STANDBY,
}


@dataclass(slots=True)
class Watch:
    """The manual mode shown, and how many refreshes have not shown its effect.

    `expecting` until the effect shows (never for the mode seen at setup).
    """

    mode: ManualMode | None
    expecting: bool
    missed: int = 0
    reported: bool = False


def expected_state(device: DeviceData) -> BatteryState | None:
    """Return the battery state the shown manual mode must give (None: no rule)."""
    mode = manual_mode(device) if in_manual(device) else None
    battery = device.battery
    if mode is None or battery is None or not device.device.online:
        return None
    level = battery.soc
    settings = device.settings
    floor = None if settings is None else settings.min_soc
    if mode is ManualMode.CHARGE and level is not None and level >= FULL_SOC:
        return None
    if (
        mode is ManualMode.DISCHARGE
        and level is not None
        and floor is not None
        and level <= floor + 1
    ):
        return None
    return EXPECTED[mode]


class ModeEffects:
    """The manual modes of one entry's Titans, followed until their effect shows."""

    def __init__(self, hass: HomeAssistant, entry: IzypowerConfigEntry) -> None:
        """Follow nothing yet: the modes shown at setup are not changes."""
        self._hass = hass
        self._entry = entry
        self._watches: dict[int, Watch] = {}
        self._last_refresh: datetime | None = None

    @callback
    def start(self) -> None:
        """Listen to the refreshes; delete this entry's issues at unload."""
        coordinator = self._entry.runtime_data.coordinator
        self._last_refresh = coordinator.last_success
        self._observe_modes(first=True)
        self._entry.async_on_unload(coordinator.async_add_listener(self._refreshed))
        self._entry.async_on_unload(self._clear)

    @callback
    def _refreshed(self) -> None:
        coordinator = self._entry.runtime_data.coordinator
        if coordinator.last_success == self._last_refresh:
            # A re-read or a pending write, not a refresh.
            return
        self._last_refresh = coordinator.last_success
        self._observe_modes(first=False)

    def _observe_modes(self, *, first: bool) -> None:
        for station in self._entry.runtime_data.coordinator.data.stations.values():
            for device in station.devices.values():
                if cluster_titan(device) and device.settings is not None:
                    self._observe(device, first=first)

    def _observe(self, device: DeviceData, *, first: bool) -> None:
        device_id = device.device.device_id
        mode = manual_mode(device) if in_manual(device) else None
        watch = self._watches.get(device_id)
        if watch is None or watch.mode is not mode:
            if watch is not None:
                self._delete_issue(device_id)
            # A mode seen at setup is no change: nothing is expected of it.
            self._watches[device_id] = Watch(mode, expecting=not first)
            return
        expected = expected_state(device)
        if not watch.expecting or expected is None:
            return
        state = None if device.battery is None else device.battery.state
        if state is None:
            # Nothing read to judge by: neither followed nor ignored.
            return
        if state is expected:
            self._delete_issue(device_id)
            watch.expecting = False  # confirmed: nothing more to expect
            return
        watch.missed += 1
        if watch.missed >= EFFECT_REFRESHES and not watch.reported:
            watch.reported = True
            self._raise_issue(device, expected, state)

    def _raise_issue(
        self, device: DeviceData, expected: BatteryState, state: BatteryState
    ) -> None:
        device_id = device.device.device_id
        LOGGER.warning(
            "Device %s shows manual mode %s but its battery is %s after %d refreshes",
            device_id,
            self._watches[device_id].mode,
            state,
            EFFECT_REFRESHES,
        )
        ir.async_create_issue(
            self._hass,
            DOMAIN,
            _issue_id(device_id),
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=ISSUE_TRANSLATION_KEY,
            translation_placeholders={
                "name": self._name(device_id),
                "expected": self._state_word(expected.value),
                "state": self._state_word(state.value),
            },
        )

    def _name(self, device_id: int) -> str:
        entry = dr.async_get(self._hass).async_get_device_by_identifier(
            device_identifier(device_id), self._entry.entry_id
        )
        # Registered with the entry's devices; the id only if it was just removed.
        names = (None, None) if entry is None else (entry.name_by_user, entry.name)
        return names[0] or names[1] or str(device_id)

    def _state_word(self, state: str) -> str:
        """Return a battery state as its sensor names it, in the user's words."""
        return entity_word(self._hass, f"sensor.battery_state.state.{state}", state)

    def _delete_issue(self, device_id: int) -> None:
        watch = self._watches.get(device_id)
        if watch is not None and watch.reported:
            watch.reported = False
            ir.async_delete_issue(self._hass, DOMAIN, _issue_id(device_id))

    @callback
    def _clear(self) -> None:
        for device_id in list(self._watches):
            self._delete_issue(device_id)


def _issue_id(device_id: int) -> str:
    return f"{ISSUE_TRANSLATION_KEY}_{device_id}"
