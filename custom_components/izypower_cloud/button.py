"""Button controls: a Titan's LEDs on or off (the cloud keeps no LED state to show)."""

from dataclasses import dataclass
from typing import override

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .controls import IzypowerControlDescription, IzypowerControlEntity, serial, titan
from .entity import EntityTable, EntityTables, async_add_entities_dynamically
from .runtime import IzypowerConfigEntry
from .targets import EquipmentTarget

# One control at a time: each is a cloud write.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class IzypowerButtonDescription(
    IzypowerControlDescription[None], ButtonEntityDescription
):
    """A write with nothing to show or confirm."""


BUTTONS: tuple[IzypowerButtonDescription, ...] = (
    IzypowerButtonDescription(
        key="led_on",
        translation_key="led_on",
        exists_fn=titan,
        value_fn=lambda _: None,
        write_fn=lambda client, device, _: client.set_battery_leds(
            serial(device), True
        ),
    ),
    IzypowerButtonDescription(
        key="led_off",
        translation_key="led_off",
        exists_fn=titan,
        value_fn=lambda _: None,
        write_fn=lambda client, device, _: client.set_battery_leds(
            serial(device), False
        ),
    ),
)

TABLES: EntityTables[IzypowerButtonDescription] = (
    EntityTable(EquipmentTarget, BUTTONS),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: IzypowerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the LED buttons of every Titan, now and later."""
    async_add_entities_dynamically(entry, async_add_entities, TABLES, IzypowerButton)


class IzypowerButton(ButtonEntity, IzypowerControlEntity[None]):
    """A write triggered by a press."""

    entity_description: IzypowerButtonDescription

    @override
    async def async_press(self) -> None:
        """Send the write."""
        await self.async_write(None)
