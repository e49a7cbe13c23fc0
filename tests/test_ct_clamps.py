"""CT clamp powers of a smart meter: the layout-power call, one sensor per clamp."""

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNKNOWN, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.izypower_cloud.const import DEFAULT_REFRESH_PERIOD

from .cloud_mock import (
    METER_SN,
    TITAN_MASTER_SN,
    Endpoint,
    MockCloud,
    advance_time,
    assert_states,
    assert_unavailable,
    entity_state,
    only_platforms,
    setup_integration,
)

pytest_plugins = ["tests.cloud_mock"]

load_sensors_only = only_platforms(Platform.SENSOR)

METER = "sensor.compteur_linky"
TILLEULS = 81234
VERGER = 81235


async def _fast_refresh(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Refresh twice: the clamps are read again once the cloud renewed them (5 min)."""
    for _ in range(2):
        await advance_time(hass, freezer, timedelta(minutes=DEFAULT_REFRESH_PERIOD))


def _last_row(mock_cloud: MockCloud) -> list[dict[str, Any]]:
    """Return the `extra` items of the layout-power row the clients read."""
    rows = mock_cloud.payload(Endpoint.LAYOUT_POWER, TILLEULS)["data"]["data"]
    items: list[dict[str, Any]] = rows[-1]["extra"]
    return items


async def test_ct_clamps(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    cloud_clock: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
) -> None:
    """One sensor per clamp of the last row; signed as sent; missing is unknown."""
    await setup_integration(hass, mock_config_entry)
    # Only the station with a meter is asked, once per cloud sample (5 minutes).
    assert mock_cloud.count(Endpoint.LAYOUT_POWER, TILLEULS) == 1
    assert mock_cloud.count(Endpoint.LAYOUT_POWER, VERGER) == 0
    assert entity_state(hass, f"{METER}_ct2_power") == "412.0"
    entry = entity_registry.async_get(f"{METER}_ct2_power")
    assert entry is not None
    assert entry.unique_id == "device_640103_ct_power_CT2"

    items = _last_row(mock_cloud)
    items[0]["dataVal"] = -250
    # A clamp that appears gets its entity; a clamp of another serial is not the
    # meter's; a non-clamp item is ignored.
    items.append({"pv": "ct3", "deviceSn": METER_SN, "dataVal": "118.5"})
    items.append({"pv": "ct4", "deviceSn": TITAN_MASTER_SN, "dataVal": 9})
    items.append({"pv": "pv1", "deviceSn": METER_SN, "dataVal": 9})
    mock_cloud.reset_counts()
    await _fast_refresh(hass, cloud_clock)
    assert mock_cloud.count(Endpoint.LAYOUT_POWER, TILLEULS) == 1
    assert_states(hass, {f"{METER}_ct2_power": "-250.0", f"{METER}_ct3_power": "118.5"})
    assert hass.states.get(f"{METER}_ct4_power") is None
    assert hass.states.get("sensor.titan_maitre_ct4_power") is None

    # A clamp missing from the row, or with a bad value, is unknown, not 0 W.
    items[:] = [{"pv": "ct2", "deviceSn": METER_SN, "dataVal": "--"}]
    await _fast_refresh(hass, cloud_clock)
    assert_states(
        hass,
        {f"{METER}_ct2_power": STATE_UNKNOWN, f"{METER}_ct3_power": STATE_UNKNOWN},
    )


async def test_ct_clamps_unavailable_on_failure(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """A failing layout-power call blanks only the clamps, until it answers again."""
    await setup_integration(hass, mock_config_entry)
    mock_cloud.fail(Endpoint.LAYOUT_POWER, TILLEULS, status=500)
    await _fast_refresh(hass, cloud_clock)
    assert_unavailable(hass, [f"{METER}_ct2_power"])
    assert entity_state(hass, f"{METER}_grid_voltage") != "unavailable"

    mock_cloud.restore(Endpoint.LAYOUT_POWER, TILLEULS)
    await _fast_refresh(hass, cloud_clock)
    assert entity_state(hass, f"{METER}_ct2_power") == "412.0"


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_no_meter_no_call(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """A station whose meter has no serial is not asked for clamps."""
    page = mock_cloud.payload(Endpoint.DEVICE_PAGE, TILLEULS)
    for record in page["data"]["records"]:
        if record["sn"] == METER_SN:
            record["sn"] = None
    await setup_integration(hass, mock_config_entry)
    assert mock_cloud.count(Endpoint.LAYOUT_POWER) == 0
    assert hass.states.get(f"{METER}_ct2_power") is None
