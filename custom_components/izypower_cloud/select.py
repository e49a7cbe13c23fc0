"""Select controls: a Titan's control mode, manual sub-mode and backup outlet mode."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import override

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import BackupOutletMode, ControlMode, EvControlMode, ManualMode
from .controls import (
    IzypowerControlDescription,
    IzypowerControlEntity,
    cluster_titan,
    master_or_standalone,
    requires,
    serial,
    setting_on,
    titan,
)
from .data import DeviceData, Feed, StationData
from .entity import EntityTable, EntityTables, async_add_entities_dynamically
from .ev_controls import ev_control, ev_control_mode, ev_control_options, ev_fields
from .modes import (
    ManualValue,
    control_fields,
    control_mode,
    manual_fields,
    manual_mode,
    station_has_meter,
    write_control,
    write_manual,
)
from .runtime import IzypowerConfigEntry
from .targets import EquipmentTarget

# One control at a time: each is a cloud write.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class IzypowerSelectDescription(
    IzypowerControlDescription[str], SelectEntityDescription
):
    """A setting shown and changed as one of a few options.

    `options_fn` narrows the options to those the device's station allows.
    """

    options_fn: Callable[[DeviceData, StationData | None], list[str]] | None = None


def _outlet_mode(device: DeviceData) -> str | None:
    settings = device.settings
    mode = None if settings is None else settings.backup_outlet_mode
    return None if mode is None else mode.option


def _control_options(device: DeviceData, station: StationData | None) -> list[str]:
    """Intelligent mode only with a smart meter (or when the unit shows it anyway)."""
    return [
        mode.option
        for mode in ControlMode
        if mode is not ControlMode.INTELLIGENT
        or station_has_meter(device, station)
        or control_mode(device) is mode
    ]


def _option(mode: ControlMode | ManualMode | None) -> str | None:
    return None if mode is None else mode.option


def _manual_value(device: DeviceData, option: str) -> ManualValue:
    """Return a chosen sub-mode with its power: the shown one if it stays, else 0.

    0 W is the current maximum power: a charge power shown is not a discharge's.
    """
    mode = ManualMode.from_option(option)
    settings = device.settings
    if (
        settings is not None
        and settings.manual_mode is mode
        and settings.manual_power is not None
    ):
        return mode, settings.manual_power
    return mode, 0.0


CONTROL_MODE = IzypowerSelectDescription(
    key="control_mode",
    translation_key="control_mode",
    entity_category=None,
    options=[mode.option for mode in ControlMode],
    options_fn=_control_options,
    exists_fn=cluster_titan,
    feed=Feed.SETTINGS,
    value_fn=lambda device: _option(control_mode(device)),
    fields_fn=lambda _, option: control_fields(option),
    rules=(master_or_standalone,),
    write_fn=write_control,
    read_first=True,
)

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
    CONTROL_MODE,
    IzypowerSelectDescription(
        key="manual_mode",
        translation_key="manual_mode",
        entity_category=None,
        options=[mode.option for mode in ManualMode],
        exists_fn=cluster_titan,
        feed=Feed.SETTINGS,
        # Available in every control mode, showing the sub-mode the unit keeps:
        # choosing one switches to manual mode first (documented).
        value_fn=lambda device: _option(manual_mode(device)),
        fields_fn=lambda device, option: manual_fields(_manual_value(device, option)),
        rules=(master_or_standalone,),
        write_fn=lambda client, device, option: write_manual(
            client, device, _manual_value(device, option)
        ),
        read_first=True,
    ),
)

EV_CONTROL_MODE = ev_control(
    IzypowerSelectDescription,
    "control_mode",
    entity_category=None,
    options=[mode.option for mode in EvControlMode],
    options_fn=ev_control_options,
    value_fn=ev_control_mode,
    fields_fn=lambda device, option: ev_fields("control_mode")(
        device, EvControlMode.from_option(option)
    ),
    write_fn=lambda client, device, option: client.set_ev_control_mode(
        serial(device), EvControlMode.from_option(option)
    ),
)

TABLES: EntityTables[IzypowerSelectDescription] = (
    EntityTable(EquipmentTarget, (*SELECTS, EV_CONTROL_MODE)),
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
    @property
    def options(self) -> list[str]:
        """The options the device's station allows (all of them while unread)."""
        options_fn = self.entity_description.options_fn
        device = self.device_data
        if options_fn is None or device is None:
            return super().options
        return options_fn(device, self._target.station(self.coordinator.data))

    @override
    async def async_select_option(self, option: str) -> None:
        """Write the chosen option (Home Assistant checked it is one of ours)."""
        await self.async_write(option)
