"""The controls' reads: battery settings and meter control, slow, or again after a write.

A device's control values are read on the slow cadence, at every refresh while one of
its writes waits for confirmation (pending.py), and once at once after a write
(`reread`). Each resource has its own `SlowCache`, so its last good value stands in
while a read fails, and a failed read blanks only the controls it feeds
(`Feed.SETTINGS`, `Feed.METER_CONTROL`).
"""

import asyncio
from collections.abc import Awaitable, Callable
import dataclasses
from datetime import timedelta
from functools import partial
from typing import Any, Protocol

from .api import (
    BatterySettings,
    Device,
    DeviceType,
    IzypowerClient,
    IzypowerConnectionError,
    MeterControl,
)
from .data import DeviceData, Feed
from .slow_cache import SlowCache


class Caller(Protocol):
    """Wrap a cloud call into the fetcher's limits and failure logging (fetch.py)."""

    def __call__[T](
        self, what: str, call: Callable[[], Awaitable[T]], /
    ) -> Callable[[], Awaitable[T | None]]:
        """Return `call`, named `what` in logs, made through the fetcher."""


class ControlReads:
    """The control values of one config entry's devices, by device id."""

    def __init__(
        self, client: IzypowerClient, slow_max_age: timedelta, caller: Caller
    ) -> None:
        """Start with no value; calls go through `caller` (the fetcher's limits)."""
        self._client = client
        self._caller = caller
        self.settings = SlowCache[int, BatterySettings](slow_max_age)
        self.meter_control = SlowCache[int, MeterControl](slow_max_age)
        # Devices with a write waiting for confirmation (controls.py), or with a
        # battery mode hold (mode_holds.py): their settings are due at every refresh.
        self.pending: Callable[[int], bool] = lambda _: False

    def caches(self) -> tuple[SlowCache[Any, Any], ...]:
        """Return the slow caches, for the fetcher to begin and prune with its own."""
        return (self.settings, self.meter_control)

    def state(
        self, device: Device
    ) -> tuple[BatterySettings | None, MeterControl | None, frozenset[Feed]]:
        """Return a device's settings, meter control and which of their reads failed.

        Only devices with a serial have controls (every write is addressed by serial).
        """
        settings = self.settings.get(device.device_id)
        meter_control = self.meter_control.get(device.device_id)
        failed: set[Feed] = set()
        if _reads_settings(device) and settings is None:
            failed.add(Feed.SETTINGS)
        if _reads_meter_control(device) and meter_control is None:
            failed.add(Feed.METER_CONTROL)
        return settings, meter_control, frozenset(failed)

    async def reread(self, device: Device, feed: Feed) -> None:
        """Read one control resource of a device again now (after a write).

        `with_state` then gives a device's part of the snapshot with it as just read.
        A read that fails raises `IzypowerConnectionError`: a caller deciding from it
        (a write, a restore) must not decide from the last good value.
        """
        try:
            async with asyncio.TaskGroup() as group:
                self.schedule(group, device, True, only=feed)
        except ExceptionGroup as errors:
            # One call only: a refused login, as a caller expects it, not wrapped.
            raise errors.exceptions[0] from None
        cache = self.settings if feed is Feed.SETTINGS else self.meter_control
        if cache.failed(device.device_id):
            raise IzypowerConnectionError(f"Reading the {feed} of a device failed")

    def with_state(self, device: DeviceData) -> DeviceData:
        """Return the device's part of the snapshot with its control values as read."""
        settings, meter_control, failed = self.state(device.device)
        return dataclasses.replace(
            device,
            settings=settings,
            meter_control=meter_control,
            failed=device.failed - {Feed.SETTINGS, Feed.METER_CONTROL} | failed,
        )

    def schedule(
        self,
        group: asyncio.TaskGroup,
        device: Device,
        slow: bool,
        *,
        only: Feed | None = None,
    ) -> None:
        """Start a device's control reads that are due (`only`: just that one)."""
        device_id = device.device_id
        due = slow or self.pending(device_id)
        if _reads_settings(device) and only in (None, Feed.SETTINGS):
            self.settings.schedule(
                group,
                device_id,
                due,
                self._caller(
                    f"battery settings of device {device_id}",
                    partial(self._client.get_battery_settings, device.serial or ""),
                ),
            )
        if _reads_meter_control(device) and only in (None, Feed.METER_CONTROL):
            self.meter_control.schedule(
                group,
                device_id,
                due,
                self._caller(
                    f"meter control of device {device_id}",
                    partial(self._client.get_meter_control, device_id),
                ),
            )


def _reads_settings(device: Device) -> bool:
    return device.device_type is DeviceType.BATTERY and device.serial is not None


def _reads_meter_control(device: Device) -> bool:
    # Read by device id, but written by serial: without one there is no control.
    return device.device_type is DeviceType.METER and device.serial is not None
