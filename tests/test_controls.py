"""Every control: value shown, exact write, pending then confirmed, never confirmed, refusal.

The cloud is the HTTP mock of the fixture account; a control's write is "applied" by
the test changing what the mock serves for the resource the control reads back.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.entity_platform import async_get_platforms
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.izypower_cloud.const import DOMAIN
from custom_components.izypower_cloud.pending import CONFIRM_TIMEOUT, REREAD_DELAY

from .cloud_mock import (
    METER_SN,
    TITAN_MASTER_SN,
    Endpoint,
    Key,
    MockCloud,
    advance_time,
    entity_state,
    setup_integration,
)

pytest_plugins = ["tests.cloud_mock"]

pytestmark = pytest.mark.usefixtures("cloud_clock")

STEP = timedelta(minutes=3)


@dataclass(frozen=True, slots=True)
class Case:
    """One control: the service call, the request it sends, how the cloud shows it."""

    entity_id: str
    service: str
    data: dict[str, Any]
    endpoint: Endpoint
    key: Key
    body: dict[str, Any]
    # The state before the write and the one asked for.
    before: str
    after: str
    # Makes the mock cloud show the written value.
    apply: Callable[[MockCloud], None]


def _settings(cloud: MockCloud, serial: str = TITAN_MASTER_SN) -> dict[str, Any]:
    return cloud.payload(Endpoint.BATTERY_CMD, serial)["data"]


def _meter(cloud: MockCloud) -> dict[str, Any]:
    return cloud.payload(Endpoint.METER_BASE_INFO, 640103)["data"]["meter_extra"]


def _set(path: str, value: Any) -> Callable[[MockCloud], None]:
    """Return an `apply` setting one field of the master's settings ("a.b" path)."""

    def apply(cloud: MockCloud) -> None:
        node = _settings(cloud)
        *parents, leaf = path.split(".")
        for parent in parents:
            node = node[parent]
        node[leaf] = value

    return apply


def _battery(action: str) -> tuple[Endpoint, Key]:
    return Endpoint.BATTERY_WRITE, (action, TITAN_MASTER_SN)


METER_WRITE = (Endpoint.METER_CONTROL_WRITE, METER_SN)

CASES = {
    "injection_control": Case(
        "switch.compteur_linky_export_limitation",
        "switch.turn_off",
        {},
        *METER_WRITE,
        {"isControl": False, "feedThreshold": -600},
        "on",
        "off",
        lambda cloud: _meter(cloud).update(isControl=False),
    ),
    "injection_limit": Case(
        "number.compteur_linky_export_limit",
        "number.set_value",
        {"value": 1000},
        *METER_WRITE,
        {"isControl": True, "feedThreshold": -1000},
        "600.0",
        "1000.0",
        lambda cloud: _meter(cloud).update(feedThreshold="-1000"),
    ),
    "min_soc": Case(
        "number.titan_maitre_discharge_floor",
        "number.set_value",
        {"value": 20},
        *_battery("min_soc"),
        {"value": 20},
        "10.0",
        "20.0",
        _set("min_soc", 20),
    ),
    "max_charge_power": Case(
        "number.titan_maitre_max_charge_power",
        "number.set_value",
        {"value": 2000},
        *_battery("power"),
        {"type": "in", "max_in_power": 2000, "isCluster": True},
        "1200.0",
        "2000.0",
        _set("power.max_in_power", 2000),
    ),
    "max_discharge_power": Case(
        "number.titan_maitre_max_discharge_power",
        "number.set_value",
        {"value": 1000},
        *_battery("power"),
        {"type": "out", "max_out_power": 1000, "isCluster": True},
        "1600.0",
        "1000.0",
        _set("power.cluster_max_out_power", 1000),
    ),
    "backup_outlet": Case(
        "switch.titan_maitre_backup_outlet",
        "switch.turn_off",
        {},
        *_battery("toggleOffGrid"),
        {"value": False},
        "on",
        "off",
        _set("offGrid.open", False),
    ),
    "backup_outlet_mode": Case(
        "select.titan_maitre_backup_outlet_mode",
        "select.select_option",
        {"option": "always_on"},
        *_battery("offGrid"),
        {"value": 2},
        "on_power_cut",
        "always_on",
        _set("offGrid.value", 2),
    ),
    "calibration": Case(
        "switch.titan_maitre_calibration",
        "switch.turn_off",
        {},
        *_battery("toggleFullChargeDays"),
        {"value": False},
        "on",
        "off",
        _set("fullCharge.open", False),
    ),
    "calibration_interval": Case(
        "number.titan_maitre_calibration_interval",
        "number.set_value",
        {"value": 30},
        *_battery("fullChargeDays"),
        {"value": 30},
        "14",
        "30",
        _set("fullCharge.days", 30),
    ),
    "control_mode": Case(
        "select.titan_maitre_control_mode",
        "select.select_option",
        {"option": "calendar"},
        *_battery("mode"),
        {"ctr_mode": 2},
        "intelligent",
        "calendar",
        _set("mode.ctr_mode", 2),
    ),
    "calibration_time": Case(
        "time.titan_maitre_calibration_time",
        "time.set_value",
        {"time": "04:15"},
        *_battery("fullChargeTime"),
        {"value": "04:15"},
        "02:30:00",
        "04:15:00",
        _set("fullCharge.time", "04:15"),
    ),
}


async def call(hass: HomeAssistant, case: Case, **data: Any) -> None:
    """Call a case's service (with `data` instead of the case's when given)."""
    domain, service = case.service.split(".")
    await hass.services.async_call(
        domain,
        service,
        {ATTR_ENTITY_ID: case.entity_id, **(data or case.data)},
        blocking=True,
    )
    await hass.async_block_till_done()


def writes(cloud: MockCloud) -> list[Any]:
    """Return the write requests the cloud received."""
    return [
        r
        for r in cloud.requests
        if r.method == "POST" and r.endpoint is not Endpoint.LOGIN
    ]


def issues(hass: HomeAssistant) -> list[ir.IssueEntry]:
    """Return the repair issues of this integration."""
    registry = ir.async_get(hass)
    return [issue for key, issue in registry.issues.items() if key[0] == DOMAIN]


@pytest.fixture
async def loaded(
    hass: HomeAssistant, mock_cloud: MockCloud, mock_config_entry: MockConfigEntry
) -> MockCloud:
    """Set the fixture account up; no request counted yet."""
    await setup_integration(hass, mock_config_entry)
    mock_cloud.reset_counts()
    return mock_cloud


async def check_pending_then_confirmed(
    hass: HomeAssistant,
    cloud: MockCloud,
    clock: FrozenDateTimeFactory,
    case: Case,
    *,
    device_id: int,
    rereads: int,
    counted: Callable[[MockCloud], int] | None = None,
) -> None:
    """Drive one case's write from the exact request to its confirmation.

    The read-back after a short delay makes `rereads` requests, all of them counted
    by `counted` when given (the resource the control reads, nothing else).
    """
    assert entity_state(hass, case.entity_id) == case.before

    await call(hass, case)

    (write,) = writes(cloud)
    assert (write.endpoint, write.key, write.json) == (
        case.endpoint,
        case.key,
        case.body,
    )
    assert entity_state(hass, case.entity_id) == case.after  # pending
    # The re-read after a short delay reads just that resource.
    cloud.reset_counts()
    await advance_time(hass, clock, REREAD_DELAY)
    assert sum(cloud.counts().values()) == rereads
    if counted is not None:
        assert counted(cloud) == rereads
    assert entity_state(hass, case.entity_id) == case.after  # still pending
    # The cloud applies it; the next refresh reads the settings again and confirms.
    case.apply(cloud)
    await advance_time(hass, clock, STEP)
    assert entity_state(hass, case.entity_id) == case.after
    assert not hass.config_entries.async_entries(DOMAIN)[
        0
    ].runtime_data.coordinator.pending.is_pending(device_id)
    # Long after, nothing is undone and nothing is reported.
    await advance_time(hass, clock, CONFIRM_TIMEOUT)
    assert entity_state(hass, case.entity_id) == case.after
    assert issues(hass) == []


async def check_refused(hass: HomeAssistant, cloud: MockCloud, case: Case) -> None:
    """Check that an error envelope in an HTTP 200 is a refusal; nothing pending."""
    cloud.fail(case.endpoint, case.key, status=200, body={"code": 1, "msg": "no"})

    with pytest.raises(HomeAssistantError) as raised:
        await call(hass, case)

    assert not isinstance(raised.value, ServiceValidationError)
    assert raised.value.translation_key == "action_rejected"
    assert entity_state(hass, case.entity_id) == case.before


async def check_timeout_then_read_back(
    hass: HomeAssistant, cloud: MockCloud, case: Case
) -> None:
    """Check that a write that timed out is read back: applied is a success."""
    cloud.fail(case.endpoint, case.key, exception=TimeoutError())

    with pytest.raises(HomeAssistantError) as raised:
        await call(hass, case)
    assert raised.value.translation_key == "action_may_be_applied"
    assert entity_state(hass, case.entity_id) == case.before

    case.apply(cloud)  # the server applied it before the answer was lost
    await call(hass, case)
    assert entity_state(hass, case.entity_id) == case.after


async def check_out_of_range(
    hass: HomeAssistant, cloud: MockCloud, entity_id: str, value: float, allowed: str
) -> None:
    """Check that a value out of range or off the step is refused, no request."""
    entity = control_entity(hass, entity_id)
    with pytest.raises(ServiceValidationError) as raised:
        await entity.async_set_native_value(value)

    assert raised.value.translation_key == "out_of_range"
    assert raised.value.translation_placeholders is not None
    assert allowed in str(raised.value)
    assert writes(cloud) == []


@pytest.mark.parametrize("name", CASES)
async def test_write_pending_then_confirmed(
    hass: HomeAssistant,
    loaded: MockCloud,
    cloud_clock: FrozenDateTimeFactory,
    name: str,
) -> None:
    """The exact request is sent; the value shows at once and stays once confirmed."""
    case = CASES[name]
    await check_pending_then_confirmed(
        hass, loaded, cloud_clock, case, device_id=write_device(case), rereads=1
    )


def write_device(case: Case) -> int:
    """Return the device id of a case's control."""
    return 640103 if case.endpoint is Endpoint.METER_CONTROL_WRITE else 640101


@pytest.mark.parametrize("name", CASES)
async def test_write_never_confirmed(
    hass: HomeAssistant,
    loaded: MockCloud,
    cloud_clock: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    name: str,
) -> None:
    """Unconfirmed after the timeout: the cloud's value again, one warning, a repair."""
    case = CASES[name]
    await call(hass, case)
    for _ in range(3):
        await advance_time(hass, cloud_clock, STEP)
        assert entity_state(hass, case.entity_id) == case.after
    caplog.clear()
    await advance_time(hass, cloud_clock, CONFIRM_TIMEOUT - 3 * STEP)

    assert entity_state(hass, case.entity_id) == case.before
    warnings = [
        r
        for r in caplog.records
        if r.levelno == logging.WARNING and r.name.startswith("custom_components")
    ]
    assert len(warnings) == 1
    (issue,) = issues(hass)
    assert issue.translation_key == "write_not_applied"
    state = hass.states.get(case.entity_id)
    assert state is not None
    assert issue.translation_placeholders == {"name": state.name}
    assert issue.severity is ir.IssueSeverity.WARNING
    assert not issue.is_fixable
    # The next write of that control, once confirmed, solves the issue.
    await call(hass, case)
    case.apply(loaded)
    await advance_time(hass, cloud_clock, REREAD_DELAY)
    assert entity_state(hass, case.entity_id) == case.after
    assert issues(hass) == []


@pytest.mark.parametrize("name", CASES)
async def test_write_refused(hass: HomeAssistant, loaded: MockCloud, name: str) -> None:
    """An error envelope in an HTTP 200 is a translated refusal; nothing is pending."""
    await check_refused(hass, loaded, CASES[name])


@pytest.mark.parametrize("name", CASES)
async def test_timeout_then_read_back(
    hass: HomeAssistant, loaded: MockCloud, name: str
) -> None:
    """A write that timed out is read back: applied is a success, else a failure."""
    await check_timeout_then_read_back(hass, loaded, CASES[name])


@pytest.mark.parametrize(
    ("entity_id", "value", "allowed"),
    [
        (
            "number.compteur_linky_export_limit",
            36050,
            "from 0 to 36,000, in steps of 50",
        ),
        ("number.compteur_linky_export_limit", 625, "from 0 to 36,000, in steps of 50"),
        ("number.titan_maitre_discharge_floor", 0, "from 5 to 100, in steps of 5"),
        ("number.titan_maitre_discharge_floor", 12, "from 5 to 100, in steps of 5"),
        (
            "number.titan_maitre_max_charge_power",
            4850,
            "from 0 to 4,800, in steps of 50",
        ),
        (
            "number.titan_maitre_max_discharge_power",
            1025,
            "from 0 to 4,800, in steps of 50",
        ),
        ("number.titan_maitre_calibration_interval", 61, "from 5 to 60, in steps of 1"),
        (
            "number.titan_maitre_calibration_interval",
            7.5,
            "from 5 to 60, in steps of 1",
        ),
    ],
)
async def test_number_out_of_range(
    hass: HomeAssistant,
    loaded: MockCloud,
    entity_id: str,
    value: float,
    allowed: str,
) -> None:
    """Out of range or off the step: a translated validation error, no request."""
    await check_out_of_range(hass, loaded, entity_id, value, allowed)


async def test_calibration_time_off_step(
    hass: HomeAssistant, loaded: MockCloud
) -> None:
    """A calibration time off the 5-minute step is refused before any request."""
    with pytest.raises(ServiceValidationError) as raised:
        await call(hass, CASES["calibration_time"], time="04:17")
    assert raised.value.translation_key == "invalid_time"
    assert writes(loaded) == []


def control_entity(hass: HomeAssistant, entity_id: str) -> Any:
    """Return the entity object behind an entity id of this integration."""

    for platform in async_get_platforms(hass, DOMAIN):
        if entity_id in platform.entities:
            return platform.entities[entity_id]
    raise AssertionError(entity_id)
