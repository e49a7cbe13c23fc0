"""The buttons of the fixture account and of the simulator's EV station."""

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

load_buttons_only = only_platforms(Platform.BUTTON)


async def test_buttons(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    mock_izypower_client: NonCallableMagicMock,
    mock_config_entry: MockConfigEntry,
) -> None:
    """Every button entity: registry entry and state."""
    await setup_and_read_on_demand(hass, mock_config_entry)
    await snapshot_platform(hass, entity_registry, snapshot, mock_config_entry.entry_id)


@pytest.mark.parametrize(
    ("entity_id", "leds"),
    [
        ("button.titan_maitre_leds_on", ("IZT24A000101", True)),
        ("button.titan_esclave_leds_off", ("IZT24A000102", False)),
        ("button.titan_2_leds_on", ("IZT26S00000001", True)),
    ],
)
async def test_led_press_writes_once(
    hass: HomeAssistant,
    mock_izypower_client: NonCallableMagicMock,
    mock_config_entry: MockConfigEntry,
    entity_id: str,
    leds: tuple[str, bool],
) -> None:
    """A press awaits the client's LED write for that unit only, nothing else.

    The request it sends is tested at the HTTP level (test_controls_rules.py).
    """
    await setup_and_read_on_demand(hass, mock_config_entry)
    await hass.services.async_call(
        "button", "press", {"entity_id": entity_id}, blocking=True
    )

    mock_izypower_client.set_battery_leds.assert_awaited_once_with(*leds)
    writes = [
        name
        for name, *_ in mock_izypower_client.method_calls
        if name.startswith("set_")
    ]
    assert writes == ["set_battery_leds"]
