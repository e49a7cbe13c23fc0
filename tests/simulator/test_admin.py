"""Admin endpoints: stats, state overrides, clock."""

from typing import Any

import pytest

from .conftest import API, Harness

INFO = "/api/v3/powerStations/info/81234"


async def test_stats_count_per_endpoint_and_status(harness: Harness) -> None:
    """API calls are counted with their final status; admin calls are not."""
    await harness.login()
    await harness.get(INFO)
    await harness.get("/api/v3/powerStations/info/99999")
    await harness.client.get(f"{API}{INFO}")  # no token, no app-platform
    await harness.get("/api/v9/nothing")
    await harness.admin("POST", "/faults", {"failing_endpoints": ["battery"]})
    await harness.get("/izy/v2/battery/IZT24A000101")
    stats = await harness.admin("GET", "/stats")
    assert stats == {
        "total": 6,
        "by_endpoint": {"battery": 1, "login": 1, "station_info": 3, "unknown": 1},
        "by_status": {"200": 3, "401": 1, "404": 1, "500": 1},
        "by_endpoint_status": {
            "battery": {"500": 1},
            "login": {"200": 1},
            "station_info": {"200": 2, "401": 1},
            "unknown": {"404": 1},
        },
        "missing_app_platform": 2,
    }
    reset = await harness.admin("POST", "/stats/reset")
    assert reset["total"] == 0
    assert (await harness.admin("GET", "/stats"))["by_endpoint"] == {}


async def test_summary(harness: Harness) -> None:
    """The root admin path describes the account."""
    summary = await harness.admin("GET", "")
    assert summary["base_path"] == "/photo_voltaic"
    assert summary["stations"] == 2
    assert summary["devices"] == 5
    assert "battery_min_soc" in summary["endpoints"]


async def test_state_view(harness: Harness) -> None:
    """Live values, settings and counters of every station."""
    state = await harness.admin("GET", "/state")
    assert state["clock"]["now"] == "2026-07-14T11:39:00+00:00"
    assert [s["station_id"] for s in state["stations"]] == [81234, 81235]
    first = state["stations"][0]
    assert first["pv_power"] == pytest.approx(2232.9)
    assert first["grid_power"] == pytest.approx(-102.9)
    assert first["counters"]["production"]["day"] == 9.84
    meter = first["devices"][2]
    assert meter["meter"] == {
        "is_control": True,
        "feed_threshold": -600,
        "voltage": 231.4,
        "frequency": 50.01,
    }
    assert first["last_update"] == "2026-07-14 13:39:00 UTC+02:00"


async def test_pin_and_unpin_station_values(harness: Harness) -> None:
    """Pinned PV and consumption hold until set to null, then the curves come back."""
    await harness.admin(
        "POST", "/state", {"stations": {"81234": {"pv_power": 0, "consumption": 250}}}
    )
    info = await harness.get_json(INFO)
    assert info["power"] == 0
    assert info["consumption"] == 250
    assert info["battery_power"] > 0  # discharging to cover the load
    await harness.advance(3600)
    assert (await harness.get_json(INFO))["power"] == 0
    state = await harness.admin(
        "POST",
        "/state",
        {"stations": {"81234": {"pv_power": None, "consumption": None}}},
    )
    assert state["stations"][0]["pins"] == {}
    assert (await harness.get_json(INFO))["power"] > 500


async def test_device_offline(harness: Harness) -> None:
    """An offline micro-inverter: onlineState 0, no PV, empty temperature series."""
    await harness.admin(
        "POST", "/state", {"devices": {"IZV08B000501": {"online": False}}}
    )
    page = await harness.get_json(
        "/api/device/page?powerId=81235&deviceType=all&page=1&limit=10"
    )
    assert [r["onlineState"] for r in page["data"]["records"]] == [0, 1]
    component = await harness.get_json("/api/component/81235?searchTime=2026-07-14")
    assert [s["pvPower"] for s in component["pvData"]][:2] == [0.0, 0.0]
    temp = await harness.get_json(
        "/api/report/device/data/IZV08B000501?searchTime=2026-07-14&timeType=day&dataFlag=temp"
    )
    assert temp["data"] == [{"data": []}]


async def test_device_and_station_overrides(harness: Harness) -> None:
    """SOC, upgrade flag, RSSI and station status."""
    await harness.admin(
        "POST",
        "/state",
        {
            "stations": {"81235": {"status": 0}},
            "devices": {
                "IZT24A000101": {"soc": 20, "need_upgrade": True},
                "IZM24M000301": {"rssi": -90},
            },
        },
    )
    page = (await harness.get_json("/izy/v2/battery/IZT24A000101"))["data"]
    assert page["soc"] == 20
    assert [i["soc"] for i in page["items"]] == [20, 20]
    upgrades = (await harness.get_json("/api/v3/device/upgrade/81234"))["data"]
    assert upgrades[0] == {"sn": "IZT24A000101", "needUpgrade": True}
    assert (await harness.get_json("/api/v3/device/wifi/IZM24M000301"))["rssi"] == -90
    assert (await harness.get_json("/api/v3/powerStations/info/81235"))["data"][
        "status"
    ] == 0


async def titan_power(harness: Harness) -> float:
    """Return the master Titan's battery power (W; < 0 charging) as simulated."""
    state = await harness.admin("GET", "/state?station=81234")
    (master,) = (
        device
        for station in state["stations"]
        for device in station["devices"]
        if device["serial"] == "IZT24A000101"
    )
    power: float = master["battery"]["power"]
    return power


async def test_mode_changed_in_the_app(harness: Harness) -> None:
    """A change "made in the app" shows at once in the settings and drives the Titan."""
    await harness.admin(
        "POST",
        "/state",
        {
            "devices": {
                "IZT24A000101": {
                    "app_settings": {"ctr_mode": 1, "mode": 1, "power": 1000}
                }
            }
        },
    )
    cmd = (await harness.get_json("/api/v2/device/cmd/IZT24A000101"))["data"]
    assert cmd["mode"] == {"ctr_mode": 1}
    assert cmd["manual"] == {"mode": 1, "power": 1000}
    await harness.advance(300)
    assert await titan_power(harness) < 0  # charging


async def test_titan_ignoring_its_mode(harness: Harness) -> None:
    """A faulty Titan shows the mode it was given but stays idle."""
    await harness.admin(
        "POST",
        "/state",
        {
            "devices": {
                "IZT24A000101": {
                    "ignores_mode": True,
                    "app_settings": {"ctr_mode": 1, "mode": 2, "power": 800},
                }
            }
        },
    )
    await harness.advance(300)
    cmd = (await harness.get_json("/api/v2/device/cmd/IZT24A000101"))["data"]
    assert cmd["manual"] == {"mode": 2, "power": 800}
    assert await titan_power(harness) == 0


@pytest.mark.parametrize(
    "body",
    [
        {"planets": {}},
        {"stations": {"99999": {"pv_power": 1}}},
        {"stations": {"81234": {"pv_power": -5}}},
        {"stations": {"81234": {"colour": "red"}}},
        {"devices": {"NOPE": {"online": False}}},
        {"devices": {"IZM24M000301": {"soc": 50}}},
        {"devices": {"IZT24A000101": {"online": "no"}}},
        {"devices": {"IZT24A000101": {"app_settings": {"ctr_mode": 7}}}},
        {"devices": {"IZT24A000101": {"app_settings": {"mode": 1, "power": 30}}}},
        {"devices": {"IZT24A000101": {"app_settings": {"colour": 1}}}},
        {"devices": {"IZT24A000101": {"app_settings": []}}},
        {"devices": {"IZM24M000301": {"app_settings": {"ctr_mode": 1}}}},
        {"devices": {"IZT24A000101": {"ignores_mode": "yes"}}},
        {"account": {"password": ""}},
        {"account": {"revoke_tokens": False}},
        {
            "stations": {"81234": {"pv_power": 10}},
            "devices": {"IZT24A000101": {"soc": 101}},
        },
    ],
)
async def test_invalid_state_changes_change_nothing(
    harness: Harness, body: dict[str, Any]
) -> None:
    """HTTP 400 and the state is untouched, even the valid part of the request."""
    before = await harness.admin("GET", "/state")
    response = await harness.client.post("/_simulator/state", json=body)
    assert response.status == 400
    assert await harness.admin("GET", "/state") == before


async def test_clock_controls(harness: Harness) -> None:
    """Advance, jump to an instant, change speed; never backwards."""
    clock = await harness.admin("POST", "/clock", {"advance_seconds": 600})
    assert clock["now"] == "2026-07-14T11:49:00+00:00"
    assert clock["state_time"] == "2026-07-14T11:48:00+00:00"
    clock = await harness.admin("POST", "/clock", {"now": "2026-07-14T15:00:00+02:00"})
    assert clock["now"] == "2026-07-14T13:00:00+00:00"
    clock = await harness.admin("POST", "/clock", {"time_scale": 10})
    assert clock["time_scale"] == 10
    harness.wall.now += 6
    clock = await harness.admin("GET", "/clock")
    # Ten times faster physics; the data stay dated in real time (never in the future).
    assert clock["sky_now"] == "2026-07-14T13:01:00+00:00"
    assert clock["now"] == "2026-07-14T13:00:06+00:00"
    for body in (
        {"now": "2026-07-14T10:00:00+00:00"},
        {"now": "2026-07-14T18:00:00"},
        {"now": 5},
        {"advance_seconds": -1},
        {"time_scale": -2},
    ):
        response = await harness.client.post("/_simulator/clock", json=body)
        assert response.status == 400, body
