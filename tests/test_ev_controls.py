"""An EV charger's controls: exact writes, pending then confirmed, refusals, cost.

The fixture account gets an EV charger in the station with the smart meter. Its
controls are experimental, disabled by default, and their four settings reads are
made only while one of them is enabled.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.izypower_cloud.const import SLOW_REFRESH_INTERVAL
from custom_components.izypower_cloud.pending import CONFIRM_TIMEOUT

from .cloud_mock import (
    Endpoint,
    Key,
    MockCloud,
    advance_time,
    entity_state,
    setup_integration,
)
from .test_controls import (
    STEP,
    Case,
    call,
    check_out_of_range,
    check_pending_then_confirmed,
    check_refused,
    check_timeout_then_read_back,
    issues,
    writes,
)

pytest_plugins = ["tests.cloud_mock"]
pytestmark = pytest.mark.usefixtures("cloud_clock")

STATION_ID = 81234
CHARGER_ID = 640104
CHARGER_SN = "IZE24E000401"
EV_READS = (Endpoint.EV_DERATE, Endpoint.EV_OPTIONS, Endpoint.EV_PRIORITY)
EV_KEYS = {
    "evse_charging",
    "evse_control_mode",
    "evse_charging_power",
    "evse_power_derate",
    "evse_start_with_grid",
    "evse_use_battery",
    "evse_station_priority",
}


def _ok(data: dict[str, Any]) -> dict[str, Any]:
    return {"code": 0, "msg": "success", "data": data}


def add_charger(cloud: MockCloud) -> None:
    """Add an EV charger (and its settings) to the station with the smart meter."""
    cloud.add_device(
        STATION_ID,
        {
            "deviceId": CHARGER_ID,
            "deviceName": "Borne VE",
            "deviceType": "evse",
            "sn": CHARGER_SN,
            "onlineState": 1,
            "softwareVersion": "V1.0.4",
            "clusterMode": 0,
            "connectInfoJson": {},
            "dataDtos": [],
        },
        {
            (Endpoint.BATTERY_CMD, CHARGER_SN): _ok(
                {
                    "open": False,
                    "controlMode": 1,
                    "hasMeter": True,
                    "power": 3680,
                    "min_power": 1380,
                    "max_power": 7360,
                    "interval": 230,
                }
            ),
            (Endpoint.EV_DERATE, CHARGER_SN): _ok({"value": 0}),
            (Endpoint.EV_OPTIONS, CHARGER_SN): _ok(
                {"enableGrid": True, "enableBattery": False}
            ),
            (Endpoint.EV_PRIORITY, STATION_ID): _ok({"value": False}),
            (Endpoint.WIFI, CHARGER_SN): _ok(
                {"rssi": -60, "wifi": "Maison", "ip": "192.0.2.44"}
            ),
        },
    )


def _cmd(cloud: MockCloud) -> dict[str, Any]:
    return cloud.payload(Endpoint.BATTERY_CMD, CHARGER_SN)["data"]


def _set(endpoint: Endpoint, key: Key, **fields: Any) -> Callable[[MockCloud], None]:
    """Return an `apply` changing fields of one EV settings read."""
    return lambda cloud: cloud.payload(endpoint, key)["data"].update(fields)


def _write(action: str, target: str = CHARGER_SN) -> tuple[Endpoint, Key]:
    return Endpoint.EV_WRITE, (action, target)


CASES = {
    "evse_charging": Case(
        "switch.borne_ve_charging",
        "switch.turn_on",
        {},
        *_write("state"),
        {"value": True},
        "off",
        "on",
        _set(Endpoint.BATTERY_CMD, CHARGER_SN, open=True),
    ),
    "evse_control_mode": Case(
        "select.borne_ve_charging_mode",
        "select.select_option",
        {"option": "hybrid"},
        *_write("mode"),
        {"value": 2},
        "manual",
        "hybrid",
        _set(Endpoint.BATTERY_CMD, CHARGER_SN, controlMode=2),
    ),
    "evse_charging_power": Case(
        "number.borne_ve_charging_power_setting",
        "number.set_value",
        {"value": 5520},
        *_write("chargePower"),
        {"value": 5520},
        "3680.0",
        "5520.0",
        _set(Endpoint.BATTERY_CMD, CHARGER_SN, power=5520),
    ),
    "evse_power_derate": Case(
        "number.borne_ve_power_derate",
        "number.set_value",
        {"value": 1500},
        *_write("powerDerate"),
        {"value": 1500},
        "0.0",
        "1500.0",
        _set(Endpoint.EV_DERATE, CHARGER_SN, value=1500),
    ),
    # Both options always go together: the other one as shown.
    "evse_start_with_grid": Case(
        "switch.borne_ve_start_with_grid",
        "switch.turn_off",
        {},
        *_write("intelligentValue/V2"),
        {"enableGrid": False, "enableBattery": False},
        "on",
        "off",
        _set(Endpoint.EV_OPTIONS, CHARGER_SN, enableGrid=False),
    ),
    "evse_use_battery": Case(
        "switch.borne_ve_use_battery",
        "switch.turn_on",
        {},
        *_write("intelligentValue/V2"),
        {"enableGrid": True, "enableBattery": True},
        "off",
        "on",
        _set(Endpoint.EV_OPTIONS, CHARGER_SN, enableBattery=True),
    ),
    "evse_station_priority": Case(
        "switch.borne_ve_charging_station_priority",
        "switch.turn_on",
        {},
        *_write("priority/V2", str(STATION_ID)),
        {"value": True},
        "off",
        "on",
        _set(Endpoint.EV_PRIORITY, STATION_ID, value=True),
    ),
}


def ev_reads(cloud: MockCloud) -> int:
    """Count the EV charger's settings reads the cloud received (four per read)."""
    return cloud.count(Endpoint.BATTERY_CMD, CHARGER_SN) + sum(
        cloud.count(endpoint) for endpoint in EV_READS
    )


@pytest.fixture
async def loaded(
    hass: HomeAssistant, mock_cloud: MockCloud, mock_config_entry: MockConfigEntry
) -> MockCloud:
    """Set up the account with a charger, its controls enabled; no request counted.

    Enabled at creation, the controls are read from the refresh after the setup's
    first one (the registry did not know them before it).
    """
    add_charger(mock_cloud)
    await setup_integration(hass, mock_config_entry)
    await mock_config_entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    mock_cloud.reset_counts()
    return mock_cloud


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize("name", CASES)
async def test_write_pending_then_confirmed(
    hass: HomeAssistant,
    loaded: MockCloud,
    cloud_clock: FrozenDateTimeFactory,
    name: str,
) -> None:
    """The exact request; the value pending at once, read back, then confirmed.

    The read-back reads the charger's settings: its four reads, nothing else.
    """
    await check_pending_then_confirmed(
        hass,
        loaded,
        cloud_clock,
        CASES[name],
        device_id=CHARGER_ID,
        rereads=4,
        counted=ev_reads,
    )


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_write_never_confirmed(
    hass: HomeAssistant, loaded: MockCloud, cloud_clock: FrozenDateTimeFactory
) -> None:
    """A start the cloud never shows: the charger's state again, and a repair issue."""
    case = CASES["evse_charging"]
    await call(hass, case)
    await advance_time(hass, cloud_clock, CONFIRM_TIMEOUT)
    assert entity_state(hass, case.entity_id) == case.before
    (issue,) = issues(hass)
    assert issue.translation_key == "write_not_applied"


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize("name", CASES)
async def test_write_refused(hass: HomeAssistant, loaded: MockCloud, name: str) -> None:
    """An error envelope in an HTTP 200 is a translated refusal; nothing is pending."""
    await check_refused(hass, loaded, CASES[name])


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_timeout_then_read_back(hass: HomeAssistant, loaded: MockCloud) -> None:
    """A start that timed out is read back: applied is a success."""
    await check_timeout_then_read_back(hass, loaded, CASES["evse_charging"])


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize(
    ("entity_id", "value", "allowed"),
    [
        # The charger's own range and step: 1,380–7,360 W by 230 W.
        (
            "number.borne_ve_charging_power_setting",
            1150,
            "from 1,380 to 7,360, in steps of 230",
        ),
        (
            "number.borne_ve_charging_power_setting",
            7590,
            "from 1,380 to 7,360, in steps of 230",
        ),
        (
            "number.borne_ve_charging_power_setting",
            3700,
            "from 1,380 to 7,360, in steps of 230",
        ),
        ("number.borne_ve_power_derate", 64010, "from 0 to 64,000, in steps of 10"),
        ("number.borne_ve_power_derate", 1505, "from 0 to 64,000, in steps of 10"),
    ],
)
async def test_number_out_of_range(
    hass: HomeAssistant,
    loaded: MockCloud,
    entity_id: str,
    value: float,
    allowed: str,
) -> None:
    """Out of the charger's range or off its step: refused before any request."""
    await check_out_of_range(hass, loaded, entity_id, value, allowed)


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_options_never_guessed(
    hass: HomeAssistant, loaded: MockCloud, cloud_clock: FrozenDateTimeFactory
) -> None:
    """While one option is unknown, the other is not written (it would be a guess)."""
    del loaded.payload(Endpoint.EV_OPTIONS, CHARGER_SN)["data"]["enableBattery"]
    await advance_time(hass, cloud_clock, SLOW_REFRESH_INTERVAL)
    assert entity_state(hass, "switch.borne_ve_use_battery") == "unknown"
    loaded.reset_counts()
    with pytest.raises(ServiceValidationError) as raised:
        await call(hass, CASES["evse_start_with_grid"])
    assert raised.value.translation_key == "evse_options_unknown"
    assert writes(loaded) == []


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_bounds_and_modes_follow_the_charger(
    hass: HomeAssistant, loaded: MockCloud, cloud_clock: FrozenDateTimeFactory
) -> None:
    """The power's range and step are the charger's; intelligent needs a meter."""
    state = hass.states.get("number.borne_ve_charging_power_setting")
    assert state is not None
    assert (state.attributes["min"], state.attributes["max"]) == (1380, 7360)
    assert state.attributes["step"] == 230
    select = hass.states.get("select.borne_ve_charging_mode")
    assert select is not None
    assert select.attributes["options"] == ["intelligent", "manual", "hybrid"]

    cmd = _cmd(loaded)
    cmd.update(hasMeter=False, interval=0)
    del cmd["min_power"]
    await advance_time(hass, cloud_clock, SLOW_REFRESH_INTERVAL)
    select = hass.states.get("select.borne_ve_charging_mode")
    assert select is not None
    assert select.attributes["options"] == ["manual", "hybrid"]
    state = hass.states.get("number.borne_ve_charging_power_setting")
    assert state is not None
    # No bound or step sent: the fallbacks (6 A single-phase, 1 W).
    assert (state.attributes["min"], state.attributes["step"]) == (1380, 1)

    # Without `hasMeter`, a meter in the station says it; a charger shown in
    # intelligent mode keeps the option.
    del cmd["hasMeter"]
    cmd["controlMode"] = "x"
    await advance_time(hass, cloud_clock, SLOW_REFRESH_INTERVAL)
    assert entity_state(hass, "select.borne_ve_charging_mode") == "unknown"
    select = hass.states.get("select.borne_ve_charging_mode")
    assert select is not None
    assert select.attributes["options"] == ["intelligent", "manual", "hybrid"]


async def test_disabled_controls_cost_nothing(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """As installed, no EV settings read; one enabled control: 4 per slow refresh.

    The example account with a charger: 8 requests at the first steady refresh after a
    full one either way (the example account's figure: its day report and CT clamps
    are not due yet), and the slow refresh 4 more once a control is enabled.
    """
    add_charger(mock_cloud)
    await setup_integration(hass, mock_config_entry)
    keys = {
        entry.unique_id.removeprefix(f"device_{CHARGER_ID}_"): entry
        for entry in er.async_entries_for_config_entry(
            entity_registry, mock_config_entry.entry_id
        )
        if entry.unique_id.startswith(f"device_{CHARGER_ID}_evse_")
    }
    assert set(keys) == EV_KEYS
    assert all(entry.disabled_by is not None for entry in keys.values())

    async def steady_and_slow() -> tuple[int, int]:
        mock_cloud.reset_counts()
        await advance_time(hass, cloud_clock, STEP)
        steady = sum(mock_cloud.counts().values())
        mock_cloud.reset_counts()
        await advance_time(hass, cloud_clock, SLOW_REFRESH_INTERVAL - STEP)
        return steady, sum(mock_cloud.counts().values())

    disabled = await steady_and_slow()
    assert disabled[0] == 8
    assert ev_reads(mock_cloud) == 0

    entity_registry.async_update_entity(
        keys["evse_charging"].entity_id, disabled_by=None
    )
    # Home Assistant reloads the entry 30 s after an entity is enabled; its first
    # refresh is a full one, so the next slow one is 30 minutes later.
    await advance_time(hass, cloud_clock, timedelta(seconds=31))
    assert entity_state(hass, "switch.borne_ve_charging") == "off"
    enabled = await steady_and_slow()
    assert enabled == (disabled[0], disabled[1] + 4)
    assert ev_reads(mock_cloud) == 4


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_failed_read_blanks_only_the_ev_controls(
    hass: HomeAssistant, loaded: MockCloud, cloud_clock: FrozenDateTimeFactory
) -> None:
    """A failing settings read (here the priority) makes the EV controls unavailable.

    The last good read stands in for a while, like every slow read.
    """
    loaded.fail(Endpoint.EV_PRIORITY)
    await advance_time(hass, cloud_clock, 3 * SLOW_REFRESH_INTERVAL)
    for case in CASES.values():
        assert entity_state(hass, case.entity_id) == "unavailable"
    assert entity_state(hass, "switch.titan_maitre_backup_outlet") == "on"


async def test_no_serial_no_controls(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
) -> None:
    """A charger listed without a serial gets no control (writes need one)."""
    add_charger(mock_cloud)
    mock_cloud.device_record(STATION_ID, CHARGER_ID)["sn"] = None
    await setup_integration(hass, mock_config_entry)
    assert not [
        entry
        for entry in er.async_entries_for_config_entry(
            entity_registry, mock_config_entry.entry_id
        )
        if "_evse_" in entry.unique_id
    ]
