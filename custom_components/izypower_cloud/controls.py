"""What every control shares: its description, the one write path, validation rules.

A control is an entity that changes a setting of an equipment (a Titan's settings, a
meter's export limitation). Its description says where the value is read
(`value_fn`, from the snapshot with pending writes laid over it), how it is written
(`write_fn`), which resource fields a write sets (`fields_fn`, what confirms it) and
what is checked before any request (`rules`). `IzypowerControlEntity.async_write` is
the one write path of every platform:

1. check the rules (and the platform's own, e.g. a number's range) on the value, with
   the device as currently shown: a refusal is a `ServiceValidationError`, no request;
2. send the write; a refusal or an unreachable cloud is a translated
   `HomeAssistantError` (helpers.py), a refused login starts reauthentication;
3. a connection error may hide a write the cloud applied: the resource is read again,
   and if it shows the value the write succeeded;
4. otherwise the value is pending (pending.py) until the cloud shows it.

Writes happen only here, on a user action: never at setup, refresh or restart.
"""

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
import math
from typing import Any, override

from homeassistant.const import EntityCategory
from homeassistant.exceptions import HomeAssistantError
import homeassistant.util.dt as dt_util

from .api import (
    ClusterMode,
    DeviceType,
    IzypowerClient,
    IzypowerConnectionError,
    IzypowerError,
    IzypowerLoginUnavailableError,
)
from .const import DOMAIN
from .coordinator import IzypowerCoordinator
from .data import DeviceData, Feed
from .entity import IzypowerEntity, IzypowerEntityDescription, always
from .helpers import (
    IzypowerValidationError,
    IzypowerWriteUncertainError,
    action_time_limit,
    izypower_exception_handler,
)
from .pending import CONFIRM_TIMEOUT, PendingWrite, shows
from .targets import EquipmentTarget

# A check of a value before it is written: raises `IzypowerValidationError`. It gets
# the device as shown (pending values included) and the control's name for messages.
type Rule[ValueT] = Callable[[DeviceData, ValueT, str], None]


@dataclass(frozen=True, kw_only=True)
class IzypowerControlDescription[ValueT](IzypowerEntityDescription[DeviceData, ValueT]):
    """A setting of an equipment that Home Assistant can change.

    `feed` is the resource the value is read from and confirmed by (`Feed.SETTINGS` or
    `Feed.METER_CONTROL`); `fields_fn` gives the fields of that resource a write of
    the value sets, `None` for a write with no read-back (the LED buttons).
    `available_fn` says when the control makes sense (a dependent setting while its
    parent is on). `read_first`: the write depends on settings that change outside
    Home Assistant (the battery mode): they are read again just before it.
    """

    entity_category: EntityCategory | None = EntityCategory.CONFIG
    write_fn: Callable[[IzypowerClient, DeviceData, ValueT], Awaitable[None]]
    fields_fn: Callable[[DeviceData, ValueT], Mapping[str, object]] | None = None
    rules: tuple[Rule[ValueT], ...] = ()
    available_fn: Callable[[DeviceData], bool] = always
    read_first: bool = False


def serial(device: DeviceData) -> str:
    """Return the serial a write is addressed to (controls exist only with one)."""
    return device.device.serial or ""


def titan(device: DeviceData) -> bool:
    """Whether the device is a Titan whose settings can be read and written."""
    return device.device.device_type is DeviceType.BATTERY and bool(
        device.device.serial
    )


def meter(device: DeviceData) -> bool:
    """Whether the device is a smart meter whose export limitation can be written."""
    return device.device.device_type is DeviceType.METER and bool(device.device.serial)


def leads_cluster(device: DeviceData) -> bool:
    """Whether mode and power controls belong to this unit: a master or standalone."""
    return device.device.cluster_mode in (ClusterMode.MASTER, ClusterMode.STANDALONE)


def cluster_titan(device: DeviceData) -> bool:
    """Tell whether the device is a Titan carrying the mode and power controls."""
    return titan(device) and leads_cluster(device)


def master_or_standalone(device: DeviceData, value: object, setting: str) -> None:
    """Refuse a mode or power write to a slave unit (its master decides)."""
    if not leads_cluster(device):
        raise IzypowerValidationError(setting, value, "", translation_key="slave_unit")


def check_range(
    setting: str, value: float, low: float, high: float, step: float
) -> None:
    """Refuse a value out of `low`–`high` or off the `step` counted from `low`.

    Infinite and not-a-number values are refused first (they cannot be rounded).
    """
    if (
        not math.isfinite(value)
        or not low <= value <= high
        or abs((value - low) / step - round((value - low) / step)) > 1e-6
    ):
        raise IzypowerValidationError(
            setting,
            f"{value:g}",
            "",
            translation_key="out_of_range",
            numbers={"value": value, "low": low, "high": high, "step": step},
        )


def setting_on(attribute: str) -> Callable[[DeviceData], bool]:
    """Return whether a Titan's on/off setting (e.g. `calibration`) is on."""

    def is_on(device: DeviceData) -> bool:
        settings = device.settings
        return settings is not None and getattr(settings, attribute) is True

    return is_on


def settings_value(attribute: str) -> Callable[[DeviceData], Any]:
    """Return a `value_fn` reading one field of a Titan's settings (None if unread)."""

    def value(device: DeviceData) -> Any:
        settings = device.settings
        return None if settings is None else getattr(settings, attribute)

    return value


def requires(attribute: str, translation_key: str) -> Rule[Any]:
    """Return a rule refusing a write while a parent setting is not on."""
    return requires_state(setting_on(attribute), translation_key)


def requires_state(
    is_on: Callable[[DeviceData], bool], translation_key: str
) -> Rule[Any]:
    """Return a rule refusing a write while the device is not in the state `is_on`."""

    def rule(device: DeviceData, value: object, setting: str) -> None:
        if not is_on(device):
            raise IzypowerValidationError(
                setting, value, "", translation_key=translation_key
            )

    return rule


class IzypowerControlEntity[ValueT](IzypowerEntity[ValueT]):
    """An equipment setting shown from the snapshot and written on user action."""

    entity_description: IzypowerControlDescription[ValueT]
    _target: EquipmentTarget

    @property
    def device_data(self) -> DeviceData | None:
        """The device as shown: the snapshot with its pending writes laid over it."""
        source = self._target.source(self.coordinator.data)
        return None if source is None else self.coordinator.pending.overlay(source)

    @property
    def shown_value(self) -> ValueT | None:
        """The value as shown (a pending write's value until the cloud shows it).

        Not `value`: `NumberEntity` owns that name (its value in the user's unit).
        """
        device = self.device_data
        return None if device is None else self.entity_description.value_fn(device)

    @property
    def readable(self) -> bool:
        """Whether the last refresh worked and read this control's resource."""
        return super().available and self.device_data is not None

    @override
    @property
    def available(self) -> bool:
        """Available when its resource was read and, if dependent, its parent is on."""
        device = self.device_data
        return (
            self.readable
            and device is not None
            and self.entity_description.available_fn(device)
        )

    @property
    def setting_name(self) -> str:
        """The control's name in messages: its (translated) name, else its key."""
        name = self.name
        return name if isinstance(name, str) else self.entity_description.key

    @property
    def full_name(self) -> str:
        """The control's name with its device's, for a repair issue."""
        device = self.device_entry
        device_name = None if device is None else device.name_by_user or device.name
        name = self.setting_name
        return name if device_name is None else f"{device_name} {name}"

    def validate(self, device: DeviceData, value: ValueT) -> None:
        """Check `value` before any request (platforms add their own checks)."""
        for rule in self.entity_description.rules:
            rule(device, value, self.setting_name)

    @izypower_exception_handler
    async def async_write(self, value: ValueT) -> None:
        """Validate, write, and show `value` as pending until the cloud shows it."""
        device = self.device_data
        # Not `available`: a dependent control whose parent is off gets the rule's
        # clearer message below.
        if device is None or not self.readable:
            raise HomeAssistantError(
                translation_domain=DOMAIN, translation_key="control_unavailable"
            )
        self.validate(device, value)
        description = self.entity_description
        async with action_time_limit() as progress:
            if description.read_first:
                # Never a decision from a stale read: the app may have changed it.
                device = await async_current(
                    self.coordinator, self._target, description.feed or Feed.SETTINGS
                )
                self.validate(device, value)
            progress.writing = True
            await async_send(
                self.coordinator,
                self._target,
                Writer(self.unique_id or "", self.full_name, description),
                device,
                value,
            )


async def async_current(
    coordinator: IzypowerCoordinator, target: EquipmentTarget, feed: Feed
) -> DeviceData:
    """Read a device's control resource now (one request); return it as shown.

    What a write or a restore decides from. A failed read raises
    (`IzypowerConnectionError`; `IzypowerError` when the device is gone).
    """
    fresh = await coordinator.async_reread(target.station_id, target.device_id, feed)
    if fresh is None:
        raise IzypowerError("The device is no longer in the account")
    return coordinator.pending.overlay(fresh)


@dataclass(frozen=True, slots=True)
class Writer[ValueT]:
    """Who writes: the pending write's control id and name, and its description."""

    control_id: str
    name: str
    description: IzypowerControlDescription[ValueT]


async def async_send[ValueT](
    coordinator: IzypowerCoordinator,
    target: EquipmentTarget,
    writer: Writer[ValueT],
    device: DeviceData,
    value: ValueT,
) -> None:
    """Send a validated write, then keep its value pending until the cloud shows it.

    Steps 2 to 4 of the write path, shared by the entities and the actions; the
    caller has validated the value against `device` (as shown) and maps the errors.
    """
    description = writer.description
    try:
        await description.write_fn(coordinator.client, device, value)
    except IzypowerLoginUnavailableError:
        # No token, so nothing was sent.
        raise
    except IzypowerConnectionError as err:
        if description.fields_fn is None:
            raise IzypowerWriteUncertainError(str(err)) from err
        # A timeout may hide a write the cloud applied: look before failing.
        feed = description.feed or Feed.SETTINGS
        try:
            fresh = await coordinator.async_reread(
                target.station_id, target.device_id, feed
            )
        except IzypowerConnectionError:
            fresh = None
        if fresh is None or not shows(
            fresh, feed, description.fields_fn(device, value)
        ):
            raise IzypowerWriteUncertainError(str(err)) from err
        coordinator.pending.confirmed(writer.control_id)
        return
    if description.fields_fn is None:
        return
    coordinator.pending.add(
        PendingWrite(
            control_id=writer.control_id,
            name=writer.name,
            station_id=target.station_id,
            device_id=target.device_id,
            feed=description.feed or Feed.SETTINGS,
            fields=description.fields_fn(device, value),
            deadline=dt_util.utcnow() + CONFIRM_TIMEOUT,
        )
    )
    # Sibling controls of the same resource show the pending value too.
    coordinator.async_update_listeners()
