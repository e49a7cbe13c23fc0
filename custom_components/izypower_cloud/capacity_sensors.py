"""Battery capacity (an estimate) and stored energy: per Titan and per station.

The figures and how they are derived: capacity.py. The capacity is the figure Home
Assistant's Energy dashboard asks for (a battery's usable capacity, to weight the
levels of several batteries) and the one optimisers call the battery size.
"""

from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.const import EntityCategory, UnitOfEnergy

from .api import BatteryPage, DeviceType
from .capacity import pile_capacity, station_capacity, station_energy
from .data import DeviceData, Feed, StationData
from .entity import has_serial
from .sensor_description import (
    STORED_ENERGY,
    EquipmentSensor,
    Part,
    Presentation,
    StationSensor,
    itself,
)

# A property of the equipment, re-estimated at every refresh: no long-term statistics.
CAPACITY = Presentation(
    device_class=SensorDeviceClass.ENERGY_STORAGE,
    native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
    suggested_display_precision=1,
    entity_category=EntityCategory.DIAGNOSTIC,
)


def _is_titan(device: DeviceData) -> bool:
    return device.device.device_type is DeviceType.BATTERY and has_serial(device)


def _has_battery(station: StationData) -> bool:
    return station.has_battery


# Sums over the Titans' battery pages (device calls, not a station feed): a page
# missing this refresh makes the sum unknown.
_STATION_BATTERY = Part[StationData, StationData](itself, None, exists_fn=_has_battery)
_PILE = Part[DeviceData, BatteryPage](
    lambda device: device.battery, Feed.BATTERY, exists_fn=_is_titan
)

TITAN_CAPACITY_SENSORS: tuple[EquipmentSensor, ...] = (
    # The unit and its own Link modules (not the rest of its cluster).
    _PILE.sensor("battery_capacity_estimate", pile_capacity, **CAPACITY),
)

STATION_CAPACITY_SENSORS: tuple[StationSensor, ...] = (
    _STATION_BATTERY.sensor("battery_capacity_estimate", station_capacity, **CAPACITY),
    _STATION_BATTERY.sensor("battery_energy", station_energy, **STORED_ENERGY),
)
