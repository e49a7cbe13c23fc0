"""Battery commands: checked before any request, bounded in time, failures told.

The cloud is the HTTP mock of the fixture account (tests/cloud_mock.py): the master
Titan (640101) is in intelligent mode, its maximum charge power 1,200 W and its
maximum discharge power 1,600 W.
"""

import asyncio
from collections.abc import Coroutine
from datetime import timedelta
import math
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.izypower_cloud import helpers
from custom_components.izypower_cloud.api import IzypowerLoginPausedError

from .cloud_mock import TITAN_MASTER_SN, Endpoint, MockCloud, advance_time
from .test_battery_mode import MASTER, bodies, set_mode
from .test_controls import STEP, control_entity, issues
from .test_controls_modes import (
    CHARGE_POWER,
    CONTROL,
    DISCHARGE_POWER,
    MANUAL,
    manual,
    settings,
    setup,
)

pytest_plugins = ["tests.cloud_mock"]

pytestmark = pytest.mark.usefixtures("cloud_clock")

INF = math.inf
NAN = math.nan


@pytest.fixture
async def loaded(
    hass: HomeAssistant, mock_cloud: MockCloud, mock_config_entry: MockConfigEntry
) -> MockCloud:
    """Set the fixture account up; no request counted yet."""
    await setup(hass, mock_cloud, mock_config_entry)
    return mock_cloud


@pytest.mark.parametrize(
    ("data", "key", "setting"),
    [
        ({"mode": "charge", "power": INF}, "invalid_value", "Power"),
        ({"mode": "charge", "power": -INF}, "invalid_value", "Power"),
        ({"mode": "discharge", "power": NAN}, "invalid_value", "Power"),
        ({"mode": "charge", "power": -50}, "invalid_value", "Power"),
        ({"mode": "charge", "until_soc": NAN}, "invalid_value", "Until battery level"),
        ({"mode": "charge", "until_soc": INF}, "invalid_value", "Until battery level"),
        ({"mode": "charge", "until_soc": 101}, "invalid_value", "Until battery level"),
        ({"mode": "charge", "duration": {"days": 3000000}}, "invalid_duration", None),
        ({"mode": "charge", "duration": {"days": 32}}, "invalid_duration", None),
        ({"mode": "charge", "duration": {"seconds": 0}}, "invalid_duration", None),
        ({"mode": "charge", "power": 1250}, "manual_charge_power_above_max", "Power"),
        (
            {"mode": "discharge", "power": 1650},
            "manual_discharge_power_above_max",
            "Power",
        ),
    ],
)
async def test_absurd_values_refused_with_no_request(
    hass: HomeAssistant,
    loaded: MockCloud,
    data: dict[str, Any],
    key: str,
    setting: str | None,
) -> None:
    """Non-finite, out-of-range and above-maximum values: refused, nothing sent."""
    with pytest.raises(ServiceValidationError) as raised:
        await set_mode(hass, **data)

    assert raised.value.translation_key == key
    placeholders = raised.value.translation_placeholders or {}
    assert placeholders.get("setting") == setting
    assert loaded.count() == 0


@pytest.mark.parametrize(
    ("entity_id", "mode", "value", "key", "allowed"),
    [
        (CHARGE_POWER, 1, NAN, "out_of_range", "from 0 to 4,800, in steps of 50"),
        (CHARGE_POWER, 1, 1250, "manual_charge_power_above_max", "(1,200 W)"),
        (DISCHARGE_POWER, 2, 1650, "manual_discharge_power_above_max", "(1,600 W)"),
    ],
)
async def test_manual_power_checked_with_no_request(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    *,
    entity_id: str,
    mode: int,
    value: float,
    key: str,
    allowed: str,
) -> None:
    """A manual power the Titan would not give is refused (not capped), no request.

    Its maximum charge (discharge) power bounds it: 1,200 W (1,600 W) here.
    """
    manual(mock_cloud, mode, 600)
    await setup(hass, mock_cloud, mock_config_entry)

    with pytest.raises(ServiceValidationError) as raised:
        await control_entity(hass, entity_id).async_set_native_value(value)

    assert raised.value.translation_key == key
    assert allowed in str(raised.value)
    assert mock_cloud.count() == 0


async def test_manual_power_up_to_the_maximum(
    hass: HomeAssistant, mock_cloud: MockCloud, mock_config_entry: MockConfigEntry
) -> None:
    """At the maximum it is sent; a maximum of 0 (unset) leaves the hardware bound."""
    manual(mock_cloud, 1, 600)
    settings(mock_cloud)["power"]["max_in_power"] = 0
    await setup(hass, mock_cloud, mock_config_entry)

    await control_entity(hass, CHARGE_POWER).async_set_native_value(2400)

    assert bodies(mock_cloud) == [("manual_mode_value", {"mode": 1, "power": 2400})]


async def test_sub_mode_decided_from_the_settings_read_now(
    hass: HomeAssistant, mock_cloud: MockCloud, mock_config_entry: MockConfigEntry
) -> None:
    """Set back to intelligent in the app since the last read: manual mode first."""
    manual(mock_cloud, 1, 600)
    await setup(hass, mock_cloud, mock_config_entry)
    settings(mock_cloud)["mode"] = {"ctr_mode": 0}  # the owner, in the app
    assert hass.states.get(CONTROL).state == "manual"  # type: ignore[union-attr]

    await control_entity(hass, MANUAL).async_select_option("discharge")

    assert mock_cloud.count(Endpoint.BATTERY_CMD) == 1
    assert bodies(mock_cloud) == [
        ("mode", {"ctr_mode": 1}),
        ("manual_mode_value", {"mode": 2, "power": 0}),
    ]


async def test_settings_unreadable_nothing_sent(
    hass: HomeAssistant, loaded: MockCloud
) -> None:
    """The settings cannot be read just before the write: nothing is sent."""
    loaded.fail(Endpoint.BATTERY_CMD, TITAN_MASTER_SN, exception=TimeoutError())

    with pytest.raises(HomeAssistantError) as raised:
        await set_mode(hass, mode="charge")

    assert raised.value.translation_key == "action_connection_failed"
    assert bodies(loaded) == []


class Hang:
    """A cloud call that never answers; `started` once it was called."""

    def __init__(self) -> None:
        """Not called yet."""
        self.started = asyncio.Event()

    async def __call__(self, *_: Any, **__: Any) -> None:
        """Hang until cancelled."""
        self.started.set()
        await asyncio.Event().wait()


async def ends_at_the_time_limit(
    hass: HomeAssistant,
    clock: FrozenDateTimeFactory,
    hang: Hang,
    action: Coroutine[Any, Any, None],
) -> HomeAssistantError:
    """Run `action` against a hanging call; check it ends at 20 s, simulated.

    Returns the error it raised.
    """
    task = asyncio.create_task(action)
    await hang.started.wait()
    clock.tick(timedelta(seconds=helpers.ACTION_TIMEOUT - 1))
    async_fire_time_changed(hass)
    await asyncio.sleep(0)
    assert not task.done()
    clock.tick(timedelta(seconds=2))
    async_fire_time_changed(hass)
    with pytest.raises(HomeAssistantError) as raised:
        await task
    return raised.value


@pytest.mark.parametrize(
    ("hanging", "key"),
    [
        ("get_battery_settings", "action_connection_failed"),
        ("set_control_mode", "action_may_be_applied"),
    ],
)
async def test_hanging_cloud_action_bounded(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
    *,
    loaded: MockCloud,
    cloud_clock: FrozenDateTimeFactory,
    hanging: str,
    key: str,
) -> None:
    """A cloud that never answers: the action ends after 20 s (simulated time).

    The message says whether the change may still have been applied: not when the
    settings read before the write hangs, yes when the write itself does.
    """
    hang = Hang()
    client = mock_config_entry.runtime_data.coordinator.client
    monkeypatch.setattr(client, hanging, hang)

    error = await ends_at_the_time_limit(
        hass, cloud_clock, hang, set_mode(hass, mode="charge")
    )

    assert error.translation_key == key


async def test_hanging_cloud_entity_write_bounded(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
    *,
    loaded: MockCloud,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """An entity's write to a cloud that never answers ends after 20 s too."""
    hang = Hang()
    client = mock_config_entry.runtime_data.coordinator.client
    monkeypatch.setattr(client, "set_control_mode", hang)

    error = await ends_at_the_time_limit(
        hass,
        cloud_clock,
        hang,
        control_entity(hass, CONTROL).async_select_option("manual"),
    )

    assert error.translation_key == "action_may_be_applied"


async def test_failed_restore_raises_a_repair_then_clears_it(
    hass: HomeAssistant,
    loaded: MockCloud,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """The restore fails: a repair names the Titan and its mode; gone once restored."""
    await set_mode(hass, mode="charge", duration={"minutes": 10})
    manual(loaded, 1, 0)
    loaded.fail(Endpoint.BATTERY_WRITE, ("mode", TITAN_MASTER_SN), status=500)

    await advance_time(hass, cloud_clock, timedelta(minutes=10))

    (issue,) = issues(hass)
    assert issue.issue_id == f"restore_failed_{MASTER}"
    assert issue.translation_key == "restore_failed"
    assert issue.severity is ir.IssueSeverity.ERROR
    assert issue.translation_placeholders == {
        "name": "Titan Maître",
        "mode": "Charge",
        "restore": "Intelligent",
    }
    assert TITAN_MASTER_SN not in str(issue.translation_placeholders)

    loaded.restore(Endpoint.BATTERY_WRITE, ("mode", TITAN_MASTER_SN))
    await advance_time(hass, cloud_clock, STEP)

    assert issues(hass) == []


async def test_failed_restore_repair_deleted_at_unload(
    hass: HomeAssistant,
    loaded: MockCloud,
    mock_config_entry: MockConfigEntry,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """Unloading the entry deletes its restore repairs (retried at the next start)."""
    await set_mode(hass, mode="charge", duration={"minutes": 10})
    manual(loaded, 1, 0)
    loaded.fail(Endpoint.BATTERY_WRITE, ("mode", TITAN_MASTER_SN), status=500)
    await advance_time(hass, cloud_clock, timedelta(minutes=10))
    assert len(issues(hass)) == 1

    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)

    assert issues(hass) == []


async def test_login_paused_nothing_sent(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
    loaded: MockCloud,
) -> None:
    """No token to send the write with: nothing was sent, and the message says so."""

    async def paused(*_: Any) -> None:
        raise IzypowerLoginPausedError("paused")

    client = mock_config_entry.runtime_data.coordinator.client
    monkeypatch.setattr(client, "set_control_mode", paused)

    with pytest.raises(HomeAssistantError) as raised:
        await set_mode(hass, mode="charge")

    assert raised.value.translation_key == "action_connection_failed"
    assert bodies(loaded) == []
