"""The times of the fixture account and of the simulator's EV station."""

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

from tests.cloud_mock import only_platforms
from tests.fixture_client import setup_and_read_on_demand

pytest_plugins = ["tests.cloud_mock", "tests.fixture_client"]
pytestmark = pytest.mark.usefixtures(
    "cloud_clock", "entity_registry_enabled_by_default"
)

load_times_only = only_platforms(Platform.TIME)


async def test_times(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    mock_izypower_client: NonCallableMagicMock,
    mock_config_entry: MockConfigEntry,
) -> None:
    """Every time entity: registry entry and state."""
    await setup_and_read_on_demand(hass, mock_config_entry)
    await snapshot_platform(hass, entity_registry, snapshot, mock_config_entry.entry_id)
