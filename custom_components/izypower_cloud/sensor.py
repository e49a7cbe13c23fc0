"""Sensors of Izypower Cloud stations, equipment and battery Link modules."""

from typing import Any, override

from homeassistant.components.sensor import SensorEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .capacity_sensors import STATION_CAPACITY_SENSORS, TITAN_CAPACITY_SENSORS
from .entity import (
    EntityTable,
    EntityTables,
    IzypowerEntity,
    async_add_entities_dynamically,
)
from .equipment_sensors import EQUIPMENT_SENSORS, LINK_SENSORS, input_sensors
from .hold_sensors import HOLD_TABLES, IzypowerHoldSensor
from .on_demand_sensors import ON_DEMAND_SENSORS
from .runtime import IzypowerConfigEntry
from .sensor_description import IzypowerSensorEntityDescription, SensorValue
from .station_sensors import STATION_SENSORS
from .targets import EquipmentTarget, LinkTarget, StationTarget

# Read-only: every value comes from the coordinator's snapshot.
PARALLEL_UPDATES = 0

TABLES: EntityTables[IzypowerSensorEntityDescription[Any]] = (
    EntityTable(StationTarget, STATION_SENSORS),
    EntityTable(EquipmentTarget, EQUIPMENT_SENSORS, generated=input_sensors),
    EntityTable(EquipmentTarget, ON_DEMAND_SENSORS),
    EntityTable(LinkTarget, LINK_SENSORS),
    EntityTable(StationTarget, STATION_CAPACITY_SENSORS),
    EntityTable(EquipmentTarget, TITAN_CAPACITY_SENSORS),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: IzypowerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add sensors for every station, equipment and Link module, now and later."""
    async_add_entities_dynamically(entry, async_add_entities, TABLES, IzypowerSensor)
    async_add_entities_dynamically(
        entry, async_add_entities, HOLD_TABLES, IzypowerHoldSensor
    )


class IzypowerSensor(IzypowerEntity[SensorValue], SensorEntity):
    """A sensor reading one value of the coordinator's snapshot."""

    entity_description: IzypowerSensorEntityDescription[Any]

    @override
    @property
    def native_value(self) -> SensorValue:
        """The value, `None` (unknown) when the cloud did not send it."""
        return self.value
