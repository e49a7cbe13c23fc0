"""The binary sensors of the fixture account and of the simulator's EV station."""

from unittest.mock import NonCallableMagicMock

from homeassistant.const import STATE_OFF, STATE_ON, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from tests.cloud_mock import entity_state, only_platforms
from tests.fixture_client import entities_per_station, setup_and_read_on_demand

pytest_plugins = ["tests.cloud_mock", "tests.fixture_client"]
pytestmark = pytest.mark.usefixtures(
    "cloud_clock", "entity_registry_enabled_by_default"
)

load_binary_sensors_only = only_platforms(Platform.BINARY_SENSOR)


async def test_binary_sensors(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    mock_izypower_client: NonCallableMagicMock,
    mock_config_entry: MockConfigEntry,
) -> None:
    """Every binary sensor: registry entry and state."""
    await setup_and_read_on_demand(hass, mock_config_entry)
    await snapshot_platform(hass, entity_registry, snapshot, mock_config_entry.entry_id)

    # Only the Titan slave needs an upgrade (fixture README).
    assert (
        entity_state(hass, "binary_sensor.maison_des_tilleuls_firmware_update")
        == STATE_ON
    )
    assert (
        entity_state(hass, "binary_sensor.atelier_du_verger_firmware_update")
        == STATE_OFF
    )
    assert entity_state(hass, "binary_sensor.titan_esclave_firmware_update") == STATE_ON
    assert entity_state(hass, "binary_sensor.titan_maitre_firmware_update") == STATE_OFF
    assert entity_state(hass, "binary_sensor.titan_maitre_online") == STATE_ON
    # 2 more since issue 21: each station's stale data flag.
    counts = entities_per_station(hass)
    assert counts[81234] + counts[81235] == 14
