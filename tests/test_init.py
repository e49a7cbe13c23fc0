"""Tests of setting up, unloading and removing devices of an Izypower Cloud entry."""

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.izypower_cloud import async_remove_config_entry_device
from custom_components.izypower_cloud.api import EnergySeries, Period
from custom_components.izypower_cloud.const import CONF_API_URL, DOMAIN
from custom_components.izypower_cloud.coordinator import IzypowerCoordinator
from custom_components.izypower_cloud.identifiers import (
    device_identifier,
    link_identifier,
    station_identifier,
)

from .cloud_mock import BASE_URL, Endpoint, MockCloud, advance_time, setup_integration

pytest_plugins = ["tests.cloud_mock"]

pytestmark = pytest.mark.usefixtures("cloud_clock")


async def test_setup_and_unload(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """The entry loads with a snapshot of the whole account and unloads cleanly."""
    await setup_integration(hass, mock_config_entry)

    assert mock_config_entry.state is ConfigEntryState.LOADED
    coordinator = mock_config_entry.runtime_data.coordinator
    assert isinstance(coordinator, IzypowerCoordinator)
    assert set(coordinator.data.stations) == {81234, 81235}
    assert coordinator.update_interval == timedelta(minutes=3)
    # English unless Home Assistant speaks French.
    assert {r.headers.get("Accept-Language") for r in mock_cloud.requests} == {"en"}

    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.NOT_LOADED

    # Unloaded means no more polling.
    mock_cloud.reset_counts()
    await advance_time(hass, cloud_clock, timedelta(minutes=10))
    assert mock_cloud.count() == 0


async def test_french_home_assistant_asks_for_french(
    hass: HomeAssistant, mock_cloud: MockCloud, mock_config_entry: MockConfigEntry
) -> None:
    """Localised labels (device types) follow Home Assistant's language."""
    hass.config.language = "fr"
    await setup_integration(hass, mock_config_entry)
    assert {r.headers.get("Accept-Language") for r in mock_cloud.requests} == {"fr"}


async def test_custom_api_url(
    hass: HomeAssistant, mock_cloud: MockCloud, mock_config_entry: MockConfigEntry
) -> None:
    """The advanced `api_url` of the entry is where the client goes."""
    mirror = BASE_URL.replace("application.", "mirror.")
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        mock_config_entry, data={**mock_config_entry.data, CONF_API_URL: mirror}
    )
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    # The mock only serves the official host: every call went to the mirror, failed,
    # and the setup will be retried.
    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY
    assert mock_cloud.count() == 0


async def test_auth_failure_at_setup_starts_reauth(
    hass: HomeAssistant, mock_cloud: MockCloud, mock_config_entry: MockConfigEntry
) -> None:
    """A refused login fails the setup and asks the user for the password."""
    mock_cloud.reject_login()
    await setup_integration(hass, mock_config_entry)

    assert mock_config_entry.state is ConfigEntryState.SETUP_ERROR
    assert mock_config_entry.error_reason_translation_key == "auth_failed"
    flows = mock_config_entry.async_get_active_flows(hass, {SOURCE_REAUTH})
    assert len(list(flows)) == 1
    # One refused login, no retry loop that could lock the account.
    assert mock_cloud.count(Endpoint.LOGIN) == 1


@pytest.mark.parametrize(
    ("endpoint", "translation_key"),
    [
        (Endpoint.LOGIN, "station_list_failed"),
        (Endpoint.STATIONS, "station_list_failed"),
        (Endpoint.STATION_INFO, "no_station_answered"),
    ],
)
async def test_cloud_unreachable_at_setup_retries(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    endpoint: Endpoint,
    translation_key: str,
) -> None:
    """Server errors on the essential calls make Home Assistant retry the setup."""
    mock_cloud.fail(endpoint, status=500)
    await setup_integration(hass, mock_config_entry)

    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY
    assert mock_config_entry.error_reason_translation_key == translation_key
    assert not list(mock_config_entry.async_get_active_flows(hass, {SOURCE_REAUTH}))


async def test_remove_device_only_when_gone(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """Users may delete a device by hand once the cloud no longer lists it."""
    await setup_integration(hass, mock_config_entry)
    entry_id = mock_config_entry.entry_id
    meter = device_registry.async_get_or_create(
        config_entry_id=entry_id, identifiers={device_identifier(640103)}
    )
    station = device_registry.async_get_or_create(
        config_entry_id=entry_id, identifiers={station_identifier(81234)}
    )
    assert not await async_remove_config_entry_device(hass, mock_config_entry, meter)
    assert not await async_remove_config_entry_device(hass, mock_config_entry, station)

    mock_cloud.remove_device(81234, 640103)
    await advance_time(hass, cloud_clock, timedelta(minutes=3, seconds=5))

    stations = mock_config_entry.runtime_data.coordinator.data.stations
    assert 640103 not in stations[81234].devices
    assert await async_remove_config_entry_device(hass, mock_config_entry, meter)
    assert not await async_remove_config_entry_device(hass, mock_config_entry, station)
    # A Link module whose battery page failed is not known to be gone.
    link = device_registry.async_get_or_create(
        config_entry_id=entry_id, identifiers={link_identifier("IZL24L000701")}
    )
    mock_cloud.fail(Endpoint.BATTERY, "IZT24A000101", status=404)
    await advance_time(hass, cloud_clock, timedelta(minutes=3, seconds=5))
    stations = mock_config_entry.runtime_data.coordinator.data.stations
    assert stations[81234].devices[640101].battery is None
    assert not await async_remove_config_entry_device(hass, mock_config_entry, link)

    unknown = device_registry.async_get_or_create(
        config_entry_id=entry_id, identifiers={(DOMAIN, "device_1")}
    )
    assert await async_remove_config_entry_device(hass, mock_config_entry, unknown)


@pytest.mark.parametrize(
    ("command", "names_the_entry"),
    [
        ("config/device_registry/remove", False),
        # Deprecated alias (until 2027.9) that also names the config entry.
        ("config/device_registry/remove_config_entry", True),
    ],
)
async def test_remove_device_of_an_entry_that_is_not_loaded(
    *,
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    command: str,
    names_the_entry: bool,
) -> None:
    """Deleting a device from the UI works while the setup is being retried.

    Home Assistant asks the integration without checking that the entry is loaded; an
    entry waiting for the cloud has no listing to compare with, so the device may go.
    """
    assert await async_setup_component(hass, "config", {})
    mock_cloud.fail(Endpoint.STATIONS, status=500)
    await setup_integration(hass, mock_config_entry)
    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY
    meter = device_registry.async_get_or_create(
        config_entry_id=mock_config_entry.entry_id,
        identifiers={device_identifier(640103)},
    )

    client = await hass_ws_client(hass)
    message: dict[str, str] = {"type": command, "device_id": meter.id}
    if names_the_entry:
        message["config_entry_id"] = mock_config_entry.entry_id
    await client.send_json_auto_id(message)
    response = await client.receive_json()

    assert response["success"], response
    assert device_registry.async_get(meter.id) is None


async def test_energy_guard_memory_survives_a_restart(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """A glitch on the first refresh after a restart is filtered like any other.

    Without the stored memory the first value would be taken as it comes: a 0 then
    the real total, which the recorder books as that much new energy.
    """
    await setup_integration(hass, mock_config_entry)
    key = f"{DOMAIN}.{mock_config_entry.entry_id}.energy_guard"
    # Saved a while after each refresh, not on every one.
    assert key not in hass_storage
    await advance_time(hass, cloud_clock, timedelta(seconds=61))
    assert hass_storage[key]["data"]["counters"]

    info = mock_cloud.payload(Endpoint.STATION_INFO, 81234)
    await advance_time(hass, cloud_clock, timedelta(minutes=3))
    # Unloading (a restart, a reload) saves the latest memory at once.
    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)
    info["extraData"]["production"]["all"] = 0
    info["extraData"]["grid"]["all2"] = None
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    energy = mock_config_entry.runtime_data.coordinator.data.stations[81234].energy
    assert energy[(EnergySeries.PRODUCTION, Period.TOTAL)] == 14021.7
    assert energy[(EnergySeries.GRID_IMPORT, Period.TOTAL)] == 2455.0

    # Removing the entry removes its memory.
    assert await hass.config_entries.async_remove(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert key not in hass_storage
