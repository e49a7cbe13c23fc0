"""Freshness: a station that stops reporting while the cloud still answers.

The mock cloud keeps serving the fixtures' reading (`lastUpdate` 13:39) while the frozen
clock moves on: exactly a station whose data stopped coming. Never the wall clock.
"""

from datetime import datetime, timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import homeassistant.util.dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.izypower_cloud.api import StationInfo
from custom_components.izypower_cloud.const import DOMAIN
from custom_components.izypower_cloud.freshness import (
    OFFLINE_AFTER,
    STALE_AFTER,
    offline_issue_id,
    reading_age,
)

from .cloud_mock import (
    TILLEULS,
    VERGER,
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

load_sensors_only = only_platforms(Platform.SENSOR, Platform.BINARY_SENSOR)

STALE_FLAG = "binary_sensor.maison_des_tilleuls_stale_data"
# The live powers: station and equipment.
LIVE = (
    f"{TILLEULS}_solar_power",
    f"{TILLEULS}_grid_power",
    f"{TILLEULS}_consumption_power",
    f"{TILLEULS}_battery_power",
    "sensor.titan_maitre_battery_power",
    "sensor.titan_maitre_pv1_power",
    f"{VERGER}_solar_power",
)
# What keeps its value: counters, levels, stored energy.
KEPT = {
    f"{TILLEULS}_solar_production_since_installation": "14021.7",
    f"{TILLEULS}_grid_import_today": "1.06",
    f"{TILLEULS}_battery_level": "64.0",
    f"{TILLEULS}_battery_stored_energy": "6.4",
    "sensor.titan_maitre_battery_level": "66.0",
}
# The fixtures' reading is dated 13:39, the clock starts at 13:42.
READING = datetime.fromisoformat("2026-07-14T13:39:00+02:00")


def _issues(hass: HomeAssistant) -> set[str]:
    return {
        issue_id for (domain, issue_id) in ir.async_get(hass).issues if domain == DOMAIN
    }


def _report_again(mock_cloud: MockCloud, station_id: int, when: datetime) -> None:
    """Let the station report again: a reading dated `when`."""
    stamp = when.strftime("%Y-%m-%d %H:%M:%S UTC%:z")
    info = mock_cloud.payload(Endpoint.STATION_INFO, station_id)
    info["lastUpdate"] = info["data"]["lastUpdate"] = stamp


@pytest.fixture
async def loaded(
    hass: HomeAssistant, mock_cloud: MockCloud, mock_config_entry: MockConfigEntry
) -> MockCloud:
    """Set the fixture account up."""
    await setup_integration(hass, mock_config_entry)
    return mock_cloud


@pytest.fixture
async def verger_offline(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, loaded: MockCloud
) -> MockCloud:
    """Set the account up and let an hour pass: the Verger's repair is raised."""
    await advance_time(hass, freezer, OFFLINE_AFTER)
    assert offline_issue_id(81235) in _issues(hass)
    return loaded


def test_reading_age() -> None:
    """Missing date: unknown; a reading dated ahead of our clock is not negative."""
    info = StationInfo.from_json({"lastUpdate": "2026-07-14 13:39:00 UTC+02:00"})
    assert reading_age(info, READING + timedelta(minutes=4)) == timedelta(minutes=4)
    assert reading_age(info, READING - timedelta(minutes=4)) == timedelta(0)
    assert reading_age(StationInfo.from_json({}), READING) is None
    assert reading_age(None, READING) is None
    assert reading_age(info, None) is None


async def test_station_that_stops_reporting(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    loaded: MockCloud,
    mock_config_entry: MockConfigEntry,
) -> None:
    """Powers unavailable past the limit, counters kept, repair raised then cleared."""
    assert entity_state(hass, STALE_FLAG) == STATE_OFF
    assert entity_state(hass, f"{TILLEULS}_grid_power") == "-103.0"
    assert_states(hass, KEPT)

    # Just within the limit (3 minutes old at setup, refreshes every 3 minutes).
    while dt_util.now() - READING + timedelta(minutes=3) <= STALE_AFTER:
        await advance_time(hass, freezer, timedelta(minutes=3))
    assert entity_state(hass, STALE_FLAG) == STATE_OFF
    assert entity_state(hass, f"{TILLEULS}_grid_power") == "-103.0"

    # The next refresh finds the reading older than the limit.
    await advance_time(hass, freezer, timedelta(minutes=3))
    assert entity_state(hass, STALE_FLAG) == STATE_ON
    assert_states(hass, dict.fromkeys(LIVE, STATE_UNAVAILABLE))
    assert_states(hass, KEPT)
    assert _issues(hass) == set()

    # An hour without a new reading while the cloud answers: the repair.
    while dt_util.now() - READING <= OFFLINE_AFTER:
        await advance_time(hass, freezer, timedelta(minutes=3))
    assert _issues(hass) == {offline_issue_id(81234), offline_issue_id(81235)}
    issue = ir.async_get(hass).async_get_issue(DOMAIN, offline_issue_id(81234))
    assert issue is not None
    assert issue.translation_key == "station_offline"
    assert issue.translation_placeholders == {
        "station": "Maison des Tilleuls",
        "hours": "1",
    }
    assert_states(hass, KEPT)

    # The Tilleuls report again: values back, flag off, its repair gone.
    _report_again(loaded, 81234, dt_util.now() - timedelta(minutes=2))
    await advance_time(hass, freezer, timedelta(minutes=3))
    assert entity_state(hass, STALE_FLAG) == STATE_OFF
    assert entity_state(hass, f"{TILLEULS}_grid_power") == "-103.0"
    assert entity_state(hass, f"{VERGER}_solar_power") == STATE_UNAVAILABLE
    assert _issues(hass) == {offline_issue_id(81235)}

    # Unloading the entry removes what is left.
    await hass.config_entries.async_unload(mock_config_entry.entry_id)
    assert _issues(hass) == set()


async def test_no_repair_while_the_cloud_fails(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, loaded: MockCloud
) -> None:
    """A cloud that does not answer is no evidence of a station going offline."""
    loaded.fail(Endpoint.STATION_INFO)
    await advance_time(hass, freezer, OFFLINE_AFTER + timedelta(minutes=10))
    assert _issues(hass) == set()
    assert entity_state(hass, STALE_FLAG) == STATE_UNAVAILABLE


async def test_one_station_info_failing_keeps_its_repair(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, verger_offline: MockCloud
) -> None:
    """Raised, then a refresh without that station's info: no evidence, it stays."""
    verger_offline.fail(Endpoint.STATION_INFO, 81235)
    await advance_time(hass, freezer, timedelta(minutes=3))
    assert offline_issue_id(81235) in _issues(hass)


async def test_a_station_gone_takes_its_repair(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    verger_offline: MockCloud,
    mock_config_entry: MockConfigEntry,
) -> None:
    """A station the account no longer lists has no repair left."""
    verger_offline.remove_station(81235)
    await mock_config_entry.runtime_data.coordinator.async_request_slow_refresh()
    await advance_time(hass, freezer, timedelta(minutes=3))
    assert offline_issue_id(81235) not in _issues(hass)


async def test_micro_inverters_asleep_raise_no_repair(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, loaded: MockCloud
) -> None:
    """A station without battery whose devices are all offline: no nightly repair."""
    for device_id in (640201, 640202):
        loaded.device_record(81235, device_id)["onlineState"] = 0
    await advance_time(hass, freezer, OFFLINE_AFTER + timedelta(minutes=3))
    assert _issues(hass) == {offline_issue_id(81234)}
    # Its live powers are unavailable all the same: the reading is old.
    assert entity_state(hass, f"{VERGER}_solar_power") == STATE_UNAVAILABLE
