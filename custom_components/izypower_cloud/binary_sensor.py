"""Binary sensors of Izypower Cloud stations and equipment."""

from dataclasses import dataclass
from typing import Any, override

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)

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
    IzypowerEntityDescription,
    async_add_entities_dynamically,
    has_serial,
)
from .freshness import is_stale
from .runtime import IzypowerConfigEntry
from .targets import EquipmentTarget, StationTarget

# Read-only: every value comes from the coordinator's snapshot.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class IzypowerBinarySensorEntityDescription[SourceT](
    IzypowerEntityDescription[SourceT, bool], BinarySensorEntityDescription
):
    """A binary sensor of a station or an equipment."""


STATION_BINARY_SENSORS: tuple[
    IzypowerBinarySensorEntityDescription[StationData], ...
] = (
    IzypowerBinarySensorEntityDescription[StationData](
        key="firmware_update",
        translation_key="firmware_update",
        device_class=BinarySensorDeviceClass.UPDATE,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda station: station.firmware_update,
        feed=Feed.FIRMWARE,
    ),
    # On while the cloud keeps serving an old reading (freshness.py): the station's
    # live powers are unavailable meanwhile. Not a diagnostic: users alert on it.
    IzypowerBinarySensorEntityDescription[StationData](
        key="stale_data",
        translation_key="stale_data",
        device_class=BinarySensorDeviceClass.PROBLEM,
        value_fn=is_stale,
        feed=Feed.STATION_INFO,
    ),
)

EQUIPMENT_BINARY_SENSORS: tuple[
    IzypowerBinarySensorEntityDescription[DeviceData], ...
] = (
    # Not a diagnostic: an offline unit is why its readings froze, and users build
    # dashboards and alerts on it.
    IzypowerBinarySensorEntityDescription[DeviceData](
        key="online",
        translation_key="online",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        value_fn=lambda device: device.device.online,
        # A failed device list leaves only the last record: its state is stale.
        feed=Feed.DEVICE_LIST,
    ),
    IzypowerBinarySensorEntityDescription[DeviceData](
        key="firmware_update",
        translation_key="firmware_update",
        device_class=BinarySensorDeviceClass.UPDATE,
        entity_category=EntityCategory.DIAGNOSTIC,
        # The firmware list is matched by serial.
        exists_fn=has_serial,
        value_fn=lambda device: device.firmware_update,
        # The list is the station's: when it failed, no unit's flag is known.
        feed=Feed.FIRMWARE,
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
