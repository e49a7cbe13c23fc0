"""A battery mode hold: shown as sensors, ended now by `clear_battery_mode`.

The cloud is the HTTP mock of the fixture account: the master Titan (640101) is in
intelligent mode with a smart meter in its station; the slave is 640102.
"""

from datetime import timedelta
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import ATTR_DEVICE_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
import homeassistant.util.dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.izypower_cloud.const import DOMAIN

from .cloud_mock import TITAN_MASTER_SN, Endpoint, MockCloud, advance_time, entity_state
from .test_battery_mode import MASTER, TO_INTELLIGENT, bodies, device_id, set_mode, soc
from .test_controls import STEP, issues
from .test_controls_modes import manual, setup

pytest_plugins = ["tests.cloud_mock"]

pytestmark = pytest.mark.usefixtures("cloud_clock")

HOLD = "sensor.titan_maitre_battery_mode_hold"
HOLD_END = "sensor.titan_maitre_battery_mode_hold_end"
HOLD_LEVEL = "sensor.titan_maitre_battery_mode_hold_target_level"


@pytest.fixture
async def loaded(
    hass: HomeAssistant, mock_cloud: MockCloud, mock_config_entry: MockConfigEntry
) -> MockCloud:
    """Set the fixture account up; no request counted yet."""
    await setup(hass, mock_cloud, mock_config_entry)
    return mock_cloud


async def clear(hass: HomeAssistant, *devices: int, **data: Any) -> None:
    """Call `clear_battery_mode` on the given equipment (the master by default)."""
    await hass.services.async_call(
        DOMAIN,
        "clear_battery_mode",
        {ATTR_DEVICE_ID: [device_id(hass, d) for d in devices or (MASTER,)], **data},
        blocking=True,
    )
    await hass.async_block_till_done()


async def test_registered_without_entry(hass: HomeAssistant) -> None:
    """The action exists as soon as the integration is set up, with no entry."""
    assert await async_setup_component(hass, DOMAIN, {})
    assert hass.services.has_service(DOMAIN, "clear_battery_mode")


async def test_no_hold_shown(hass: HomeAssistant, loaded: MockCloud) -> None:
    """Without a hold: `none`, and no end time or target level."""
    assert entity_state(hass, HOLD) == "none"
    assert entity_state(hass, HOLD_END) == "unknown"
    assert entity_state(hass, HOLD_LEVEL) == "unknown"
    assert hass.states.get("sensor.titan_esclave_battery_mode_hold") is None


async def test_hold_shown_then_ended_by_the_action(
    hass: HomeAssistant, loaded: MockCloud
) -> None:
    """The hold's mode, end and level show; ending it sets the previous mode back."""
    ends = dt_util.utcnow() + timedelta(minutes=30)
    await set_mode(hass, mode="charge", until_soc=90, duration={"minutes": 30})
    assert entity_state(hass, HOLD) == "charge"
    assert dt_util.parse_datetime(entity_state(hass, HOLD_END)) == ends
    assert entity_state(hass, HOLD_LEVEL) == "90.0"
    manual(loaded, 1, 0)  # the cloud shows the charge
    loaded.reset_counts()

    await clear(hass)

    assert bodies(loaded) == [TO_INTELLIGENT]
    assert loaded.count(Endpoint.BATTERY_CMD) == 1  # read just before
    assert entity_state(hass, HOLD) == "none"
    assert entity_state(hass, HOLD_END) == "unknown"


async def test_end_without_restore(
    hass: HomeAssistant, loaded: MockCloud, cloud_clock: FrozenDateTimeFactory
) -> None:
    """`restore: false` forgets the hold and leaves the mode: nothing is sent, ever."""
    await set_mode(hass, mode="discharge", duration={"minutes": 10})
    loaded.reset_counts()

    await clear(hass, restore=False)
    await advance_time(hass, cloud_clock, timedelta(minutes=15))

    assert bodies(loaded) == []
    assert entity_state(hass, HOLD) == "none"


async def test_no_hold_refused(hass: HomeAssistant, loaded: MockCloud) -> None:
    """Nothing to end: refused, translated, no request."""
    with pytest.raises(ServiceValidationError) as raised:
        await clear(hass)

    assert raised.value.translation_key == "no_hold"
    assert raised.value.translation_placeholders == {"device": "Titan Maître"}
    assert loaded.count() == 0


async def test_end_with_the_cloud_down_keeps_the_hold(
    hass: HomeAssistant, loaded: MockCloud
) -> None:
    """The cloud refuses the restore: the action says so and the hold stays."""
    await set_mode(hass, mode="charge", duration={"minutes": 10})
    manual(loaded, 1, 0)
    loaded.fail(
        Endpoint.BATTERY_WRITE,
        ("mode", TITAN_MASTER_SN),
        status=200,
        body={"code": 3, "msg": "offline"},
    )

    with pytest.raises(HomeAssistantError) as raised:
        await clear(hass)

    assert raised.value.translation_key == "action_rejected"
    assert entity_state(hass, HOLD) == "charge"


async def test_until_soc_hold_ends_by_itself(
    hass: HomeAssistant, loaded: MockCloud, cloud_clock: FrozenDateTimeFactory
) -> None:
    """The level sensor follows the hold; reaching it ends the hold and the sensors."""
    await set_mode(hass, mode="charge", until_soc=70)
    manual(loaded, 1, 0)
    assert entity_state(hass, HOLD_LEVEL) == "70.0"
    assert entity_state(hass, HOLD_END) == "unknown"

    soc(loaded, "70")
    await advance_time(hass, cloud_clock, STEP)

    assert entity_state(hass, HOLD) == "none"
    assert issues(hass) == []


async def test_renamed_level_keeps_existing_entity_id(
    hass: HomeAssistant, mock_cloud: MockCloud, mock_config_entry: MockConfigEntry
) -> None:
    """The renamed *Cluster battery level* keeps its unique id and installed entity id.

    Only a new install gets the new entity id (it was *Average battery level*).
    """
    mock_config_entry.add_to_hass(hass)
    registry = er.async_get(hass)
    registry.async_get_or_create(
        "sensor",
        DOMAIN,
        "device_640101_average_soc",
        suggested_object_id="titan_maitre_average_battery_level",
        config_entry=mock_config_entry,
    )

    await setup(hass, mock_cloud, mock_config_entry)

    entry = registry.async_get("sensor.titan_maitre_average_battery_level")
    assert entry is not None
    assert entry.unique_id == "device_640101_average_soc"
    assert hass.states.get("sensor.titan_maitre_cluster_battery_level") is None
    state = hass.states.get("sensor.titan_maitre_average_battery_level")
    assert state is not None
    assert state.attributes["friendly_name"] == "Titan Maître Cluster battery level"


async def test_end_after_a_change_in_the_app_leaves_it(
    hass: HomeAssistant,
    loaded: MockCloud,
    cloud_clock: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Changed in the app since the last refresh: the read just before shows it.

    Nothing is set back, one INFO line, and the hold is gone.
    """
    await set_mode(hass, mode="charge", duration={"minutes": 30})
    manual(loaded, 1, 0)  # the cloud shows the charge
    await advance_time(hass, cloud_clock, STEP)
    manual(loaded, 2, 0)  # then discharge, set in the app
    loaded.reset_counts()
    caplog.set_level(logging.INFO)

    await clear(hass)

    assert bodies(loaded) == []
    assert caplog.text.count("it is not set back") == 1
    assert entity_state(hass, HOLD) == "none"
