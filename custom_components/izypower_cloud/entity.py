"""What every Izypower Cloud entity shares: descriptions, device info, availability, discovery.

An entity is a description (what to show, read from which part of the snapshot) applied
to a target (a station, an equipment or a battery Link module). Platforms only declare
tables of descriptions; finding targets, naming devices, deciding availability and adding
entities for equipment that appears later all happen here, once.
"""

from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, override

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .api import DeviceType
from .const import MANUFACTURER
from .coordinator import IzypowerConfigEntry, IzypowerCoordinator
from .data import DeviceData, Feed, IzypowerData, StationData
from .targets import (
    EquipmentTarget,
    LinkTarget,
    StationTarget,
    Target,
    snapshot_targets,
)

# Device registry models. The registry cannot translate a model, and the cloud's own
# labels follow the request language and need the station info: fixed English names
# keep a device's model the same for every user and on every refresh.
STATION_MODEL = "Power station"
LINK_MODEL = "Link"
EQUIPMENT_MODELS: Mapping[DeviceType, str] = {
    DeviceType.BATTERY: "Titan",
    DeviceType.MICRO_INVERTER: "Micro-inverter",
    DeviceType.METER: "Smart meter",
    DeviceType.CHARGER: "EV charger",
    DeviceType.UNKNOWN: "Equipment",
}
# `device` translation keys that name equipment the user left unnamed in the app.
EQUIPMENT_NAME_KEYS: Mapping[DeviceType, str] = {
    DeviceType.BATTERY: "titan",
    DeviceType.MICRO_INVERTER: "micro_inverter",
    DeviceType.METER: "smart_meter",
    DeviceType.CHARGER: "ev_charger",
    DeviceType.UNKNOWN: "equipment",
}


def always(_: object) -> bool:
    """Default of `exists_fn`: every target has the entity."""
    return True


def has_serial(device: DeviceData) -> bool:
    """Whether the device's own calls (Wi-Fi, battery page, ...) can be made at all.

    They are addressed by serial: without one, their entities would never be available.
    """
    return device.device.serial is not None


@dataclass(frozen=True, kw_only=True)
class IzypowerEntityDescription[SourceT, ValueT](EntityDescription):
    """Where an entity reads its value, and when it exists or is available.

    `SourceT` is what the target resolves to in the snapshot (StationData, DeviceData or
    LinkModule). `feed` names the call the value comes from, station-wide or the
    device's own: while it failed, the entity is unavailable (see `source_available`);
    `None` for a value every snapshot of the source has. `exists_fn` says whether the
    target has this entity at all.
    """

    value_fn: Callable[[SourceT], ValueT | None]
    exists_fn: Callable[[SourceT], bool] = always
    feed: Feed | None = None


def source_available(
    feed: Feed | None, source: object | None, station: StationData | None
) -> bool:
    """Tell whether an entity is available: its source is there and its feed worked.

    The one availability rule of every entity. A device's entity may read a station-wide call (the device list, the firmware
    list), so the station's failures count as well as the device's own.
    """
    if source is None or station is None:
        return False
    if feed is None:
        return True
    own = source.failed if isinstance(source, DeviceData) else frozenset[Feed]()
    return feed not in station.failed and feed not in own


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
            device = data.stations[target.station_id].devices[target.device_id].device
            info = DeviceInfo(
                identifiers={target.identifier},
                manufacturer=MANUFACTURER,
                model=EQUIPMENT_MODELS[device.device_type],
                model_id=device.type_code,
                serial_number=device.serial,
                sw_version=device.software_version,
            )
            if device.name:
                info["name"] = device.name
            else:
                # Translated, so an unnamed unit reads "Micro-onduleur ..." in French.
                info["translation_key"] = EQUIPMENT_NAME_KEYS[device.device_type]
                info["translation_placeholders"] = {
                    "serial": device.serial or str(device.device_id)
                }
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


class DeviceRegistrar:
    """Write one snapshot's devices to the device registry, parents first, each once.

    Run on every refresh, not only when entities are added: firmware versions, names
    and the disambiguation of same-named stations change while entities stay. The
    registry only writes (and notifies) when something actually changed.
    """

    def __init__(self, hass: HomeAssistant, entry_id: str, data: IzypowerData) -> None:
        """Prepare to register the devices of `data` for the entry `entry_id`."""
        self._registry = dr.async_get(hass)
        self._entry_id = entry_id
        self._data = data
        self._done: dict[Target[Any], tuple[DeviceInfo, str]] = {}

    @callback
    def register(self, target: Target[Any]) -> DeviceInfo:
        """Create or update `target`'s device (and its parents'); return its info."""
        return self._register(target)[0]

    def _register(self, target: Target[Any]) -> tuple[DeviceInfo, str]:
        if (done := self._done.get(target)) is not None:
            return done
        # A child names its parent by registry device id, so the parent comes first,
        # whatever the platform or the order in which devices appear.
        parent = target.parent
        via_device_id = None if parent is None else self._register(parent)[1]
        info = build_device_info(self._data, target, via_device_id)
        device = self._registry.async_get_or_create(
            config_entry_id=self._entry_id, **info
        )
        self._done[target] = info, device.id
        return self._done[target]


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

    @override
    async def async_removed_from_registry(self) -> None:
        """Let the entity be created again if its device comes back."""
        for func in self._registry_removal_callbacks:
            func()

    @override
    @property
    def available(self) -> bool:
        """Available when the last refresh worked and fed this entity's source."""
        data = self.coordinator.data
        return super().available and source_available(
            self.entity_description.feed,
            self._target.source(data),
            self._target.station(data),
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
) -> Iterator[tuple[Target[Any], Any, Sequence[DescriptionT]]]:
    """Every target of the snapshot with its source and the descriptions it may have."""
    for target, source in snapshot_targets(data):
        if isinstance(target, StationTarget):
            yield target, source, tables.station
        elif isinstance(target, EquipmentTarget):
            descriptions = list(tables.equipment)
            if tables.pv_string is not None and source.pv_strings is not None:
                descriptions.extend(map(tables.pv_string, source.pv_strings))
            yield target, source, descriptions
        else:
            yield target, source, tables.link


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
    Every refresh also brings the devices of the platform's targets up to date.
    """
    coordinator = entry.runtime_data
    added: set[str] = set()

    @callback
    def add_new_entities() -> None:
        data = coordinator.data
        registrar = DeviceRegistrar(coordinator.hass, entry.entry_id, data)
        new_entities: list[Entity] = []
        for target, source, descriptions in _candidates(data, tables):
            existing = [
                description
                for description in descriptions
                if description.exists_fn(source)
            ]
            if not existing:
                continue
            device_info = registrar.register(target)
            for description in existing:
                entity_unique_id = unique_id(target, description)
                if entity_unique_id in added:
                    continue
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
