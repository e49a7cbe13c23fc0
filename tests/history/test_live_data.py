"""Live data on demand against the simulated cloud: bounded, counted, self-stopping.

The simulator counts every request by endpoint; the frozen clock moves with Home
Assistant's, so the session's timers run as they would, without the wall clock.
"""

from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import homeassistant.util.dt as dt_util
import pytest

from custom_components.izypower_cloud.live_data import (
    LIVE_DURATION,
    LIVE_INTERVAL,
    REQUEST_BUDGET,
)

from .conftest import CloudFactory, SimulatedCloud

PARIS = ZoneInfo("Europe/Paris")
SWITCH = "switch.maison_des_tilleuls_live_data_experimental"
STATION = 81234

pytestmark = pytest.mark.usefixtures("entity_registry_enabled_by_default")


@pytest.fixture
async def cloud(hass: HomeAssistant, start_cloud: CloudFactory) -> SimulatedCloud:
    """Set up the example account at noon (15-minute refreshes), counts reset."""
    cloud = await start_cloud(datetime(2026, 7, 14, 12, 0, tzinfo=PARIS))
    await cloud.set_up()
    cloud.simulator.stats.reset()
    return cloud


async def _switch(hass: HomeAssistant, service: str) -> None:
    await hass.services.async_call(
        "switch", service, {"entity_id": SWITCH}, blocking=True
    )


def _state(hass: HomeAssistant) -> str:
    state = hass.states.get(SWITCH)
    assert state is not None
    return state.state


def _counts(cloud: SimulatedCloud) -> Counter[str]:
    return Counter(cloud.simulator.stats.by_endpoint)


async def test_session_is_bounded_and_stops_by_itself(
    hass: HomeAssistant, cloud: SimulatedCloud
) -> None:
    """5 minutes: 1 request then one every 15 s, within the budget; then off."""
    await _switch(hass, "turn_on")
    assert _state(hass) == STATE_ON
    assert _counts(cloud) == Counter({"fast_data": 1})
    started = dt_util.utcnow()

    per_minute: list[int] = []
    before = 1
    while _state(hass) == STATE_ON:
        await cloud.advance(LIVE_INTERVAL)
        if (dt_util.utcnow() - started) % timedelta(minutes=1) == timedelta(0):
            total = cloud.simulator.stats.total
            per_minute.append(total - before)
            before = total
    ended = dt_util.utcnow() - started
    counts = _counts(cloud)

    assert ended == LIVE_DURATION
    # The fast-data request renewed every 90 s; the station info every other tick.
    assert counts == Counter({"fast_data": 4, "station_info": 16})
    assert cloud.simulator.stats.total <= REQUEST_BUDGET
    assert per_minute == [4, 4, 4, 4, 3]

    # Off means off: nothing more is sent by the session.
    await cloud.advance_by(timedelta(minutes=10), LIVE_INTERVAL)
    assert _counts(cloud)["fast_data"] == 4


async def test_reads_are_published(hass: HomeAssistant, cloud: SimulatedCloud) -> None:
    """Between refreshes, the station's reading moves with each read."""
    coordinator = hass.config_entries.async_entries("izypower_cloud")[
        0
    ].runtime_data.coordinator
    await _switch(hass, "turn_on")
    await cloud.advance(LIVE_INTERVAL)
    station = coordinator.data.stations[STATION]
    assert station.read_at == dt_util.utcnow()
    assert station.info is not None
    assert station.info.last_update is not None
    assert dt_util.utcnow() - station.info.last_update < timedelta(minutes=1)
    # A station gone meanwhile: nothing to publish.
    data = coordinator.data
    coordinator.async_publish_station_info(99999, station.info)
    assert coordinator.data is data


async def test_turned_off_stops_at_once(
    hass: HomeAssistant, cloud: SimulatedCloud
) -> None:
    """The user's stop: no request after it."""
    await _switch(hass, "turn_on")
    await _switch(hass, "turn_on")  # already on: nothing more
    await cloud.advance(LIVE_INTERVAL)
    await _switch(hass, "turn_off")
    assert _state(hass) == STATE_OFF
    sent = cloud.simulator.stats.total
    await cloud.advance_by(timedelta(minutes=2), LIVE_INTERVAL)
    assert cloud.simulator.stats.total == sent == 2


async def test_a_failed_read_ends_the_session(
    hass: HomeAssistant, cloud: SimulatedCloud, caplog: pytest.LogCaptureFixture
) -> None:
    """The station info fails: the session stops, the regular refreshes go on."""
    await _switch(hass, "turn_on")
    cloud.simulator.config.faults.failing_endpoints = ["station_info"]
    await cloud.advance(LIVE_INTERVAL)
    assert _state(hass) == STATE_OFF
    assert "Live data of station 81234 stopped" in caplog.text


async def test_a_refused_start_says_so(
    hass: HomeAssistant, cloud: SimulatedCloud
) -> None:
    """The cloud does not take the request: a translated error, the switch stays off."""
    cloud.simulator.config.faults.failing_endpoints = ["fast_data"]
    with pytest.raises(HomeAssistantError) as raised:
        await _switch(hass, "turn_on")
    assert raised.value.translation_key in {
        "action_rejected",
        "action_connection_failed",
    }
    assert _state(hass) == STATE_OFF


async def test_unload_ends_the_session(
    hass: HomeAssistant, cloud: SimulatedCloud
) -> None:
    """Unloading the entry cancels the session's timer."""
    (entry,) = hass.config_entries.async_entries("izypower_cloud")
    await _switch(hass, "turn_on")
    await hass.config_entries.async_unload(entry.entry_id)
    sent = cloud.simulator.stats.total
    await cloud.advance_by(timedelta(minutes=1), LIVE_INTERVAL)
    assert cloud.simulator.stats.total == sent
