"""Writes change the state the next reads show; invalid writes are refused."""

from typing import Any

import pytest

from .conftest import API, Harness

METER = "/api/v2/device/meter/control/IZM24M000301"
LED = "/api/v2/device/yz/battery/led/IZT24A000101"
MIN_SOC = "/api/v2/device/yz/battery/min_soc/IZT24A000102"
BAD_REQUEST = {"code": 400, "msg": "Invalid parameter", "data": None}


async def test_meter_control_is_read_back(harness: Harness) -> None:
    """Base info shows the new switch state and threshold."""
    response = await harness.post(METER, {"isControl": False, "feedThreshold": -1500})
    assert response.status == 200
    body = await harness.get_json("/api/v2/device/baseInfo/640103")
    assert body["data"]["meter_extra"] == {"isControl": False, "feedThreshold": -1500}
    await harness.post(METER, {"isControl": True, "feedThreshold": 0})
    body = await harness.get_json("/api/v2/device/baseInfo/640103")
    assert body["data"]["meter_extra"] == {"isControl": True, "feedThreshold": 0}


@pytest.mark.parametrize(
    "body",
    [
        {"isControl": True, "feedThreshold": 300},
        {"isControl": True, "feedThreshold": -36001},
        {"isControl": True, "feedThreshold": -300.5},
        {"isControl": True, "feedThreshold": "-300"},
        {"isControl": True, "feedThreshold": True},
        {"isControl": 1, "feedThreshold": -300},
        {"isControl": True},
        {"feedThreshold": -300},
        [True, -300],
        "nonsense",
    ],
)
async def test_meter_control_validation(harness: Harness, body: Any) -> None:
    """Positive or too large thresholds, wrong types, missing fields: HTTP 400, no change."""
    response = await harness.post(METER, body)
    assert response.status == 400
    assert await response.json() == BAD_REQUEST
    info = await harness.get_json("/api/v2/device/baseInfo/640103")
    assert info["data"]["meter_extra"] == {"isControl": True, "feedThreshold": -600}


async def test_meter_control_limits(harness: Harness) -> None:
    """-36000 W is the largest accepted threshold."""
    assert (
        await harness.post(METER, {"isControl": True, "feedThreshold": -36000})
    ).status == 200


async def test_min_soc_is_read_back(harness: Harness) -> None:
    """The cmd read shows the new floor, only for that Titan."""
    assert (await harness.post(MIN_SOC, {"value": 35})).status == 200
    assert (await harness.get_json("/api/v2/device/cmd/IZT24A000102"))["data"][
        "min_soc"
    ] == 35
    assert (await harness.get_json("/api/v2/device/cmd/IZT24A000101"))["data"][
        "min_soc"
    ] == 10


@pytest.mark.parametrize(
    "body",
    [
        {"value": 4},
        {"value": 101},
        {"value": 15.5},
        {"value": 15.0},
        {"value": "15"},
        {"value": True},
        {"value": None},
        {},
        [15],
    ],
)
async def test_min_soc_validation(harness: Harness, body: Any) -> None:
    """Outside 5..100 or not an integer: HTTP 400, no change."""
    response = await harness.post(MIN_SOC, body)
    assert response.status == 400
    assert await response.json() == BAD_REQUEST
    assert (await harness.get_json("/api/v2/device/cmd/IZT24A000102"))["data"][
        "min_soc"
    ] == 10


async def test_min_soc_bounds_accepted(harness: Harness) -> None:
    """5 and 100 are valid."""
    for value in (5, 100):
        assert (await harness.post(MIN_SOC, {"value": value})).status == 200


async def test_leds_show_in_admin_state(harness: Harness) -> None:
    """LEDs have no cloud read-back; the admin state reports them."""

    async def leds() -> Any:
        state = await harness.admin("GET", "/state?station=81234")
        return {
            d["serial"]: d["battery"]["leds_on"]
            for d in state["stations"][0]["devices"]
            if "battery" in d
        }

    assert await leds() == {"IZT24A000101": None, "IZT24A000102": None}
    assert (await harness.post(LED, {"value": 0})).status == 200
    assert await leds() == {"IZT24A000101": False, "IZT24A000102": None}
    assert (await harness.post(LED, {"value": 1})).status == 200
    assert await leds() == {"IZT24A000101": True, "IZT24A000102": None}


@pytest.mark.parametrize("body", [{"value": 2}, {"value": True}, {"value": "1"}, {}])
async def test_led_validation(harness: Harness, body: Any) -> None:
    """Only 0 and 1."""
    assert (await harness.post(LED, body)).status == 400


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (
            "/api/v2/device/meter/control/IZT24A000101",
            {"isControl": True, "feedThreshold": -300},
        ),
        ("/api/v2/device/yz/battery/led/IZM24M000301", {"value": 1}),
        ("/api/v2/device/yz/battery/min_soc/NOPE", {"value": 20}),
    ],
)
async def test_writes_to_wrong_devices(harness: Harness, path: str, body: Any) -> None:
    """A serial that is not of the right kind: error envelope, code 10004."""
    response = await harness.post(path, body)
    assert response.status == 200
    assert (await response.json())["code"] == 10004


async def test_writes_need_a_token(harness: Harness) -> None:
    """Writes are authenticated like reads."""
    response = await harness.client.post(f"{API}{LED}", json={"value": 1})
    assert response.status == 401
