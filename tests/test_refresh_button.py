"""Each station's *Refresh now* button: refused within a minute of a good refresh."""

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import (
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
    EntityCategory,
    Platform,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.izypower_cloud.const import DOMAIN

from .cloud_mock import (
    Endpoint,
    MockCloud,
    advance_time,
    entity_state,
    only_platforms,
    setup_integration,
)

pytest_plugins = ["tests.cloud_mock"]

load_buttons_only = only_platforms(Platform.BUTTON)

TILLEULS = "button.maison_des_tilleuls_refresh_now"
VERGER = "button.atelier_du_verger_refresh_now"


async def _press(hass: HomeAssistant, entity_id: str) -> None:
    await hass.services.async_call(
        "button", "press", {"entity_id": entity_id}, blocking=True
    )


async def test_refresh_now(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    cloud_clock: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
) -> None:
    """Refused right after a refresh, without a request; a minute later it refreshes."""
    await setup_integration(hass, mock_config_entry)
    for entity_id in (TILLEULS, VERGER):
        assert entity_state(hass, entity_id) == STATE_UNKNOWN
        entry = entity_registry.async_get(entity_id)
        assert entry is not None
        assert entry.entity_category is EntityCategory.DIAGNOSTIC
        assert entry.translation_key == "refresh_now"

    mock_cloud.reset_counts()
    await advance_time(hass, cloud_clock, timedelta(seconds=50))
    with pytest.raises(ServiceValidationError) as refused:
        await _press(hass, TILLEULS)
    assert refused.value.translation_domain == DOMAIN
    assert refused.value.translation_key == "refresh_too_soon"
    assert refused.value.translation_placeholders == {"seconds": "10"}
    assert mock_cloud.count() == 0

    await advance_time(hass, cloud_clock, timedelta(seconds=11))
    await _press(hass, VERGER)
    await hass.async_block_till_done()
    # A steady refresh of the whole account (both stations).
    assert mock_cloud.count(Endpoint.STATION_INFO) == 2
    with pytest.raises(ServiceValidationError):
        await _press(hass, VERGER)
    assert mock_cloud.count(Endpoint.STATION_INFO) == 2


async def test_refresh_now_after_a_failed_refresh(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """The button stays usable when the refreshes fail: that is when it is wanted."""
    await setup_integration(hass, mock_config_entry)
    mock_cloud.fail(Endpoint.STATION_INFO, status=500)
    await advance_time(hass, cloud_clock, timedelta(minutes=3))
    assert entity_state(hass, TILLEULS) == STATE_UNKNOWN

    mock_cloud.restore()
    mock_cloud.reset_counts()
    await _press(hass, TILLEULS)
    await hass.async_block_till_done()
    assert mock_cloud.count(Endpoint.STATION_INFO) == 2
    assert entity_state(hass, "button.maison_des_tilleuls_refresh_now") != (
        STATE_UNAVAILABLE
    )


async def test_refresh_now_before_any_success(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
) -> None:
    """Without a successful refresh yet, a press is never refused."""
    await setup_integration(hass, mock_config_entry)
    mock_config_entry.runtime_data.coordinator.last_success = None
    mock_cloud.reset_counts()
    await _press(hass, TILLEULS)
    await hass.async_block_till_done()
    assert mock_cloud.count(Endpoint.STATION_INFO) == 2


async def test_refresh_now_says_why_it_failed(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """A press whose refresh fails raises a translated error naming the cause."""
    await setup_integration(hass, mock_config_entry)
    await advance_time(hass, cloud_clock, timedelta(minutes=1))
    mock_cloud.fail(Endpoint.STATIONS, status=503)
    mock_cloud.fail(Endpoint.STATION_INFO, status=503)
    with pytest.raises(HomeAssistantError) as unreachable:
        await _press(hass, TILLEULS)
    assert unreachable.value.translation_domain == DOMAIN
    assert unreachable.value.translation_key == "refresh_failed"
    assert "could not be reached" in str(unreachable.value)

    mock_cloud.restore()
    # The token is refused, then a new login too.
    mock_cloud.fail(Endpoint.STATION_INFO, status=401)
    mock_cloud.reject_login()
    with pytest.raises(HomeAssistantError) as refused:
        await _press(hass, TILLEULS)
    assert refused.value.translation_key == "refresh_auth_failed"
    assert "refused" in str(refused.value)

    # The reauth flow that the message points to is there.
    assert list(mock_config_entry.async_get_active_flows(hass, {SOURCE_REAUTH}))
