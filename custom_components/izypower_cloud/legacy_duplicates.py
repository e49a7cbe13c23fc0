"""Adopt the duplicates an earlier version of ours created beside the old entities.

Before the migration existed, this project loaded an entry of the community integration
as it was: its devices and entities stayed, orphaned, and ours were created in the same
entry beside them. The old registry entries win (they carry the user's entity ids,
automations, Energy dashboard sources and long history): each duplicate entity of ours
is removed before the old one takes its unique id; the old device takes our identifier,
receives the entities of ours that have no old counterpart, and our emptied device is
removed. What the user set on a duplicate (name, icon, area, labels, disabled or hidden)
is carried over when the old entry has none, and listed in a repair when it has its own.

Only this situation is adopted: the duplicate belongs to the same entry and holds
nothing but entities of ours of that entry. Anything else in the way stays a clash.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
)

from .const import DOMAIN
from .legacy_ids import device_identifier, is_legacy_unique_id

type Registry = er.RegistryEntry | dr.DeviceEntry
# What the user names or places, per registry: the old entry keeps its own.
_ENTITY_VALUES = ("name", "icon", "area_id")
_DEVICE_VALUES = ("name_by_user", "area_id")


@dataclass
class Adoption:
    """The duplicates of ours to fold into the old registry entries, planned."""

    # Our duplicate device id -> the old device id that takes its place.
    devices: dict[str, str] = field(default_factory=dict)
    # Old entity id -> the entity id of our duplicate, removed.
    entities: dict[str, str] = field(default_factory=dict)
    # Entity id of ours with no old counterpart -> the kept device it moves to.
    moves: dict[str, str] = field(default_factory=dict)
    # Old entity id / old device id -> what it takes over from our duplicate.
    entity_changes: dict[str, dict[str, Any]] = field(default_factory=dict)
    device_changes: dict[str, dict[str, Any]] = field(default_factory=dict)
    # For the repair: old entries that took something over, and what was not taken
    # because the old entry had its own (values, so that the user can redo it).
    carried: list[str] = field(default_factory=list)
    not_carried: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        """Whether any duplicate is adopted."""
        return bool(self.devices or self.entities)

    def claim_device(
        self, entities: er.EntityRegistry, old: dr.DeviceEntry, ours: dr.DeviceEntry
    ) -> bool:
        """Plan to fold `ours` into `old`; False when it is no duplicate of ours."""
        if ours.id in self.devices or ours.config_entry_id != old.config_entry_id:
            return False
        if any(
            domain != DOMAIN or device_identifier(value) is not None
            for domain, value in ours.identifiers
        ):
            return False
        held = er.async_entries_for_device(
            entities, ours.id, include_disabled_entities=True
        )
        if not all(_is_ours(entity, old.config_entry_id) for entity in held):
            return False
        self.devices[ours.id] = old.id
        return True

    def claim_entity(self, old: er.RegistryEntry, ours: er.RegistryEntry) -> bool:
        """Plan to remove `ours` for `old`; False when it is no duplicate of ours."""
        if old.config_entry_id is None or not _is_ours(ours, old.config_entry_id):
            return False
        self.entities[old.entity_id] = ours.entity_id
        return True

    def complete(self, hass: HomeAssistant) -> None:
        """Plan the moves and the carried customisations, once every id is claimed."""
        entities = er.async_get(hass)
        devices = dr.async_get(hass)
        removed = set(self.entities.values())
        for ours_id, kept_id in self.devices.items():
            for entity in er.async_entries_for_device(
                entities, ours_id, include_disabled_entities=True
            ):
                if entity.entity_id not in removed:
                    self.moves[entity.entity_id] = kept_id
        for old_id, ours_id in self.entities.items():
            self._carry(
                hass, entities.async_get(old_id), entities.async_get(ours_id), old_id
            )
        for ours_id, kept_id in self.devices.items():
            kept = devices.async_get(kept_id)
            self._carry(hass, kept, devices.async_get(ours_id), _device_name(kept))

    def _carry(
        self, hass: HomeAssistant, old: Registry | None, ours: Registry | None, at: str
    ) -> None:
        assert old is not None and ours is not None  # Both were just looked up.
        is_entity = isinstance(old, er.RegistryEntry)
        changes: dict[str, Any] = {}
        lost: list[str] = []
        for name in _ENTITY_VALUES if is_entity else _DEVICE_VALUES:
            mine, theirs = getattr(ours, name), getattr(old, name)
            if mine is None or mine == theirs:
                continue
            if theirs is None:
                changes[name] = mine
            else:
                lost.append(_shown(hass, name, mine))
        if ours.labels - old.labels:
            changes["labels"] = old.labels | ours.labels
        for name in ("disabled_by", "hidden_by") if is_entity else ("disabled_by",):
            mine = getattr(ours, name)
            if mine == "user" and getattr(old, name) is None:
                changes[name] = mine
        (self.entity_changes if is_entity else self.device_changes)[old.id] = changes
        if changes:
            self.carried.append(f"`{at}`" if is_entity else at)
        if lost:
            where = f"`{ours.entity_id}`" if is_entity else _device_name(ours)
            self.not_carried.append(f"{where}: {' · '.join(lost)}")

    @callback
    def apply(self, hass: HomeAssistant) -> None:
        """Remove the duplicates, so that the old entries can take their ids."""
        entities = er.async_get(hass)
        devices = dr.async_get(hass)
        for entity_id, kept_id in self.moves.items():
            entities.async_update_entity(entity_id, device_id=kept_id)
        for ours_id in self.entities.values():
            entities.async_remove(ours_id)
        for ours_id, kept_id in self.devices.items():
            for child in devices.devices.values():
                if child.via_device_id == ours_id and child.id not in self.devices:
                    devices.async_update_device(child.id, via_device_id=kept_id)
            devices.async_remove_device(ours_id)
        for old_id, changes in self.entity_changes.items():
            if changes:
                entities.async_update_entity(old_id, **changes)
        for device_id, changes in self.device_changes.items():
            if changes:
                devices.async_update_device(device_id, **changes)

    def placeholders(self) -> dict[str, str]:
        """The repair's lists: ids replaced, customisations carried and not."""
        return {
            "replaced": listed(
                f"`{ours}` → `{old}`" for old, ours in self.entities.items()
            ),
            "carried": listed(self.carried),
            "not_carried": listed(self.not_carried),
        }


def _is_ours(entity: er.RegistryEntry, entry_id: str) -> bool:
    return (
        entity.config_entry_id == entry_id
        and entity.platform == DOMAIN
        and not is_legacy_unique_id(entity.unique_id)
    )


def _device_name(device: dr.DeviceEntry | None) -> str:
    assert device is not None  # Looked up from the plan, made of existing devices.
    return device.name_by_user or device.name or device.serial_number or device.id


def _shown(hass: HomeAssistant, name: str, value: str) -> str:
    if name == "area_id" and (area := ar.async_get(hass).async_get_area(value)):
        return area.name
    return value


def listed(lines: Iterable[str]) -> str:
    """Return a repair's list, one line an item, sorted (`-` when empty)."""
    ordered: Sequence[str] = sorted(lines)
    return "\n".join(f"- {line}" for line in ordered) or "-"
