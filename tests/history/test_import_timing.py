"""Importing many past days for one station: what it asks and what it writes.

Home Assistant with its real recorder against the simulator (in process, loopback).
Counted, not timed: one report per day and nothing else, at most
`HISTORY_CONCURRENCY` reports in flight, one hourly row per hour of each day and
series (25 on the day the clocks go back), nothing asked again for days present.

The 365 days at 100 ms of latency, timed, is marked `timing` (skipped unless pytest
gets `--timing`; its figures are in docs/performance.md):
`pytest --timing -s -p no:randomly tests/history/test_import_timing.py`.
"""

import asyncio
from datetime import datetime, timedelta
import logging
import os
import time
from typing import Any
from zoneinfo import ZoneInfo

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceEntry
import pytest
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.izypower_cloud.const import DOMAIN
from custom_components.izypower_cloud.history.importer import HISTORY_CONCURRENCY
from custom_components.izypower_cloud.history.statistics import (
    day_hours,
    day_start,
    statistic_id,
)

from .conftest import FIXTURE_SERIES, CloudFactory, SimulatedCloud, statistic_rows

PARIS = ZoneInfo("Europe/Paris")
# The 1st: setup imports no earlier day of the month.
START = datetime(2026, 11, 1, 9, 0, tzinfo=PARIS)
# 22 to 31 October: the clocks going back on 25 October and a month end. Imports
# across months, with no gap in the hourly rows, are checked on 60 days by
# test_energy_history.py::test_sixty_days_then_two_days_forward.
DAYS = 10
TIMED_DAYS = 365
# Loop turns a report waits in the simulator: the other reports of the import reach it
# meanwhile (a few turns on loopback), so `InFlight.peak` is how many were sent at once.
TURNS = 50

pytestmark = pytest.mark.usefixtures("loop_debug_off")


class InFlight:
    """The simulator's latency as loop turns: counts the requests answered at once."""

    def __init__(self) -> None:
        """Start with nothing in flight."""
        self.now = 0
        self.peak = 0

    async def sleep(self, _seconds: float) -> None:
        """Hold a request for `TURNS` turns of the event loop, not for a time."""
        self.now += 1
        self.peak = max(self.peak, self.now)
        for _ in range(TURNS):
            await asyncio.sleep(0)
        self.now -= 1


async def _set_up_station(hass: HomeAssistant, cloud: SimulatedCloud) -> DeviceEntry:
    entry = await cloud.set_up()
    station = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, "station_81234"), entry.entry_id
    )
    assert station is not None
    return station


async def _import(
    hass: HomeAssistant, station: DeviceEntry, days: int
) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN,
        "import_history",
        {
            "device_id": station.id,
            "start": (START.date() - timedelta(days=days)).isoformat(),
        },
        blocking=True,
        return_response=True,
    )
    assert response is not None
    result: dict[str, Any] = response["stations"]["81234"]
    return result


async def test_import_asks_one_report_per_day_two_at_a_time(
    hass: HomeAssistant, start_cloud: CloudFactory
) -> None:
    """10 days: 10 reports, 2 at a time, 241 rows a series; again: nothing asked."""
    in_flight = InFlight()
    cloud = await start_cloud(START, sleep=in_flight.sleep)
    station = await _set_up_station(hass, cloud)
    cloud.simulator.faults.config.latency_ms = 1
    cloud.simulator.stats.reset()
    in_flight.peak = 0

    result = await _import(hass, station, DAYS)

    assert result["imported"] == DAYS
    assert cloud.simulator.stats.as_json()["by_endpoint"] == {"report": DAYS}
    assert in_flight.peak == HISTORY_CONCURRENCY
    first = START.date() - timedelta(days=DAYS)
    days = [first + timedelta(days=n) for n in range(DAYS)]
    hours = sum(len(day_hours(day, PARIS)) for day in days)
    assert hours == DAYS * 24 + 1
    ids = {statistic_id(81234, series) for series in FIXTURE_SERIES[81234]}
    rows = await statistic_rows(hass, ids, "hour", {"sum"})
    before_setup = day_start(START.date(), PARIS).timestamp()
    assert {
        stat_id: len([row for row in found if row["start"] < before_setup])
        for stat_id, found in rows.items()
    } == dict.fromkeys(ids, hours)

    cloud.simulator.stats.reset()
    again = await _import(hass, station, DAYS)
    assert (again["imported"], again["already_present"]) == (0, DAYS)
    assert cloud.simulator.stats.as_json()["by_endpoint"] == {}


@pytest.mark.timing
async def test_import_365_days_at_100_ms(
    hass: HomeAssistant, start_cloud: CloudFactory
) -> None:
    """One report per day, two at a time: about 18 s of waiting for 365 days."""

    async def real_sleep(seconds: float) -> None:
        # The loop's clock is frozen with Home Assistant's: wait in a thread.
        await asyncio.get_running_loop().run_in_executor(None, time.sleep, seconds)

    cloud = await start_cloud(START, sleep=real_sleep)
    station = await _set_up_station(hass, cloud)
    # The test recorder echoes every SQL statement: tens of thousands here.
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    cloud.simulator.faults.config.latency_ms = 100
    cloud.simulator.stats.reset()
    # freezegun and Home Assistant freeze the time functions; the OS's clock runs.
    began = os.times().elapsed
    result = await _import(hass, station, TIMED_DAYS)
    elapsed = os.times().elapsed - began
    await async_wait_recording_done(hass)
    written = os.times().elapsed - began
    assert result["imported"] == TIMED_DAYS
    requests = cloud.simulator.stats.as_json()
    print(  # noqa: T201
        f"\n365 days, one station, 100 ms latency: {requests['total']} requests "
        f"{requests['by_endpoint']}, {elapsed:.1f} s; rows committed by the "
        f"recorder after {written:.1f} s"
    )
    assert requests["by_endpoint"].get("report") == TIMED_DAYS
    assert elapsed < 90
