"""Requests and wall time of importing 365 days for one station at 100 ms latency.

Home Assistant with its real recorder against the simulator (in process, loopback),
100 ms added to every cloud request. Run with `-s` to see the figures; the bounds
asserted are generous so that a busy machine does not fail them.
"""

import asyncio
from datetime import datetime, timedelta
import logging
import os
import time
from zoneinfo import ZoneInfo

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.izypower_cloud.const import DOMAIN

from .conftest import CloudFactory, SimulatedCloud

START = datetime(2026, 11, 1, 9, 0, tzinfo=ZoneInfo("Europe/Paris"))
DAYS = 365


@pytest.fixture
async def cloud(start_cloud: CloudFactory) -> SimulatedCloud:
    """Start the simulator on the 1st (no import at setup), 100 ms in real time."""

    async def real_sleep(seconds: float) -> None:
        # The loop's clock is frozen with Home Assistant's: wait in a thread.
        await asyncio.get_running_loop().run_in_executor(None, time.sleep, seconds)

    return await start_cloud(START, sleep=real_sleep)


async def test_import_365_days_at_100_ms(
    hass: HomeAssistant, cloud: SimulatedCloud
) -> None:
    """One report per day, two at a time: about 18 s of waiting for 365 days."""
    entry = cloud.entry()
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    station = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, "station_81234"), entry.entry_id
    )
    assert station is not None
    # The test recorder echoes every SQL statement: tens of thousands here.
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    cloud.simulator.faults.config.latency_ms = 100
    cloud.simulator.stats.reset()
    first = START.date() - timedelta(days=DAYS)
    # freezegun and Home Assistant freeze the time functions; the OS's clock runs.
    began = os.times().elapsed
    response = await hass.services.async_call(
        DOMAIN,
        "import_history",
        {"device_id": station.id, "start": first.isoformat()},
        blocking=True,
        return_response=True,
    )
    elapsed = os.times().elapsed - began
    await async_wait_recording_done(hass)
    written = os.times().elapsed - began
    assert response is not None
    assert response["stations"]["81234"]["imported"] == DAYS
    requests = cloud.simulator.stats.as_json()
    print(  # noqa: T201
        f"\n365 days, one station, 100 ms latency: {requests['total']} requests "
        f"{requests['by_endpoint']}, {elapsed:.1f} s; rows committed by the "
        f"recorder after {written:.1f} s"
    )
    assert requests["by_endpoint"].get("report") == DAYS
    assert elapsed < 90
