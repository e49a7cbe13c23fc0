"""The community integration's 1.0.11 beta (controls, EV charger, meter channels)."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime

from aiohttp.test_utils import TestServer
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.izypower_cloud.const import CONF_API_URL, DOMAIN
from custom_components.izypower_cloud.legacy.ids import Retired
from custom_components.izypower_cloud.legacy.registry import retired_issue_id
from izypower_simulator import (
    Layout,
    SimClock,
    SimulatorConfig,
    create_app,
    generate_account,
)
from izypower_simulator.generator import DEFAULT_USERNAME
from izypower_simulator.simulator import DEFAULT_PASSWORD

from .legacy import BETA_1011, Legacy, add_legacy, load_json

NOON = datetime(2026, 7, 14, 10, 0, tzinfo=UTC)
STORED = load_json(BETA_1011, "entity")


@pytest.fixture
async def migrated(
    hass: HomeAssistant, socket_enabled: None
) -> AsyncIterator[tuple[MockConfigEntry, Legacy]]:
    """Load the beta's registries on test_ev_station's account, then set up ours."""
    account = generate_account(
        1, 3, start=NOON, seed=14, layout=Layout.BATTERY, ev_charger=True
    )
    app = create_app(account, SimClock(account.time, time_scale=0.0), SimulatorConfig())
    server = TestServer(app)
    await server.start_server()
    entry, legacy = add_legacy(
        hass,
        BETA_1011,
        username=DEFAULT_USERNAME,
        password=DEFAULT_PASSWORD,
        **{CONF_API_URL: str(server.make_url("/photo_voltaic"))},
    )
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    yield entry, legacy
    await hass.config_entries.async_unload(entry.entry_id)
    await server.close()


async def test_beta_ids_are_taken_over(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    migrated: tuple[MockConfigEntry, Legacy],
) -> None:
    """Selects, numbers, switches, EV and meter channels keep their entries."""
    entry, legacy = migrated
    assert entry.state is ConfigEntryState.LOADED
    issue = ir.async_get(hass).async_get_issue(DOMAIN, retired_issue_id(entry.entry_id))
    assert issue is not None
    placeholders = issue.translation_placeholders or {}
    kept: dict[str, str] = {}
    for stored in STORED:
        entity = entity_registry.async_get(stored["entity_id"])
        if entity is None:
            assert f"`{stored['entity_id']}`" in "".join(
                placeholders[reason] for reason in Retired
            )
            continue
        assert entity.id == legacy.entity_ids[stored["entity_id"]]
        kept[stored["unique_id"]] = entity.unique_id
    assert (len(kept), len(STORED) - len(kept)) == (163, 23)
    for old, ours in (
        ("700002_battery_control_mode", "device_700002_control_mode"),
        ("700003_battery_offgrid_mode", "device_700003_backup_outlet_mode"),
        (
            "700002_battery_manual_discharge_power",
            "device_700002_manual_discharge_power",
        ),
        ("700003_battery_calibration", "device_700003_calibration"),
        ("700001_injection_limit", "device_700001_injection_limit"),
        ("90001_ev_total", "station_90001_ev_energy_total"),
        ("90001_ev_rate_all", "station_90001_ev_rate_total"),
        ("izypower_cloud_device_700001_ct3_mode", "device_700001_channel_3_mode"),
        ("izypower_cloud_device_700004_evse_power", "device_700004_ev_charger_power"),
        (
            "izypower_cloud_battery_link_IZL26S000000020_temperature",
            "link_IZL26S000000020_temperature",
        ),
    ):
        assert kept[old] == ours
    for outcome, count in (
        (Retired.BINARY_SENSOR, 9),
        (Retired.STATISTICS, 5),
        (Retired.NO_EQUIVALENT, 9),
    ):
        assert placeholders[outcome].count("- `") == count
    assert "evse_priority`" in placeholders[Retired.NO_EQUIVALENT]
    assert "battery_calibration_time`" in placeholders[Retired.NO_EQUIVALENT]
    assert placeholders[Retired.ABSENT] == "-"
