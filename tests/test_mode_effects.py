"""A manual mode confirmed by its effect: the battery must follow it (mode_effects.py).

The cloud is the HTTP mock of the fixture account: the master Titan (640101) starts in
intelligent mode, its battery charging at 380 W (66 %, discharge floor 10 %).
"""

from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.izypower_cloud.mode_effects import EFFECT_REFRESHES

from .cloud_mock import TITAN_MASTER_SN, Endpoint, MockCloud, advance_time
from .test_battery_mode import MASTER, set_mode
from .test_controls import STEP, issues
from .test_controls_modes import manual, setup

pytest_plugins = ["tests.cloud_mock"]

pytestmark = pytest.mark.usefixtures("cloud_clock")


@pytest.fixture
async def loaded(
    hass: HomeAssistant, mock_cloud: MockCloud, mock_config_entry: MockConfigEntry
) -> MockCloud:
    """Set the fixture account up; no request counted yet."""
    await setup(hass, mock_cloud, mock_config_entry)
    return mock_cloud


def battery(cloud: MockCloud) -> dict[str, Any]:
    """Return the master's battery page as the mock cloud serves it (mutable)."""
    data: dict[str, Any] = cloud.payload(Endpoint.BATTERY, TITAN_MASTER_SN)["data"]
    return data


async def switch_to(
    hass: HomeAssistant, cloud: MockCloud, clock: FrozenDateTimeFactory, mode: int
) -> None:
    """Set a manual mode with the action; the cloud shows it at the next refresh."""
    await set_mode(hass, mode=("standby", "charge", "discharge")[mode])
    manual(cloud, mode, 0)
    await advance_time(hass, clock, STEP)


async def refreshes(
    hass: HomeAssistant, clock: FrozenDateTimeFactory, count: int
) -> None:
    """Let `count` refreshes happen."""
    for _ in range(count):
        await advance_time(hass, clock, STEP)


async def test_ignored_mode_repair_then_followed(
    hass: HomeAssistant, loaded: MockCloud, cloud_clock: FrozenDateTimeFactory
) -> None:
    """Discharge shown, the battery still charging: a repair; gone once it follows."""
    await switch_to(hass, loaded, cloud_clock, 2)
    await refreshes(hass, cloud_clock, EFFECT_REFRESHES - 1)
    assert issues(hass) == []

    await refreshes(hass, cloud_clock, 1)

    (issue,) = issues(hass)
    assert issue.issue_id == f"mode_ignored_{MASTER}"
    assert issue.severity is ir.IssueSeverity.WARNING
    assert issue.translation_placeholders == {
        "name": "Titan Maître",
        "expected": "Discharging",
        "state": "Charging",
    }
    battery(loaded)["batteryPower"] = 500
    await refreshes(hass, cloud_clock, 1)
    assert issues(hass) == []
    # Confirmed: nothing more is expected of it.
    battery(loaded)["batteryPower"] = -380
    await refreshes(hass, cloud_clock, EFFECT_REFRESHES + 1)
    assert issues(hass) == []


async def test_followed_at_once(
    hass: HomeAssistant, loaded: MockCloud, cloud_clock: FrozenDateTimeFactory
) -> None:
    """Charge shown while charging: nothing to report."""
    await switch_to(hass, loaded, cloud_clock, 1)
    await refreshes(hass, cloud_clock, EFFECT_REFRESHES + 1)
    assert issues(hass) == []


async def test_new_mode_deletes_the_repair(
    hass: HomeAssistant, loaded: MockCloud, cloud_clock: FrozenDateTimeFactory
) -> None:
    """Another mode shown: the repair of the previous one goes, the new one is judged."""
    await switch_to(hass, loaded, cloud_clock, 0)  # standby while charging
    await refreshes(hass, cloud_clock, EFFECT_REFRESHES)
    assert len(issues(hass)) == 1

    await switch_to(hass, loaded, cloud_clock, 1)

    assert issues(hass) == []


@pytest.mark.parametrize(
    ("mode", "page"),
    [
        (1, {"soc": 100}),  # charge a full battery
        (2, {"soc": 11}),  # discharge at the floor (10 %)
        (2, {"soc": None, "batteryPower": None}),  # nothing known: no rule broken
    ],
)
async def test_effect_not_expected(
    hass: HomeAssistant,
    loaded: MockCloud,
    cloud_clock: FrozenDateTimeFactory,
    mode: int,
    page: dict[str, Any],
) -> None:
    """A full battery cannot charge, one at its floor cannot discharge: no repair.

    Nor when the cloud sends no battery state: that proves nothing.
    """
    battery(loaded).update(page)
    await switch_to(hass, loaded, cloud_clock, mode)
    await refreshes(hass, cloud_clock, EFFECT_REFRESHES + 1)
    assert issues(hass) == []


async def test_repair_deleted_at_unload(
    hass: HomeAssistant,
    loaded: MockCloud,
    mock_config_entry: MockConfigEntry,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """Unloading the entry deletes its repairs."""
    await switch_to(hass, loaded, cloud_clock, 0)
    await refreshes(hass, cloud_clock, EFFECT_REFRESHES)
    assert len(issues(hass)) == 1

    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)

    assert issues(hass) == []
