"""The Titan's calendar control mode (`ctr_mode` 2): shown, selected, kept by holds.

The schedule itself is set in the Izypower app (its payload is unknown): the
integration only shows and sets the control mode. The cloud is the HTTP mock of the
fixture account; here its master Titan (640101) is in calendar mode.
"""

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from .cloud_mock import MockCloud, advance_time, entity_state
from .test_battery_mode import TO_MANUAL, bodies, set_mode, storage_key
from .test_battery_mode_hold import HOLD, clear
from .test_controls_modes import CONTROL, manual, options, settings, setup

pytest_plugins = ["tests.cloud_mock"]

pytestmark = pytest.mark.usefixtures("cloud_clock")

# The one write that sets calendar mode back, path and exact body.
TO_CALENDAR = ("mode", {"ctr_mode": 2})


def in_calendar(cloud: MockCloud) -> None:
    """Show the master in calendar mode, as the app leaves it."""
    settings(cloud)["mode"] = {"ctr_mode": 2}


@pytest.fixture
async def calendar(
    hass: HomeAssistant, mock_cloud: MockCloud, mock_config_entry: MockConfigEntry
) -> MockCloud:
    """Set the fixture account up with its master in calendar mode; none counted."""
    in_calendar(mock_cloud)
    await setup(hass, mock_cloud, mock_config_entry)
    return mock_cloud


async def test_select_shows_calendar(hass: HomeAssistant, calendar: MockCloud) -> None:
    """`ctr_mode` 2 reads `calendar`, not unknown."""
    assert entity_state(hass, CONTROL) == "calendar"
    assert options(hass) == ["intelligent", "manual", "calendar"]


async def test_calendar_offered_without_a_meter(
    hass: HomeAssistant, mock_cloud: MockCloud, mock_config_entry: MockConfigEntry
) -> None:
    """Unlike intelligent mode, calendar needs no smart meter (the beta's rule)."""
    settings(mock_cloud)["hasMeter"] = False
    manual(mock_cloud, 0, 0)
    await setup(hass, mock_cloud, mock_config_entry)

    assert options(hass) == ["manual", "calendar"]


@pytest.mark.parametrize(
    ("action", "restore"),
    [
        ({"duration": {"minutes": 30}}, timedelta(minutes=30)),
        ({"until_soc": 90}, None),
    ],
)
async def test_hold_started_in_calendar_restores_calendar(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    calendar: MockCloud,
    mock_config_entry: MockConfigEntry,
    cloud_clock: FrozenDateTimeFactory,
    *,
    action: dict[str, Any],
    restore: timedelta | None,
) -> None:
    """A charge for a while from calendar mode sets calendar mode back, exactly."""
    await set_mode(hass, mode="charge", power=1200, **action)

    assert bodies(calendar) == [
        TO_MANUAL,
        ("manual_mode_value", {"mode": 1, "power": 1200}),
    ]
    (hold,) = hass_storage[storage_key(mock_config_entry)]["data"]["holds"]
    assert (hold["mode"], hold["restore"]) == ("charge", "calendar")
    manual(calendar, 1, 1200)  # the cloud shows the charge
    calendar.reset_counts()

    if restore is None:
        calendar.device_record(81234, 640101)["dataDtos"][0]["value"] = "90"
        await advance_time(hass, cloud_clock, timedelta(minutes=3))
    else:
        await advance_time(hass, cloud_clock, restore)

    assert bodies(calendar) == [TO_CALENDAR]
    assert entity_state(hass, CONTROL) == "calendar"
    assert hass_storage[storage_key(mock_config_entry)]["data"]["holds"] == []


async def test_clear_battery_mode_restores_calendar(
    hass: HomeAssistant, calendar: MockCloud
) -> None:
    """Ending a hold now sets calendar mode back when the hold started there."""
    await set_mode(hass, mode="discharge", duration={"hours": 1})
    manual(calendar, 2, 0)
    calendar.reset_counts()

    await clear(hass)

    assert bodies(calendar) == [TO_CALENDAR]
    assert entity_state(hass, HOLD) == "none"
    assert entity_state(hass, CONTROL) == "calendar"


async def test_calendar_held_then_previous_mode_back(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """Calendar mode for an hour from manual discharge: one write each way, exact."""
    manual(mock_cloud, 2, 700)
    await setup(hass, mock_cloud, mock_config_entry)

    await set_mode(hass, mode="calendar", duration={"hours": 1})
    assert bodies(mock_cloud) == [TO_CALENDAR]
    assert entity_state(hass, HOLD) == "calendar"
    in_calendar(mock_cloud)
    mock_cloud.reset_counts()

    await advance_time(hass, cloud_clock, timedelta(hours=1))

    assert bodies(mock_cloud) == [
        ("mode", {"ctr_mode": 1}),
        ("manual_mode_value", {"mode": 2, "power": 700}),
    ]
