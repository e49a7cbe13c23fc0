"""Writes the cloud accepted but does not show yet: pending values and their fate.

The cloud is minutes behind the equipment, so a read right after a write may still
show the old value. After a successful write the control shows the value asked for at
once (it is *pending*): `overlay` lays every pending write over the snapshot, so
sibling controls reading the same resource (the meter's switch and limit) agree.

Then the coordinator reads just that resource again after `REREAD_DELAY`, and at every
refresh while a write of the device is pending (fetch.py). Each new snapshot is
`observe`d: a write the cloud shows is confirmed and dropped (and a repair issue of an
earlier failed write of that control is deleted); one still not shown after
`CONFIRM_TIMEOUT` is dropped too, so the control shows the cloud's value again, with
one warning in the log and a repair issue telling the user the change was not applied.
"""

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Final

from homeassistant.core import CALLBACK_TYPE, HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_call_later
import homeassistant.util.dt as dt_util

from .api import BatterySettings, EvSettings, IzypowerError, MeterControl
from .const import DOMAIN, LOGGER
from .data import DeviceData, Feed, IzypowerData

# The first look at a write: soon enough to confirm what the cloud applies at once.
REREAD_DELAY: Final = timedelta(seconds=20)
# After this long unconfirmed, a write is taken as not applied.
CONFIRM_TIMEOUT: Final = timedelta(minutes=10)
ISSUE_TRANSLATION_KEY: Final = "write_not_applied"

type Resource = BatterySettings | MeterControl | EvSettings
type Reread = Callable[[int, int, Feed], Awaitable[object]]


@dataclass(frozen=True, slots=True, kw_only=True)
class PendingWrite:
    """A write the cloud accepted: the fields of one resource it should now show."""

    # Unique id of the control entity that wrote (one pending write per control).
    control_id: str
    # The control's name, for the repair issue.
    name: str
    station_id: int
    device_id: int
    # The resource written: a key of `RESOURCES`.
    feed: Feed
    # Attribute of the resource -> value asked for.
    fields: Mapping[str, object]
    deadline: datetime


# The field of `DeviceData` holding the resource each feed reads.
RESOURCES: Mapping[Feed, str] = {
    Feed.SETTINGS: "settings",
    Feed.METER_CONTROL: "meter_control",
    Feed.EV_SETTINGS: "ev_settings",
}


def resource(device: DeviceData, feed: Feed) -> Resource | None:
    """Return the resource of a device that a control writes (`None`: not read)."""
    current: Resource | None = getattr(device, RESOURCES[feed])
    return current


def shows(device: DeviceData, feed: Feed, fields: Mapping[str, object]) -> bool:
    """Tell whether the device's resource, as read, has every value of `fields`."""
    current = resource(device, feed)
    return current is not None and all(
        getattr(current, name) == value for name, value in fields.items()
    )


def _with_fields(
    device: DeviceData, feed: Feed, fields: Mapping[str, object]
) -> DeviceData:
    # Any: the fields are named by the control that wrote them, checked by the tests.
    current: Any = resource(device, feed)
    if current is None:
        # Nothing read to lay the value over: the control stays unavailable.
        return device
    return replace(device, **{RESOURCES[feed]: replace(current, **fields)})


class PendingWrites:
    """The writes of one config entry that the cloud does not show yet."""

    def __init__(self, hass: HomeAssistant, reread: Reread) -> None:
        """Keep nothing yet; `reread(station_id, device_id, feed)` reads one again."""
        self._hass = hass
        self._reread = reread
        self._writes: dict[str, PendingWrite] = {}
        self._timers: dict[str, list[CALLBACK_TYPE]] = {}
        # Repair issues raised by this entry and not yet deleted, by control id.
        self._issues: set[str] = set()

    @property
    def writes(self) -> tuple[PendingWrite, ...]:
        """Return every write waiting for confirmation (for the diagnostics)."""
        return tuple(self._writes.values())

    def is_pending(self, device_id: int) -> bool:
        """Tell whether a write to this device waits for confirmation."""
        return any(write.device_id == device_id for write in self._writes.values())

    def add(self, write: PendingWrite) -> None:
        """Show `write`'s value from now on, and look at the cloud again later.

        A newer write of the same control replaces the older one and its timers; a
        newer write of another control setting the same fields (the battery mode set
        by its select, then by the action) takes those fields from the older one,
        which the cloud will never show: one left with no field is dropped.
        """
        self._drop(write.control_id)
        for older in list(self._writes.values()):
            if (older.device_id, older.feed) != (write.device_id, write.feed):
                continue
            kept = {
                name: value
                for name, value in older.fields.items()
                if name not in write.fields
            }
            if not kept:
                self._drop(older.control_id)
            elif len(kept) < len(older.fields):
                self._writes[older.control_id] = replace(older, fields=kept)
        self._writes[write.control_id] = write
        look_again = partial(self._async_look_again, write)
        self._timers[write.control_id] = [
            async_call_later(self._hass, REREAD_DELAY, look_again),
            # A last look right at the deadline, so that expiry is decided on time.
            async_call_later(self._hass, write.deadline - dt_util.utcnow(), look_again),
        ]

    def overlay(self, device: DeviceData) -> DeviceData:
        """Return the device's part of the snapshot with its pending values laid over."""
        for write in self._writes.values():
            if write.device_id == device.device.device_id:
                device = _with_fields(device, write.feed, write.fields)
        return device

    def observe(self, data: IzypowerData) -> None:
        """Confirm the writes the snapshot shows; give up on those past their deadline."""
        now = dt_util.utcnow()
        for write in list(self._writes.values()):
            device = data.device(write.station_id, write.device_id)
            if device is not None and shows(device, write.feed, write.fields):
                self._drop(write.control_id)
                self.confirmed(write.control_id)
            elif now >= write.deadline:
                self._drop(write.control_id)
                self._not_applied(write)

    def confirmed(self, control_id: str) -> None:
        """Delete the repair issue of this control: the cloud shows its latest write."""
        if control_id in self._issues:
            self._issues.discard(control_id)
            ir.async_delete_issue(self._hass, DOMAIN, _issue_id(control_id))

    def clear(self) -> None:
        """Forget every pending write and delete this entry's issues (unload)."""
        for control_id in list(self._writes):
            self._drop(control_id)
        for control_id in list(self._issues):
            self.confirmed(control_id)

    def _drop(self, control_id: str) -> None:
        self._writes.pop(control_id, None)
        for cancel in self._timers.pop(control_id, []):
            cancel()

    def _not_applied(self, write: PendingWrite) -> None:
        # The unique id names the control without the serial (it is the device id).
        LOGGER.warning(
            "The Izypower Cloud still does not show the change of %s after %s; "
            "showing its value again",
            write.control_id,
            CONFIRM_TIMEOUT,
        )
        self._issues.add(write.control_id)
        ir.async_create_issue(
            self._hass,
            DOMAIN,
            _issue_id(write.control_id),
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=ISSUE_TRANSLATION_KEY,
            translation_placeholders={"name": write.name},
        )

    async def _async_look_again(self, write: PendingWrite, _now: datetime) -> None:
        """Read the written resource again; the coordinator observes the result."""
        try:
            await self._reread(write.station_id, write.device_id, write.feed)
        except IzypowerError as err:
            # A refused login: the next refresh starts the reauthentication.
            LOGGER.debug("Reading back %s failed: %s", write.control_id, err)


def _issue_id(control_id: str) -> str:
    return f"{ISSUE_TRANSLATION_KEY}_{control_id}"
