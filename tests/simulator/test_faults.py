"""Every fault knob, switched at run time through /_simulator/faults."""

import asyncio
from datetime import datetime
import inspect
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from izypower_simulator import FaultConfig, create_app
from izypower_simulator.faults import HTML_ERROR_BODY, MALFORMED_JSON_BODY

from .conftest import Harness, HarnessFactory

INFO = "/api/v3/powerStations/info/81234"
PARIS = ZoneInfo("Europe/Paris")


async def set_faults(harness: Harness, **changes: Any) -> dict[str, Any]:
    """POST a partial fault update."""
    return await harness.admin("POST", "/faults", changes)


async def test_latency_is_added_to_api_requests_only(
    make_harness: HarnessFactory,
) -> None:
    """The injected sleep sees the configured delay for API calls, never for admin calls."""
    delays: list[float] = []

    async def sleep(seconds: float) -> None:
        delays.append(seconds)

    harness = await make_harness(sleep=sleep)
    await set_faults(harness, latency_ms=250)
    await harness.get_json(INFO)
    await harness.admin("GET", "/stats")
    assert delays == [0.25, 0.25]  # login + info


def test_real_latency_by_default() -> None:
    """Without a `sleep` given, the latency is waited with asyncio's real sleep."""
    default = inspect.signature(create_app).parameters["sleep"].default
    assert default is asyncio.sleep


async def test_error_rate(harness: Harness) -> None:
    """Rate 1: every request answers HTTP 500 with a JSON error envelope."""
    await harness.login()
    await set_faults(harness, error_rate=1.0)
    response = await harness.get(INFO)
    assert response.status == 500
    assert (await response.json())["code"] == 500
    await set_faults(harness, error_rate=0.0)
    assert (await harness.get(INFO)).status == 200


async def test_error_rate_is_a_fraction(make_harness: HarnessFactory) -> None:
    """Rate 0.5 (seeded): about half the requests fail."""
    harness = await make_harness(seed=7, token_lifetime_s=1e6)
    await harness.login()
    await set_faults(harness, error_rate=0.5)
    statuses = [
        (await harness.get("/api/v3/device/upgrade/81234")).status for _ in range(100)
    ]
    assert set(statuses) == {200, 500}
    assert 30 < statuses.count(500) < 70


async def test_html_errors(harness: Harness) -> None:
    """A gateway error page instead of JSON."""
    await harness.login()
    await set_faults(harness, html_error_rate=1.0)
    response = await harness.get(INFO)
    assert response.status == 502
    assert response.content_type == "text/html"
    assert await response.text() == HTML_ERROR_BODY


async def test_hanging_request_outlives_client_timeout(harness: Harness) -> None:
    """The client gives up; clearing the faults releases the hung handler."""
    await harness.login()
    await set_faults(harness, hang_rate=1.0, hang_seconds=60)
    with pytest.raises(asyncio.TimeoutError):
        await harness.client.get(
            f"/photo_voltaic{INFO}",
            headers=harness.headers(),
            timeout=aiohttp.ClientTimeout(total=0.2),
        )
    await harness.admin("DELETE", "/faults")
    assert (await harness.get(INFO)).status == 200


async def test_short_hang_then_answer(harness: Harness) -> None:
    """A hang shorter than the client timeout is just a slow answer."""
    await harness.login()
    await set_faults(harness, hang_rate=1.0, hang_seconds=0.05)
    assert (await harness.get(INFO)).status == 200


async def test_malformed_json(harness: Harness) -> None:
    """HTTP 200, JSON content type, truncated body."""
    await harness.login()
    await set_faults(harness, malformed_json_rate=1.0)
    response = await harness.get(INFO)
    assert response.status == 200
    assert response.content_type == "application/json"
    assert await response.text() == MALFORMED_JSON_BODY
    with pytest.raises(ValueError):
        await response.json()


async def test_forced_401s(harness: Harness) -> None:
    """The next N authenticated requests get 401; login is neither blocked nor counted."""
    await harness.login()
    await set_faults(harness, force_401=2)
    assert (await harness.get(INFO)).status == 401
    await harness.login()
    assert (await harness.get(INFO)).status == 401
    assert (await harness.admin("GET", "/faults"))["force_401"] == 0
    assert (await harness.get(INFO)).status == 200


async def test_one_failing_endpoint(harness: Harness) -> None:
    """Only the named endpoint fails."""
    await harness.login()
    await set_faults(harness, failing_endpoints=["battery"])
    assert (await harness.get("/izy/v2/battery/IZT24A000101")).status == 500
    assert (await harness.get(INFO)).status == 200


async def test_one_hanging_endpoint(harness: Harness) -> None:
    """Only the named endpoint hangs (for hang_seconds), the others answer at once."""
    await harness.login()
    await set_faults(harness, hanging_endpoints=["battery"], hang_seconds=0.2)
    started = asyncio.get_running_loop().time()
    assert (await harness.get(INFO)).status == 200
    assert asyncio.get_running_loop().time() - started < 0.2
    started = asyncio.get_running_loop().time()
    assert (await harness.get("/izy/v2/battery/IZT24A000101")).status == 200
    assert asyncio.get_running_loop().time() - started >= 0.2


@pytest.mark.parametrize(
    ("mode", "expected"), [("dip", 9.84 * 0.9), ("zero", 0), ("null", None)]
)
async def test_counter_glitches(
    harness: Harness, mode: str, expected: float | None
) -> None:
    """Daily counters dip, read 0 or null; other periods are untouched."""
    await set_faults(harness, counter_glitch=mode)
    info = await harness.get_json(INFO)
    production = info["extraData"]["production"]
    if expected is None:
        assert production["day"] is None
    else:
        assert production["day"] == pytest.approx(expected, abs=0.006)
    assert production["all"] == 14021.7
    report = await harness.get_json(
        "/api/report/v2/powerStations/data/81234?timeType=day&dataFlag=energy&searchTime=2026-07-14"
    )
    assert report["energy"] == production["day"]
    await harness.admin("DELETE", "/faults")
    assert (await harness.get_json(INFO))["extraData"]["production"]["day"] == 9.84


async def test_counter_glitch_on_lifetime_counters(harness: Harness) -> None:
    """The glitch can target the lifetime counters, which are the dangerous ones."""
    await set_faults(harness, counter_glitch="zero", counter_glitch_periods=["all"])
    info = await harness.get_json(INFO)
    assert info["extraData"]["grid"]["all2"] == 0
    assert info["extraData"]["grid"]["day2"] == 1.06
    page = await harness.get_json(
        "/api/device/page?powerId=81234&deviceType=all&page=1&limit=100"
    )
    meter = page["data"]["records"][2]
    assert {"key": "energy_p_all", "value": "0.0kWh"} in meter["dataDtos"]


async def test_midnight_lag(make_harness: HarnessFactory) -> None:
    """After midnight, yesterday's totals stay visible for the configured lag."""
    harness = await make_harness(start=datetime(2026, 7, 14, 23, 50, tzinfo=PARIS))
    await set_faults(harness, midnight_lag_s=900)
    before = (await harness.get_json(INFO))["extraData"]["consumption"]
    await harness.advance(20 * 60)
    lagging = (await harness.get_json(INFO))["extraData"]["consumption"]
    assert lagging["day"] > before["day"]
    assert lagging["month"] > before["month"]
    await harness.advance(10 * 60)
    caught_up = (await harness.get_json(INFO))["extraData"]["consumption"]
    assert caught_up["day"] < 1
    assert caught_up["month"] > lagging["month"]


@pytest.mark.parametrize(
    "changes",
    [
        {"latency": 10},
        {"error_rate": 1.5},
        {"error_rate": "0.5"},
        {"hang_rate": True},
        {"latency_ms": -1},
        {"force_401": -1},
        {"force_401": 1.5},
        {"failing_endpoints": ["nope"]},
        {"failing_endpoints": "battery"},
        {"hanging_endpoints": ["nope"]},
        {"counter_glitch": "bogus"},
        {"counter_glitch_periods": ["week"]},
        {"error_rate": 1.0, "counter_glitch": "bogus"},
    ],
)
async def test_invalid_fault_settings(
    harness: Harness, changes: dict[str, Any]
) -> None:
    """HTTP 400 and no change at all, even to the valid part."""
    response = await harness.client.post("/_simulator/faults", json=changes)
    assert response.status == 400
    assert "error" in await response.json()
    assert await harness.admin("GET", "/faults") == FaultConfig().as_json()


async def test_faults_body_must_be_an_object(harness: Harness) -> None:
    """Non-object bodies are refused."""
    assert (await harness.client.post("/_simulator/faults", data=b"[]")).status == 400
    assert (await harness.client.post("/_simulator/faults", data=b"{")).status == 400


async def test_faults_from_config_and_reset(make_harness: HarnessFactory) -> None:
    """Faults given at start are active at once; DELETE switches everything off."""
    config = FaultConfig(failing_endpoints=["station_info"], latency_ms=1)
    harness = await make_harness(faults=config)
    assert (await harness.admin("GET", "/faults"))["failing_endpoints"] == [
        "station_info"
    ]
    assert (await harness.get(INFO)).status == 500
    assert await harness.admin("DELETE", "/faults") == FaultConfig().as_json()
    assert (await harness.get(INFO)).status == 200
