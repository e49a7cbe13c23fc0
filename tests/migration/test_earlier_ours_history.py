"""The hourly statistics of an old counter across an earlier version of ours.

The old sensor stops (orphaned) while our duplicate records under its own entity id;
the adoption gives the old entity id its counter back. What was produced meanwhile is
booked at the first hour after: no negative change, no double count. Our duplicate's
own recorded history stays where it is.
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
import logging
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder import Recorder
from homeassistant.components.recorder.history import state_changes_during_period
from homeassistant.components.recorder.statistics import statistics_during_period
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.recorder import get_instance
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
    do_adhoc_statistics,
)

from tests.cloud_mock import MockCloud

from .legacy import RENAMED
from .test_earlier_ours import (
    clean_up_old_devices,
    community,
    ours_of,
    run_earlier_version,
)

pytest_plugins = ["tests.cloud_mock"]

logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)

COUNTER = {
    "unit_of_measurement": "kWh",
    "state_class": "total_increasing",
    "device_class": "energy",
}
DAY = datetime(2026, 7, 14, tzinfo=UTC)


@pytest.fixture
def recorder_config() -> dict[str, Any]:
    """Record the production counters only: the old one and our duplicate.

    The account's other entities (some 200, each state committed on its own by the
    test recorder) were most of the test's time and take no part in it.
    """
    return {"include": {"entity_globs": ["sensor.*production*"]}}


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None
) -> None:
    """Start the recorder before Home Assistant's other fixtures."""


@pytest.fixture(autouse=True)
def no_energy_history() -> Iterator[None]:
    """Leave out the hourly statistics import: the recorder's own are tested."""
    with patch("custom_components.izypower_cloud.async_setup_energy_history"):
        yield


async def _hour(hass: HomeAssistant, clock: FrozenDateTimeFactory, hour: int) -> None:
    """Compile the statistics of the hour starting at `hour` (UTC)."""
    # Its states committed first: the compile reads them from the database.
    await async_wait_recording_done(hass)
    clock.move_to(DAY + timedelta(hours=hour + 1, minutes=1))
    do_adhoc_statistics(hass, start=DAY + timedelta(hours=hour, minutes=55))
    await async_wait_recording_done(hass)


@pytest.mark.parametrize("cleaned_up", [False, True])
async def test_old_counter_resumes_without_dip_or_double_count(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    cloud_clock: FrozenDateTimeFactory,
    cleaned_up: bool,
) -> None:
    """12:00-14:00 the old sensor, 15:00 the earlier version, 16:00 this one.

    Also when the earlier version's clean-up had deleted the old devices and entities.
    """
    # The sensor integration's recorder platform compiles the statistics.
    assert await async_setup_component(hass, "sensor", {})
    entry, _ = community(hass)
    # What the community integration recorded (UTC hours).
    for hour, value in ((12, "14000.0"), (13, "14004.0")):
        cloud_clock.move_to(DAY + timedelta(hours=hour, minutes=10))
        hass.states.async_set(RENAMED, value, COUNTER)
        await _hour(hass, cloud_clock, hour)
    # The earlier version of ours: the old sensor is orphaned, ours records beside.
    cloud_clock.move_to(DAY + timedelta(hours=14, minutes=10))
    hass.states.async_set(RENAMED, STATE_UNAVAILABLE, {"restored": True})
    await _hour(hass, cloud_clock, 14)
    cloud_clock.move_to(DAY + timedelta(hours=15, minutes=10))
    await run_earlier_version(hass, entry)
    duplicate = ours_of(hass, RENAMED)
    if cleaned_up:
        cloud_clock.tick(timedelta(minutes=20))
        clean_up_old_devices(hass, entry.entry_id)
    else:
        hass.states.async_set(RENAMED, STATE_UNAVAILABLE, {"restored": True})
    await _hour(hass, cloud_clock, 15)
    # This version adopts the duplicate: the old entity id shows the counter again.
    cloud_clock.move_to(DAY + timedelta(hours=16, minutes=10))
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert er.async_get(hass).async_get(duplicate) is None
    await _hour(hass, cloud_clock, 16)

    rows = await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        DAY,
        None,
        {RENAMED, duplicate},
        "hour",
        None,
        {"state", "sum"},
    )
    sums = [(row["start"], row["state"], row["sum"]) for row in rows[RENAMED]]
    start = DAY.timestamp()
    assert [(int((t - start) // 3600), s) for t, s, _ in sums] == [
        (12, 14000.0),
        (13, 14004.0),
        (16, pytest.approx(14021.7)),
    ]
    changes = [b[2] - a[2] for a, b in zip(sums, sums[1:], strict=False)]
    assert min(changes) >= 0
    # 21.7 kWh from the first hour to the last: the gap's 17.7 booked at 16:00, once.
    assert changes == [4.0, pytest.approx(17.7)]
    # Our duplicate's statistics and states stay in the recorder, under its id.
    assert [row["state"] for row in rows[duplicate]] == [pytest.approx(14021.7)]
    history = await get_instance(hass).async_add_executor_job(
        state_changes_during_period, hass, DAY, None, duplicate
    )
    assert pytest.approx(14021.7) in [
        float(s.state) for s in history[duplicate] if s.state[:1].isdigit()
    ]
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
