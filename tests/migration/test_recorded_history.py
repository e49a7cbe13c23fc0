"""A sensor of the community integration keeps its recorded history under ours."""

from collections.abc import Iterator
from datetime import timedelta
import json
import logging
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder import Recorder
from homeassistant.components.recorder.history import state_changes_during_period
from homeassistant.components.recorder.models import (
    StatisticData,
    StatisticMeanType,
    StatisticMetaData,
)
from homeassistant.components.recorder.statistics import async_import_statistics
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import UnitOfEnergy
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from homeassistant.util.unit_conversion import EnergyConverter
import pytest
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from tests.cloud_mock import MockCloud

from .legacy import EXAMPLE_104, RENAMED, add_legacy

pytest_plugins = ["tests.cloud_mock"]

# The recorder's statements would flood the output.
logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None
) -> None:
    """Start the recorder before Home Assistant's other fixtures."""


@pytest.fixture(autouse=True)
def no_energy_history() -> Iterator[None]:
    """Leave out the hourly statistics import: states are what this test is about."""
    with patch("custom_components.izypower_cloud.async_setup_energy_history"):
        yield


async def test_history_continues_under_the_same_entity_id(
    hass: HomeAssistant, mock_cloud: MockCloud, cloud_clock: FrozenDateTimeFactory
) -> None:
    """The old sensor's recorded state and ours are one history."""
    start = dt_util.utcnow() - timedelta(minutes=1)
    entry, _ = add_legacy(hass)
    # What the community integration recorded before the update.
    hass.states.async_set(
        RENAMED,
        "14018.2",
        {"unit_of_measurement": "kWh", "state_class": "total_increasing"},
    )
    await async_wait_recording_done(hass)
    # Home Assistant restarts with this project in place of the old one.
    hass.states.async_remove(RENAMED)
    cloud_clock.tick(timedelta(minutes=5))

    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    await async_wait_recording_done(hass)

    history = await get_instance(hass).async_add_executor_job(
        state_changes_during_period, hass, start, None, RENAMED
    )
    # The removal (our stand-in for the restart) is recorded as an empty state.
    assert [float(s.state) for s in history[RENAMED] if s.state] == [
        14018.2,
        pytest.approx(14021.7),
    ]
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_energy_dashboard_sources_still_validate(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    cloud_clock: FrozenDateTimeFactory,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """The Energy preferences 1.0.4's README suggests still point at valid sensors.

    Except the grid of the station without a meter (1.0.4's counters there were always
    0) and the battery of the station without one: their old sensors are removed (the
    repair lists them and asks to remove those sources), so the dashboard says so. The
    user's preferences are never rewritten.
    """
    entry, _ = add_legacy(hass)
    prefs = json.loads((EXAMPLE_104 / "energy_prefs.json").read_text())["energy"]
    # The recorder's statistics of the old sensors (keyed by entity id).
    hour = dt_util.utcnow().replace(minute=0) - timedelta(hours=2)
    for source in prefs["energy_sources"]:
        for key in ("stat_energy_from", "stat_energy_to"):
            if (entity_id := source.get(key)) is not None:
                async_import_statistics(
                    hass,
                    StatisticMetaData(
                        has_sum=True,
                        mean_type=StatisticMeanType.NONE,
                        name=None,
                        source="recorder",
                        statistic_id=entity_id,
                        unit_class=EnergyConverter.UNIT_CLASS,
                        unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
                    ),
                    [StatisticData(start=hour, state=100.0, sum=0.0)],
                )
    await async_wait_recording_done(hass)
    # The user's preferences, saved before the update.
    assert await async_setup_component(hass, "energy", {})
    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {"type": "energy/save_prefs", "energy_sources": prefs["energy_sources"]}
    )
    saved = await client.receive_json()
    assert saved["success"], saved
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await async_wait_recording_done(hass)
    await client.send_json_auto_id({"type": "energy/validate"})
    validation = await client.receive_json()
    assert validation["success"], validation
    sources = validation["result"]["energy_sources"]
    assert len(sources) == len(prefs["energy_sources"]) == 6
    verger = "sensor.izypower_cloud_atelier_du_verger_81235"
    missing = {
        3: [f"{verger}_grid_total_export", f"{verger}_grid_total_import"],
        5: [f"{verger}_battery_total_charge", f"{verger}_battery_total_discharge"],
    }
    # The Tilleuls' grid, solar and battery and the Verger's solar validate clean.
    assert [i for i, problems in enumerate(sources) if not problems] == [0, 1, 2, 4]
    for index, entity_ids in missing.items():
        assert [
            (
                problem["type"],
                sorted(entity for entity, _ in problem["affected_entities"]),
            )
            for problem in sources[index]
        ] == [("entity_not_defined", entity_ids)]
    # The preferences still name the removed sensors: nothing rewrote them.
    await client.send_json_auto_id({"type": "energy/get_prefs"})
    stored = await client.receive_json()
    assert stored["result"]["energy_sources"] == saved["result"]["energy_sources"]
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
