"""Wall time of refreshes with 100 ms of latency on every request.

Marked `timing`: skipped unless pytest gets `--timing`, since its bounds are on wall
time, which a busy machine can fail whatever the code (it did: 0.56 s for 0.5 s).
Run it with `pytest --timing -s tests/perf` on an idle machine to see the figures. The
integration this one replaces sends 29 sequential requests per refresh for the
fixture account: 2.9 s at this latency before any processing (3.1 s measured). What
the refreshes request is counted, in every run, by tests/test_request_budget.py; the
same figures against a real Home Assistant: `python -m devtools.benchmark`.
"""

import logging
import re
import statistics
import time

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.izypower_cloud.coordinator import IzypowerCoordinator
from tests.cloud_mock import MockCloud

pytest_plugins = ["tests.cloud_mock"]

LATENCY = 0.1
REFRESHES = 20
ORIGINAL_REQUESTS_PER_REFRESH = 29

pytestmark = pytest.mark.timing


async def test_refresh_timing_at_100_ms_latency(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Measure setup, first, steady and slow refreshes; print the figures."""
    caplog.set_level(logging.DEBUG, logger="custom_components.izypower_cloud")
    await hass.config.async_set_time_zone("Europe/Paris")
    mock_cloud.latency = LATENCY
    mock_config_entry.add_to_hass(hass)

    start = time.perf_counter()
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    setup_time = time.perf_counter() - start
    assert mock_config_entry.state is ConfigEntryState.LOADED
    entities = er.async_entries_for_config_entry(
        entity_registry, mock_config_entry.entry_id
    )
    first_requests = mock_cloud.count()
    # The coordinator logs each refresh's duration; the first one is inside the setup.
    first_refresh = float(
        re.findall(
            r"Finished fetching izypower_cloud data in ([0-9.]+) s", caplog.text
        )[0]
    )

    coordinator: IzypowerCoordinator = mock_config_entry.runtime_data.coordinator
    steady_times: list[float] = []
    steady_requests: list[int] = []
    for _ in range(REFRESHES):
        mock_cloud.reset_counts()
        start = time.perf_counter()
        await coordinator.async_refresh()
        steady_times.append(time.perf_counter() - start)
        steady_requests.append(mock_cloud.count())
    assert coordinator.last_update_success

    mock_cloud.reset_counts()
    coordinator._slow_requested = True
    start = time.perf_counter()
    await coordinator.async_refresh()
    slow_time = time.perf_counter() - start
    slow_requests = mock_cloud.count()

    steady = statistics.mean(steady_times)
    print(  # noqa: T201 -- the figures are the point of this test
        f"\nlatency {LATENCY * 1000:.0f} ms per request"
        f"\nsetup to {len(entities)} entities registered: {setup_time:.3f} s"
        f"\nfirst refresh: {first_refresh:.3f} s, {first_requests} requests"
        f"\nsteady refresh: {steady:.3f} s mean, {max(steady_times):.3f} s max,"
        f" {statistics.mean(steady_requests):.1f} requests (over {REFRESHES})"
        f"\nslow refresh: {slow_time:.3f} s, {slow_requests} requests"
        f"\nreplaced integration: {ORIGINAL_REQUESTS_PER_REFRESH} sequential requests,"
        f" >= {ORIGINAL_REQUESTS_PER_REFRESH * LATENCY:.1f} s per refresh"
    )
    assert entities
    assert first_refresh < 2.0
    assert setup_time < 2.5
    assert steady < 0.5
    assert slow_time < 1.5
