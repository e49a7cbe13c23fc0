"""The shipped blueprints, run by Home Assistant against the simulated cloud.

Home Assistant loads each blueprint from its configuration folder, as a user's copy;
the simulator (frozen clock, moved with Home Assistant's) applies the writes and its
physics charges the battery, so a simulated evening shows the off-peak charge start
in its window and stop at its target, and the export limit follow the price's sign.
"""

from datetime import datetime, timedelta
from pathlib import Path
import shutil
from typing import Any
from zoneinfo import ZoneInfo

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
import homeassistant.util.dt as dt_util
import pytest

from custom_components.izypower_cloud.const import DOMAIN
from izypower_simulator.model import CTR_INTELLIGENT, CTR_MANUAL, MANUAL_CHARGE, Device

from .conftest import CloudFactory, SimulatedCloud

PARIS = ZoneInfo("Europe/Paris")
BLUEPRINTS = Path(__file__).parents[2] / "blueprints"
STATION = 81234
MASTER, METER = 640101, 640103
STEP = timedelta(minutes=3)

# They run through hours of refreshes (see the fixture).
pytestmark = pytest.mark.usefixtures("loop_debug_off")


@pytest.fixture
def blueprints_in_config(hass: HomeAssistant, tmp_path: Path) -> None:
    """Copy the repository's blueprints where a user puts them: <config>/blueprints."""
    hass.config.config_dir = str(tmp_path)
    shutil.copytree(BLUEPRINTS, tmp_path / "blueprints")


async def _set_up(cloud: SimulatedCloud) -> str:
    """Set up the simulated account with the default 3-minute refresh; its entry id."""
    entry = cloud.entry(refresh_minutes=3)
    entry.add_to_hass(cloud.hass)
    assert await cloud.hass.config_entries.async_setup(entry.entry_id)
    await cloud.hass.async_block_till_done(wait_background_tasks=True)
    return entry.entry_id


async def _automation(hass: HomeAssistant, name: str, inputs: dict[str, Any]) -> None:
    """Create an automation from one of the blueprints; it must load."""
    config = {
        "id": name,
        "alias": name,
        "use_blueprint": {"path": f"izypower_cloud/{name}.yaml", "input": inputs},
    }
    assert await async_setup_component(hass, "automation", {"automation": [config]})
    await hass.async_block_till_done()
    state = hass.states.get(f"automation.{name}")
    assert state is not None
    assert state.state == "on", state


def _device(cloud: SimulatedCloud, device_id: int) -> Device:
    station = next(
        s for s in cloud.simulator.account.stations if s.station_id == STATION
    )
    return next(d for d in station.devices if d.device_id == device_id)


def _level(hass: HomeAssistant) -> float:
    state = hass.states.get("sensor.titan_maitre_cluster_battery_level")
    assert state is not None
    return float(state.state)


# The time trigger of the next day's window is still set when the test ends.
@pytest.mark.parametrize("expected_lingering_timers", [True])
@pytest.mark.usefixtures("blueprints_in_config")
async def test_offpeak_charge_starts_in_its_window_and_stops_at_target(
    hass: HomeAssistant, start_cloud: CloudFactory
) -> None:
    """22:00–23:30 at 1,200 W (the Titan's maximum) up to 70 %: charges from 22:00, back to intelligent at 70 %."""
    cloud = await start_cloud(datetime(2026, 7, 14, 21, 48, tzinfo=PARIS))
    entry_id = await _set_up(cloud)
    titan = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, f"device_{MASTER}"), entry_id
    )
    assert titan is not None
    await _automation(
        hass,
        "offpeak_charge",
        {
            "titan": titan.id,
            "battery_level": "sensor.titan_maitre_cluster_battery_level",
            "start_time": "22:00:00",
            "end_time": "23:30:00",
            "power": 1200,
            "target": 70,
        },
    )
    settings = _device(cloud, MASTER).battery
    assert settings is not None
    start_level = _level(hass)
    assert start_level < 70

    # Nothing before the window.
    await cloud.advance_by(timedelta(minutes=9), STEP)
    assert settings.settings.ctr_mode == CTR_INTELLIGENT

    # At 22:00 the Titan charges from the grid.
    await cloud.advance_by(STEP, STEP)
    assert settings.settings.ctr_mode == CTR_MANUAL
    assert settings.settings.manual_mode == MANUAL_CHARGE
    charging_from = _level(hass)
    await cloud.advance_by(2 * STEP, STEP)
    assert _level(hass) > charging_from

    # Until the level reaches the target, well before the window's end.
    stopped_at = None
    while dt_util.now() < datetime(2026, 7, 14, 23, 30, tzinfo=PARIS):
        await cloud.advance_by(STEP, STEP)
        if settings.settings.ctr_mode == CTR_INTELLIGENT:
            stopped_at = dt_util.now()
            break
    assert stopped_at is not None
    assert 70 <= _level(hass) < 75


@pytest.mark.usefixtures("blueprints_in_config")
async def test_reserve_follows_the_signal(
    hass: HomeAssistant, start_cloud: CloudFactory
) -> None:
    """A Tempo red day raises the discharge floor to 80 %, then back to 10 %."""
    cloud = await start_cloud(datetime(2026, 7, 14, 18, 0, tzinfo=PARIS))
    await _set_up(cloud)
    hass.states.async_set("sensor.tempo_today", "Bleu")
    await _automation(
        hass,
        "keep_reserve",
        {
            "signal": "sensor.tempo_today",
            "reserve_state": "Rouge",
            "discharge_floor": "number.titan_maitre_discharge_floor",
            "reserve_level": 80,
            "normal_level": 10,
        },
    )
    battery = _device(cloud, MASTER).battery
    assert battery is not None
    assert battery.min_soc == 10

    hass.states.async_set("sensor.tempo_today", "Rouge")
    await cloud.advance_by(STEP, STEP)
    assert battery.min_soc == 80
    assert hass.states.get("number.titan_maitre_discharge_floor").state == "80.0"

    hass.states.async_set("sensor.tempo_today", "Blanc")
    await cloud.advance_by(STEP, STEP)
    assert battery.min_soc == 10


@pytest.mark.usefixtures("blueprints_in_config")
async def test_export_limit_follows_the_price_sign(
    hass: HomeAssistant, start_cloud: CloudFactory
) -> None:
    """Negative price: export limit 0 W; positive again: the normal 800 W."""
    cloud = await start_cloud(datetime(2026, 7, 14, 13, 0, tzinfo=PARIS))
    await _set_up(cloud)
    hass.states.async_set("sensor.spot_price", "0.08")
    await _automation(
        hass,
        "negative_price_export",
        {
            "price": "sensor.spot_price",
            "limitation": "switch.compteur_linky_export_limitation",
            "limit": "number.compteur_linky_export_limit",
            "normal_limit": 800,
        },
    )
    meter = _device(cloud, METER).meter
    assert meter is not None
    assert (meter.is_control, meter.feed_threshold) == (True, -600)

    for price, threshold in (("-0.02", 0), ("-0.05", 0), ("0.01", -800)):
        hass.states.async_set("sensor.spot_price", price)
        await cloud.advance_by(STEP, STEP)
        assert (meter.is_control, abs(meter.feed_threshold)) == (True, abs(threshold))
    limit = hass.states.get("number.compteur_linky_export_limit")
    assert limit is not None
    assert limit.state == "800.0"
