"""The sensors of the fixture account and of the simulator's EV station."""

from unittest.mock import NonCallableMagicMock

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from tests.cloud_mock import TILLEULS, entity_state, only_platforms
from tests.fixture_client import (
    EV_STATION_ID,
    entities_per_station,
    setup_and_read_on_demand,
)

pytest_plugins = ["tests.cloud_mock", "tests.fixture_client"]
pytestmark = pytest.mark.usefixtures(
    "cloud_clock", "entity_registry_enabled_by_default"
)

MASTER = "sensor.titan_maitre"

load_sensors_only = only_platforms(Platform.SENSOR)


async def test_sensors(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    mock_izypower_client: NonCallableMagicMock,
    mock_config_entry: MockConfigEntry,
) -> None:
    """Every sensor: registry entry and state."""
    await setup_and_read_on_demand(hass, mock_config_entry)
    await snapshot_platform(hass, entity_registry, snapshot, mock_config_entry.entry_id)

    # The figures of the fixture README, read back through the entities.
    assert (
        entity_state(hass, f"{TILLEULS}_solar_production_since_installation")
        == "14021.7"
    )
    assert entity_state(hass, f"{TILLEULS}_grid_import_today") == "1.06"
    assert entity_state(hass, f"{TILLEULS}_coverage_rate_today") == "85.11"
    assert entity_state(hass, f"{TILLEULS}_grid_power") == "-103.0"
    assert entity_state(hass, "sensor.micro_onduleur_est_temperature") == "41.3"
    assert entity_state(hass, f"{MASTER}_pv1_power") == "612.4"
    assert entity_state(hass, f"{MASTER}_battery_state") == "charging"
    assert entity_state(hass, "sensor.link_izl24l000701_battery_level") == "62.0"
    assert entity_state(hass, f"{MASTER}_battery_temperature") == "27.4"
    assert entity_state(hass, "sensor.link_izl24l000701_temperature") == "25.9"
    # 19 fewer than before issue 11: station 81235 has no battery (3 live, 8 energy, 8 rates).
    # 5 more since issue 15: two Titan and three Link temperatures.
    # 1 more since issue 15 part B: the CT2 clamp of the Tilleuls' meter; and 15
    # disabled ones: 5 readings of each of the meter's three channels.
    # 4 more since issue 21: the estimated capacity of each Titan and of the Tilleuls,
    # and the Tilleuls' stored energy.
    # 38 fewer since issue 25: station 81235 has no meter either (grid and consumption:
    # 2 live, 16 energy, 20 rates). 3 more since issue 20: the battery mode hold of the
    # cluster master (mode, end, target level).
    counts = entities_per_station(hass)
    assert counts[81234] + counts[81235] == 176 + 5 + 1 + 15 + 4 - 38 + 3
    assert counts[EV_STATION_ID] == 158
