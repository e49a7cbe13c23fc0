"""Battery modes set for a while: restore the previous mode when the hold ends.

`set_battery_mode` with a `duration` or an `until_soc` leaves a *hold* on the device:
the mode the action replaced, and when to set it back. A hold ends at its end time
(a timer, and every refresh checks it too) or, for charge and discharge, at the first
refresh that shows the battery at the `until_soc` level; whichever comes first. Then
the previous mode (with its manual power) is set again, through the same write path
as the action, and the hold is dropped.

Holds survive a Home Assistant restart: they are stored (`helpers.storage.Store`, one
file per config entry) and resumed at setup. A hold whose end passed while Home
Assistant was stopped is restored at the first check after setup: a battery left
charging from the grid after a cheap-tariff window would cost the user money. These
are the only writes not sent during a user action, and each one finishes what an
action asked for.

What a hold sets back is what was really in effect when it started (the settings are
read again by the action), and the restore is decided from the settings read again
just before it, never from a read up to the slow cadence old. While a hold is in force
its device's settings are read at every refresh, so a change made outside the hold
(in the Izypower app, or by another control) shows within one refresh: the hold is
then abandoned, with one INFO line, and the user's later choice stays. The mode the
hold replaced does not count as such a change until the cloud has shown the hold's own
mode: the cloud applies writes a minute late, and a restart inside that minute must
not drop a hold whose mode is still to come.

A restore that fails (cloud unreachable) keeps the hold, with a warning and a repair
issue naming the Titan and the mode it is stuck in (deleted once the restore is done
or the hold dropped), and is tried again at the next refresh; a device gone from the
account drops its hold.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Final

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.helpers.storage import Store
import homeassistant.util.dt as dt_util

from .api import IzypowerError
from .const import DOMAIN, LOGGER
from .controls import async_current
from .coordinator import IzypowerCoordinator
from .data import DeviceData, Feed
from .helpers import ACTION_TIMEOUT
from .modes import BatteryMode, async_set_mode, battery_level, battery_mode
from .runtime import IzypowerConfigEntry
from .targets import EquipmentTarget
from .words import entity_word

STORAGE_VERSION: Final = 1
RESTORE_FAILED: Final = "restore_failed"


@dataclass(frozen=True, slots=True, kw_only=True)
class Hold:
    """A mode set by the action, and what to set back when it ends."""

    station_id: int
    device_id: int
    # The device's name for a repair issue if the restore is never shown.
    name: str
    mode: BatteryMode
    restore: BatteryMode
    # The manual power (W) of the mode to restore (0: the current maximum).
    restore_power: float
    ends: datetime | None = None
    until_soc: float | None = None

    @property
    def target(self) -> EquipmentTarget:
        """The device the hold is on."""
        return EquipmentTarget(self.station_id, self.device_id)

    def due(self, level: float | None, now: datetime) -> bool:
        """Tell whether the hold has ended, given the battery level shown."""
        if self.ends is not None and now >= self.ends:
            return True
        if self.until_soc is None or level is None:
            return False
        if self.mode is BatteryMode.CHARGE:
            return level >= self.until_soc
        return level <= self.until_soc

    def to_json(self) -> dict[str, Any]:
        """Return the hold as stored."""
        stored = asdict(self)
        stored["ends"] = None if self.ends is None else self.ends.isoformat()
        return stored

    @classmethod
    def from_json(cls, stored: dict[str, Any]) -> Hold:
        """Return a stored hold (written by `to_json`); `ValueError` if unreadable."""
        try:
            ends = stored["ends"]
            until_soc = stored["until_soc"]
            hold = cls(
                station_id=int(stored["station_id"]),
                device_id=int(stored["device_id"]),
                name=str(stored["name"]),
                mode=BatteryMode(stored["mode"]),
                restore=BatteryMode(stored["restore"]),
                restore_power=float(stored["restore_power"]),
                ends=None if ends is None else dt_util.parse_datetime(ends),
                until_soc=None if until_soc is None else float(until_soc),
            )
        except (KeyError, TypeError) as err:
            raise ValueError(err) from err
        if hold.ends is None and hold.until_soc is None:
            # Nothing would ever end it (an unreadable end time).
            raise ValueError("a hold without an end")
        return hold


def holds_store(hass: HomeAssistant, entry_id: str) -> Store[dict[str, Any]]:
    """Return the store of one config entry's holds."""
    return Store(hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.battery_mode")


class BatteryModeHolds:
    """The holds of one config entry: stored, timed, checked at every refresh."""

    def __init__(self, hass: HomeAssistant, entry: IzypowerConfigEntry) -> None:
        """Keep nothing yet: `async_load` reads the stored holds."""
        self._hass = hass
        self._entry = entry
        self._store = holds_store(hass, entry.entry_id)
        self._holds: dict[int, Hold] = {}
        self._timers: dict[int, CALLBACK_TYPE] = {}
        # Devices whose restore is being sent, or whose mode an action is setting:
        # never twice at once, and no hold abandoned meanwhile.
        self._restoring: set[int] = set()
        self._changing: set[int] = set()
        # Devices whose hold's own mode the cloud has shown (not stored: after a
        # restart the mode replaced is taken for the write still to come).
        self._seen: set[int] = set()
        # Devices with a "restore failed" repair issue.
        self._issues: set[int] = set()

    @property
    def coordinator(self) -> IzypowerCoordinator:
        """The coordinator of the entry."""
        return self._entry.runtime_data.coordinator

    def get(self, device_id: int) -> Hold | None:
        """Return the hold of a device, if any."""
        return self._holds.get(device_id)

    @property
    def holds(self) -> tuple[Hold, ...]:
        """Return every hold in force (for the diagnostics)."""
        return tuple(self._holds.values())

    def in_effect(
        self, previous: Hold | None, device: DeviceData
    ) -> tuple[BatteryMode | None, float]:
        """Return the mode (and manual power) a new hold of `device` sets back.

        `device` as just read. A hold in force keeps what it replaced; else, what is
        in effect now.
        """
        if previous is not None and not self._changed_outside(previous, device):
            return previous.restore, previous.restore_power
        settings = device.settings
        power = None if settings is None else settings.manual_power
        return battery_mode(device), power or 0

    async def async_load(self) -> None:
        """Resume the stored holds, and listen to the refreshes to end them."""
        stored = await self._store.async_load() or {}
        for item in stored.get("holds", []):
            try:
                self._track(Hold.from_json(item))
            except ValueError as err:
                LOGGER.warning("Ignoring a stored battery mode hold: %s", err)
        self.coordinator.holding = self._holds.__contains__
        self._entry.async_on_unload(self.coordinator.async_add_listener(self.check))
        self._entry.async_on_unload(self._unload)
        self.check()

    @asynccontextmanager
    async def changing(self, device_id: int) -> AsyncIterator[None]:
        """Let an action set a device's mode: its hold is not judged meanwhile."""
        self._changing.add(device_id)
        try:
            yield
        finally:
            self._changing.discard(device_id)

    async def async_hold(self, hold: Hold) -> None:
        """Start (or replace) the hold of a device."""
        self._track(hold)
        await self._async_save()

    async def async_release(self, device_id: int) -> None:
        """Forget the hold of a device (the user set a mode with no end)."""
        if self._untrack(device_id) is not None:
            await self._async_save()

    async def async_end(self, device_id: int, *, restore: bool) -> None:
        """End a device's hold now (a user action), setting its mode back if asked.

        Errors are raised, for the action to report them; the hold then stays.
        """
        hold = self._holds[device_id]
        if restore:
            self._restoring.add(device_id)
            try:
                await self._async_set_back(hold)
            finally:
                self._restoring.discard(device_id)
        await self._async_drop(hold)

    @callback
    def check(self) -> None:
        """At each refresh: drop the holds changed outside, restore those ended."""
        now = dt_util.utcnow()
        data = self.coordinator.data
        for hold in list(self._holds.values()):
            device_id = hold.device_id
            device = hold.target.source(data)
            busy = device_id in self._restoring | self._changing
            if device is not None and not busy and self._abandoned(hold, device):
                continue
            level = None if device is None else battery_level(device)
            if device_id not in self._restoring and hold.due(level, now):
                self._restoring.add(device_id)
                self._entry.async_create_background_task(
                    self._hass,
                    self._async_restore(hold),
                    f"{DOMAIN} restore battery mode",
                )

    def _abandoned(self, hold: Hold, source: DeviceData) -> bool:
        """Drop the hold if its mode was changed outside it; tell whether it was."""
        if battery_mode(source) is hold.mode:
            self._seen.add(hold.device_id)
        if not self._changed_outside(hold, self.coordinator.pending.overlay(source)):
            return False
        self._untrack(hold.device_id)
        LOGGER.info(
            "The battery mode of device %s was changed outside its %s hold; "
            "the hold is dropped and the mode left as it is",
            hold.device_id,
            hold.mode,
        )
        self._entry.async_create_background_task(
            self._hass, self._async_save(), f"{DOMAIN} save battery mode holds"
        )
        return True

    def _changed_outside(self, hold: Hold, device: DeviceData) -> bool:
        """Tell whether the mode shown is someone else's choice, not the hold's.

        The mode the hold replaced counts only once the hold's own was shown.
        """
        shown = battery_mode(device)
        return not (
            shown is None
            or shown is hold.mode
            or (shown is hold.restore and hold.device_id not in self._seen)
        )

    def _track(self, hold: Hold) -> None:
        self._untrack(hold.device_id)
        self._holds[hold.device_id] = hold
        if hold.ends is not None:
            self._timers[hold.device_id] = async_track_point_in_utc_time(
                self._hass, self._ended, hold.ends
            )
        self.coordinator.async_update_listeners()

    @callback
    def _ended(self, _now: datetime) -> None:
        self.check()

    def _untrack(self, device_id: int) -> Hold | None:
        if (cancel := self._timers.pop(device_id, None)) is not None:
            cancel()
        self._seen.discard(device_id)
        self._delete_issue(device_id)
        hold = self._holds.pop(device_id, None)
        if hold is not None:
            self.coordinator.async_update_listeners()
        return hold

    @callback
    def _unload(self) -> None:
        for cancel in self._timers.values():
            cancel()
        self._timers.clear()
        for device_id in list(self._issues):
            self._delete_issue(device_id)

    async def _async_set_back(self, hold: Hold) -> None:
        """Read the settings now; set the hold's previous mode back unless changed."""
        async with asyncio.timeout(ACTION_TIMEOUT):
            device = await async_current(self.coordinator, hold.target, Feed.SETTINGS)
            if self._changed_outside(hold, device):
                LOGGER.info(
                    "The battery mode of device %s was changed outside its %s hold; "
                    "it is not set back",
                    hold.device_id,
                    hold.mode,
                )
                return
            await async_set_mode(
                self.coordinator,
                hold.target,
                hold.name,
                hold.restore,
                hold.restore_power,
                device=device,
            )

    async def _async_restore(self, hold: Hold) -> None:
        """Set the previous mode back; keep the hold to retry when that fails."""
        try:
            await self._async_set_back(hold)
        except IzypowerError, HomeAssistantError, TimeoutError:
            if hold.target.source(self.coordinator.data) is not None:
                LOGGER.warning(
                    "Could not set the battery mode of device %s back to %s; "
                    "trying again at the next refresh",
                    hold.device_id,
                    hold.restore,
                )
                self._raise_issue(hold)
                return
            LOGGER.warning(
                "Device %s is gone: its battery mode is no longer restored",
                hold.device_id,
            )
        finally:
            self._restoring.discard(hold.device_id)
        await self._async_drop(hold)

    async def _async_drop(self, hold: Hold) -> None:
        """Forget an ended hold; only that one (a newer action may have replaced it)."""
        if self._holds.get(hold.device_id) == hold:
            await self.async_release(hold.device_id)

    def _raise_issue(self, hold: Hold) -> None:
        self._issues.add(hold.device_id)
        ir.async_create_issue(
            self._hass,
            DOMAIN,
            _issue_id(hold.device_id),
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key=RESTORE_FAILED,
            translation_placeholders={
                "name": hold.name,
                "mode": self._mode_word(hold.mode),
                "restore": self._mode_word(hold.restore),
            },
        )

    def _mode_word(self, mode: str) -> str:
        """Return a mode as the hold sensor's state names it, in the user's words."""
        return entity_word(self._hass, f"sensor.battery_mode_hold.state.{mode}", mode)

    def _delete_issue(self, device_id: int) -> None:
        if device_id in self._issues:
            self._issues.discard(device_id)
            ir.async_delete_issue(self._hass, DOMAIN, _issue_id(device_id))

    async def _async_save(self) -> None:
        await self._store.async_save(
            {"holds": [hold.to_json() for hold in self._holds.values()]}
        )


def _issue_id(device_id: int) -> str:
    return f"{RESTORE_FAILED}_{device_id}"
