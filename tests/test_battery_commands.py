"""Battery commands against the simulator: never decided from a stale mode.

The simulator applies writes a minute late (`write_lag_s`), like the real cloud, and
its admin API plays the owner changing the mode in the Izypower app. Home Assistant's
clock is frozen (holds end on it); the simulator's clock is advanced by hand.
"""

from datetime import timedelta
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import ATTR_DEVICE_ID, ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.izypower_cloud.const import DOMAIN
from custom_components.izypower_cloud.identifiers import device_identifier
from custom_components.izypower_cloud.mode_effects import EFFECT_REFRESHES
from custom_components.izypower_cloud.modes import BatteryMode

from .sim_cloud import SimCloud

pytest_plugins = ["tests.sim_cloud"]

MASTER = 640101
MASTER_SN = "IZT24A000101"
CONTROL = "select.titan_maitre_control_mode"
MANUAL = "select.titan_maitre_manual_mode"
LAG_S = 60


def titan_settings(cloud: SimCloud) -> tuple[int, int, int]:
    """Return the master's (ctr_mode, manual mode, manual power) as the cloud has them."""
    found = cloud.simulator.account.device_by_serial(MASTER_SN)
    assert found is not None
    battery = found[1].battery
    assert battery is not None
    settings = battery.settings
    return settings.ctr_mode, settings.manual_mode, settings.manual_power


def in_the_app(cloud: SimCloud, **body: int) -> None:
    """Change the master's mode as the owner would in the Izypower app."""
    from izypower_simulator import controls  # noqa: PLC0415

    account = cloud.simulator.account
    found = account.device_by_serial(MASTER_SN)
    assert found is not None
    changes = controls.app_changes(account, found[1], body)
    controls.apply_changes(account, MASTER_SN, changes)


def lag_passes(cloud: SimCloud) -> None:
    """Let the cloud apply the writes it accepted."""
    cloud.simulator.clock.advance(LAG_S + 1)
    cloud.simulator.sync()


async def set_up(hass: HomeAssistant, cloud: SimCloud) -> MockConfigEntry:
    """Set the simulated account up."""
    entry = cloud.entry()
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def set_mode(hass: HomeAssistant, **data: Any) -> None:
    """Call `set_battery_mode` on the master."""
    (entry,) = hass.config_entries.async_entries(DOMAIN)
    device = dr.async_get(hass).async_get_device_by_identifier(
        device_identifier(MASTER), entry.entry_id
    )
    assert device is not None
    await hass.services.async_call(
        DOMAIN,
        "set_battery_mode",
        {ATTR_DEVICE_ID: [device.id], **data},
        blocking=True,
    )
    await hass.async_block_till_done()


async def later(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, **delta: Any
) -> None:
    """Move Home Assistant's clock on (timers and refreshes fire)."""
    freezer.tick(timedelta(**delta))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


@pytest.fixture
async def stale(
    hass: HomeAssistant, sim_cloud: SimCloud, freezer: FrozenDateTimeFactory
) -> MockConfigEntry:
    """Home Assistant shows manual charge while the Titan is in intelligent mode.

    The issue's path: in manual charge, the mode is set to intelligent in Home
    Assistant, which restarts within the minute the cloud takes to apply it.
    """
    in_the_app(sim_cloud, ctr_mode=1, mode=1, power=1200)
    sim_cloud.faults(write_lag_s=LAG_S)
    entry = await set_up(hass, sim_cloud)
    await hass.services.async_call(
        "select",
        "select_option",
        {ATTR_ENTITY_ID: CONTROL, "option": "intelligent"},
        blocking=True,
    )
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    lag_passes(sim_cloud)
    assert titan_settings(sim_cloud)[0] == 0
    # The settings are read on the slow cadence: Home Assistant still shows the past.
    await later(hass, freezer, minutes=3)
    state = hass.states.get(CONTROL)
    assert state is not None
    assert state.state == "manual"
    return entry


async def test_stale_mode_discharge_then_back(
    hass: HomeAssistant,
    stale: MockConfigEntry,
    sim_cloud: SimCloud,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A 3-minute discharge really discharges, then intelligent mode comes back."""
    await set_mode(hass, mode="discharge", duration={"minutes": 3})
    hold = stale.runtime_data.holds.get(MASTER)
    assert hold is not None
    assert hold.restore is BatteryMode.INTELLIGENT
    lag_passes(sim_cloud)
    assert titan_settings(sim_cloud)[:2] == (1, 2)  # manual, discharge

    await later(hass, freezer, minutes=3)
    lag_passes(sim_cloud)

    assert titan_settings(sim_cloud)[0] == 0  # intelligent, as it really was
    assert stale.runtime_data.holds.get(MASTER) is None


async def test_app_change_during_a_hold_is_respected(
    hass: HomeAssistant,
    stale: MockConfigEntry,
    sim_cloud: SimCloud,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The owner's later choice in the app wins: the hold is dropped, one INFO line."""
    await set_mode(hass, mode="discharge", duration={"minutes": 30})
    lag_passes(sim_cloud)
    await later(hass, freezer, minutes=3)
    caplog.set_level(logging.INFO)

    in_the_app(sim_cloud, mode=1, power=1000)
    await later(hass, freezer, minutes=3)  # one refresh reads the settings again
    state = hass.states.get(MANUAL)
    assert state is not None
    assert state.state == "charge"
    assert stale.runtime_data.holds.get(MASTER) is None
    assert caplog.text.count("was changed outside its discharge hold") == 1

    sim_cloud.reset()
    await later(hass, freezer, minutes=30)
    lag_passes(sim_cloud)
    assert sim_cloud.requests("battery_mode") == 0
    assert sim_cloud.requests("battery_manual") == 0
    assert titan_settings(sim_cloud) == (1, 1, 1000)


async def test_restart_inside_the_lag_keeps_the_hold(
    hass: HomeAssistant,
    sim_cloud: SimCloud,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A restart before the cloud shows the hold's mode neither drops nor breaks it."""
    sim_cloud.faults(write_lag_s=LAG_S)
    entry = await set_up(hass, sim_cloud)
    await set_mode(hass, mode="charge", power=1000, duration={"minutes": 10})
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    await later(hass, freezer, minutes=3)
    assert entry.runtime_data.holds.get(MASTER) is not None
    lag_passes(sim_cloud)
    assert titan_settings(sim_cloud) == (1, 1, 1000)

    await later(hass, freezer, minutes=8)
    lag_passes(sim_cloud)

    assert titan_settings(sim_cloud)[0] == 0
    assert entry.runtime_data.holds.get(MASTER) is None


def ignores_mode(cloud: SimCloud, ignores: bool) -> None:
    """Make the master accept every mode but stay idle (or behave again)."""
    found = cloud.simulator.account.device_by_serial(MASTER_SN)
    assert found is not None
    assert found[1].battery is not None
    found[1].battery.ignores_mode = ignores


async def test_mode_ignored_repair_raised_then_cleared(
    hass: HomeAssistant, sim_cloud: SimCloud, caplog: pytest.LogCaptureFixture
) -> None:
    """Charge accepted, the Titan stays in standby: a warning and a repair.

    Raised after a few refreshes, deleted once it charges.
    """
    entry = await set_up(hass, sim_cloud)
    coordinator = entry.runtime_data.coordinator
    ignores_mode(sim_cloud, True)
    await set_mode(hass, mode="charge", power=1000)
    # The refresh that shows the mode, then those that must show its effect.
    for _ in range(1 + EFFECT_REFRESHES):
        assert mode_issues(hass) == []
        sim_cloud.simulator.clock.advance(60)
        await coordinator.async_refresh()

    (issue,) = mode_issues(hass)
    assert issue.translation_placeholders == {
        "name": "Titan Maître",
        "expected": "Charging",
        "state": "Standby",
    }
    assert caplog.text.count("but its battery is standby") == 1

    ignores_mode(sim_cloud, False)
    sim_cloud.simulator.clock.advance(60)
    await coordinator.async_refresh()
    assert mode_issues(hass) == []


def mode_issues(hass: HomeAssistant) -> list[ir.IssueEntry]:
    """Return the "mode ignored" repair issues."""
    return [
        issue
        for (domain, issue_id), issue in ir.async_get(hass).issues.items()
        if domain == DOMAIN and issue_id.startswith("mode_ignored_")
    ]


async def test_restores_exactly_what_was_in_effect(
    hass: HomeAssistant, sim_cloud: SimCloud, freezer: FrozenDateTimeFactory
) -> None:
    """A discharge for a while sets back exactly what was in effect, power included.

    Here manual charge at 1,000 W, set in the app since the last read.
    """
    entry = await set_up(hass, sim_cloud)
    in_the_app(sim_cloud, ctr_mode=1, mode=1, power=1000)
    state = hass.states.get(CONTROL)
    assert state is not None
    assert state.state == "intelligent"  # not read again yet

    await set_mode(hass, mode="discharge", duration={"minutes": 3})
    assert titan_settings(sim_cloud) == (1, 2, 0)
    await later(hass, freezer, minutes=3)

    assert titan_settings(sim_cloud) == (1, 1, 1000)
    assert entry.runtime_data.holds.get(MASTER) is None


async def test_hold_from_calendar_restores_calendar(
    hass: HomeAssistant, sim_cloud: SimCloud, freezer: FrozenDateTimeFactory
) -> None:
    """Calendar mode chosen in the app is shown, and a charge for a while returns to it.

    Through the simulator's one-minute write lag: the restore sets `ctr_mode` 2 only.
    """
    in_the_app(sim_cloud, ctr_mode=2)
    sim_cloud.faults(write_lag_s=LAG_S)
    entry = await set_up(hass, sim_cloud)
    state = hass.states.get(CONTROL)
    assert state is not None
    assert state.state == "calendar"

    await set_mode(hass, mode="charge", power=1000, duration={"minutes": 5})
    hold = entry.runtime_data.holds.get(MASTER)
    assert hold is not None
    assert hold.restore is BatteryMode.CALENDAR
    lag_passes(sim_cloud)
    assert titan_settings(sim_cloud) == (1, 1, 1000)
    await later(hass, freezer, minutes=5)
    lag_passes(sim_cloud)

    assert titan_settings(sim_cloud) == (2, 1, 1000)
    assert entry.runtime_data.holds.get(MASTER) is None
    state = hass.states.get(CONTROL)
    assert state is not None
    assert state.state == "calendar"
