"""The battery's operating mode: control mode, manual sub-mode and its power.

A Titan master or standalone unit is in one control mode (intelligent, manual or
calendar); in manual mode it does one thing (standby, charge or discharge) at a power.
The selects, the numbers and the `set_battery_mode` action all change it through the
helpers here, so they send the same requests in the same order:

- a manual sub-mode is sent with its power (standby always with 0 W, a power of 0 W
  meaning "the current maximum power"); when the unit is not in manual mode as shown,
  `ctr_mode` 1 (manual) is sent first: whether the cloud switches by itself is unknown
  (docs/api.md §8);
- intelligent mode needs a smart meter: `hasMeter` in the settings, else a meter
  listed in the station.
"""

from collections.abc import Callable, Mapping
from enum import StrEnum

from .api import ControlMode, DeviceType, IzypowerClient, ManualMode
from .controls import IzypowerControlDescription, Writer, async_send, serial
from .coordinator import IzypowerCoordinator
from .data import DeviceData, Feed, StationData
from .entity import unique_id
from .targets import EquipmentTarget


class BatteryMode(StrEnum):
    """What the `set_battery_mode` action sets: a control mode or a manual sub-mode."""

    INTELLIGENT = "intelligent"
    STANDBY = "standby"
    CHARGE = "charge"
    DISCHARGE = "discharge"
    CALENDAR = "calendar"

    @property
    def manual(self) -> ManualMode | None:
        """The manual sub-mode this mode is, `None` for intelligent and calendar."""
        return MANUAL_MODES.get(self)

    @property
    def control(self) -> ControlMode:
        """The control mode this mode needs."""
        if self is BatteryMode.INTELLIGENT:
            return ControlMode.INTELLIGENT
        return (
            ControlMode.CALENDAR if self is BatteryMode.CALENDAR else ControlMode.MANUAL
        )


MANUAL_MODES: Mapping[BatteryMode, ManualMode] = {
    BatteryMode.STANDBY: ManualMode.STANDBY,
    BatteryMode.CHARGE: ManualMode.CHARGE,
    BatteryMode.DISCHARGE: ManualMode.DISCHARGE,
}

# What a manual write sets: the sub-mode and its power (W; 0 = the current maximum).
type ManualValue = tuple[ManualMode, float]


def control_mode(device: DeviceData) -> ControlMode | None:
    """Return the control mode as shown (`None` while unread or unknown)."""
    return None if device.settings is None else device.settings.control_mode


def manual_mode(device: DeviceData) -> ManualMode | None:
    """Return the manual sub-mode as shown (`None` while unread or unknown)."""
    return None if device.settings is None else device.settings.manual_mode


def in_manual(device: DeviceData) -> bool:
    """Tell whether the unit is in manual control mode (the sub-mode's condition)."""
    return control_mode(device) is ControlMode.MANUAL


def manual_active(mode: ManualMode) -> Callable[[DeviceData], bool]:
    """Return whether the unit is in manual mode doing `mode` (a power's condition)."""

    def active(device: DeviceData) -> bool:
        return in_manual(device) and manual_mode(device) is mode

    return active


def battery_mode(device: DeviceData) -> BatteryMode | None:
    """Return the mode as shown, as the action names it (`None` when unknown)."""
    control = control_mode(device)
    if control is ControlMode.MANUAL:
        sub_mode = manual_mode(device)
        return None if sub_mode is None else BatteryMode(sub_mode.option)
    return None if control is None else BatteryMode(control.option)


def station_has_meter(device: DeviceData, station: StationData | None) -> bool:
    """Tell whether intelligent mode can work: the station has a smart meter."""
    settings = device.settings
    if settings is not None and settings.has_meter is not None:
        return settings.has_meter
    return station is not None and any(
        other.device.device_type is DeviceType.METER
        for other in station.devices.values()
    )


def battery_level(device: DeviceData) -> float | None:
    """Return the battery level (%) an `until_soc` is compared with.

    The cluster's average when the device list sends it (a master), else the unit's.
    """
    if device.device.average_soc is not None:
        return device.device.average_soc
    return None if device.battery is None else device.battery.soc


def manual_fields(value: ManualValue) -> dict[str, object]:
    """Return the settings fields a manual write sets (what confirms it)."""
    mode, power = value
    return {
        "control_mode": ControlMode.MANUAL,
        "manual_mode": mode,
        "manual_power": 0.0 if mode is ManualMode.STANDBY else float(power),
    }


async def write_manual(
    client: IzypowerClient, device: DeviceData, value: ManualValue
) -> None:
    """Send a manual sub-mode and its power, switching to manual mode first if needed."""
    if not in_manual(device):
        await client.set_control_mode(serial(device), ControlMode.MANUAL)
    mode, power = value
    await client.set_manual_mode(serial(device), mode, power)


async def write_control(
    client: IzypowerClient, device: DeviceData, option: str
) -> None:
    """Send a control mode, named by its option."""
    await client.set_control_mode(serial(device), ControlMode.from_option(option))


def control_fields(option: str) -> dict[str, object]:
    """Return the settings field a control mode write sets."""
    return {"control_mode": ControlMode.from_option(option)}


# The writes of the `set_battery_mode` action. They have no entity of their own: one
# control id for both (the latest write of the action replaces an earlier one), and
# their pending value shows in the mode selects and power numbers of the device.
MANUAL_WRITE = IzypowerControlDescription[ManualValue](
    key="battery_mode",
    feed=Feed.SETTINGS,
    value_fn=lambda _: None,
    fields_fn=lambda _, value: manual_fields(value),
    write_fn=write_manual,
)
CONTROL_WRITE = IzypowerControlDescription[str](
    key="battery_mode",
    feed=Feed.SETTINGS,
    value_fn=lambda _: None,
    fields_fn=lambda _, option: control_fields(option),
    write_fn=write_control,
)


async def async_set_mode(
    coordinator: IzypowerCoordinator,
    target: EquipmentTarget,
    name: str,
    mode: BatteryMode,
    power: float,
    *,
    device: DeviceData,
) -> None:
    """Set a validated mode (and power, W) on a device, pending until confirmed.

    `device` is the device as just read (`controls.async_current`): what the writes
    are decided from. `name` names the device in a repair issue if the cloud never
    shows the change.
    """
    control_id = unique_id(target, MANUAL_WRITE)
    manual = mode.manual
    if manual is None:
        writer = Writer(control_id, name, CONTROL_WRITE)
        await async_send(coordinator, target, writer, device, mode.control.option)
        return
    await async_send(
        coordinator,
        target,
        Writer(control_id, name, MANUAL_WRITE),
        device,
        (manual, power),
    )
