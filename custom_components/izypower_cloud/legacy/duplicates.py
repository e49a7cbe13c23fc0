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

from custom_components.izypower_cloud.const import DOMAIN

from .ids import device_identifier, is_legacy_unique_id

# What the user sets, per registry: values (the old entry keeps its own), then
# what the user alone turns on ("user": carried when the old entry is not).
_ENTITY_FIELDS = (("name", "icon", "area_id"), ("disabled_by", "hidden_by"))
_DEVICE_FIELDS = (("name_by_user", "area_id"), ("disabled_by",))


@dataclass
class Adoption:
    """The duplicates of ours to fold into the old registry entries, planned."""

    # Our duplicate device id -> the old device id that takes its place.
    devices: dict[str, str] = field(default_factory=dict)
    # Old entity id -> the entity id of our duplicate, removed.
    entities: dict[str, str] = field(default_factory=dict)
    # Entity id of ours with no old counterpart -> the kept device it moves to.
    moves: dict[str, str] = field(default_factory=dict)
    # Old entity id -> its deleted entry (the earlier version's stale-device clean-up
    # removed its device), restored on our duplicate's device.
    restores: dict[str, tuple[er.DeletedRegistryEntry, str | None]] = field(
        default_factory=dict
    )
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
        # Found by identifier within the old device's entry: the same entry.
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
        if not _is_ours(ours, old.config_entry_id):
            return False
        self.entities[old.entity_id] = ours.entity_id
        return True

    def claim_deleted(
        self, hass: HomeAssistant, old: er.DeletedRegistryEntry, ours: er.RegistryEntry
    ) -> bool:
        """Plan to restore `old` in place of `ours`; False when it cannot be.

        Only for an old entity deleted while a duplicate of ours existed (never one
        this migration retired: ours comes after), not already claimed, while the old
        entity id is free: anything else leaves the deleted entry as it is.
        """
        if (
            not _is_ours(ours, old.config_entry_id)
            or old.modified_at <= ours.created_at
            or ours.entity_id in self.entities.values()
            # Home Assistant gives the old entity id back only while it is free.
            or old.entity_id in self.entities
            or er.async_get(hass).async_is_registered(old.entity_id)
            or not hass.states.async_available(old.entity_id)
        ):
            return False
        self.entities[old.entity_id] = ours.entity_id
        self.restores[old.entity_id] = (old, ours.device_id)
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
            ours = entities.async_get(ours_id)
            old = entities.async_get(old_id) or self.restores[old_id][0]
            assert ours is not None  # Just looked up.
            changes, lost = _compare(hass, old, ours, _ENTITY_FIELDS)
            self.entity_changes[old_id] = changes
            self._report(changes, lost, f"`{old_id}`", f"`{ours_id}`")
        for ours_id, kept_id in self.devices.items():
            kept, duplicate = devices.async_get(kept_id), devices.async_get(ours_id)
            assert isinstance(kept, dr.DeviceEntry)  # Both were just looked up.
            assert isinstance(duplicate, dr.DeviceEntry)
            changes, lost = _compare(hass, kept, duplicate, _DEVICE_FIELDS)
            self.device_changes[kept_id] = changes
            # Named as the user sees them afterwards.
            shown = changes.get("name_by_user") or _device_name(kept)
            self._report(changes, lost, shown, _device_name(duplicate))

    def _report(
        self, changes: dict[str, Any], lost: list[str], kept: str, duplicate: str
    ) -> None:
        if changes:
            self.carried.append(kept)
        if lost:
            self.not_carried.append(f"{duplicate}: {' · '.join(lost)}")

    @callback
    def apply(self, hass: HomeAssistant) -> None:
        """Remove the duplicates, so that the old entries can take their ids."""
        entities = er.async_get(hass)
        devices = dr.async_get(hass)
        for entity_id, kept_id in self.moves.items():
            entities.async_update_entity(entity_id, device_id=kept_id)
        for ours_id in self.entities.values():
            entities.async_remove(ours_id)
        # Their children lose their parent for a moment: DeviceSync sets it again.
        for ours_id in self.devices:
            devices.async_remove_device(ours_id)
        for old, device_id in self.restores.values():
            # Home Assistant restores a deleted entry: registry id, entity id, name...
            entities.async_get_or_create(
                old.domain,
                DOMAIN,
                old.unique_id,
                config_entry=hass.config_entries.async_get_entry(
                    old.config_entry_id or ""
                ),
                device_id=device_id,
            )
        for old_id, changes in self.entity_changes.items():
            if changes:
                entities.async_update_entity(old_id, **changes)
        for device_id, changes in self.device_changes.items():
            if changes:
                devices.async_update_device(device_id, **changes)

    def placeholders(self) -> dict[str, str]:
        """Return the repair's lists: ids replaced, customisations carried and not."""
        return {
            "replaced": listed(
                f"`{ours}` → `{old}`" for old, ours in self.entities.items()
            ),
            "carried": listed(self.carried),
            "not_carried": listed(self.not_carried),
        }


def _is_ours(entity: er.RegistryEntry, entry_id: str | None) -> bool:
    """Tell whether we created the entity in the entry (not an old one taken over)."""
    return (
        entity.config_entry_id == entry_id
        and entity.platform == DOMAIN
        and not is_legacy_unique_id(entity.unique_id)
        and not is_legacy_unique_id(entity.previous_unique_id or "")
    )


def _compare(
    hass: HomeAssistant,
    old: er.RegistryEntry | er.DeletedRegistryEntry | dr.DeviceEntry,
    ours: er.RegistryEntry | dr.DeviceEntry,
    fields: tuple[tuple[str, ...], tuple[str, ...]],
) -> tuple[dict[str, Any], list[str]]:
    """Return what `old` takes over from `ours`, and what of ours it cannot."""
    values, flags = fields
    changes: dict[str, Any] = {}
    lost: list[str] = []
    for name in values:
        mine, theirs = getattr(ours, name), getattr(old, name)
        if mine is None or mine == theirs:
            continue
        if theirs is None:
            changes[name] = mine
        else:
            lost.append(_shown(hass, name, mine))
    if ours.labels - old.labels:
        changes["labels"] = old.labels | ours.labels
    for name in flags:
        if getattr(ours, name) == "user" and getattr(old, name) is None:
            changes[name] = getattr(ours, name)
    return changes, lost


def _device_name(device: dr.DeviceEntry) -> str:
    return device.name_by_user or device.name or device.serial_number or device.id


def _shown(hass: HomeAssistant, name: str, value: str) -> str:
    if name == "area_id" and (area := ar.async_get(hass).async_get_area(value)):
        return area.name
    return value


def listed(lines: Iterable[str]) -> str:
    """Return a repair's list, one line an item, sorted (`-` when empty)."""
    ordered: Sequence[str] = sorted(lines)
    return "\n".join(f"- {line}" for line in ordered) or "-"
