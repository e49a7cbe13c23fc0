"""The battery's mode controls: control mode and manual sub-mode selects, manual powers.

What every control shares (pending, confirmation, refusal, time-out read-back) is in
tests/test_controls.py (the control mode is one of its cases); these tests cover what
the mode controls add: which options, when they are available, the order of the two
writes of a sub-mode chosen outside manual mode, and the powers' ranges.
"""

from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from .cloud_mock import (
    TITAN_MASTER_SN,
    Endpoint,
    MockCloud,
    advance_time,
    entity_state,
    setup_integration,
)
from .test_controls import STEP, control_entity, writes

pytest_plugins = ["tests.cloud_mock"]

pytestmark = pytest.mark.usefixtures("cloud_clock")

CONTROL = "select.titan_maitre_control_mode"
MANUAL = "select.titan_maitre_manual_mode"
CHARGE_POWER = "number.titan_maitre_manual_charge_power"
DISCHARGE_POWER = "number.titan_maitre_manual_discharge_power"


def settings(cloud: MockCloud) -> dict[str, Any]:
    """Return the master's settings as the mock cloud serves them (mutable)."""
    return cloud.payload(Endpoint.BATTERY_CMD, TITAN_MASTER_SN)["data"]


def manual(cloud: MockCloud, mode: int, power: int) -> None:
    """Put the master in manual mode doing `mode` at `power` W, as the cloud shows."""
    data = settings(cloud)
    data["mode"] = {"ctr_mode": 1}
    data["manual"] = {"mode": mode, "power": power}


def bodies(cloud: MockCloud) -> list[tuple[str, Any]]:
    """Return the path and body of each write the cloud received, in order."""
    return [(write.key[0], write.json) for write in writes(cloud)]


async def setup(hass: HomeAssistant, cloud: MockCloud, entry: MockConfigEntry) -> None:
    """Set the fixture account up; no write counted."""
    await setup_integration(hass, entry)
    cloud.reset_counts()


def options(hass: HomeAssistant) -> list[str]:
    """Return the control mode select's options."""
    state = hass.states.get(CONTROL)
    assert state is not None
    return list(state.attributes["options"])


@pytest.mark.parametrize(
    ("has_meter", "remove_meter", "ctr_mode", "expected"),
    [
        (True, False, 0, ["intelligent", "manual", "calendar"]),
        (False, False, 1, ["manual", "calendar"]),
        # The unit shows intelligent mode anyway: it stays an option (and the state).
        (False, False, 0, ["intelligent", "manual", "calendar"]),
        # No `hasMeter`: a meter listed in the station decides.
        (None, False, 1, ["intelligent", "manual", "calendar"]),
        (None, True, 1, ["manual", "calendar"]),
    ],
)
async def test_intelligent_only_with_a_meter(
    hass: HomeAssistant,
    *,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    has_meter: bool | None,
    remove_meter: bool,
    ctr_mode: int,
    expected: list[str],
) -> None:
    """Intelligent mode is offered only when the station has a smart meter."""
    data = settings(mock_cloud)
    data["mode"] = {"ctr_mode": ctr_mode}
    if has_meter is None:
        del data["hasMeter"]
    else:
        data["hasMeter"] = has_meter
    if remove_meter:
        mock_cloud.remove_device(81234, 640103)
    await setup(hass, mock_cloud, mock_config_entry)

    assert options(hass) == expected


async def test_options_while_unread(
    hass: HomeAssistant, mock_cloud: MockCloud, mock_config_entry: MockConfigEntry
) -> None:
    """Settings not read: every option is listed, the select is unavailable."""
    mock_cloud.fail(Endpoint.BATTERY_CMD, TITAN_MASTER_SN, status=500)
    await setup(hass, mock_cloud, mock_config_entry)

    assert entity_state(hass, CONTROL) == "unavailable"
    assert control_entity(hass, CONTROL).options == [
        "intelligent",
        "manual",
        "calendar",
    ]


async def test_usable_in_every_mode(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """Never unavailable in the default (intelligent) mode: the stored values show.

    The sub-mode the unit keeps, and the power of that sub-mode (unknown for the
    other's, whose power the unit does not keep).
    """
    data = settings(mock_cloud)
    data["manual"] = {"mode": 1, "power": 600}
    await setup(hass, mock_cloud, mock_config_entry)
    assert entity_state(hass, CONTROL) == "intelligent"
    assert [entity_state(hass, e) for e in (MANUAL, CHARGE_POWER, DISCHARGE_POWER)] == [
        "charge",
        "600.0",
        "unknown",
    ]

    manual(mock_cloud, 2, 0)
    await hass.config_entries.async_reload(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert entity_state(hass, CONTROL) == "manual"
    assert entity_state(hass, MANUAL) == "discharge"
    assert entity_state(hass, CHARGE_POWER) == "unknown"
    assert entity_state(hass, DISCHARGE_POWER) == "0.0"
    await advance_time(hass, cloud_clock, STEP)
    assert writes(mock_cloud) == []


async def test_stored_power_not_written_outside_manual(
    hass: HomeAssistant, mock_cloud: MockCloud, mock_config_entry: MockConfigEntry
) -> None:
    """In intelligent mode the stored charge power shows but a write is explained.

    Writing it would start a manual charge: refused, no request, and the message
    names what to choose first.
    """
    settings(mock_cloud)["manual"] = {"mode": 1, "power": 600}
    await setup(hass, mock_cloud, mock_config_entry)

    with pytest.raises(ServiceValidationError) as raised:
        await control_entity(hass, CHARGE_POWER).async_set_native_value(500)

    assert raised.value.translation_key == "manual_charge_power_inactive"
    assert "choose Manual mode Charge first" in str(raised.value)
    assert writes(mock_cloud) == []


async def test_sub_mode_outside_manual_switches_to_manual_first(
    hass: HomeAssistant, mock_cloud: MockCloud, mock_config_entry: MockConfigEntry
) -> None:
    """From intelligent mode: `ctr_mode` 1 first, then the sub-mode with 0 W (maximum)."""
    await setup(hass, mock_cloud, mock_config_entry)

    await control_entity(hass, MANUAL).async_select_option("charge")

    assert bodies(mock_cloud) == [
        ("mode", {"ctr_mode": 1}),
        ("manual_mode_value", {"mode": 1, "power": 0}),
    ]
    # Both pending: the unit shows manual charge at once.
    assert entity_state(hass, CONTROL) == "manual"
    assert entity_state(hass, MANUAL) == "charge"
    assert entity_state(hass, CHARGE_POWER) == "0.0"


@pytest.mark.parametrize(
    ("shown", "option", "body"),
    [
        # The power shown stays with its sub-mode...
        ((1, 600), "charge", {"mode": 1, "power": 600}),
        # ...not with another: 0 W is the current maximum.
        ((1, 600), "discharge", {"mode": 2, "power": 0}),
        # Standby always sends 0 W.
        ((2, 800), "standby", {"mode": 0, "power": 0}),
    ],
)
async def test_sub_mode_in_manual(
    hass: HomeAssistant,
    *,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    cloud_clock: FrozenDateTimeFactory,
    shown: tuple[int, int],
    option: str,
    body: dict[str, int],
) -> None:
    """Already in manual mode: the sub-mode alone, confirmed by the cloud."""
    manual(mock_cloud, *shown)
    await setup(hass, mock_cloud, mock_config_entry)

    await hass.services.async_call(
        "select",
        "select_option",
        {ATTR_ENTITY_ID: MANUAL, "option": option},
        blocking=True,
    )

    assert bodies(mock_cloud) == [("manual_mode_value", body)]
    assert entity_state(hass, MANUAL) == option
    settings(mock_cloud)["manual"] = body
    await advance_time(hass, cloud_clock, STEP)
    runtime = mock_config_entry.runtime_data.coordinator
    assert not runtime.pending.is_pending(640101)
    assert entity_state(hass, MANUAL) == option


async def test_manual_power_written_with_its_sub_mode(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """A manual power is sent with its sub-mode; the cloud's read confirms it."""
    manual(mock_cloud, 2, 0)
    await setup(hass, mock_cloud, mock_config_entry)

    await hass.services.async_call(
        "number",
        "set_value",
        {ATTR_ENTITY_ID: DISCHARGE_POWER, "value": 1250},
        blocking=True,
    )

    assert bodies(mock_cloud) == [("manual_mode_value", {"mode": 2, "power": 1250})]
    assert entity_state(hass, DISCHARGE_POWER) == "1250.0"
    manual(mock_cloud, 2, 1250)
    await advance_time(hass, cloud_clock, STEP)
    assert not mock_config_entry.runtime_data.coordinator.pending.is_pending(640101)
    assert entity_state(hass, DISCHARGE_POWER) == "1250.0"


@pytest.mark.parametrize(
    ("value", "allowed"),
    [
        (4850, "from 0 to 4,800, in steps of 50"),
        (1025, "from 0 to 4,800, in steps of 50"),
    ],
)
async def test_manual_power_out_of_range(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    value: float,
    allowed: str,
) -> None:
    """Above the cluster's maximum (2 units) or off the 50 W step: refused, no request."""
    manual(mock_cloud, 1, 600)
    await setup(hass, mock_cloud, mock_config_entry)

    with pytest.raises(ServiceValidationError) as raised:
        await control_entity(hass, CHARGE_POWER).async_set_native_value(value)

    assert raised.value.translation_key == "out_of_range"
    assert raised.value.translation_placeholders is not None
    assert allowed in str(raised.value)
    assert writes(mock_cloud) == []


@pytest.mark.parametrize(
    ("entity_id", "key"),
    [
        (DISCHARGE_POWER, "manual_discharge_power_inactive"),
        (CHARGE_POWER, "manual_charge_power_inactive"),
    ],
)
async def test_manual_power_of_another_sub_mode_refused(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    entity_id: str,
    key: str,
) -> None:
    """A power is only written while its sub-mode runs: it would start it otherwise."""
    manual(mock_cloud, 1 if entity_id == DISCHARGE_POWER else 2, 600)
    await setup(hass, mock_cloud, mock_config_entry)

    with pytest.raises(ServiceValidationError) as raised:
        await control_entity(hass, entity_id).async_set_native_value(500)

    assert raised.value.translation_key == key
    assert writes(mock_cloud) == []


async def test_slave_has_no_mode_controls(
    hass: HomeAssistant, mock_cloud: MockCloud, mock_config_entry: MockConfigEntry
) -> None:
    """The slave unit of the cluster gets none of the mode controls."""
    await setup(hass, mock_cloud, mock_config_entry)
    for entity_id in (
        "select.titan_esclave_control_mode",
        "select.titan_esclave_manual_mode",
        "number.titan_esclave_manual_charge_power",
        "number.titan_esclave_manual_discharge_power",
    ):
        assert hass.states.get(entity_id) is None
