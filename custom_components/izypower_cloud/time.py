"""Time controls: when a Titan's periodic calibration starts."""

from dataclasses import dataclass
from datetime import time
from typing import override

from homeassistant.components.time import TimeEntity, TimeEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .controls import (
    IzypowerControlDescription,
    IzypowerControlEntity,
    requires,
    serial,
    setting_on,
    settings_value,
    titan,
)
from .data import DeviceData, Feed
from .entity import EntityTable, EntityTables, async_add_entities_dynamically
from .helpers import IzypowerValidationError
from .runtime import IzypowerConfigEntry
from .targets import EquipmentTarget

# One control at a time: each is a cloud write.
PARALLEL_UPDATES = 1

# The app offers calibration start times in steps of this many minutes.
MINUTE_STEP = 5


@dataclass(frozen=True, kw_only=True)
class IzypowerTimeDescription(IzypowerControlDescription[time], TimeEntityDescription):
    """A setting shown and changed as a time of day."""


def five_minute_step(device: DeviceData, value: time, setting: str) -> None:
    """Refuse a time the app could not choose (HH:MM on a 5-minute step)."""
    if value.minute % MINUTE_STEP or value.second or value.microsecond:
        raise IzypowerValidationError(
            setting, value.isoformat(), "", translation_key="invalid_time"
        )


TIMES: tuple[IzypowerTimeDescription, ...] = (
    IzypowerTimeDescription(
        key="calibration_time",
        translation_key="calibration_time",
        exists_fn=titan,
        feed=Feed.SETTINGS,
        available_fn=setting_on("calibration"),
        value_fn=settings_value("calibration_time"),
        fields_fn=lambda _, value: {"calibration_time": value},
        rules=(requires("calibration", "calibration_off"), five_minute_step),
        write_fn=lambda client, device, value: client.set_calibration_time(
            serial(device), value
        ),
    ),
)

TABLES: EntityTables[IzypowerTimeDescription] = (EntityTable(EquipmentTarget, TIMES),)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: IzypowerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the time controls of every Titan, now and later."""
    async_add_entities_dynamically(entry, async_add_entities, TABLES, IzypowerTime)


class IzypowerTime(TimeEntity, IzypowerControlEntity[time]):
    """A setting shown and changed as a time of day."""

    entity_description: IzypowerTimeDescription

    @override
    @property
    def native_value(self) -> time | None:
        """The time as shown (pending value included)."""
        return self.shown_value

    @override
    async def async_set_value(self, value: time) -> None:
        """Write the new time (validated first)."""
        await self.async_write(value)
