"""Tests of the Izypower Cloud binary sensors against the fake cloud."""

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import (
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
    Platform,
)
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.izypower_cloud.const import SLOW_REFRESH_INTERVAL

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

pytestmark = pytest.mark.usefixtures("cloud_clock")

load_binary_sensors_only = only_platforms(Platform.BINARY_SENSOR)


async def test_offline_and_unknown(
    hass: HomeAssistant, mock_cloud: MockCloud, mock_config_entry: MockConfigEntry
) -> None:
    """An offline unit reads off; a state the cloud did not send reads unknown."""
    mock_cloud.device_record(81235, 640201)["onlineState"] = 0
    del mock_cloud.device_record(81235, 640202)["onlineState"]
    # Firmware list without the meter: its flag is unknown, the station's is still known.
    upgrades = mock_cloud.payload(Endpoint.UPGRADE, 81234)
    upgrades["data"] = [item for item in upgrades["data"] if item["sn"] != METER_SN]
    await setup_integration(hass, mock_config_entry)

    assert entity_state(hass, "binary_sensor.micro_onduleur_est_online") == STATE_OFF
    assert (
        entity_state(hass, "binary_sensor.micro_onduleur_ouest_online") == STATE_UNKNOWN
    )
    assert (
        entity_state(hass, "binary_sensor.compteur_linky_firmware_update")
        == STATE_UNKNOWN
    )
    assert (
        entity_state(hass, "binary_sensor.maison_des_tilleuls_firmware_update")
        == STATE_ON
    )


async def test_partial_failure(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """A failed firmware list or device list only affects the flags it feeds.

    The firmware list fails from the start: after a success, its last good result
    would be kept.
    """
    mock_cloud.fail(Endpoint.UPGRADE, 81234, status=404)
    await setup_integration(hass, mock_config_entry)

    mock_cloud.fail(Endpoint.DEVICE_PAGE, 81235, status=404)
    await advance_time(hass, cloud_clock, SLOW_REFRESH_INTERVAL)

    assert_states(
        hass,
        {
            # The firmware list is the station's: no flag of its units is known.
            "binary_sensor.maison_des_tilleuls_firmware_update": STATE_UNAVAILABLE,
            "binary_sensor.titan_esclave_firmware_update": STATE_UNAVAILABLE,
            "binary_sensor.compteur_linky_firmware_update": STATE_UNAVAILABLE,
            "binary_sensor.titan_esclave_online": STATE_ON,
            "binary_sensor.atelier_du_verger_firmware_update": STATE_OFF,
            # The device list failed, but the firmware list did not.
            "binary_sensor.micro_onduleur_est_firmware_update": STATE_OFF,
            "binary_sensor.micro_onduleur_est_online": STATE_UNAVAILABLE,
        },
    )

    mock_cloud.restore()
    await advance_time(hass, cloud_clock, SLOW_REFRESH_INTERVAL)
    assert (
        entity_state(hass, "binary_sensor.maison_des_tilleuls_firmware_update")
        == STATE_ON
    )
    assert entity_state(hass, "binary_sensor.micro_onduleur_est_online") == STATE_ON
    assert entity_state(hass, "binary_sensor.titan_esclave_firmware_update") == STATE_ON
