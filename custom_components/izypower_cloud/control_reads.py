"""The controls' reads: battery settings, meter control, EV charger settings.

A device's control values are read on the slow cadence, at every refresh while one of
its writes waits for confirmation (pending.py), and once at once after a write
(`reread`). Each resource has its own `SlowCache`, so its last good value stands in
while a read fails, and a failed read blanks only the controls it feeds
(`Feed.SETTINGS`, `Feed.METER_CONTROL`, `Feed.EV_SETTINGS`). An EV charger's settings
(four requests) are read only while the entity registry holds one of its controls
enabled (`begin`'s wanted pages, on_demand.py): all are disabled by default.
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
    EvSettings,
    IzypowerClient,
    IzypowerConnectionError,
    MeterControl,
)
from .data import DeviceData, Feed
from .slow_cache import SlowCache

type Page = tuple[int, Feed]
_CONTROL_FEEDS = frozenset({Feed.SETTINGS, Feed.METER_CONTROL, Feed.EV_SETTINGS})


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
        self.ev_settings = SlowCache[int, EvSettings](slow_max_age)
        # The on-demand pages an enabled entity reads, this refresh (`begin`).
        self._wanted: frozenset[Page] = frozenset()
        # Devices with a write waiting for confirmation (controls.py), or with a
        # battery mode hold (mode_holds.py): their settings are due at every refresh.
        self.pending: Callable[[int], bool] = lambda _: False

    def caches(self) -> tuple[SlowCache[Any, Any], ...]:
        """Return the slow caches, for the fetcher to begin and prune with its own."""
        return (self.settings, self.meter_control, self.ev_settings)

    def begin(self, wanted: frozenset[Page]) -> None:
        """Start a refresh: `wanted` says which EV chargers' settings to read."""
        self._wanted = wanted

    def state(self, device: Device) -> tuple[DeviceData, frozenset[Feed]]:
        """Return a device's control values (on an empty part) and the failed reads.

        Only devices with a serial have controls (every write is addressed by serial).
        """
        device_id = device.device_id
        values = DeviceData(
            device=device,
            settings=self.settings.get(device_id),
            meter_control=self.meter_control.get(device_id),
            ev_settings=self.ev_settings.get(device_id),
        )
        failed: set[Feed] = set()
        if _reads_settings(device) and values.settings is None:
            failed.add(Feed.SETTINGS)
        if _reads_meter_control(device) and values.meter_control is None:
            failed.add(Feed.METER_CONTROL)
        if self._reads_ev_settings(device) and values.ev_settings is None:
            failed.add(Feed.EV_SETTINGS)
        return values, frozenset(failed)

    async def reread(self, station_id: int, device: Device, feed: Feed) -> None:
        """Read one control resource of a device again now (after a write).

        `with_state` then gives a device's part of the snapshot with it as just read.
        A read that fails raises `IzypowerConnectionError`: a caller deciding from it
        (a write, a restore) must not decide from the last good value.
        """
        try:
            async with asyncio.TaskGroup() as group:
                self.schedule(group, station_id, device, True, only=feed)
        except ExceptionGroup as errors:
            # One call only: a refused login, as a caller expects it, not wrapped.
            raise errors.exceptions[0] from None
        caches: dict[Feed, SlowCache[int, Any]] = {
            Feed.SETTINGS: self.settings,
            Feed.METER_CONTROL: self.meter_control,
            Feed.EV_SETTINGS: self.ev_settings,
        }
        if caches[feed].failed(device.device_id):
            raise IzypowerConnectionError(f"Reading the {feed} of a device failed")

    def with_state(self, device: DeviceData) -> DeviceData:
        """Return the device's part of the snapshot with its control values as read."""
        values, failed = self.state(device.device)
        return dataclasses.replace(
            device,
            settings=values.settings,
            meter_control=values.meter_control,
            ev_settings=values.ev_settings,
            failed=device.failed - _CONTROL_FEEDS | failed,
        )

    def schedule(
        self,
        group: asyncio.TaskGroup,
        station_id: int,
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
        # Read when wanted; a re-read after a write is wanted by the control writing.
        if (self._reads_ev_settings(device) and only is None) or (
            _is_charger(device) and only is Feed.EV_SETTINGS
        ):
            self.ev_settings.schedule(
                group,
                device_id,
                due,
                self._caller(
                    f"EV charger settings of device {device_id}",
                    partial(
                        self._client.get_ev_settings, device.serial or "", station_id
                    ),
                ),
            )

    def _reads_ev_settings(self, device: Device) -> bool:
        return (
            _is_charger(device) and (device.device_id, Feed.EV_SETTINGS) in self._wanted
        )


def _reads_settings(device: Device) -> bool:
    return device.device_type is DeviceType.BATTERY and device.serial is not None


def _reads_meter_control(device: Device) -> bool:
    # Read by device id, but written by serial: without one there is no control.
    return device.device_type is DeviceType.METER and device.serial is not None


def _is_charger(device: Device) -> bool:
    return device.device_type is DeviceType.CHARGER and device.serial is not None
