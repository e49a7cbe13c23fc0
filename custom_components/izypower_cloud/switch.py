"""Switch controls: export limitation, backup outlet, calibration, EV charging."""

from dataclasses import dataclass
from typing import Any, override

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import IzypowerClient
from .controls import (
    IzypowerControlDescription,
    IzypowerControlEntity,
    meter,
    serial,
    settings_value,
    titan,
)
from .data import DeviceData, Feed
from .entity import EntityTable, EntityTables, async_add_entities_dynamically
from .ev_controls import (
    OPTIONS,
    ev_control,
    other_option_known,
    write_option,
    write_priority,
)
from .live_data import LIVE_DATA_TABLES, LiveDataSwitch
from .runtime import IzypowerConfigEntry
from .targets import EquipmentTarget

# One control at a time: each is a cloud write.
PARALLEL_UPDATES = 1

# The threshold the original integration sends when none was ever read (W).
DEFAULT_INJECTION_LIMIT = 300


@dataclass(frozen=True, kw_only=True)
class IzypowerSwitchDescription(
    IzypowerControlDescription[bool], SwitchEntityDescription
):
    """A setting shown and changed as on/off."""


def _meter_enabled(device: DeviceData) -> bool | None:
    control = device.meter_control
    return None if control is None else control.enabled


async def _write_meter_enabled(
    client: IzypowerClient, device: DeviceData, on: bool
) -> None:
    # Both fields go together: the limit as shown (read, or pending), never a guess.
    control = device.meter_control
    limit = None if control is None else control.limit
    await client.set_meter_control(
        serial(device),
        enabled=on,
        limit=DEFAULT_INJECTION_LIMIT if limit is None else limit,
    )


SWITCHES: tuple[IzypowerSwitchDescription, ...] = (
    IzypowerSwitchDescription(
        key="injection_control",
        translation_key="injection_control",
        exists_fn=meter,
        feed=Feed.METER_CONTROL,
        value_fn=_meter_enabled,
        fields_fn=lambda _, on: {"enabled": on},
        write_fn=_write_meter_enabled,
    ),
    IzypowerSwitchDescription(
        key="backup_outlet",
        translation_key="backup_outlet",
        exists_fn=titan,
        feed=Feed.SETTINGS,
        value_fn=settings_value("backup_outlet"),
        fields_fn=lambda _, on: {"backup_outlet": on},
        write_fn=lambda client, device, on: client.set_backup_outlet(
            serial(device), on
        ),
    ),
    IzypowerSwitchDescription(
        key="calibration",
        translation_key="calibration",
        exists_fn=titan,
        feed=Feed.SETTINGS,
        value_fn=settings_value("calibration"),
        fields_fn=lambda _, on: {"calibration": on},
        write_fn=lambda client, device, on: client.set_calibration(serial(device), on),
    ),
)


def _ev_switch(key: str, **description: Any) -> IzypowerSwitchDescription:
    """Describe an on/off setting of an EV charger (experimental: disabled)."""
    return ev_control(IzypowerSwitchDescription, key, **description)


EV_SWITCHES: tuple[IzypowerSwitchDescription, ...] = (
    _ev_switch(
        "charging",
        # Not a configuration: what automations change most.
        entity_category=None,
        write_fn=lambda client, device, on: client.set_ev_charging(serial(device), on),
    ),
    *(
        _ev_switch(
            option,
            rules=(other_option_known(option),),
            write_fn=write_option(option),
        )
        for option in OPTIONS
    ),
    _ev_switch("station_priority", write_fn=write_priority),
)

TABLES: EntityTables[IzypowerSwitchDescription] = (
    EntityTable(EquipmentTarget, SWITCHES + EV_SWITCHES),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: IzypowerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the switch controls of every Titan and smart meter, now and later."""
    async_add_entities_dynamically(entry, async_add_entities, TABLES, IzypowerSwitch)
    # Not a setting of the equipment: a live-data session (live_data.py).
    async_add_entities_dynamically(
        entry, async_add_entities, LIVE_DATA_TABLES, LiveDataSwitch
    )


class IzypowerSwitch(SwitchEntity, IzypowerControlEntity[bool]):
    """A setting shown and changed as a switch."""

    entity_description: IzypowerSwitchDescription

    @override
    @property
    def is_on(self) -> bool | None:
        """The setting as shown (pending value included)."""
        return self.shown_value

    @override
    async def async_turn_on(self, **kwargs: Any) -> None:
        """Switch the setting on."""
        await self.async_write(True)

    @override
    async def async_turn_off(self, **kwargs: Any) -> None:
        """Switch the setting off."""
        await self.async_write(False)
