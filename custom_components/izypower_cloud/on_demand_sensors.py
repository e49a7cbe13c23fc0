"""Sensors of the pages read on demand: a smart meter's channels, an EV charger's powers.

They are read only while one of their entities is enabled (on_demand.py), and all are
disabled by default: the pages were seen in one client only (docs/api.md §7.13-7.14).
"""

from collections.abc import Callable
from operator import attrgetter

from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.const import (
    UnitOfApparentPower,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
)

from .api import ChannelMode, DeviceType, EvChargerPower, MeterChannel
from .api.readings import METER_CHANNELS
from .data import DeviceData, Feed
from .entity import has_serial
from .on_demand import CHANNEL_KEY_PREFIX, EV_CHARGER_KEY_PREFIX
from .sensor_description import POWER, EquipmentSensor, Part, Presentation, measurement

_ON_DEMAND = Presentation(entity_registry_enabled_default=False)


def _serial_of(device_type: DeviceType) -> Callable[[DeviceData], bool]:
    # The pages are addressed by serial.
    return lambda device: (
        device.device.device_type is device_type and has_serial(device)
    )


def _channel(number: int) -> Callable[[DeviceData], MeterChannel | None]:
    """Return how to find channel `number` (1 to 3) on a smart meter's page.

    A channel missing from the page is unknown, like a reading it does not send.
    """

    def channel(device: DeviceData) -> MeterChannel | None:
        channels = device.meter_channels or ()
        return channels[number - 1] if number <= len(channels) else None

    return channel


def _channel_sensor(
    number: int,
    reading: str,
    value_fn: Callable[[MeterChannel], float | str | None],
    presentation: Presentation,
) -> EquipmentSensor:
    """One reading of one channel of a smart meter's page."""
    channel = Part[DeviceData, MeterChannel](
        _channel(number),
        Feed.METER_CHANNELS,
        exists_fn=_serial_of(DeviceType.METER),
        presentation=_ON_DEMAND,
    )
    return channel.sensor(
        f"{CHANNEL_KEY_PREFIX}{number}_{reading}",
        value_fn,
        translation_key=f"{CHANNEL_KEY_PREFIX}{reading}",
        translation_placeholders={"channel": str(number)},
        **presentation,
    )


def _channel_mode(channel: MeterChannel) -> str | None:
    return None if channel.mode is None else channel.mode.value


# What each channel reading is: (name, value, presentation).
_CHANNEL_READINGS: tuple[
    tuple[str, Callable[[MeterChannel], float | str | None], Presentation], ...
] = (
    ("power", attrgetter("power"), POWER),
    (
        "apparent_power",
        attrgetter("apparent_power"),
        measurement(
            SensorDeviceClass.APPARENT_POWER, UnitOfApparentPower.VOLT_AMPERE, 0
        ),
    ),
    (
        "current",
        attrgetter("current"),
        measurement(SensorDeviceClass.CURRENT, UnitOfElectricCurrent.AMPERE, 1),
    ),
    (
        "voltage",
        attrgetter("voltage"),
        measurement(SensorDeviceClass.VOLTAGE, UnitOfElectricPotential.VOLT, 1),
    ),
    (
        "mode",
        _channel_mode,
        Presentation(
            device_class=SensorDeviceClass.ENUM,
            options=[mode.value for mode in ChannelMode],
        ),
    ),
)

_EV_CHARGER = Part[DeviceData, EvChargerPower](
    lambda device: device.ev_charger,
    Feed.EV_CHARGER,
    exists_fn=_serial_of(DeviceType.CHARGER),
    presentation=POWER | _ON_DEMAND,
)

ON_DEMAND_SENSORS: tuple[EquipmentSensor, ...] = (
    *(
        _channel_sensor(number, *reading)
        for number in range(1, METER_CHANNELS + 1)
        for reading in _CHANNEL_READINGS
    ),
    _EV_CHARGER.sensor(
        f"{EV_CHARGER_KEY_PREFIX}ac_power", lambda charger: charger.ac_power
    ),
    _EV_CHARGER.sensor(f"{EV_CHARGER_KEY_PREFIX}power", lambda charger: charger.power),
)
