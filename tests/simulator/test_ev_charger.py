"""An EV charger's settings: reads, validated writes, write lag, and its power."""

from datetime import UTC, datetime
from typing import Any

import pytest

from izypower_simulator import Layout, generate_account
from izypower_simulator.ev import HYBRID, INTELLIGENT, charging_power
from izypower_simulator.model import Account, Device, EvSettings, Station

from .conftest import HarnessFactory

NOON = datetime(2026, 7, 14, 10, 0, tzinfo=UTC)
EV = "/api/v2/device/ev"
BAD_REQUEST = {"code": 400, "msg": "Invalid parameter", "data": None}


def _account() -> Account:
    return generate_account(
        1, 3, start=NOON, seed=14, layout=Layout.BATTERY, ev_charger=True
    )


def _charger(station: Station) -> Device:
    (charger,) = [d for d in station.devices if d.type_code == "evse"]
    return charger


async def test_reads_show_the_settings(make_harness: HarnessFactory) -> None:
    """`cmd`, derate, options and the station's priority, as the client reads them."""
    account = _account()
    (station,) = account.stations
    serial = _charger(station).serial
    harness = await make_harness(account)
    cmd = (await harness.get_json(f"/api/v2/device/cmd/{serial}"))["data"]
    assert cmd == {
        "open": True,
        "controlMode": 1,
        "hasMeter": True,
        "power": 3680,
        "min_power": 1380,
        "max_power": 7360,
        "interval": 230,
    }
    derate = await harness.get_json(f"{EV}/powerDerate/{serial}")
    assert derate["data"] == {"value": 0}
    options = await harness.get_json(f"{EV}/intelligentValue/V2/{serial}")
    assert options["data"] == {"enableGrid": True, "enableBattery": False}
    priority = await harness.get_json(f"{EV}/priority/V2/{station.station_id}")
    assert priority["data"] == {"value": False}
    page = await harness.get_json(f"/izy/v2/ev/{serial}")
    assert page["data"] == {"power": 3680, "ac_power": round(3680 / 0.94)}


async def test_writes_are_lagged_then_followed(make_harness: HarnessFactory) -> None:
    """Each write applies after the lag; the station's EV power follows."""
    account = _account()
    (station,) = account.stations
    charger = _charger(station)
    serial = charger.serial
    harness = await make_harness(account, refresh_interval_s=0)
    await harness.admin("POST", "/faults", {"write_lag_s": 60})
    for path, body in (
        (f"state/{serial}", {"value": True}),
        (f"chargePower/{serial}", {"value": 5520}),
        (f"powerDerate/{serial}", {"value": 460}),
        (f"intelligentValue/V2/{serial}", {"enableGrid": False, "enableBattery": True}),
        (f"priority/V2/{station.station_id}", {"value": True}),
    ):
        response = await harness.post(f"{EV}/{path}", body)
        assert (await response.json())["code"] == 0, path
    info = f"/api/v3/powerStations/info/{station.station_id}"
    assert (await harness.get_json(info))["ev_power"] == 3680
    await harness.advance(60)
    assert (await harness.get_json(info))["ev_power"] == 5520 - 460
    assert charger.ev == EvSettings(
        power=5520, derate=460, enable_grid=False, enable_battery=True, priority=True
    )
    response = await harness.post(f"{EV}/state/{serial}", {"value": False})
    await harness.advance(60)
    assert (await harness.get_json(info))["ev_power"] == 0


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("state", {"value": 1}),
        ("mode", {"value": 3}),
        ("mode", {"value": "1"}),
        ("chargePower", {"value": 1150}),
        ("chargePower", {"value": 7590}),
        ("chargePower", {"value": 3700}),
        ("chargePower", {"value": True}),
        ("powerDerate", {"value": 64010}),
        ("powerDerate", {"value": 1505}),
        ("intelligentValue/V2", {"enableGrid": True}),
    ],
)
async def test_invalid_writes_are_refused(
    make_harness: HarnessFactory, path: str, body: dict[str, Any]
) -> None:
    """Out of the charger's range, off its step, not the right type: HTTP 400."""
    account = _account()
    serial = _charger(account.stations[0]).serial
    harness = await make_harness(account)
    response = await harness.post(f"{EV}/{path}/{serial}", body)
    assert response.status == 400
    assert await response.json() == BAD_REQUEST


async def test_invalid_priority_is_refused(make_harness: HarnessFactory) -> None:
    """A station priority that is not a boolean: HTTP 400."""
    account = _account()
    harness = await make_harness(account)
    station_id = account.stations[0].station_id
    response = await harness.post(f"{EV}/priority/V2/{station_id}", {"value": 1})
    assert response.status == 400
    assert await response.json() == BAD_REQUEST


async def test_intelligent_needs_a_meter(make_harness: HarnessFactory) -> None:
    """Without a smart meter, intelligent mode is refused and `hasMeter` false."""
    account = _account()
    (station,) = account.stations
    station.devices = [d for d in station.devices if d.type_code != "meter"]
    assert station.meter is None
    serial = _charger(station).serial
    harness = await make_harness(account)
    cmd = (await harness.get_json(f"/api/v2/device/cmd/{serial}"))["data"]
    assert cmd["hasMeter"] is False
    response = await harness.post(f"{EV}/mode/{serial}", {"value": INTELLIGENT})
    assert response.status == 400
    response = await harness.post(f"{EV}/mode/{serial}", {"value": HYBRID})
    assert response.status == 200


async def test_not_a_charger(make_harness: HarnessFactory) -> None:
    """A Titan's serial or a station without a charger: not found."""
    account = _account()
    (station,) = account.stations
    harness = await make_harness(account)
    titan = station.batteries[0].serial
    response = await harness.post(f"{EV}/state/{titan}", {"value": True})
    assert (await response.json())["code"] == 10004
    charger = _charger(station)
    charger.ev = None
    response = await harness.post(f"{EV}/state/{charger.serial}", {"value": True})
    assert (await response.json())["code"] == 10004
    response = await harness.get(f"{EV}/priority/V2/{station.station_id}")
    assert (await response.json())["code"] == 10004
    meter = station.meter
    assert meter is not None
    response = await harness.get(f"/api/v2/device/cmd/{meter.serial}")
    assert (await response.json())["code"] == 10004


def _station(grid: float, battery: float) -> Station:
    """Return a station whose flows show this grid and battery power (W)."""
    (station,) = _account().stations
    station.consumption = 0
    for device in station.devices:
        for string in device.strings:
            string.power = 0.0
    for unit in station.batteries:
        assert unit.battery is not None
        unit.battery.power = 0
    assert station.batteries[0].battery is not None
    station.batteries[0].battery.power = battery
    station.consumption = grid + battery
    return station


@pytest.mark.parametrize(
    ("grid", "battery", "settings", "expected"),
    [
        # Manual: the setting less the derate, never below 0.
        (0, 0, EvSettings(power=5520, derate=460), 5060),
        (0, 0, EvSettings(power=1380, derate=2000), 0),
        (0, 0, EvSettings(open=False), 0),
        # Intelligent: the solar surplus (export), within the limit.
        (-2000, 0, EvSettings(control_mode=INTELLIGENT), 2000),
        (-9000, 0, EvSettings(control_mode=INTELLIGENT), 3680),
        # Too little surplus: the minimum from the grid, or wait.
        (-500, 0, EvSettings(control_mode=INTELLIGENT), 1380),
        (-500, 0, EvSettings(control_mode=INTELLIGENT, enable_grid=False), 0),
        (-500, 0, EvSettings(control_mode=HYBRID, enable_grid=False), 1380),
        # Priority over the battery: its charging power goes to the car first.
        (-500, -1500, EvSettings(control_mode=INTELLIGENT, enable_grid=False), 0),
        (
            -500,
            -1500,
            EvSettings(control_mode=INTELLIGENT, enable_grid=False, priority=True),
            2000,
        ),
        # Use battery: what the batteries can still discharge.
        (
            0,
            0,
            EvSettings(
                control_mode=INTELLIGENT, enable_grid=False, enable_battery=True
            ),
            1600,
        ),
    ],
)
def test_charging_power_follows_the_settings(
    grid: float, battery: float, settings: EvSettings, expected: float
) -> None:
    """The charger's power as ev.py's docstring says."""
    assert charging_power(_station(grid, battery), settings) == expected
