"""The setting writes: exact path and body of each, refusals, and the settings read."""

from collections.abc import Awaitable, Callable
from datetime import time
from typing import Any

from aioresponses import aioresponses
import pytest

from custom_components.izypower_cloud.api import (
    BackupOutletMode,
    BatterySettings,
    ControlMode,
    IzypowerClient,
    IzypowerError,
    IzypowerResponseError,
    ManualMode,
    PowerDirection,
)
from custom_components.izypower_cloud.api.parsers import parse_clock_time

from .conftest import add_login, calls, load, url

MASTER = "IZT24A000101"
BATTERY = "/api/v2/device/yz/battery/"

type Write = Callable[[IzypowerClient], Awaitable[None]]

# Write -> (path, exact body). Bodies of docs/api.md §8 (fixtures where they exist).
WRITES: dict[str, tuple[Write, str, dict[str, Any]]] = {
    "max_charge_power": (
        lambda c: c.set_battery_max_power(
            MASTER, PowerDirection.CHARGE, 800, is_cluster=True
        ),
        "power",
        load("writes/battery_power_charge_limit.request.json"),
    ),
    "max_discharge_power": (
        lambda c: c.set_battery_max_power(
            MASTER, PowerDirection.DISCHARGE, 800.0, is_cluster=True
        ),
        "power",
        load("writes/battery_power_discharge_limit.request.json"),
    ),
    "max_discharge_power_standalone": (
        lambda c: c.set_battery_max_power(
            MASTER, PowerDirection.DISCHARGE, 1250, is_cluster=False
        ),
        "power",
        {"type": "out", "max_out_power": 1250, "isCluster": False},
    ),
    "backup_outlet": (
        lambda c: c.set_backup_outlet(MASTER, True),
        "toggleOffGrid",
        load("writes/battery_toggle_offgrid.request.json"),
    ),
    "backup_outlet_off": (
        lambda c: c.set_backup_outlet(MASTER, False),
        "toggleOffGrid",
        {"value": False},
    ),
    "backup_outlet_mode": (
        lambda c: c.set_backup_outlet_mode(MASTER, BackupOutletMode.ON_POWER_CUT),
        "offGrid",
        load("writes/battery_offgrid.request.json"),
    ),
    "calibration": (
        lambda c: c.set_calibration(MASTER, True),
        "toggleFullChargeDays",
        load("writes/battery_toggle_fullcharge_days.request.json"),
    ),
    "calibration_interval": (
        lambda c: c.set_calibration_interval(MASTER, 14),
        "fullChargeDays",
        load("writes/battery_fullcharge_days.request.json"),
    ),
    "calibration_time": (
        lambda c: c.set_calibration_time(MASTER, time(2, 30)),
        "fullChargeTime",
        load("writes/battery_fullcharge_time.request.json"),
    ),
    "control_mode": (
        lambda c: c.set_control_mode(MASTER, ControlMode.MANUAL),
        "mode",
        load("writes/battery_mode.request.json"),
    ),
    "manual_mode": (
        lambda c: c.set_manual_mode(MASTER, ManualMode.CHARGE, 500),
        "manual_mode_value",
        load("writes/battery_manual_mode_value.request.json"),
    ),
    "manual_standby": (
        lambda c: c.set_manual_mode(MASTER, ManualMode.STANDBY, 500),
        "manual_mode_value",
        {"mode": 0, "power": 0},
    ),
}


@pytest.mark.parametrize("name", WRITES)
async def test_write_sends_exact_body(
    client: IzypowerClient, mock_cloud: aioresponses, name: str
) -> None:
    """Each write is one POST to its path with exactly the documented body."""
    write, action, body = WRITES[name]
    add_login(mock_cloud)
    path = f"{BATTERY}{action}/{MASTER}"
    mock_cloud.post(url(path), payload=load("writes/generic_ack.response.json"))

    await write(client)

    (call,) = calls(mock_cloud, "POST", path)
    assert call.kwargs["json"] == body
    assert client.request_count == 2  # login + the write, nothing else


@pytest.mark.parametrize("name", WRITES)
async def test_write_refused_in_an_envelope(
    client: IzypowerClient, mock_cloud: aioresponses, name: str
) -> None:
    """An HTTP 200 with an error envelope is a refusal, for every write."""
    write, action, _ = WRITES[name]
    add_login(mock_cloud)
    mock_cloud.post(
        url(f"{BATTERY}{action}/{MASTER}"), payload={"code": 500, "msg": "no"}
    )

    with pytest.raises(IzypowerResponseError):
        await write(client)


@pytest.mark.parametrize("watts", [-50.0, float("nan"), float("inf")])
async def test_impossible_power_is_never_sent(
    client: IzypowerClient, watts: float
) -> None:
    """A power no setting can take raises before any request."""
    with pytest.raises(IzypowerError):
        await client.set_battery_max_power(
            MASTER, PowerDirection.CHARGE, watts, is_cluster=False
        )
    with pytest.raises(IzypowerError):
        await client.set_manual_mode(MASTER, ManualMode.DISCHARGE, watts)
    assert client.request_count == 0


def test_full_settings_of_the_fixture() -> None:
    """Every field of the settings read, from the master's fixture."""
    payload = load("battery_cmd_IZT24A000101.json")["data"]
    assert BatterySettings.from_json(payload) == BatterySettings(
        min_soc=10,
        has_meter=True,
        control_mode=ControlMode.INTELLIGENT,
        manual_mode=ManualMode.STANDBY,
        manual_power=0,
        max_charge_power=1200,
        max_discharge_power=1600,
        cluster_max_discharge_power=1600,
        unit_count=2,
        backup_outlet=True,
        backup_outlet_mode=BackupOutletMode.ON_POWER_CUT,
        calibration=True,
        calibration_interval=14,
        calibration_time=time(2, 30),
    )


@pytest.mark.parametrize(
    "payload",
    [
        {},
        "junk",
        {
            "mode": {"ctr_mode": 7},
            "manual": {"mode": "x", "power": "-"},
            "power": [],
            "allBatteries": [],
            "offGrid": {"open": "maybe", "value": 0},
            "fullCharge": {"open": None, "days": 1.5, "time": "25:00"},
        },
        {"allBatteries": {"sn": "x"}, "fullCharge": {"time": 230}},
    ],
)
def test_bad_settings_are_unknown(payload: object) -> None:
    """Missing or unusable settings are None, never an error or 0."""
    assert BatterySettings.from_json(payload) == BatterySettings(None, None, None)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("02:30", time(2, 30)),
        (" 7:05 ", time(7, 5)),
        ("23:55", time(23, 55)),
        ("24:00", None),
        ("12:60", None),
        ("12:3", None),
        ("noon", None),
        (None, None),
    ],
)
def test_parse_clock_time(value: object, expected: time | None) -> None:
    """A time of day as HH:MM; anything else is unknown."""
    assert parse_clock_time(value) == expected


def test_cloud_codes() -> None:
    """Codes map both ways; options are the translation keys of the states."""
    assert ControlMode.from_code("1") is ControlMode.MANUAL
    assert ManualMode.from_code(2.0) is ManualMode.DISCHARGE
    assert BackupOutletMode.from_code(9) is None
    assert BackupOutletMode.ALWAYS_ON.option == "always_on"
    assert BackupOutletMode.from_option("on_power_cut") is BackupOutletMode.ON_POWER_CUT
    with pytest.raises(KeyError):
        BackupOutletMode.from_option("sometimes")
