"""Binary sensors of Izypower Cloud stations and equipment."""

from typing import Any, override

from homeassistant.components.binary_sensor import BinarySensorEntity

# The package imports the enum without re-exporting it (no `__all__`, no `as`), so
# `mypy --strict` only accepts it from where it is defined.
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .data import DeviceData, Feed, StationData
from .entity import (
    EntityTable,
    EntityTables,
    IzypowerEntity,
    async_add_entities_dynamically,
    has_serial,
)
from .freshness import is_stale
from .runtime import IzypowerConfigEntry
from .sensor_description import IzypowerBinarySensorEntityDescription, Part, itself
from .targets import EquipmentTarget, StationTarget

# Read-only: every value comes from the coordinator's snapshot.
PARALLEL_UPDATES = 0

# The firmware list is the station's: when it failed, no unit's flag is known.
_STATION_FIRMWARE = Part[StationData, StationData](itself, Feed.FIRMWARE)
_STATION_INFO = Part[StationData, StationData](itself, Feed.STATION_INFO)
# A failed device list leaves only the last record: its state is stale.
_RECORD = Part[DeviceData, DeviceData](itself, Feed.DEVICE_LIST)
# The firmware list is matched by serial.
_FIRMWARE = Part[DeviceData, DeviceData](itself, Feed.FIRMWARE, exists_fn=has_serial)

STATION_BINARY_SENSORS: tuple[
    IzypowerBinarySensorEntityDescription[StationData], ...
] = (
    _STATION_FIRMWARE.binary_sensor(
        "firmware_update",
        lambda station: station.firmware_update,
        device_class=BinarySensorDeviceClass.UPDATE,
        entity_category=EntityCategory.DIAGNOSTIC,
    ),
    # On while the cloud keeps serving an old reading (freshness.py): the station's
    # live powers are unavailable meanwhile. Not a diagnostic: users alert on it.
    _STATION_INFO.binary_sensor(
        "stale_data", is_stale, device_class=BinarySensorDeviceClass.PROBLEM
    ),
)

EQUIPMENT_BINARY_SENSORS: tuple[
    IzypowerBinarySensorEntityDescription[DeviceData], ...
] = (
    # Not a diagnostic: an offline unit is why its readings froze, and users build
    # dashboards and alerts on it.
    _RECORD.binary_sensor(
        "online",
        lambda device: device.device.online,
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
    ),
    _FIRMWARE.binary_sensor(
        "firmware_update",
        lambda device: device.firmware_update,
        device_class=BinarySensorDeviceClass.UPDATE,
        entity_category=EntityCategory.DIAGNOSTIC,
    ),
)

TABLES: EntityTables[IzypowerBinarySensorEntityDescription[Any]] = (
    EntityTable(StationTarget, STATION_BINARY_SENSORS),
    EntityTable(EquipmentTarget, EQUIPMENT_BINARY_SENSORS),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: IzypowerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add binary sensors for every station and equipment, now and later."""
    async_add_entities_dynamically(
        entry, async_add_entities, TABLES, IzypowerBinarySensor
    )


class IzypowerBinarySensor(IzypowerEntity[bool], BinarySensorEntity):
    """A binary sensor reading one flag of the coordinator's snapshot."""

    entity_description: IzypowerBinarySensorEntityDescription[Any]

    @override
    @property
    def is_on(self) -> bool | None:
        """The flag, `None` (unknown) when the cloud did not send it."""
        return self.value
