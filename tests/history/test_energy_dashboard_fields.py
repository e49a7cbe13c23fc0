"""Every field of the Energy dashboard, filled as the README says, validates clean.

Grid import/export and grid power, solar production and power, battery charge and
discharge, battery power, level and capacity, and an EV charger as an individual
device: saved with `energy/save_prefs`, then `energy/validate` finds no issue (Home
Assistant 2026.10.4; its 2026.11 whole-home source is in the end-to-end test).
"""

from datetime import UTC, datetime, timedelta
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
    do_adhoc_statistics,
)
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from izypower_simulator import Layout, generate_account
from tests.energy_dashboard import every_field_prefs_command

from .conftest import CloudFactory, SimulatedCloud

# A summer noon: the panels produce, the car charges.
NOON = datetime(2026, 7, 14, 10, 0, tzinfo=UTC)
STATION = "sensor.centrale_00001"


@pytest.fixture
def recorder_config() -> dict[str, Any]:
    """Record the entities' states: the validation checks the power sensors are tracked."""
    return {}


@pytest.fixture
async def cloud(start_cloud: CloudFactory) -> SimulatedCloud:
    """Start a station with meter, Titans and an EV charger, at NOON.

    Started before the websocket client, whose access token is dated by the clock.
    """
    account = generate_account(
        1, 3, start=NOON, seed=14, layout=Layout.BATTERY, ev_charger=True
    )
    return await start_cloud(NOON, account=account)


async def test_every_field_validates(
    hass: HomeAssistant,
    cloud: SimulatedCloud,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """Every field filled as the README says: no validation issue."""
    await cloud.set_up()
    assert await async_setup_component(hass, "energy", {})
    # Two refreshes, then the power sensors' statistics of that 5 minutes.
    await cloud.advance_by(timedelta(minutes=30))
    do_adhoc_statistics(hass, start=NOON + timedelta(minutes=15))
    await async_wait_recording_done(hass)

    capacity = hass.states.get(f"{STATION}_estimated_usable_capacity")
    assert capacity is not None
    station_id = cloud.simulator.account.stations[0].station_id
    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        every_field_prefs_command(station_id, STATION, float(capacity.state))
    )
    saved = await client.receive_json()
    assert saved["success"], saved
    await client.send_json_auto_id({"type": "energy/validate"})
    validation = await client.receive_json()
    assert validation["success"], validation
    assert validation["result"]["energy_sources"] == [[], [], []]
    assert validation["result"]["device_consumption"] == [[]]
