"""Pages read on demand: a smart meter's channels are read only while shown.

Their sensors are disabled by default; enabling one (Home Assistant then reloads the
entry) makes the page read from the reload's first refresh on, at every refresh, and
disabling the last one stops the reads. The example account's meter serves the
channels of its fixture.
"""

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import RELOAD_AFTER_UPDATE_DELAY
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.izypower_cloud.const import DEFAULT_REFRESH_PERIOD

from .cloud_mock import (
    METER_SN,
    Endpoint,
    MockCloud,
    advance_time,
    assert_states,
    entity_state,
    only_platforms,
    setup_integration,
)

pytest_plugins = ["tests.cloud_mock"]

load_sensors_only = only_platforms(Platform.SENSOR)

METER = "sensor.compteur_linky"
SOLAR = f"{METER}_channel_2_power"
CHANNELS = [
    f"{METER}_channel_{number}_{reading}"
    for number in (1, 2, 3)
    for reading in ("power", "apparent_power", "current", "voltage", "mode")
]


async def _refresh(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    await advance_time(hass, freezer, timedelta(minutes=DEFAULT_REFRESH_PERIOD))


async def _set_enabled(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    registry: er.EntityRegistry,
    entity_ids: list[str],
    *,
    enabled: bool,
) -> None:
    """Enable or disable entities as the user does; enabling reloads the entry."""
    for entity_id in entity_ids:
        registry.async_update_entity(
            entity_id,
            disabled_by=None if enabled else er.RegistryEntryDisabler.USER,
        )
    await hass.async_block_till_done()
    if enabled:
        await advance_time(
            hass, freezer, timedelta(seconds=RELOAD_AFTER_UPDATE_DELAY + 1)
        )


def _channels(mock_cloud: MockCloud) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = mock_cloud.payload(Endpoint.METER_CHANNELS, METER_SN)[
        "data"
    ]["items"]
    return items


async def test_read_only_while_shown(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    cloud_clock: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
) -> None:
    """No read while disabled; one at once when enabled, then one per refresh."""
    await setup_integration(hass, mock_config_entry)
    await _refresh(hass, cloud_clock)
    assert mock_cloud.count(Endpoint.METER_CHANNELS) == 0
    assert hass.states.get(SOLAR) is None

    await _set_enabled(hass, cloud_clock, entity_registry, CHANNELS, enabled=True)
    # The reload's first refresh reads it, once for the fifteen entities.
    assert mock_cloud.count(Endpoint.METER_CHANNELS, METER_SN) == 1
    assert_states(
        hass,
        {
            f"{METER}_channel_1_power": "-103.0",
            SOLAR: "2233.0",
            f"{METER}_channel_2_apparent_power": "2350.0",
            f"{METER}_channel_2_current": "10.16",
            f"{METER}_channel_2_voltage": "231.4",
            f"{METER}_channel_1_mode": "consumption",
            f"{METER}_channel_2_mode": "production",
        },
    )
    state = hass.states.get(f"{METER}_channel_2_apparent_power")
    assert state is not None
    assert state.attributes["unit_of_measurement"] == "VA"
    assert (
        state.attributes["friendly_name"] == "Compteur Linky Channel 2 apparent power"
    )

    mock_cloud.reset_counts()
    _channels(mock_cloud)[1]["power"] = 1980
    await _refresh(hass, cloud_clock)
    assert mock_cloud.count(Endpoint.METER_CHANNELS, METER_SN) == 1
    assert entity_state(hass, SOLAR) == "1980.0"

    # While one entity still shows the page, it is read; with none, it is not.
    await _set_enabled(hass, cloud_clock, entity_registry, CHANNELS[1:], enabled=False)
    mock_cloud.reset_counts()
    await _refresh(hass, cloud_clock)
    assert mock_cloud.count(Endpoint.METER_CHANNELS) == 1
    await _set_enabled(hass, cloud_clock, entity_registry, CHANNELS[:1], enabled=False)
    mock_cloud.reset_counts()
    await _refresh(hass, cloud_clock)
    assert mock_cloud.count(Endpoint.METER_CHANNELS) == 0


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_bad_and_missing_channels_are_unknown(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """A missing channel, field or mode code is unknown; a failed read unavailable."""
    await setup_integration(hass, mock_config_entry)
    items = _channels(mock_cloud)
    items[1] = {"power": "--", "mode": 7, "voltage": None}
    del items[2]
    await _refresh(hass, cloud_clock)
    assert_states(
        hass,
        {
            f"{METER}_channel_1_power": "-103.0",
            SOLAR: STATE_UNKNOWN,
            f"{METER}_channel_2_mode": STATE_UNKNOWN,
            f"{METER}_channel_2_voltage": STATE_UNKNOWN,
            f"{METER}_channel_3_power": STATE_UNKNOWN,
            f"{METER}_channel_3_mode": STATE_UNKNOWN,
        },
    )

    # A failing page blanks its own entities only.
    mock_cloud.fail(Endpoint.METER_CHANNELS, status=404)
    await _refresh(hass, cloud_clock)
    assert_states(
        hass,
        dict.fromkeys(CHANNELS, STATE_UNAVAILABLE)
        | {f"{METER}_grid_voltage": "231.4", f"{METER}_ct2_power": "412.0"},
    )
    mock_cloud.restore()
    await _refresh(hass, cloud_clock)
    assert entity_state(hass, f"{METER}_channel_1_power") == "-103.0"


@pytest.mark.usefixtures("cloud_clock")
async def test_read_from_the_first_refresh(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    """An entity enabled in an earlier run has its value as soon as setup ends."""
    mock_config_entry.add_to_hass(hass)
    entity_registry.async_get_or_create(
        "sensor",
        "izypower_cloud",
        "device_640103_channel_2_power",
        config_entry=mock_config_entry,
        suggested_object_id="compteur_linky_channel_2_power",
    )
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_cloud.count(Endpoint.METER_CHANNELS, METER_SN) == 1
    assert entity_state(hass, SOLAR) == "2233.0"
    # The other fourteen stay disabled and unread.
    assert hass.states.get(f"{METER}_channel_1_power") is None
