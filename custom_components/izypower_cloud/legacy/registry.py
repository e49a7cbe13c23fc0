"""Take over the registries of the community integration (same domain) in one step.

Its devices get our identifiers and its entities our unique ids, in place: the registry
entries stay, with their entity ids, registry ids, names, icons, areas and disabled
state, and so does the recorder's history (keyed by entity id). What has no successor
here is removed from the registry and listed once in a repair. The rules are data
(`ids.py`); this module checks them against the first snapshot and applies them.

Everything is planned and checked first; a clash (an id already taken) changes nothing,
logs one warning and raises a repair. Once applied, nothing of the old ids is left, so
a second run finds nothing to do.
"""

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from homeassistant.components.sensor import (
    DOMAIN as SENSOR_DOMAIN,
    SensorEntityDescription,
)
from homeassistant.const import CONF_UNIT_OF_MEASUREMENT, Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryError
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.helpers.entity import EntityDescription

from custom_components.izypower_cloud import (
    binary_sensor,
    button,
    number,
    select,
    sensor,
    switch,
    time,
)
from custom_components.izypower_cloud.const import DOMAIN, LOGGER
from custom_components.izypower_cloud.data import DeviceData, Feed, IzypowerData
from custom_components.izypower_cloud.entity import (
    EntityTables,
    existing_entities,
    unique_id,
)
from custom_components.izypower_cloud.runtime import IzypowerConfigEntry

from .duplicates import Adoption, listed
from .ids import Retired, Successor, device_identifier, is_legacy_unique_id, successor

_TABLES: Mapping[Platform, Sequence[EntityTables[Any]]] = {
    Platform.BINARY_SENSOR: (binary_sensor.TABLES,),
    Platform.BUTTON: (button.TABLES, button.STATION_TABLES),
    Platform.NUMBER: (number.TABLES,),
    Platform.SELECT: (select.TABLES,),
    Platform.SENSOR: (sensor.TABLES,),
    Platform.SWITCH: (switch.TABLES,),
    Platform.TIME: (time.TABLES,),
}
# The calls whose failure hides equipment, Link modules or inputs from the snapshot:
# while one failed, an entity missing from it may still exist.
_LISTINGS = frozenset(
    {Feed.STATION_INFO, Feed.DEVICE_LIST, Feed.PV_STRINGS, Feed.CT_POWER, Feed.BATTERY}
)


def retired_issue_id(entry_id: str) -> str:
    """Return the issue id of the repair that lists the entities removed."""
    return f"legacy_entities_retired_{entry_id}"


def adopted_issue_id(entry_id: str) -> str:
    """Return the issue id of the repair listing the duplicates of ours adopted."""
    return f"legacy_duplicates_adopted_{entry_id}"


def failed_issue_id(entry_id: str) -> str:
    """Return the issue id of the repair of a migration that could not complete."""
    return f"legacy_migration_failed_{entry_id}"


class MigrationClash(Exception):
    """Ids the migration needs are taken: nothing may change.

    `holders` names what holds them, for the user to delete: devices by name, entities
    by entity id (never an identifier: a Link's carries its serial).
    """

    def __init__(self, holders: list[str]) -> None:
        """Name the devices and entities in the way."""
        super().__init__(f"{len(holders)} ids already used")
        self.holders = holders


@dataclass
class Plan:
    """Every change the migration makes, decided before any is made."""

    # Registry device id -> its identifiers afterwards.
    devices: dict[str, set[tuple[str, str]]] = field(default_factory=dict)
    # Entity id -> our unique id.
    renames: dict[str, str] = field(default_factory=dict)
    # Entity ids removed, by reason.
    retired: dict[Retired, list[str]] = field(default_factory=lambda: defaultdict(list))
    # What holds an id the migration needs (see MigrationClash).
    clashes: list[str] = field(default_factory=list)
    # Our duplicates of them that an earlier version created in the same entry.
    adoption: Adoption = field(default_factory=Adoption)

    def __bool__(self) -> bool:
        """Whether there is anything to do."""
        return bool(self.devices or self.renames or self.retired)


def expected_entities(data: IzypowerData) -> dict[tuple[str, str], EntityDescription]:
    """Every entity of ours the snapshot has: (domain, unique id) -> description."""
    return {
        (platform.value, unique_id(target, description)): description
        for platform, tables in _TABLES.items()
        for table in tables
        for target, description in existing_entities(data, table)
    }


def _devices(data: IzypowerData) -> Iterator[DeviceData]:
    for station in data.stations.values():
        yield from station.devices.values()


def listing_complete(data: IzypowerData) -> bool:
    """Tell whether every call that lists equipment, Links and inputs worked."""
    return not any(
        _LISTINGS & station.failed for station in data.stations.values()
    ) and (not any(_LISTINGS & device.failed for device in _devices(data)))


def _statistics_match(entry: er.RegistryEntry, description: EntityDescription) -> bool:
    """Whether ours records statistics like the old sensor (same unit and state class).

    Otherwise the recorder would flag the entity's long-term statistics. A unit the
    user chose for display stays in the registry entry, so ours shows it too.
    """
    if not isinstance(description, SensorEntityDescription):
        return True
    old_class = (entry.capabilities or {}).get("state_class")
    new_class = (
        None if description.state_class is None else str(description.state_class)
    )
    sensor_options: Mapping[str, Any] = entry.options.get(SENSOR_DOMAIN, {})
    chosen = sensor_options.get(CONF_UNIT_OF_MEASUREMENT)
    return old_class == new_class and (
        chosen is not None
        or entry.unit_of_measurement == description.native_unit_of_measurement
    )


def _plan_devices(
    devices: dr.DeviceRegistry, entities: er.EntityRegistry, entry_id: str, plan: Plan
) -> None:
    for device in dr.async_entries_for_config_entry(devices, entry_id):
        identifiers = set(device.identifiers)
        for domain, value in device.identifiers:
            if domain != DOMAIN or (ours := device_identifier(value)) is None:
                continue
            # Identifiers are unique within a config entry (not across entries).
            other = devices.async_get_device_by_identifier((DOMAIN, ours), entry_id)
            if (
                other is not None
                and other.id != device.id
                and not plan.adoption.claim_device(entities, device, other)
            ):
                # A Link of ours has no name of its own (translated "Link <serial>").
                plan.clashes.append(
                    other.name_by_user or other.name or other.serial_number or other.id
                )
                continue
            identifiers.discard((domain, value))
            identifiers.add((DOMAIN, ours))
        if identifiers != device.identifiers:
            plan.devices[device.id] = identifiers


def _outcome(
    entry: er.RegistryEntry,
    expected: Mapping[tuple[str, str], EntityDescription],
    complete: bool,
) -> Successor | Retired:
    outcome = successor(entry.domain, entry.unique_id) or Retired.NO_EQUIVALENT
    if isinstance(outcome, Retired):
        return outcome
    description = expected.get((outcome.domain, outcome.unique_id))
    if description is None:
        # Not on this account, unless a failed listing hides it.
        return Retired.ABSENT if complete else outcome
    return outcome if _statistics_match(entry, description) else Retired.STATISTICS


def _plan_entities(
    entities: er.EntityRegistry, entry_id: str, data: IzypowerData, plan: Plan
) -> None:
    legacy = [
        entry
        for entry in er.async_entries_for_config_entry(entities, entry_id)
        if is_legacy_unique_id(entry.unique_id)
    ]
    if not legacy:
        return
    expected = expected_entities(data)
    complete = listing_complete(data)
    taken: set[tuple[str, str]] = set()
    for entry in legacy:
        outcome = _outcome(entry, expected, complete)
        if isinstance(outcome, Retired):
            plan.retired[outcome].append(entry.entity_id)
            continue
        key = (outcome.domain, outcome.unique_id)
        # Two of its entities for one of ours (its "all" and "total" spellings): the
        # second is in the way; otherwise an entity that already has the id.
        if key in taken:
            plan.clashes.append(entry.entity_id)
            continue
        holder_id = entities.async_get_entity_id(key[0], DOMAIN, key[1])
        holder = None if holder_id is None else entities.async_get(holder_id)
        # A duplicate of ours in the same entry is adopted; anything else is a clash.
        if holder is not None and not plan.adoption.claim_entity(entry, holder):
            plan.clashes.append(holder.entity_id)
            continue
        taken.add(key)
        plan.renames[entry.entity_id] = outcome.unique_id


def _plan_deleted(hass: HomeAssistant, entry_id: str, plan: Plan) -> None:
    """Restore the old entities an earlier version's clean-up deleted, for ours.

    Its stale-device clean-up removed the old devices, and Home Assistant their
    entities, keeping them as deleted entries (entity id, name, area...). Each one
    with a duplicate of ours comes back in its place; the rest stays deleted. Once
    this migration took an entity over, it has run: what it retired stays deleted.
    """
    entities = er.async_get(hass)
    if any(
        is_legacy_unique_id(entity.previous_unique_id or "")
        for entity in er.async_entries_for_config_entry(entities, entry_id)
    ):
        return
    for old in list(entities.deleted_entities.values()):
        if old.config_entry_id != entry_id or not is_legacy_unique_id(old.unique_id):
            continue
        outcome = successor(old.domain, old.unique_id)
        if not isinstance(outcome, Successor) or old.platform != DOMAIN:
            continue
        holder_id = entities.async_get_entity_id(
            outcome.domain, DOMAIN, outcome.unique_id
        )
        holder = None if holder_id is None else entities.async_get(holder_id)
        if holder is not None and plan.adoption.claim_deleted(hass, old, holder):
            plan.renames[old.entity_id] = outcome.unique_id


def plan_migration(hass: HomeAssistant, entry_id: str, data: IzypowerData) -> Plan:
    """Decide every change, raising MigrationClash when one is impossible."""
    plan = Plan()
    entities = er.async_get(hass)
    _plan_devices(dr.async_get(hass), entities, entry_id, plan)
    _plan_entities(entities, entry_id, data, plan)
    _plan_deleted(hass, entry_id, plan)
    if plan.clashes:
        raise MigrationClash(plan.clashes)
    plan.adoption.complete(hass)
    return plan


@callback
def _apply(hass: HomeAssistant, plan: Plan) -> None:
    # Our duplicates go first: their ids are then free for the old entries.
    plan.adoption.apply(hass)
    devices = dr.async_get(hass)
    entities = er.async_get(hass)
    for device_id, identifiers in plan.devices.items():
        devices.async_update_device(device_id, new_identifiers=identifiers)
    for entity_id, new_unique_id in plan.renames.items():
        entities.async_update_entity(entity_id, new_unique_id=new_unique_id)
    for entity_ids in plan.retired.values():
        for entity_id in entity_ids:
            entities.async_remove(entity_id)


def _listed(names: Sequence[str]) -> str:
    return listed(f"`{name}`" for name in names)


@callback
def async_migrate_registries(hass: HomeAssistant, entry: IzypowerConfigEntry) -> None:
    """Give the community integration's devices and entities our ids, or nothing.

    Called once the first snapshot is there, before any device or entity of ours is
    registered. Raises ConfigEntryError (the entry does not load, so no duplicate is
    created) when an id is taken.
    """
    data = entry.runtime_data.coordinator.data
    try:
        plan = plan_migration(hass, entry.entry_id, data)
    except MigrationClash as clash:
        LOGGER.warning(
            "The entities of the community integration were not taken over: %d of "
            "their ids are already used (see the repair); nothing was changed",
            len(clash.holders),
        )
        _create_issue(
            hass,
            entry,
            failed_issue_id(entry.entry_id),
            "legacy_migration_failed",
            {"clash": _listed(clash.holders)},
            failed=True,
        )
        raise ConfigEntryError(
            translation_domain=DOMAIN,
            translation_key="legacy_migration_failed",
            translation_placeholders={"count": str(len(clash.holders))},
        ) from clash
    ir.async_delete_issue(hass, DOMAIN, failed_issue_id(entry.entry_id))
    if not plan:
        return
    _apply(hass, plan)
    _report(hass, entry, plan)


def _report(hass: HomeAssistant, entry: IzypowerConfigEntry, plan: Plan) -> None:
    """Log what was done, and raise the repairs listing it."""
    LOGGER.info(
        "Took over %d devices and %d entities of the community integration; "
        "removed %d entities; removed %d duplicate entities and %d duplicate "
        "devices of an earlier version",
        len(plan.devices),
        len(plan.renames),
        sum(map(len, plan.retired.values())),
        len(plan.adoption.entities),
        len(plan.adoption.devices),
    )
    if plan.adoption:
        _create_issue(
            hass,
            entry,
            adopted_issue_id(entry.entry_id),
            "legacy_duplicates_adopted",
            plan.adoption.placeholders(),
        )
    if plan.retired:
        _create_issue(
            hass,
            entry,
            retired_issue_id(entry.entry_id),
            "legacy_entities_retired",
            {reason.value: _listed(plan.retired[reason]) for reason in Retired},
        )


def _create_issue(
    hass: HomeAssistant,
    entry: IzypowerConfigEntry,
    issue_id: str,
    translation_key: str,
    placeholders: Mapping[str, str],
    *,
    failed: bool = False,
) -> None:
    """Raise a repair of the take-over, naming the entry.

    A failure (an error) is found again at each start, so it is not stored; a report
    of what was done (a warning) is stored: it is made once.
    """
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        is_fixable=False,
        is_persistent=not failed,
        severity=ir.IssueSeverity.ERROR if failed else ir.IssueSeverity.WARNING,
        translation_key=translation_key,
        translation_placeholders={"entry": entry.title, **placeholders},
    )
