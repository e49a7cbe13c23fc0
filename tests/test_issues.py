"""Repair issues: the account has no power station any more."""

import copy

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.izypower_cloud.const import DOMAIN
from custom_components.izypower_cloud.issues import no_station_issue_id

from .cloud_mock import STATION_IDS, Endpoint, MockCloud, setup_integration

pytest_plugins = ["tests.cloud_mock"]


async def _slow_refresh(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Ask for a slow refresh, as a write does, and wait for it."""
    await entry.runtime_data.coordinator.async_request_slow_refresh()
    await hass.async_block_till_done()
    # Past the request debouncer's cooldown, so the next request runs at once.
    entry.runtime_data.coordinator._debounced_refresh.async_cancel()


async def test_issue_follows_the_station_list(
    hass: HomeAssistant,
    issue_registry: ir.IssueRegistry,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
) -> None:
    """Raised when the list empties after having stations, gone when one is back.

    Removing the entry removes it too.
    """
    await setup_integration(hass, mock_config_entry)
    issue_id = no_station_issue_id(mock_config_entry.entry_id)
    records = copy.deepcopy(mock_cloud.payload(Endpoint.STATIONS, 1)["data"]["records"])
    for station_id in STATION_IDS:
        mock_cloud.remove_station(station_id)

    await _slow_refresh(hass, mock_config_entry)

    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "no_station"
    assert issue.translation_placeholders == {"account": mock_config_entry.title}
    assert not issue.is_fixable

    mock_cloud.add_station(records[0])
    await _slow_refresh(hass, mock_config_entry)
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None

    mock_cloud.remove_station(records[0]["stationsId"])
    await _slow_refresh(hass, mock_config_entry)
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is not None
    await hass.config_entries.async_remove(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert not issue_registry.issues


async def test_no_issue_for_an_account_that_never_had_stations(
    hass: HomeAssistant,
    issue_registry: ir.IssueRegistry,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
) -> None:
    """An account created before its stations is nothing to repair."""
    for station_id in STATION_IDS:
        mock_cloud.remove_station(station_id)
    await setup_integration(hass, mock_config_entry)
    assert not issue_registry.issues
