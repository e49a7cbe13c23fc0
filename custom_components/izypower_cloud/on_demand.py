"""Pages read only while an entity shows them: a meter's channels, an EV charger's powers.

These pages of newer cloud versions (docs/api.md §7.13-7.14) were seen in one client
only, and a meter's three channels make fifteen readings few users want, so their
entities are disabled by default. Reading them for every device at every refresh would
cost every account requests for values nobody looks at: a page is read, at every
refresh (they are live powers), only for the devices where the entity registry holds
an enabled entity that reads it. The registry, not the entities added so far, is the
source: it already says so at the first refresh of a setup, before the platforms add
any entity, so a page a user enabled (Home Assistant then reloads the entry) is read by
the reload's first refresh, and a page whose entities the user disabled is no longer
read from the next refresh on. The same registry look names the EV chargers whose
controls (all disabled by default) are enabled: their settings are a slow read
(control_reads.py), not a page of this module.
"""

import asyncio
from collections.abc import Iterable, Mapping
from functools import partial

from .api import DeviceType, EvChargerPower, IzypowerClient, MeterChannel
from .api.equipment import Device
from .control_reads import Caller, Page
from .data import ON_DEMAND_FEEDS, Feed
from .identifiers import DEVICE_PREFIX

# The entity keys of each page start with its prefix (on_demand_sensors.py builds them
# from these), which is how an entity registry entry names the page it reads.
CHANNEL_KEY_PREFIX = "channel_"
EV_CHARGER_KEY_PREFIX = "ev_charger_"
# An EV charger's controls: their settings are read on the slow cadence, like a
# Titan's, but only while one of them is enabled (control_reads.py).
EV_CONTROL_KEY_PREFIX = "evse_"
_KEY_PREFIXES: Mapping[str, Feed] = {
    CHANNEL_KEY_PREFIX: Feed.METER_CHANNELS,
    EV_CHARGER_KEY_PREFIX: Feed.EV_CHARGER,
    EV_CONTROL_KEY_PREFIX: Feed.EV_SETTINGS,
}
# Which kind of equipment has each page.
_DEVICE_TYPES: Mapping[Feed, DeviceType] = {
    Feed.METER_CHANNELS: DeviceType.METER,
    Feed.EV_CHARGER: DeviceType.CHARGER,
}


def page_of(unique_id: str) -> Page | None:
    """Return the (device id, feed) an entity's unique id reads; None if no page.

    Unique ids are `device_<id>_<key>` for equipment (entity.py `unique_id`).
    """
    device, _, key = unique_id.removeprefix(DEVICE_PREFIX).partition("_")
    if not unique_id.startswith(DEVICE_PREFIX) or not device.isdigit():
        return None
    feed = next(
        (feed for prefix, feed in _KEY_PREFIXES.items() if key.startswith(prefix)),
        None,
    )
    return None if feed is None else (int(device), feed)


class OnDemandReads:
    """The on-demand pages of one config entry's devices, for one refresh."""

    def __init__(self, client: IzypowerClient, caller: Caller) -> None:
        """Want nothing yet; calls go through `caller` (the fetcher's limits)."""
        self._client = client
        self._caller = caller
        self._wanted: frozenset[Page] = frozenset()
        # This refresh's results by device id; None: the read failed.
        self._meter_channels: dict[int, tuple[MeterChannel, ...] | None] = {}
        self._ev_charger: dict[int, EvChargerPower | None] = {}

    def begin(self, wanted: Iterable[Page]) -> None:
        """Start a refresh that reads the `wanted` pages; forget the last results."""
        self._wanted = frozenset(wanted)
        self._meter_channels = {}
        self._ev_charger = {}

    def schedule(self, group: asyncio.TaskGroup, device: Device) -> None:
        """Start in `group` the reads of a device that are wanted."""
        for feed in ON_DEMAND_FEEDS:
            # Pages are addressed by serial.
            if (
                device.serial is not None
                and device.device_type is _DEVICE_TYPES[feed]
                and (device.device_id, feed) in self._wanted
            ):
                group.create_task(self._read(device, feed))

    async def _read(self, device: Device, feed: Feed) -> None:
        """Read one page of a device; a failure is recorded as None."""
        device_id, serial = device.device_id, device.serial or ""
        if feed is Feed.METER_CHANNELS:
            channels = await self._caller(
                f"meter channels of device {device_id}",
                partial(self._client.get_meter_channels, serial),
            )()
            self._meter_channels[device_id] = (
                None if channels is None else tuple(channels)
            )
        else:
            self._ev_charger[device_id] = await self._caller(
                f"EV charger page of device {device_id}",
                partial(self._client.get_ev_charger, serial),
            )()

    def state(
        self, device: Device
    ) -> tuple[tuple[MeterChannel, ...] | None, EvChargerPower | None, frozenset[Feed]]:
        """Return a device's meter channels, charger powers and which reads failed."""
        device_id = device.device_id
        failed = {
            feed
            for feed, results in (
                (Feed.METER_CHANNELS, self._meter_channels),
                (Feed.EV_CHARGER, self._ev_charger),
            )
            if device_id in results and results[device_id] is None
        }
        return (
            self._meter_channels.get(device_id),
            self._ev_charger.get(device_id),
            frozenset(failed),
        )
