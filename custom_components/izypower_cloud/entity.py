"""What every Izypower Cloud entity shares: targets, device info, availability, discovery.

An entity is a description (what to show, read from which part of the snapshot) applied
to a target (a station, an equipment or a battery Link module). Platforms only declare
tables of descriptions; finding targets, naming devices, deciding availability and adding
entities for equipment that appears later all happen here, once.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .api import LinkModule
from .const import MANUFACTURER
from .coordinator import IzypowerConfigEntry, IzypowerCoordinator
from .data import DeviceData, IzypowerData, StationData
from .identifiers import device_identifier, link_identifier, station_identifier

# Device registry models. The registry cannot translate a model, so these stay plain.
STATION_MODEL = "Power station"
LINK_MODEL = "Link"


def _always(_: object) -> bool:
    return True


@dataclass(frozen=True, kw_only=True)
class IzypowerEntityDescription[SourceT, ValueT](EntityDescription):
    """Where an entity reads its value, and when it exists or is available.

    `SourceT` is what the target resolves to in the snapshot (StationData, DeviceData or
    LinkModule). `available_fn` says whether the part of the source that feeds this
    entity arrived this cycle (a missing source makes every entity of it unavailable);
    `exists_fn` says whether the target has this entity at all.
    """

    value_fn: Callable[[SourceT], ValueT | None]
    exists_fn: Callable[[SourceT], bool] = _always
    available_fn: Callable[[SourceT], bool] = _always


@dataclass(frozen=True, slots=True)
class Target[SourceT](ABC):
    """A device of the account that entities attach to."""

    @property
    @abstractmethod
    def identifier(self) -> tuple[str, str]:
        """Device registry identifier (also the prefix of every unique id)."""

    @property
    def parent(self) -> Target[Any] | None:
        """The device this one is connected through (`via_device_id`)."""
        return None

    @abstractmethod
    def source(self, data: IzypowerData) -> SourceT | None:
        """Return the target's part of the snapshot; `None` when gone or failed."""


@dataclass(frozen=True, slots=True)
class StationTarget(Target[StationData]):
    """A power station."""

    station_id: int

    @property
    def identifier(self) -> tuple[str, str]:
        """Device registry identifier."""
        return station_identifier(self.station_id)

    def source(self, data: IzypowerData) -> StationData | None:
        """Return the station's snapshot."""
        return data.stations.get(self.station_id)


@dataclass(frozen=True, slots=True)
class EquipmentTarget(Target[DeviceData]):
    """A device record of a station (Titan, micro-inverter, meter, charger)."""

    station_id: int
    device_id: int

    @property
    def identifier(self) -> tuple[str, str]:
        """Device registry identifier."""
        return device_identifier(self.device_id)

    @property
    def parent(self) -> StationTarget:
        """Equipment belongs to its station."""
        return StationTarget(self.station_id)

    def source(self, data: IzypowerData) -> DeviceData | None:
        """Return the equipment's snapshot."""
        station = data.stations.get(self.station_id)
        return None if station is None else station.devices.get(self.device_id)


@dataclass(frozen=True, slots=True)
class LinkTarget(Target[LinkModule]):
    """A battery Link module, listed on the battery page of its Titan."""

    titan: EquipmentTarget
    serial: str

    @property
    def identifier(self) -> tuple[str, str]:
        """Device registry identifier."""
        return link_identifier(self.serial)

    @property
    def parent(self) -> EquipmentTarget:
        """A Link module reaches the cloud through its Titan."""
        return self.titan

    def source(self, data: IzypowerData) -> LinkModule | None:
        """Return the module's entry on its Titan's battery page (`None` if it failed)."""
        titan = self.titan.source(data)
        if titan is None or titan.battery is None:
            return None
        return next(
            (link for link in titan.battery.links if link.serial == self.serial), None
        )


def station_device_name(data: IzypowerData, station: StationData) -> str:
    """Station name, with its id when another station of the account has the same name."""
    names = Counter(other.station.name for other in data.stations.values())
    name = station.station.name
    return f"{name} ({station.station.station_id})" if names[name] > 1 else name


def build_device_info(
    data: IzypowerData, target: Target[Any], via_device_id: str | None
) -> DeviceInfo:
    """Describe a station, equipment or Link module device to the device registry."""
    match target:
        case StationTarget():
            station = data.stations[target.station_id]
            info = DeviceInfo(
                identifiers={target.identifier},
                name=station_device_name(data, station),
                manufacturer=MANUFACTURER,
                model=STATION_MODEL,
            )
        case EquipmentTarget():
            station = data.stations[target.station_id]
            device = station.devices[target.device_id].device
            device_types = {} if station.info is None else station.info.device_types
            model = device_types.get(device.type_code, device.type_code)
            info = DeviceInfo(
                identifiers={target.identifier},
                name=device.name or f"{model} {device.serial or device.device_id}",
                manufacturer=MANUFACTURER,
                model=model,
                serial_number=device.serial,
                sw_version=device.software_version,
            )
        case LinkTarget():
            info = DeviceInfo(
                identifiers={target.identifier},
                translation_key="link_module",
                translation_placeholders={"serial": target.serial},
                manufacturer=MANUFACTURER,
                model=LINK_MODEL,
                serial_number=target.serial,
            )
        case _:
            raise NotImplementedError(target)
    if via_device_id is not None:
        info["via_device_id"] = via_device_id
    return info


@callback
def async_register_device(
    hass: HomeAssistant, entry_id: str, data: IzypowerData, target: Target[Any]
) -> tuple[DeviceInfo, str]:
    """Register `target`'s device after its parents; return its info and device id.

    A child names its parent by registry device id, so the parent must exist first,
    whatever the platform or the order in which devices appear.
    """
    parent = target.parent
    via_device_id = (
        None
        if parent is None
        else async_register_device(hass, entry_id, data, parent)[1]
    )
    info = build_device_info(data, target, via_device_id)
    device = dr.async_get(hass).async_get_or_create(config_entry_id=entry_id, **info)
    return info, device.id


class IzypowerEntity[ValueT](CoordinatorEntity[IzypowerCoordinator]):
    """An entity showing one value of one target of the coordinator's snapshot."""

    _attr_has_entity_name = True
    entity_description: IzypowerEntityDescription[Any, ValueT]

    def __init__(
        self,
        coordinator: IzypowerCoordinator,
        target: Target[Any],
        description: IzypowerEntityDescription[Any, ValueT],
        device_info: DeviceInfo,
    ) -> None:
        """Attach `description` to `target`, whose device is `device_info`."""
        super().__init__(coordinator)
        self.entity_description = description
        self._target = target
        self._attr_unique_id = unique_id(target, description)
        self._attr_device_info = device_info
        self._registry_removal_callbacks: list[Callable[[], None]] = []

    @callback
    def async_on_registry_removal(self, func: Callable[[], None]) -> None:
        """Call `func` when the user or the stale-device clean-up deletes this entity.

        Unlike `async_on_remove`, this does not fire for an entity that is merely
        disabled or unloaded, so the entity is not recreated on every refresh.
        """
        self._registry_removal_callbacks.append(func)

    async def async_removed_from_registry(self) -> None:
        """Let the entity be created again if its device comes back."""
        for func in self._registry_removal_callbacks:
            func()

    @property
    def available(self) -> bool:
        """Available when the last refresh worked and fed this entity's source."""
        source = self._target.source(self.coordinator.data)
        return (
            super().available
            and source is not None
            and self.entity_description.available_fn(source)
        )

    @property
    def value(self) -> ValueT | None:
        """The entity's current value; `None` (unknown) when the cloud did not send it."""
        source = self._target.source(self.coordinator.data)
        return None if source is None else self.entity_description.value_fn(source)


def unique_id(target: Target[Any], description: EntityDescription) -> str:
    """Return the device identifier value plus the entity key (never the name)."""
    return f"{target.identifier[1]}_{description.key}"


@dataclass(frozen=True, kw_only=True)
class EntityTables[DescriptionT: IzypowerEntityDescription[Any, Any]]:
    """A platform's descriptions, by kind of target."""

    station: Sequence[DescriptionT] = ()
    equipment: Sequence[DescriptionT] = ()
    link: Sequence[DescriptionT] = ()
    # One description per PV input of an equipment, built from the input name.
    pv_string: Callable[[str], DescriptionT] | None = None


def _candidates[DescriptionT: IzypowerEntityDescription[Any, Any]](
    data: IzypowerData, tables: EntityTables[DescriptionT]
) -> Iterator[tuple[Target[Any], Any, Iterable[DescriptionT]]]:
    """Every target of the snapshot with its source and the descriptions it may have.

    Stations come before their equipment and equipment before its Link modules, so a
    parent device is always registered before the devices that point to it.
    """
    for station_id, station in data.stations.items():
        yield StationTarget(station_id), station, tables.station
    for station_id, station in data.stations.items():
        for device_id, device in station.devices.items():
            equipment = EquipmentTarget(station_id, device_id)
            descriptions = list(tables.equipment)
            if tables.pv_string is not None and device.pv_strings is not None:
                descriptions.extend(map(tables.pv_string, device.pv_strings))
            yield equipment, device, descriptions
            if device.battery is not None:
                for link in device.battery.links:
                    yield LinkTarget(equipment, link.serial), link, tables.link


@callback
def async_add_entities_dynamically[DescriptionT: IzypowerEntityDescription[Any, Any]](
    entry: IzypowerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    tables: EntityTables[DescriptionT],
    entity_factory: Callable[
        [IzypowerCoordinator, Target[Any], DescriptionT, DeviceInfo],
        IzypowerEntity[Any],
    ],
) -> None:
    """Add the entities that exist now, then those of whatever appears later.

    Stations, equipment, Link modules and PV inputs can appear between refreshes; they
    get their entities on the refresh that first reports them, without a reload. An
    entity deleted from the registry (its device went stale) comes back the same way.
    """
    coordinator = entry.runtime_data
    added: set[str] = set()

    @callback
    def add_new_entities() -> None:
        data = coordinator.data
        new_entities: list[Entity] = []
        for target, source, descriptions in _candidates(data, tables):
            new_descriptions = [
                description
                for description in descriptions
                if unique_id(target, description) not in added
                and description.exists_fn(source)
            ]
            if not new_descriptions:
                continue
            device_info, _ = async_register_device(
                coordinator.hass, entry.entry_id, data, target
            )
            for description in new_descriptions:
                entity_unique_id = unique_id(target, description)
                entity = entity_factory(coordinator, target, description, device_info)
                entity.async_on_registry_removal(
                    partial(added.discard, entity_unique_id)
                )
                added.add(entity_unique_id)
                new_entities.append(entity)
        if new_entities:
            async_add_entities(new_entities)

    add_new_entities()
    entry.async_on_unload(coordinator.async_add_listener(add_new_entities))
