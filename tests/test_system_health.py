"""System health: the link to the cloud, without secrets."""

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    get_system_health_info,
)

from custom_components.izypower_cloud.const import DOMAIN
from custom_components.izypower_cloud.system_health import system_health_info

from .cloud_mock import USERNAME, MockCloud, load_fixture, setup_integration

pytest_plugins = ["tests.cloud_mock"]


async def test_system_health(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """Counts, times and the reachability check of one loaded account."""
    assert await async_setup_component(hass, "system_health", {})
    await hass.config.async_set_time_zone("Europe/Paris")
    await setup_integration(hass, mock_config_entry)

    info = await get_system_health_info(hass, DOMAIN)
    # The mock cloud answers only the API's own paths: the base URL is unreachable.
    assert await info.pop("can_reach_server") == {
        "type": "failed",
        "error": "unreachable",
    }
    assert info == {
        # Local time, to the second (issue 25): not UTC ISO with microseconds.
        "last_refresh": "2026-07-14 13:42:00 CEST",
        # login_ok.json's token: exp 4070908800.
        "token_valid_until": "2099-01-01 01:00:00 CET",
        "requests_last_hour": sum(mock_cloud.counts().values()),
        "stations": 2,
        # Titans, meter, micro-inverters, and the three Link modules.
        "devices": 5 + 3,
    }
    token = load_fixture("login_ok.json")["data"]["token"]
    assert token not in str(info)
    assert USERNAME not in str(info)


async def test_system_health_without_loaded_account(
    hass: HomeAssistant, mock_cloud: MockCloud, mock_config_entry: MockConfigEntry
) -> None:
    """Nothing to say once the account is unloaded."""
    await setup_integration(hass, mock_config_entry)
    await hass.config_entries.async_unload(mock_config_entry.entry_id)
    assert await system_health_info(hass) == {}
