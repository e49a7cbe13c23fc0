"""What every Izypower Cloud entity shares: descriptions, tables, availability, discovery.

An entity is a description (what to show, read from which part of the snapshot) applied
to a target (a station, an equipment or a battery Link module). Platforms only declare
tables of descriptions; finding targets, deciding availability and adding entities for
equipment that appears later all happen here, once (their devices: devices.py).
"""

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, override

from homeassistant.core import callback
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .coordinator import IzypowerCoordinator
from .data import DeviceData, Feed, IzypowerData, StationData
from .devices import device_link
from .runtime import IzypowerConfigEntry
from .targets import Target, snapshot_targets


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


class IzypowerEntity[ValueT](CoordinatorEntity[IzypowerCoordinator]):
    """An entity showing one value of one target of the coordinator's snapshot."""

    _attr_has_entity_name = True
    entity_description: IzypowerEntityDescription[Any, ValueT]

    def __init__(
        self,
        coordinator: IzypowerCoordinator,
        target: Target[Any],
        description: IzypowerEntityDescription[Any, ValueT],
    ) -> None:
        """Attach `description` to `target`, whose device `DeviceSync` registered."""
        super().__init__(coordinator)
        self.entity_description = description
        self._target = target
        self._attr_unique_id = unique_id(target, description)
        self._attr_device_info = device_link(target)
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


@dataclass(frozen=True, slots=True)
class EntityTable[SourceT, DescriptionT: IzypowerEntityDescription[Any, Any]]:
    """A platform's descriptions for one kind of target.

    `target` selects the kind (StationTarget, EquipmentTarget, LinkTarget) and so the
    source the descriptions read. `generated` describes entities that only the data
    can name (one per PV input, per schedule slot, ...); like the fixed ones, they are
    kept where their `exists_fn` holds and added when they first appear.
    """

    target: type[Target[SourceT]]
    descriptions: Sequence[DescriptionT] = ()
    generated: Callable[[SourceT], Iterable[DescriptionT]] | None = None

    def candidates(self, source: SourceT) -> Iterator[DescriptionT]:
        """Yield the descriptions a target of this kind may have, given its source."""
        yield from self.descriptions
        if self.generated is not None:
            yield from self.generated(source)


type EntityTables[DescriptionT: IzypowerEntityDescription[Any, Any]] = Sequence[
    EntityTable[Any, DescriptionT]
]


def existing_entities[DescriptionT: IzypowerEntityDescription[Any, Any]](
    data: IzypowerData, tables: EntityTables[DescriptionT]
) -> Iterator[tuple[Target[Any], DescriptionT]]:
    """Every entity the snapshot has: a target and one of its descriptions."""
    for target, source in snapshot_targets(data):
        for table in tables:
            if isinstance(target, table.target):
                for description in table.candidates(source):
                    if description.exists_fn(source):
                        yield target, description


@callback
def async_add_entities_dynamically[DescriptionT: IzypowerEntityDescription[Any, Any]](
    entry: IzypowerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    tables: EntityTables[DescriptionT],
    entity_factory: Callable[
        [IzypowerCoordinator, Target[Any], DescriptionT], IzypowerEntity[Any]
    ],
) -> None:
    """Add the entities that exist now, then those of whatever appears later.

    Stations, equipment, Link modules and PV inputs can appear between refreshes; they
    get their entities on the refresh that first reports them, without a reload. An
    entity deleted from the registry (its device went stale) comes back the same way.
    Their devices are registered by `DeviceSync`, once for all platforms.
    """
    coordinator = entry.runtime_data.coordinator
    added: set[str] = set()

    @callback
    def add_new_entities() -> None:
        new_entities: list[Entity] = []
        for target, description in existing_entities(coordinator.data, tables):
            entity_unique_id = unique_id(target, description)
            if entity_unique_id in added:
                continue
            entity = entity_factory(coordinator, target, description)
            entity.async_on_registry_removal(partial(added.discard, entity_unique_id))
            added.add(entity_unique_id)
            new_entities.append(entity)
        if new_entities:
            async_add_entities(new_entities)

    add_new_entities()
    entry.async_on_unload(coordinator.async_add_listener(add_new_entities))
