"""The controls' rules: which exist where, when they are available, what is refused.

Also: sibling controls share pending values, LED buttons, no write outside a user
action, and the repair issues go away with the entry.
"""

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import time, timedelta
from typing import Any
from unittest.mock import patch

import aiohttp
import attr
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.izypower_cloud.const import DOMAIN
from custom_components.izypower_cloud.coordinator import IzypowerCoordinator
from custom_components.izypower_cloud.data import Feed
from custom_components.izypower_cloud.pending import CONFIRM_TIMEOUT, REREAD_DELAY

from .cloud_mock import (
    TITAN_MASTER_SN,
    TITAN_SLAVE_SN,
    Endpoint,
    MockCloud,
    advance_time,
    entity_state,
    setup_integration,
)
from .test_controls import CASES, call, control_entity, issues, loaded, writes

pytest_plugins = ["tests.cloud_mock"]

pytestmark = pytest.mark.usefixtures("cloud_clock")

__all__ = ["loaded"]

STEP = timedelta(minutes=3)
CONTROL_DOMAINS = ("button", "number", "select", "switch", "time")


async def test_no_mode_or_power_control_on_a_slave(
    hass: HomeAssistant, loaded: MockCloud
) -> None:
    """The slave has its own settings but not the cluster's powers; no micro has any."""
    ids = {state.entity_id for state in hass.states.async_all(CONTROL_DOMAINS)}
    assert "number.titan_esclave_discharge_floor" in ids
    assert "number.titan_maitre_max_charge_power" in ids
    assert not any(
        "esclave_maximum" in entity_id or "micro" in entity_id for entity_id in ids
    )


@pytest.mark.parametrize("name", ["max_charge_power", "max_discharge_power"])
async def test_slave_unit_refused(
    hass: HomeAssistant,
    loaded: MockCloud,
    cloud_clock: FrozenDateTimeFactory,
    name: str,
) -> None:
    """A unit that became a slave keeps its control, but a write is refused."""
    record = loaded.device_record(81234, 640101)
    record["clusterMode"] = 1001
    record["connectInfoJson"] = {"clusterMode": "1001"}
    await advance_time(hass, cloud_clock, STEP)

    with pytest.raises(ServiceValidationError) as raised:
        await call(hass, CASES[name])

    assert raised.value.translation_key == "slave_unit"
    assert writes(loaded) == []


@pytest.mark.parametrize(
    ("name", "parent", "translation_key"),
    [
        ("backup_outlet_mode", "backup_outlet", "backup_outlet_off"),
        ("calibration_interval", "calibration", "calibration_off"),
        ("calibration_time", "calibration", "calibration_off"),
    ],
)
async def test_parent_off(
    hass: HomeAssistant,
    loaded: MockCloud,
    name: str,
    parent: str,
    translation_key: str,
) -> None:
    """A dependent control is unavailable while its parent is off; writes refused."""
    await call(hass, CASES[parent])  # pending "off" is enough
    entity_id = CASES[name].entity_id
    assert entity_state(hass, entity_id) == STATE_UNAVAILABLE
    loaded.reset_counts()
    value = {
        "backup_outlet_mode": "always_on",
        "calibration_interval": 30.0,
        "calibration_time": time(4, 15),
    }[name]

    with pytest.raises(ServiceValidationError) as raised:
        await control_entity(hass, entity_id).async_write(value)

    assert raised.value.translation_key == translation_key
    assert writes(loaded) == []


async def test_siblings_share_the_pending_resource(
    hass: HomeAssistant, loaded: MockCloud
) -> None:
    """The limit written while the switch is pending keeps the switch's new state."""
    await call(hass, CASES["injection_control"])
    await call(hass, CASES["injection_limit"])

    assert [request.json for request in writes(loaded)] == [
        {"isControl": False, "feedThreshold": -600},
        {"isControl": False, "feedThreshold": -1000},
    ]
    assert entity_state(hass, CASES["injection_control"].entity_id) == "off"
    assert entity_state(hass, CASES["injection_limit"].entity_id) == "1000.0"


async def test_meter_writes_without_a_read_value(
    hass: HomeAssistant, loaded: MockCloud, cloud_clock: FrozenDateTimeFactory
) -> None:
    """Unknown switch state counts as on; unknown limit is the original's 300 W."""
    loaded.set_payload(
        Endpoint.METER_BASE_INFO, 640103, {"code": 0, "data": {"meter_extra": {}}}
    )
    await advance_time(hass, cloud_clock, timedelta(minutes=31))
    assert entity_state(hass, CASES["injection_limit"].entity_id) == STATE_UNKNOWN
    loaded.reset_counts()

    await call(hass, CASES["injection_limit"])
    await call(hass, CASES["injection_control"])

    assert [request.json for request in writes(loaded)] == [
        {"isControl": True, "feedThreshold": -1000},
        # The limit is pending, so the switch re-sends it.
        {"isControl": False, "feedThreshold": -1000},
    ]


async def test_off_without_any_limit(
    hass: HomeAssistant, loaded: MockCloud, cloud_clock: FrozenDateTimeFactory
) -> None:
    """Never read any limit: the switch sends the original's default of 300 W."""
    loaded.set_payload(
        Endpoint.METER_BASE_INFO, 640103, {"code": 0, "data": {"meter_extra": {}}}
    )
    await advance_time(hass, cloud_clock, timedelta(minutes=31))
    loaded.reset_counts()

    await call(hass, CASES["injection_control"])

    assert writes(loaded)[0].json == {"isControl": False, "feedThreshold": -300}


@pytest.mark.parametrize(("key", "value"), [("led_on", 1), ("led_off", 0)])
async def test_led_buttons(
    hass: HomeAssistant, loaded: MockCloud, key: str, value: int
) -> None:
    """A press sends the LED write; there is nothing to confirm."""
    entity_id = f"button.titan_maitre_leds_{key.removeprefix('led_')}"
    await hass.services.async_call(
        "button", "press", {"entity_id": entity_id}, blocking=True
    )

    (request,) = writes(loaded)
    assert (request.key, request.json) == (("led", TITAN_MASTER_SN), {"value": value})
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    pending = entry.runtime_data.coordinator.pending
    assert not pending.is_pending(640101)


@pytest.mark.parametrize(
    ("failure", "translation_key"),
    [
        ({"exception": TimeoutError()}, "action_may_be_applied"),
        ({"status": 200, "body": {"code": 3, "msg": "offline"}}, "action_rejected"),
    ],
)
async def test_led_button_failures(
    hass: HomeAssistant,
    loaded: MockCloud,
    failure: dict[str, Any],
    translation_key: str,
) -> None:
    """A failed LED write is reported at once (no read-back exists)."""
    loaded.fail(Endpoint.BATTERY_WRITE, ("led", TITAN_MASTER_SN), **failure)

    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(
            "button",
            "press",
            {"entity_id": "button.titan_maitre_leds_on"},
            blocking=True,
        )

    assert raised.value.translation_key == translation_key
    assert [r.endpoint for r in loaded.requests if r.method == "GET"] == []


async def test_failed_settings_read(
    hass: HomeAssistant, loaded: MockCloud, cloud_clock: FrozenDateTimeFactory
) -> None:
    """A failing settings read makes only that Titan's controls unavailable."""
    loaded.fail(Endpoint.BATTERY_CMD, TITAN_MASTER_SN)
    # Past the age the last good settings are shown for.
    for _ in range(21):
        await advance_time(hass, cloud_clock, STEP)

    master = [
        s for s in hass.states.async_all(CONTROL_DOMAINS) if "maitre" in s.entity_id
    ]
    assert {
        state.entity_id for state in master if state.state == STATE_UNAVAILABLE
    } == {case.entity_id for case in CASES.values() if "maitre" in case.entity_id} | {
        # Unavailable anyway: the fixture's master is in intelligent mode.
        "select.titan_maitre_manual_mode",
        "number.titan_maitre_manual_charge_power",
        "number.titan_maitre_manual_discharge_power",
    }
    # The LED buttons do not read the settings; the slave and the meter are fine.
    assert entity_state(hass, "button.titan_maitre_leds_on") == STATE_UNKNOWN
    assert entity_state(hass, "number.titan_esclave_discharge_floor") == "10.0"
    assert entity_state(hass, CASES["injection_limit"].entity_id) == "600.0"

    with pytest.raises(HomeAssistantError) as raised:
        await control_entity(hass, CASES["min_soc"].entity_id).async_write(20.0)
    assert raised.value.translation_key == "control_unavailable"


async def test_failed_meter_read(
    hass: HomeAssistant, loaded: MockCloud, cloud_clock: FrozenDateTimeFactory
) -> None:
    """A failing export limitation read makes only the meter's controls unavailable."""
    loaded.fail(Endpoint.METER_BASE_INFO, 640103)
    # Past the age the last good limitation is shown for.
    for _ in range(21):
        await advance_time(hass, cloud_clock, STEP)

    for case in ("injection_control", "injection_limit"):
        assert entity_state(hass, CASES[case].entity_id) == STATE_UNAVAILABLE
    assert entity_state(hass, CASES["min_soc"].entity_id) == "10.0"


async def test_pending_write_whose_read_expires(
    hass: HomeAssistant, loaded: MockCloud, cloud_clock: FrozenDateTimeFactory
) -> None:
    """A pending value is not shown over nothing: with no read left, unavailable."""
    limit = CASES["injection_limit"].entity_id
    loaded.fail(Endpoint.METER_BASE_INFO, 640103)
    # Still within the age the last good limitation is shown for: writable.
    for _ in range(18):
        await advance_time(hass, cloud_clock, STEP)
    assert entity_state(hass, limit) == "600.0"
    await call(hass, CASES["injection_limit"])
    assert entity_state(hass, limit) == "1000.0"

    # The last good read is now too old, while the write still waits.
    for _ in range(3):
        await advance_time(hass, cloud_clock, STEP)

    coordinator = hass.config_entries.async_entries(DOMAIN)[0].runtime_data.coordinator
    assert coordinator.pending.is_pending(640103)
    assert entity_state(hass, limit) == STATE_UNAVAILABLE


async def test_unknown_when_not_sent(
    hass: HomeAssistant, loaded: MockCloud, cloud_clock: FrozenDateTimeFactory
) -> None:
    """A setting the cloud does not send is unknown; its dependents unavailable."""
    loaded.set_payload(
        Endpoint.BATTERY_CMD, TITAN_SLAVE_SN, {"code": 0, "data": {"min_soc": 15}}
    )
    await advance_time(hass, cloud_clock, timedelta(minutes=31))

    assert entity_state(hass, "number.titan_esclave_discharge_floor") == "15.0"
    assert entity_state(hass, "switch.titan_esclave_calibration") == STATE_UNKNOWN
    assert (
        entity_state(hass, "time.titan_esclave_calibration_time") == STATE_UNAVAILABLE
    )


async def test_no_write_at_setup_refresh_or_restart(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """Only a user action writes: setup, refreshes and a reload send no POST."""
    await setup_integration(hass, mock_config_entry)
    for _ in range(11):
        await advance_time(hass, cloud_clock, STEP)
    await hass.config_entries.async_reload(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    await advance_time(hass, cloud_clock, STEP)

    assert writes(mock_cloud) == []
    assert mock_cloud.count(Endpoint.BATTERY_CMD) > 2


async def test_unload_deletes_repairs_and_pending(
    hass: HomeAssistant,
    loaded: MockCloud,
    mock_config_entry: MockConfigEntry,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """Unloading the entry deletes its repair issues and stops its read-backs."""
    await call(hass, CASES["min_soc"])
    await advance_time(hass, cloud_clock, CONFIRM_TIMEOUT)
    await call(hass, CASES["calibration"])
    assert len(issues(hass)) == 1

    await hass.config_entries.async_unload(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    loaded.reset_counts()
    await advance_time(hass, cloud_clock, REREAD_DELAY)

    assert issues(hass) == []
    assert loaded.count() == 0


async def test_read_back_problems(
    hass: HomeAssistant,
    loaded: MockCloud,
    mock_config_entry: MockConfigEntry,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """A refused login or a vanished device during a read-back breaks nothing."""
    coordinator = mock_config_entry.runtime_data.coordinator
    await call(hass, CASES["min_soc"])
    loaded.fail(Endpoint.BATTERY_CMD, status=401)
    loaded.reject_login()
    await advance_time(hass, cloud_clock, REREAD_DELAY)
    assert entity_state(hass, CASES["min_soc"].entity_id) == "20.0"

    assert await coordinator.async_reread(81234, 999999, Feed.SETTINGS) is None


@contextmanager
def _held_settings_read(
    coordinator: IzypowerCoordinator,
) -> Iterator[tuple[asyncio.Event, asyncio.Event]]:
    """Hold every Titan settings read until `release` is set; `started` when one is."""
    client = coordinator.client
    read_settings = client.get_battery_settings
    started, release = asyncio.Event(), asyncio.Event()

    async def held_read(serial: str) -> Any:
        started.set()
        await release.wait()
        return await read_settings(serial)

    with patch.object(client, "get_battery_settings", held_read):
        yield started, release


async def test_read_back_never_undoes_a_refresh(
    hass: HomeAssistant, loaded: MockCloud, mock_config_entry: MockConfigEntry
) -> None:
    """A read-back that ends after refreshes keeps their values and their failure."""
    coordinator = mock_config_entry.runtime_data.coordinator
    with _held_settings_read(coordinator) as (started, release):
        reading = hass.async_create_task(
            coordinator.async_reread(81234, 640101, Feed.SETTINGS)
        )
        await started.wait()
        # Meanwhile the master goes offline (a good refresh), then the cloud fails.
        loaded.device_record(81234, 640101)["onlineState"] = 0
        await coordinator.async_refresh()
        loaded.fail(Endpoint.STATION_INFO)
        await coordinator.async_refresh()
        assert not coordinator.last_update_success
        release.set()
        fresh = await reading

    assert fresh is not None
    assert fresh.settings is not None
    titan = coordinator.data.device(81234, 640101)
    assert titan is not None
    assert titan.device.online is False
    assert titan.settings == fresh.settings
    # A read-back is no refresh: the failure stands until the next refresh.
    assert not coordinator.last_update_success


async def test_read_back_of_a_device_gone_meanwhile(
    hass: HomeAssistant, loaded: MockCloud, mock_config_entry: MockConfigEntry
) -> None:
    """A device the cloud stopped listing during its read-back stays gone."""
    coordinator = mock_config_entry.runtime_data.coordinator
    with _held_settings_read(coordinator) as (started, release):
        reading = hass.async_create_task(
            coordinator.async_reread(81234, 640102, Feed.SETTINGS)
        )
        await started.wait()
        loaded.remove_device(81234, 640102)
        await coordinator.async_refresh()
        release.set()
        assert await reading is None
    assert coordinator.data.device(81234, 640102) is None


async def test_timeout_and_the_read_back_fails_too(
    hass: HomeAssistant, loaded: MockCloud
) -> None:
    """Cloud unreachable for the write and the read-back: it may have applied it."""
    loaded.fail(
        CASES["min_soc"].endpoint,
        CASES["min_soc"].key,
        exception=aiohttp.ClientConnectionError(),
    )
    loaded.fail(Endpoint.BATTERY_CMD, exception=aiohttp.ClientConnectionError())

    with pytest.raises(HomeAssistantError) as raised:
        await call(hass, CASES["min_soc"])

    assert raised.value.translation_key == "action_may_be_applied"


async def test_turn_on_and_its_dependent(
    hass: HomeAssistant, loaded: MockCloud
) -> None:
    """Turning the slave's outlet on sends true; its mode becomes available at once."""
    mode = "select.titan_esclave_backup_outlet_mode"
    assert entity_state(hass, mode) == STATE_UNAVAILABLE

    await hass.services.async_call(
        "switch",
        "turn_on",
        {"entity_id": "switch.titan_esclave_backup_outlet"},
        blocking=True,
    )

    (request,) = writes(loaded)
    assert (request.key, request.json) == (
        ("toggleOffGrid", TITAN_SLAVE_SN),
        {"value": True},
    )
    assert entity_state(hass, "switch.titan_esclave_backup_outlet") == "on"
    assert entity_state(hass, mode) == "always_on"


async def test_refused_login_during_a_write_starts_reauth(
    hass: HomeAssistant,
    loaded: MockCloud,
    mock_config_entry: MockConfigEntry,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """The token is refused and so is the password: reauthentication, no retry loop."""
    cloud_clock.tick(timedelta(minutes=2))  # the token is no longer brand new
    case = CASES["min_soc"]
    loaded.fail(case.endpoint, case.key, status=401)
    loaded.reject_login()

    with pytest.raises(HomeAssistantError) as raised:
        await call(hass, case)
    await hass.async_block_till_done()

    assert raised.value.translation_key == "action_auth_failed"
    assert loaded.count(Endpoint.LOGIN) == 1
    assert [
        flow["context"]["source"] for flow in hass.config_entries.flow.async_progress()
    ] == ["reauth"]


async def test_repair_name_without_a_device_name(
    hass: HomeAssistant, loaded: MockCloud
) -> None:
    """A repair names the control with its device's name when it has one."""
    entity = control_entity(hass, CASES["min_soc"].entity_id)
    assert entity.full_name == "Titan Maître Discharge floor"
    entity.device_entry = attr.evolve(entity.device_entry, name=None)
    assert entity.full_name == "Discharge floor"
    entity.device_entry = None
    assert entity.full_name == "Discharge floor"
