"""Select controls: when a Titan's backup outlet is powered."""

from dataclasses import dataclass
from typing import override

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import BackupOutletMode
from .controls import (
    IzypowerControlDescription,
    IzypowerControlEntity,
    requires,
    serial,
    setting_on,
    titan,
)
from .coordinator import IzypowerConfigEntry
from .data import DeviceData, Feed
from .entity import EntityTable, EntityTables, async_add_entities_dynamically
from .targets import EquipmentTarget

# One control at a time: each is a cloud write.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class IzypowerSelectDescription(
    IzypowerControlDescription[str], SelectEntityDescription
):
    """A setting shown and changed as one of a few options."""


def _outlet_mode(device: DeviceData) -> str | None:
    settings = device.settings
    mode = None if settings is None else settings.backup_outlet_mode
    return None if mode is None else mode.option


SELECTS: tuple[IzypowerSelectDescription, ...] = (
    IzypowerSelectDescription(
        key="backup_outlet_mode",
        translation_key="backup_outlet_mode",
        options=[mode.option for mode in BackupOutletMode],
        exists_fn=titan,
        feed=Feed.SETTINGS,
        available_fn=setting_on("backup_outlet"),
        value_fn=_outlet_mode,
        fields_fn=lambda _, option: {
            "backup_outlet_mode": BackupOutletMode.from_option(option)
        },
        rules=(requires("backup_outlet", "backup_outlet_off"),),
        write_fn=lambda client, device, option: client.set_backup_outlet_mode(
            serial(device), BackupOutletMode.from_option(option)
        ),
    ),
)

TABLES: EntityTables[IzypowerSelectDescription] = (
    EntityTable(EquipmentTarget, SELECTS),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: IzypowerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the select controls of every Titan, now and later."""
    async_add_entities_dynamically(entry, async_add_entities, TABLES, IzypowerSelect)


class IzypowerSelect(SelectEntity, IzypowerControlEntity[str]):
    """A setting shown and changed as a select."""

    entity_description: IzypowerSelectDescription

    @override
    @property
    def current_option(self) -> str | None:
        """The option as shown (pending value included)."""
        return self.shown_value

    @override
    async def async_select_option(self, option: str) -> None:
        """Write the chosen option (Home Assistant checked it is one of ours)."""
        await self.async_write(option)
