"""Which devices of the registry the cloud has stopped listing, on what evidence.

A device of the registry that the cloud's answers no longer list is removed once it was
missing from `STALE_AFTER_SLOW_REFRESHES` consecutive slow refreshes spanning at least
`STALE_AFTER`. A failed listing is no evidence: a device under a station whose device
list failed, or a Link module under a Titan whose battery page failed (directly or
through its parents in the registry), is neither counted missing nor removable by hand.
"""

from collections.abc import Callable
from datetime import datetime

from homeassistant.helpers import device_registry as dr

from .const import DOMAIN, LOGGER, SLOW_REFRESH_INTERVAL
from .data import DeviceData, Feed, IzypowerData, StationData
from .targets import EquipmentTarget, StationTarget, snapshot_targets

# A device leaves the registry once missing from this many consecutive slow refreshes,
# the first of them at least `STALE_AFTER` ago (slow refreshes on demand can come
# back to back).
STALE_AFTER_SLOW_REFRESHES = 2
STALE_AFTER = 2 * SLOW_REFRESH_INTERVAL

# The call through which a parent lists its children: when it failed, the children
# missing from the snapshot may still exist.
_LISTING_FEEDS = {StationTarget: Feed.DEVICE_LIST, EquipmentTarget: Feed.BATTERY}


class StaleDevices:
    """The evidence of one config entry's latest snapshot, and the miss counts."""

    def __init__(self) -> None:
        """Start with no evidence: nothing is listed, nothing counted missing."""
        # Identifiers of everything the latest snapshot lists, and of the parents
        # (stations, Titans) whose listing of their children failed in it.
        self._present: set[tuple[str, str]] = set()
        self._unlisted: set[tuple[str, str]] = set()
        # Registry device id -> (consecutive slow refreshes missed, first miss).
        self._missing: dict[str, tuple[int, datetime]] = {}

    def observe(self, data: IzypowerData) -> None:
        """Take the latest snapshot as the evidence of what exists."""
        self._present = set()
        self._unlisted = set()
        for target, source in snapshot_targets(data):
            self._present.add(target.identifier)
            feed = _LISTING_FEEDS.get(type(target))
            if isinstance(source, (StationData, DeviceData)) and feed in source.failed:
                self._unlisted.add(target.identifier)

    def may_still_exist(
        self, registry: dr.DeviceRegistry, device_entry: dr.DeviceEntry
    ) -> bool:
        """Tell whether the cloud may still have a device of the registry.

        True when the latest snapshot lists it, or when a listing it would be part of
        failed (a failed call is no evidence that the device is gone).
        """
        return bool(
            device_entry.identifiers & self._present
        ) or self._under_failed_listing(registry, device_entry)

    def remove_stale(
        self,
        registry: dr.DeviceRegistry,
        entry_id: str,
        now: datetime,
        forget: Callable[[str], None],
    ) -> None:
        """Count a slow refresh; detach the devices missing for long enough.

        `forget` receives the identifier value of each removed device, so that what
        was kept about it (the energy guard's history) goes with it.
        """
        for device_entry in dr.async_entries_for_config_entry(registry, entry_id):
            ours = {item for item in device_entry.identifiers if item[0] == DOMAIN}
            if not ours or ours & self._present:
                self._missing.pop(device_entry.id, None)
                continue
            if self._under_failed_listing(registry, device_entry):
                continue
            misses, first_miss = self._missing.get(device_entry.id, (0, now))
            misses += 1
            if misses < STALE_AFTER_SLOW_REFRESHES or now - first_miss < STALE_AFTER:
                self._missing[device_entry.id] = (misses, first_miss)
                continue
            LOGGER.info(
                "Removing %s: gone from the Izypower Cloud",
                device_entry.name_by_user or device_entry.name or device_entry.id,
            )
            del self._missing[device_entry.id]
            # A device belongs to one config entry: removing it from ours removes it.
            registry.async_remove_device(device_entry.id)
            for _, owner in ours:
                forget(owner)

    def _under_failed_listing(
        self, registry: dr.DeviceRegistry, device_entry: dr.DeviceEntry
    ) -> bool:
        """Tell whether a parent of the device failed to list its children."""
        parent_id = device_entry.via_device_id
        while (
            parent_id is not None
            and (parent := registry.async_get(parent_id, include_child_devices=False))
            is not None
        ):
            if parent.identifiers & self._unlisted:
                return True
            parent_id = parent.via_device_id
        return False
