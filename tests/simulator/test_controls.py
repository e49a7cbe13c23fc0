"""Titan setting writes: read back by `cmd`, refused with HTTP 400, lagged, never applied."""

from datetime import UTC, datetime
import json
from typing import Any

import pytest

from izypower_simulator import generate_account, load_account
from izypower_simulator.cli import _fault_config, build_parser
from izypower_simulator.controls import has_meter
from izypower_simulator.model import CLUSTER_MASTER, CLUSTER_STANDALONE

from .conftest import ACCOUNT_DIR, Harness, HarnessFactory

MASTER = "IZT24A000101"
SLAVE = "IZT24A000102"
BATTERY = "/api/v2/device/yz/battery"
BAD_REQUEST = {"code": 400, "msg": "Invalid parameter", "data": None}
ACK = {"code": 0, "msg": "success", "data": None}


def _fixture_settings(serial: str) -> dict[str, Any]:
    """Return the `cmd` data of a Titan as the fixture account's file gives it."""
    path = ACCOUNT_DIR / f"battery_cmd_{serial}.json"
    return dict(json.loads(path.read_text())["data"])


def merged(base: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    """Return `base` with `change` laid over it, nested objects merged key by key."""
    result = dict(base)
    for key, value in change.items():
        result[key] = (
            merged(result[key], value)
            if isinstance(value, dict) and isinstance(result.get(key), dict)
            else value
        )
    return result


FIXTURE_SETTINGS = _fixture_settings(MASTER)
SLAVE_SETTINGS = _fixture_settings(SLAVE)
START = datetime(2026, 7, 14, 10, 0, tzinfo=UTC)


async def cmd(harness: Harness, serial: str = MASTER) -> dict[str, Any]:
    """Return the `cmd` read of a Titan."""
    return dict((await harness.get_json(f"/api/v2/device/cmd/{serial}"))["data"])


async def assert_refused(
    harness: Harness, segment: str, body: Any, serial: str
) -> None:
    """Check that the write answers HTTP 400 with the exact envelope and changes nothing."""
    response = await harness.post(f"{BATTERY}/{segment}/{serial}", body)
    assert response.status == 400
    assert await response.json() == BAD_REQUEST
    assert await cmd(harness, serial) == _fixture_settings(serial)


async def test_generated_standalone_shows_every_setting(
    make_harness: HarnessFactory,
) -> None:
    """A generated Titan sends every key, in the cloud's order, with its bounds."""
    account = generate_account(1, 2, start=START)
    titan = account.stations[0].batteries[0]
    assert titan.cluster_mode == CLUSTER_STANDALONE
    harness = await make_harness(account)
    data = await cmd(harness, titan.serial)
    assert list(data) == [
        "min_soc",
        "hasMeter",
        "mode",
        "manual",
        "power",
        "allBatteries",
        "offGrid",
        "fullCharge",
    ]
    assert data["power"] == {
        "max_in_power": 2400,
        "max_out_power": 2400,
        "cluster_max_out_power": 2400,
    }
    assert data["allBatteries"] == [{"sn": titan.serial}]
    assert data["fullCharge"] == {"open": True, "days": 30, "time": "02:30"}
    assert data["mode"] == {"ctr_mode": 0}
    assert data["manual"] == {"mode": 0, "power": 0}


async def test_generated_master_carries_the_cluster(
    make_harness: HarnessFactory,
) -> None:
    """A master's powers and bound are the cluster's: 2,400 W per unit."""
    account = generate_account(1, 3, start=START)
    master, slave = account.stations[0].batteries
    assert master.cluster_mode == CLUSTER_MASTER
    harness = await make_harness(account)
    data = await cmd(harness, master.serial)
    assert data["power"] == {
        "max_in_power": 4800,
        "max_out_power": 4800,
        "cluster_max_out_power": 4800,
    }
    assert data["allBatteries"] == [{"sn": master.serial}, {"sn": slave.serial}]
    path = f"{BATTERY}/power/{master.serial}"
    body = {"type": "out", "max_out_power": 4850, "isCluster": True}
    assert (await harness.post(path, body)).status == 400
    body["max_out_power"] = 4800
    assert (await harness.post(path, body)).status == 200


@pytest.mark.parametrize(
    ("segment", "body", "expected"),
    [
        ("mode", {"ctr_mode": 1}, {"mode": {"ctr_mode": 1}}),
        ("mode", {"ctr_mode": 2}, {"mode": {"ctr_mode": 2}}),
        (
            "manual_mode_value",
            {"mode": 1, "power": 1200},
            {"manual": {"mode": 1, "power": 1200}},
        ),
        (
            "manual_mode_value",
            {"mode": 2, "power": 0},
            {"manual": {"mode": 2, "power": 0}},
        ),
        # The fixture's `cmd` has no `power`: the cloud sends it once it is set.
        (
            "power",
            {"type": "in", "max_in_power": 2400, "isCluster": True},
            {"power": {"max_in_power": 2400}},
        ),
        (
            "power",
            {"type": "out", "max_out_power": 4800, "isCluster": False},
            {"power": {"max_out_power": 4800}},
        ),
        ("toggleOffGrid", {"value": False}, {"offGrid": {"open": False}}),
        (
            "toggleFullChargeDays",
            {"value": False},
            {"fullCharge": {"open": False, "time": "02:30"}},
        ),
        (
            "fullChargeDays",
            {"value": 60},
            {"fullCharge": {"open": True, "time": "02:30", "days": 60}},
        ),
        (
            "fullChargeTime",
            {"value": "23:55"},
            {"fullCharge": {"open": True, "time": "23:55"}},
        ),
    ],
)
async def test_write_is_read_back(
    harness: Harness, segment: str, body: dict[str, Any], expected: dict[str, Any]
) -> None:
    """Each control answers the generic acknowledgement and `cmd` shows the new value."""
    response = await harness.post(f"{BATTERY}/{segment}/{MASTER}", body)
    assert response.status == 200
    assert await response.json() == ACK
    assert await cmd(harness) == merged(FIXTURE_SETTINGS, expected)
    assert await cmd(harness, SLAVE) == SLAVE_SETTINGS


async def test_dependent_settings_while_parent_on(harness: Harness) -> None:
    """Outlet mode needs the outlet on; interval and time need calibration on."""
    await harness.post(f"{BATTERY}/toggleOffGrid/{MASTER}", {"value": False})
    assert (
        await harness.post(f"{BATTERY}/offGrid/{MASTER}", {"value": 2})
    ).status == 400
    await harness.post(f"{BATTERY}/toggleOffGrid/{MASTER}", {"value": True})
    for value in (1, 2, 3):
        response = await harness.post(f"{BATTERY}/offGrid/{MASTER}", {"value": value})
        assert response.status == 200
    assert (await cmd(harness))["offGrid"] == {"open": True, "value": 3}
    await harness.post(f"{BATTERY}/toggleFullChargeDays/{MASTER}", {"value": False})
    dependent: list[tuple[str, Any]] = [
        ("fullChargeDays", 10),
        ("fullChargeTime", "03:00"),
    ]
    for segment, setting in dependent:
        response = await harness.post(
            f"{BATTERY}/{segment}/{MASTER}", {"value": setting}
        )
        assert response.status == 400
        assert await response.json() == BAD_REQUEST
    assert (await cmd(harness))["fullCharge"] == merged(
        FIXTURE_SETTINGS["fullCharge"], {"open": False}
    )


@pytest.mark.parametrize(
    ("segment", "body"),
    [
        ("mode", {"ctr_mode": 3}),
        ("mode", {"ctr_mode": "1"}),
        ("mode", {"ctr_mode": True}),
        ("mode", {}),
        ("manual_mode_value", {"mode": 3, "power": 0}),
        ("manual_mode_value", {"mode": 1, "power": 1225}),
        ("manual_mode_value", {"mode": 1, "power": -50}),
        ("manual_mode_value", {"mode": 1, "power": 4850}),
        ("manual_mode_value", {"mode": 1, "power": 1200.0}),
        ("manual_mode_value", {"mode": 1}),
        ("power", {"type": "both", "max_in_power": 1200, "isCluster": True}),
        ("power", {"type": "in", "max_out_power": 1200, "isCluster": True}),
        ("power", {"type": "in", "max_in_power": 4850, "isCluster": True}),
        ("power", {"type": "out", "max_out_power": 30, "isCluster": True}),
        ("power", {"type": "in", "max_in_power": 1200}),
        ("power", {"type": "in", "max_in_power": 1200, "isCluster": "true"}),
        ("toggleOffGrid", {"value": 1}),
        ("toggleOffGrid", {}),
        ("offGrid", {"value": 4}),
        ("toggleFullChargeDays", {"value": "on"}),
        ("fullChargeDays", {"value": 4}),
        ("fullChargeDays", {"value": 61}),
        ("fullChargeDays", {"value": "10"}),
        ("fullChargeTime", {"value": "2:30"}),
        ("fullChargeTime", {"value": "24:00"}),
        ("fullChargeTime", {"value": "02:32"}),
        ("fullChargeTime", {"value": "02:30:00"}),
        ("fullChargeTime", {"value": 230}),
        ("mode", [1]),
    ],
)
async def test_invalid_writes_are_refused(
    harness: Harness, segment: str, body: Any
) -> None:
    """Out of range, wrong step, wrong type, parent off: HTTP 400, nothing changes."""
    await assert_refused(harness, segment, body, MASTER)


@pytest.mark.parametrize(
    ("segment", "body"),
    [
        ("mode", {"ctr_mode": 1}),
        ("manual_mode_value", {"mode": 1, "power": 600}),
        ("power", {"type": "in", "max_in_power": 600, "isCluster": True}),
    ],
)
async def test_slave_refuses_cluster_controls(
    harness: Harness, segment: str, body: Any
) -> None:
    """Mode, manual and power settings belong to the master: a slave refuses them."""
    await assert_refused(harness, segment, body, SLAVE)


async def test_slave_keeps_its_own_settings(harness: Harness) -> None:
    """The backup outlet is per unit: a slave accepts it."""
    response = await harness.post(f"{BATTERY}/toggleOffGrid/{SLAVE}", {"value": True})
    assert response.status == 200
    assert (await cmd(harness, SLAVE))["offGrid"]["open"] is True
    assert (await cmd(harness))["offGrid"] == FIXTURE_SETTINGS["offGrid"]


async def test_intelligent_needs_a_meter(make_harness: HarnessFactory) -> None:
    """ctr_mode 0 is refused when the Titan has no meter; manual is still accepted."""
    account = load_account(ACCOUNT_DIR)
    found = account.device_by_serial(MASTER)
    assert found is not None
    station, master = found
    assert master.battery is not None
    master.battery.settings.has_meter = False
    harness = await make_harness(account)
    mode = f"{BATTERY}/mode/{MASTER}"
    assert (await harness.post(mode, {"ctr_mode": 1})).status == 200
    response = await harness.post(mode, {"ctr_mode": 0})
    assert await response.json() == BAD_REQUEST
    assert (await cmd(harness))["mode"] == {"ctr_mode": 1}
    # Without `hasMeter` in the payload, a meter listed in the station counts.
    assert master.battery.settings.shown is not None
    master.battery.settings.shown.remove("hasMeter")
    assert has_meter(station, master.battery.settings)
    station.devices = [d for d in station.devices if d.meter is None]
    assert not has_meter(station, master.battery.settings)


async def test_unknown_or_wrong_serial(harness: Harness) -> None:
    """A meter's or an unknown serial: error envelope 10004."""
    for serial in ("IZM24M000301", "NOPE"):
        response = await harness.post(f"{BATTERY}/mode/{serial}", {"ctr_mode": 1})
        assert (await response.json())["code"] == 10004


async def test_write_lag(make_harness: HarnessFactory) -> None:
    """Reads keep the old value until the lag (simulated seconds) has passed."""
    harness = await make_harness(refresh_interval_s=0)
    await harness.admin("POST", "/faults", {"write_lag_s": 60})
    await harness.post(f"{BATTERY}/mode/{MASTER}", {"ctr_mode": 1})
    await harness.post(f"{BATTERY}/min_soc/{MASTER}", {"value": 30})
    await harness.post(
        "/api/v2/device/meter/control/IZM24M000301",
        {"isControl": False, "feedThreshold": -1000},
    )
    state = await harness.admin("GET", "/state")
    assert [w["changes"] for w in state["pending_writes"]] == [
        {"settings.ctr_mode": 1},
        {"battery.min_soc": 30},
        {"meter.is_control": False, "meter.feed_threshold": -1000},
    ]
    assert state["pending_writes"][0]["due"] == "2026-07-14T11:40:00+00:00"
    assert state["pending_writes"][0]["serial"] == MASTER
    await harness.advance(59)
    assert await cmd(harness) == FIXTURE_SETTINGS
    meter = await harness.get_json("/api/v2/device/baseInfo/640103")
    assert meter["data"]["meter_extra"] == {"isControl": True, "feedThreshold": -600}
    await harness.advance(1)
    assert await cmd(harness) == FIXTURE_SETTINGS | {
        "min_soc": 30,
        "mode": {"ctr_mode": 1},
    }
    meter = await harness.get_json("/api/v2/device/baseInfo/640103")
    assert meter["data"]["meter_extra"] == {"isControl": False, "feedThreshold": -1000}
    assert (await harness.admin("GET", "/state"))["pending_writes"] == []


async def test_dependent_write_during_the_lag(make_harness: HarnessFactory) -> None:
    """A setting whose parent was just switched on is accepted before the lag passes."""
    harness = await make_harness(refresh_interval_s=0)
    # The outlet starts off (applied at once: no lag yet).
    await harness.post(f"{BATTERY}/toggleOffGrid/{MASTER}", {"value": False})
    await harness.admin("POST", "/faults", {"write_lag_s": 60})
    await harness.post(f"{BATTERY}/toggleOffGrid/{MASTER}", {"value": True})
    response = await harness.post(f"{BATTERY}/offGrid/{MASTER}", {"value": 2})
    assert response.status == 200
    # Another Titan's pending writes do not count.
    response = await harness.post(f"{BATTERY}/offGrid/{SLAVE}", {"value": 2})
    assert response.status == 400
    # ...and refused right after a pending switch-off.
    await harness.post(f"{BATTERY}/toggleFullChargeDays/{MASTER}", {"value": False})
    response = await harness.post(f"{BATTERY}/fullChargeDays/{MASTER}", {"value": 9})
    assert await response.json() == BAD_REQUEST
    assert (await cmd(harness))["offGrid"] == {"open": False, "value": 3}
    await harness.advance(60)
    data = await cmd(harness)
    assert data["offGrid"] == {"open": True, "value": 2}
    assert data["fullCharge"] == merged(FIXTURE_SETTINGS["fullCharge"], {"open": False})


async def test_lag_counts_from_the_write_not_the_refresh(
    make_harness: HarnessFactory,
) -> None:
    """With the cloud's 3-minute refresh, a write shows once its lag has passed."""
    harness = await make_harness()
    await harness.admin("POST", "/faults", {"write_lag_s": 30})
    await harness.post(f"{BATTERY}/min_soc/{MASTER}", {"value": 40})
    await harness.advance(29)
    assert (await cmd(harness))["min_soc"] == 10
    await harness.advance(1)
    assert (await cmd(harness))["min_soc"] == 40


async def test_writes_never_applied(make_harness: HarnessFactory) -> None:
    """The fault answers success but nothing changes, ever."""
    harness = await make_harness(refresh_interval_s=0)
    await harness.admin("POST", "/faults", {"writes_never_apply": True})
    response = await harness.post(f"{BATTERY}/mode/{MASTER}", {"ctr_mode": 1})
    assert await response.json() == ACK
    await harness.post(f"{BATTERY}/min_soc/{MASTER}", {"value": 30})
    await harness.advance(3600)
    assert await cmd(harness) == FIXTURE_SETTINGS
    state = await harness.admin("GET", "/state")
    assert state["pending_writes"] == []
    # Validation still runs first.
    response = await harness.post(f"{BATTERY}/mode/{MASTER}", {"ctr_mode": 7})
    assert response.status == 400


@pytest.mark.parametrize(
    "body", [{"write_lag_s": -1}, {"write_lag_s": "60"}, {"writes_never_apply": 1}]
)
async def test_invalid_write_faults(harness: Harness, body: dict[str, Any]) -> None:
    """Write knobs are validated like the other faults."""
    response = await harness.client.post("/_simulator/faults", json=body)
    assert response.status == 400


async def test_admin_state_shows_settings(harness: Harness) -> None:
    """The admin view carries each Titan's settings as `cmd` shows them."""
    state = await harness.admin("GET", "/state?station=81234")
    master = state["stations"][0]["devices"][0]
    assert master["battery"]["settings"] == FIXTURE_SETTINGS


def test_cli_write_knobs() -> None:
    """The CLI lags writes by a realistic 60 s unless told otherwise."""
    parser = build_parser()
    config = _fault_config(parser.parse_args(["--stations", "1"]))
    assert config.write_lag_s == 60
    assert config.writes_never_apply is False
    config = _fault_config(
        parser.parse_args(
            ["--stations", "1", "--write-lag", "0", "--writes-never-apply"]
        )
    )
    assert config.write_lag_s == 0
    assert config.writes_never_apply is True
