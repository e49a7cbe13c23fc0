"""The cloud calls of one refresh: concurrency bound, failure logging, fan-out.

The coordinator decides what a refresh needs (cadence, which devices); this module
makes the calls. Independent calls run concurrently, at most `MAX_CONCURRENT_REQUESTS`
at a time. A failing call returns None and is logged once when it starts failing and
once when it recovers; a refused login escapes and cancels the calls still running.
Slow calls go through one `SlowCache` per kind, which decides whether each is due.
"""

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, timedelta
from functools import partial
from typing import Any

from .api import (
    BatteryPage,
    CtPower,
    Device,
    DeviceType,
    EnergyReport,
    IzypowerAuthenticationError,
    IzypowerClient,
    IzypowerError,
    Period,
    PvString,
    Station,
    StationInfo,
    WifiInfo,
)
from .call_failures import FailureStreaks
from .const import MAX_CONCURRENT_REQUESTS
from .control_reads import ControlReads, Page
from .fetch_results import DeviceCalls
from .on_demand import OnDemandReads
from .refresh_guard import CallCutError, RefreshGuard
from .slow_cache import CatchUp, SlowCache

# Reports of the slow cadence; the day report is fetched on the cloud's own cadence.
SLOW_PERIODS = (Period.MONTH, Period.YEAR, Period.TOTAL)
# The cloud renews the day report's figures and the CT clamps' rows every 5 minutes:
# read again once the last answer is that old (every other refresh at 3 minutes, every
# refresh at 5 or more). A renewal that fails leaves nothing to show (unavailable), as
# a failed read did when they were read at every refresh: an answer is shown for
# `CLOUD_SAMPLE_GRACE` beyond the interval.
CLOUD_SAMPLE_INTERVAL = timedelta(minutes=5)
CLOUD_SAMPLE_GRACE = timedelta(seconds=30)
# The most slow calls off their cadence (failed, cut, never made) one refresh makes:
# about 10 s of 4 concurrent calls at 100 ms, so that catching up after setup's cut
# first refresh on a large account is spread over a few refreshes (issue 25).
CATCH_UP_CALLS = 400


class CloudFetcher:
    """Make one config entry's cloud calls and keep the results of its slow calls."""

    def __init__(self, client: IzypowerClient, slow_max_age: timedelta) -> None:
        """Start with no slow result; `slow_max_age` bounds how long one is shown."""
        self.client = client
        self._semaphore = asyncio.Semaphore(MAX_CONCURRENT_REQUESTS)
        # Calls currently failing, so each failure streak is logged once.
        self._streaks = FailureStreaks()
        self._guard: RefreshGuard | None = None
        self._stations: dict[int, Station] | None = None
        # Whether the last station list call of the account failed.
        self.station_list_failed = False
        # One cache per kind of slow call.
        self.reports = SlowCache[tuple[int, Period], EnergyReport](slow_max_age)
        self.firmware = SlowCache[int, dict[str, bool]](slow_max_age)
        self.wifi = SlowCache[int, WifiInfo](slow_max_age)
        # By station and station-local date (a new day is read at once).
        self.day_reports = SlowCache[tuple[int, date], EnergyReport](
            CLOUD_SAMPLE_INTERVAL + CLOUD_SAMPLE_GRACE,
            refresh_after=CLOUD_SAMPLE_INTERVAL,
        )
        self.ct_powers = SlowCache[int, list[CtPower]](
            CLOUD_SAMPLE_INTERVAL + CLOUD_SAMPLE_GRACE,
            refresh_after=CLOUD_SAMPLE_INTERVAL,
        )
        # A micro-inverter's temperature changes slowly: on the slow cadence (a
        # 1-tuple, so that a reading the cloud did not send is no failure), and at
        # every refresh while the cloud has sent none today (`_unsampled`).
        self.temperature = SlowCache[int, tuple[float | None]](slow_max_age)
        self._unsampled: set[int] = set()
        # The controls' current values, by device id (control_reads.py).
        self.controls = ControlReads(client, slow_max_age, self._caller)
        # The pages read only while an entity shows them (on_demand.py).
        self.on_demand = OnDemandReads(client, self._caller)

    def _caches(self) -> tuple[SlowCache[Any, Any], ...]:
        return (
            self.reports,
            self.firmware,
            self.wifi,
            self.temperature,
            self.day_reports,
            self.ct_powers,
            *self.controls.caches(),
        )

    @contextmanager
    def refresh(
        self, guard: RefreshGuard, wanted_pages: Iterable[Page]
    ) -> Iterator[None]:
        """Make the calls of the block one refresh, bounded by `guard`.

        It reads the `wanted_pages` (on_demand.py). No slow call is considered yet
        when it starts. Outside a refresh (a control read back after a write), calls
        have only the client's own limits.
        """
        self._guard = guard
        catch_up = CatchUp(CATCH_UP_CALLS)
        for cache in self._caches():
            cache.begin(catch_up)
        wanted = frozenset(wanted_pages)
        self.controls.begin(wanted)
        self.on_demand.begin(wanted)
        try:
            yield
        finally:
            self._guard = None

    def prune(self) -> None:
        """End a successful refresh: forget the slow results of what is gone."""
        for cache in self._caches():
            cache.prune()

    async def station_list(self, slow: bool) -> dict[int, Station] | None:
        """Return the account's stations by id; None while no list was ever received.

        Listed again on slow refreshes and after a failure; meanwhile, and while the
        list keeps failing, the last one received stays in use.
        """
        if self._stations is None or slow or self.station_list_failed:
            stations = await self.call("station list", self.client.get_stations)
            self.station_list_failed = stations is None
            if stations is not None:
                self._stations = {station.station_id: station for station in stations}
        return self._stations

    async def station_info(self, station_id: int) -> StationInfo | None:
        """Return a station's info, which every other call of the station waits for."""
        return await self.call(
            f"station info {station_id}",
            partial(self.client.get_station_info, station_id),
        )

    async def device_list(self, station_id: int) -> list[Device] | None:
        """Return the devices of a station, which its device calls wait for."""
        return await self.call(
            f"device list of station {station_id}",
            partial(self.client.get_devices, station_id),
        )

    async def station_calls(
        self, station_id: int, today: date, slow: bool
    ) -> tuple[EnergyReport | None, list[PvString] | None]:
        """Make the other station-wide calls: day report, PV strings, slow reports.

        Slow reports are kept in `reports`; the day report and PV strings returned.
        """
        client = self.client
        async with asyncio.TaskGroup() as group:
            self.day_reports.schedule(
                group,
                (station_id, today),
                slow,
                self._caller(
                    f"day report of station {station_id}",
                    partial(client.get_energy_report, station_id, Period.DAY, today),
                ),
            )
            pv_strings = self._start(
                group,
                f"PV strings of station {station_id}",
                partial(client.get_pv_strings, station_id, today),
            )
            for period in SLOW_PERIODS:
                self.reports.schedule(
                    group,
                    (station_id, period),
                    slow,
                    self._caller(
                        f"{period} report of station {station_id}",
                        partial(client.get_energy_report, station_id, period, today),
                    ),
                )
        return self.day_reports.get((station_id, today)), pv_strings.result()

    async def device_calls(
        self,
        station_id: int,
        devices: list[Device],
        today: date,
        slow: bool,
        *,
        firmware_due: bool,
    ) -> DeviceCalls:
        """Make the per-device calls of one refresh, and the station's firmware list."""
        battery: dict[int, asyncio.Task[BatteryPage | None]] = {}
        temperature: list[int] = []
        # One layout-power call per station, only when it has a smart meter: the
        # clamps are the meter's.
        metered = any(
            device.device_type is DeviceType.METER and device.serial
            for device in devices
        )
        async with asyncio.TaskGroup() as group:
            if metered:
                self._schedule_ct_powers(group, station_id, today, slow)
            for device in devices:
                self._start_device_calls(
                    group,
                    (station_id, device),
                    today,
                    slow,
                    battery=battery,
                    temperature=temperature,
                )
            self._schedule_firmware(group, station_id, firmware_due)
        return self._device_results(station_id, metered, battery, temperature)

    def _schedule_ct_powers(
        self, group: asyncio.TaskGroup, station_id: int, today: date, slow: bool
    ) -> None:
        """Read the station's CT clamps in `group` when due."""
        self.ct_powers.schedule(
            group,
            station_id,
            slow,
            self._caller(
                f"CT clamps of station {station_id}",
                partial(self.client.get_ct_powers, station_id, today),
            ),
        )

    def _schedule_firmware(
        self, group: asyncio.TaskGroup, station_id: int, firmware_due: bool
    ) -> None:
        """Read the station's firmware list in `group` when due."""
        self.firmware.schedule(
            group,
            station_id,
            firmware_due,
            self._caller(
                f"firmware list of station {station_id}",
                partial(self.client.get_firmware_updates, station_id),
            ),
        )

    def _device_results(
        self,
        station_id: int,
        metered: bool,
        battery: dict[int, asyncio.Task[BatteryPage | None]],
        temperature: list[int],
    ) -> DeviceCalls:
        """Collect what the per-device calls of a station returned."""
        # A temperature that failed shows its last good reading meanwhile.
        readings = {key: self.temperature.get(key) for key in temperature}
        clamps = self.ct_powers.get(station_id) if metered else None
        return DeviceCalls(
            battery={key: task.result() for key, task in battery.items()},
            temperature={
                key: reading[0]
                for key, reading in readings.items()
                if reading is not None
            },
            temperature_failed=frozenset(
                key for key, reading in readings.items() if reading is None
            ),
            ct_powers=clamps,
            ct_failed=metered and clamps is None,
        )

    def _start_device_calls(
        self,
        group: asyncio.TaskGroup,
        located: tuple[int, Device],
        today: date,
        slow: bool,
        *,
        battery: dict[int, asyncio.Task[BatteryPage | None]],
        temperature: list[int],
    ) -> None:
        """Start one device's own calls (`located`: its station id and record).

        They are addressed by serial.
        """
        station_id, device = located
        if (serial := device.serial) is None:
            return
        client = self.client
        device_id = device.device_id
        self.wifi.schedule(
            group,
            device_id,
            slow,
            self._caller(
                f"Wi-Fi of device {device_id}", partial(client.get_wifi, serial)
            ),
        )
        self.controls.schedule(group, station_id, device, slow)
        self.on_demand.schedule(group, device)
        if device.device_type is DeviceType.BATTERY:
            battery[device_id] = self._start(
                group,
                f"battery page of device {device_id}",
                partial(client.get_battery, serial),
            )
        # An offline micro-inverter has no fresh temperature: do not ask (nor show
        # an earlier one).
        if device.device_type is DeviceType.MICRO_INVERTER and device.online:
            temperature.append(device_id)
            self.temperature.schedule(
                group,
                device_id,
                slow or device_id in self._unsampled,
                self._caller(
                    f"temperature of device {device_id}",
                    partial(self._temperature, device_id, serial, today),
                ),
            )

    async def _temperature(
        self, device_id: int, serial: str, today: date
    ) -> tuple[float | None]:
        """Read a micro-inverter's temperature (None inside: the cloud sent none)."""
        reading = await self.client.get_temperature(serial, today)
        if reading is None:
            self._unsampled.add(device_id)
        else:
            self._unsampled.discard(device_id)
        return (reading,)

    def _start[T](
        self, group: asyncio.TaskGroup, what: str, call: Callable[[], Awaitable[T]]
    ) -> asyncio.Task[T | None]:
        """Start one call in `group` (see `call`)."""
        return group.create_task(self.call(what, call))

    async def call[T](self, what: str, call: Callable[[], Awaitable[T]]) -> T | None:
        """Make one cloud call within the refresh's limits; None when it fails.

        `what` names the call in logs without serials or credentials; without its
        trailing id it names the kind of call (refresh_guard.py). Calls failed for
        want of a token (a login failing or backing off, a fresh token refused) share
        one failure streak, `LOGIN_STREAK` (call_failures.py): one line for all of them.
        """
        guard = self._guard
        run = _run_alone if guard is None else guard.run
        try:
            result = await run(what.rsplit(" ", 1)[0], self._semaphore, call)
        except IzypowerAuthenticationError:
            # The client remembers the refusal, so the calls still queued fail
            # without sending the password again; the refresh starts reauth.
            raise
        except CallCutError:
            # Counted, and logged once for the refresh by the coordinator.
            return None
        except IzypowerError as err:
            stopped = guard is not None and guard.stopped
            self._streaks.failed(what, err, stopped=stopped)
            return None
        self._streaks.answered(what)
        return result

    def _caller[T](
        self, what: str, call: Callable[[], Awaitable[T]]
    ) -> Callable[[], Awaitable[T | None]]:
        """Return `call` made through `_call`, for a slow cache to run when due."""
        return partial(self.call, what, call)


async def _run_alone[T](
    kind: str, semaphore: asyncio.Semaphore, call: Callable[[], Awaitable[T]]
) -> T:
    """Make a call outside a refresh (a read-back after a write): the client's limits."""
    async with semaphore:
        return await call()


async def gather_keyed[K, T](calls: Mapping[K, Coroutine[Any, Any, T]]) -> dict[K, T]:
    """Run coroutines concurrently, results by key; an error that escapes cancels all."""
    async with asyncio.TaskGroup() as group:
        tasks = {key: group.create_task(call) for key, call in calls.items()}
    return {key: task.result() for key, task in tasks.items()}
