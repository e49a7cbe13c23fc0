"""Reads made only while an entity shows them: a meter's channels, an EV charger's powers.

These pages of newer cloud versions (docs/api.md §7.13-7.14) were seen in one client
only, and a meter's three channels make fifteen readings few users want, so their
entities are disabled by default. Reading them for every device at every refresh would
cost every account requests for values nobody looks at: an entity that Home Assistant
adds (so, an enabled one) registers its interest with `want`, and withdraws it when it
is removed or disabled. A wanted page is read at every refresh, at the fast cadence
(they are live powers), and once at once when first wanted, so that a newly enabled
entity does not wait a refresh period to show a value.
"""

import asyncio
from collections import Counter
from collections.abc import Callable
import dataclasses
from functools import partial

from .api import DeviceType, EvChargerPower, IzypowerClient, MeterChannel
from .api.equipment import Device
from .control_reads import Caller
from .data import ON_DEMAND_FEEDS, DeviceData, Feed

# Which kind of equipment has each page.
_DEVICE_TYPES = {
    Feed.METER_CHANNELS: DeviceType.METER,
    Feed.EV_CHARGER: DeviceType.CHARGER,
}


class OnDemandReads:
    """The on-demand pages of one config entry's devices, and who wants them."""

    def __init__(self, client: IzypowerClient, caller: Caller) -> None:
        """Want nothing yet; calls go through `caller` (the fetcher's limits)."""
        self._client = client
        self._caller = caller
        # Enabled entities reading each (device id, feed).
        self._wanted = Counter[tuple[int, Feed]]()
        # This refresh's results by device id; None: the read failed.
        self._meter_channels: dict[int, tuple[MeterChannel, ...] | None] = {}
        self._ev_charger: dict[int, EvChargerPower | None] = {}

    def want(self, device_id: int, feed: Feed) -> tuple[bool, Callable[[], None]]:
        """Read `feed` of a device until the returned callback is called.

        Also returns whether nobody wanted it before (it has not been read yet).
        """
        key = (device_id, feed)
        self._wanted[key] += 1
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                self._wanted[key] -= 1
                if not self._wanted[key]:
                    del self._wanted[key]

        return self._wanted[key] == 1, release

    def begin(self) -> None:
        """Start a refresh: forget the last results (what is wanted is read again)."""
        self._meter_channels = {}
        self._ev_charger = {}

    def schedule(self, group: asyncio.TaskGroup, device: Device) -> None:
        """Start in `group` the reads of a device that somebody wants."""
        for feed in ON_DEMAND_FEEDS:
            if self._due(device, feed):
                group.create_task(self._read(device, feed))

    def _due(self, device: Device, feed: Feed) -> bool:
        # Pages are addressed by serial.
        return (
            device.serial is not None
            and device.device_type is _DEVICE_TYPES[feed]
            and (device.device_id, feed) in self._wanted
        )

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
        channels = self._meter_channels.get(device_id)
        charger = self._ev_charger.get(device_id)
        failed = {
            feed
            for feed, results in (
                (Feed.METER_CHANNELS, self._meter_channels),
                (Feed.EV_CHARGER, self._ev_charger),
            )
            if device_id in results and results[device_id] is None
        }
        return channels, charger, frozenset(failed)

    async def reread(self, device: DeviceData, feed: Feed) -> DeviceData:
        """Read one page of a device now (first wanted), outside a refresh.

        Returns the device's part of the snapshot with that page as just read.
        """
        if self._due(device.device, feed):
            await self._read(device.device, feed)
        channels, charger, failed = self.state(device.device)
        return dataclasses.replace(
            device,
            meter_channels=channels,
            ev_charger=charger,
            failed=device.failed - ON_DEMAND_FEEDS | failed,
        )
