"""Retries, error mapping, envelopes, and secrets kept out of logs and messages."""

from collections.abc import Awaitable, Callable
from functools import partial
import logging
from typing import Any

import aiohttp
from aioresponses import aioresponses
import pytest

from custom_components.izypower_cloud.api import (
    IzypowerAuthenticationError,
    IzypowerClient,
    IzypowerConnectionError,
    IzypowerError,
    IzypowerResponseError,
)
from custom_components.izypower_cloud.api.auth import FRESH_TOKEN_WINDOW
from custom_components.izypower_cloud.api.wire import (
    BACKOFF_BASE,
    BACKOFF_JITTER,
    MAX_ATTEMPTS,
)

from .conftest import (
    LOGIN_PATH,
    PASSWORD,
    USERNAME,
    FakeClock,
    RecordedSleeps,
    add_login,
    calls,
    load,
    token_of,
    url,
)

MASTER = "IZT24A000101"
BATTERY_PATH = f"/izy/v2/battery/{MASTER}"
HTML = "<html><body><h1>502 Bad Gateway</h1></body></html>"

# Each failing answer, as aioresponses keyword arguments.
TRANSIENT_FAILURES: dict[str, dict[str, Any]] = {
    "timeout": {"exception": TimeoutError()},
    "connection": {"exception": aiohttp.ClientConnectionError("refused")},
    "server_disconnected": {"exception": aiohttp.ServerDisconnectedError()},
    "500_html": {"status": 500, "body": HTML, "content_type": "text/html"},
    "502_html": {"status": 502, "body": HTML, "content_type": "text/html"},
    "503_json": {"status": 503, "payload": {"code": 503}},
    "429_rate_limited": {"status": 429, "body": HTML, "content_type": "text/html"},
    "200_html": {"status": 200, "body": HTML, "content_type": "text/html"},
    "200_invalid_json": {"status": 200, "body": '{"code": 0, "data": {'},
    "200_bad_utf8": {"status": 200, "body": b'{"data": "\xff"}'},
    "200_deeply_nested": {"status": 200, "body": '{"data": ' + "[" * 100_000},
}


def _assert_backoff(sleeps: RecordedSleeps, count: int) -> None:
    """Delays double from BACKOFF_BASE, each with up to BACKOFF_JITTER added."""
    assert len(sleeps) == count
    for attempt, delay in enumerate(sleeps):
        base = BACKOFF_BASE * 2**attempt
        assert base <= delay <= base + BACKOFF_JITTER


@pytest.mark.parametrize("failure", TRANSIENT_FAILURES)
async def test_transient_failure_then_success(
    client: IzypowerClient,
    mock_cloud: aioresponses,
    sleeps: RecordedSleeps,
    failure: str,
) -> None:
    """A transient failure is retried after a backoff."""
    add_login(mock_cloud)
    mock_cloud.get(url(BATTERY_PATH), **TRANSIENT_FAILURES[failure])
    mock_cloud.get(url(BATTERY_PATH), payload=load(f"battery_links_{MASTER}.json"))

    page = await client.get_battery(MASTER)

    assert page.soc == 66
    assert len(calls(mock_cloud, "GET", BATTERY_PATH)) == 2
    _assert_backoff(sleeps, 1)


@pytest.mark.parametrize("failure", TRANSIENT_FAILURES)
async def test_transient_failure_exhausts_retries(
    client: IzypowerClient,
    mock_cloud: aioresponses,
    sleeps: RecordedSleeps,
    failure: str,
) -> None:
    """After MAX_ATTEMPTS the failure becomes a connection error."""
    add_login(mock_cloud)
    mock_cloud.get(url(BATTERY_PATH), repeat=True, **TRANSIENT_FAILURES[failure])

    with pytest.raises(IzypowerConnectionError, match=r"GET /izy/v2/battery/\{sn\}"):
        await client.get_battery(MASTER)

    assert len(calls(mock_cloud, "GET", BATTERY_PATH)) == MAX_ATTEMPTS
    assert client.request_count == 1 + MAX_ATTEMPTS
    _assert_backoff(sleeps, MAX_ATTEMPTS - 1)


@pytest.mark.parametrize("status", [400, 403, 404, 405, 409, 422])
async def test_client_errors_are_not_retried(
    client: IzypowerClient,
    mock_cloud: aioresponses,
    sleeps: RecordedSleeps,
    status: int,
) -> None:
    """Other 4xx answers fail at once with a response error."""
    add_login(mock_cloud)
    mock_cloud.get(url(BATTERY_PATH), status=status, body=HTML, repeat=True)

    with pytest.raises(IzypowerResponseError, match=f"HTTP {status}") as caught:
        await client.get_battery(MASTER)

    assert caught.value.status == status
    assert len(calls(mock_cloud, "GET", BATTERY_PATH)) == 1
    assert sleeps == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"code": 10002, "msg": "Device not found", "data": None}, "code 10002"),
        ({"code": "E42", "data": None}, "code E42"),
        ({"msg": "nothing"}, "No payload"),
        ({"code": None}, r"No payload in the response of GET /izy/v2/battery/\{sn\}$"),
        ({"code": "user@example.org", "data": None}, r"\{sn\}$"),
        ({"code": True, "data": None}, r"\{sn\}$"),
        ([1, 2], "not a JSON object"),
        ("ok", "not a JSON object"),
    ],
)
async def test_missing_payload_is_a_response_error(
    client: IzypowerClient,
    mock_cloud: aioresponses,
    sleeps: RecordedSleeps,
    body: object,
    message: str,
) -> None:
    """An error envelope where `data` is required fails without retry."""
    add_login(mock_cloud)
    mock_cloud.get(url(BATTERY_PATH), payload=body, repeat=True)

    with pytest.raises(IzypowerResponseError, match=message):
        await client.get_battery(MASTER)

    assert len(calls(mock_cloud, "GET", BATTERY_PATH)) == 1
    assert sleeps == []


async def test_empty_body_on_read_is_a_response_error(
    client: IzypowerClient, mock_cloud: aioresponses
) -> None:
    """A read needs a payload; an empty 200 has none."""
    add_login(mock_cloud)
    mock_cloud.get(url(BATTERY_PATH), body="")

    with pytest.raises(IzypowerResponseError):
        await client.get_battery(MASTER)


@pytest.mark.parametrize(
    ("path", "method_name", "argument"),
    [
        ("/api/v3/powerStations/info/81234", "get_station_info", 81234),
        ("/api/v3/device/wifi/IZM24M000301", "get_wifi", "IZM24M000301"),
    ],
)
async def test_error_envelope_on_top_level_endpoints(
    client: IzypowerClient,
    mock_cloud: aioresponses,
    path: str,
    method_name: str,
    argument: object,
) -> None:
    """Top-level endpoints recognise an error envelope by their missing fields."""
    add_login(mock_cloud)
    mock_cloud.get(url(path), payload={"code": 500, "msg": "error", "data": None})

    with pytest.raises(IzypowerResponseError, match="code 500"):
        await getattr(client, method_name)(argument)


async def test_write_failure_is_reported(
    client: IzypowerClient, mock_cloud: aioresponses
) -> None:
    """A write refused by the cloud raises instead of passing silently."""
    add_login(mock_cloud)
    path = f"/api/v2/device/yz/battery/min_soc/{MASTER}"
    mock_cloud.post(url(path), status=400, payload={"code": 1, "data": None})

    with pytest.raises(IzypowerResponseError, match="HTTP 400"):
        await client.set_battery_min_soc(MASTER, 15)


WRITES: dict[str, tuple[str, Callable[[IzypowerClient], Awaitable[None]]]] = {
    "min_soc": (
        f"/api/v2/device/yz/battery/min_soc/{MASTER}",
        lambda client: client.set_battery_min_soc(MASTER, 15),
    ),
    "leds": (
        f"/api/v2/device/yz/battery/led/{MASTER}",
        lambda client: client.set_battery_leds(MASTER, True),
    ),
    "meter_control": (
        "/api/v2/device/meter/control/IZM24M000301",
        lambda client: client.set_meter_control(
            "IZM24M000301", enabled=True, limit=600
        ),
    ),
}


@pytest.mark.parametrize("write", WRITES)
@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"code": 10004, "msg": "Device not found", "data": None}, r"\(code 10004\)$"),
        ({"code": "10004", "data": None}, r"\(code 10004\)$"),
        ({"code": 1}, r"\(code 1\)$"),
        ({"code": -1, "msg": "error"}, r"\(code -1\)$"),
        ({"code": True, "data": None}, r"\{sn\}$"),
        ({"code": "user@example.org"}, r"\{sn\}$"),
    ],
)
async def test_write_error_envelope_is_a_response_error(
    client: IzypowerClient,
    mock_cloud: aioresponses,
    write: str,
    body: object,
    message: str,
) -> None:
    """An HTTP 200 carrying an error code is a refused write, not a success."""
    path, send = WRITES[write]
    add_login(mock_cloud)
    mock_cloud.post(url(path), payload=body, repeat=True)

    with pytest.raises(IzypowerResponseError, match=message) as caught:
        await send(client)

    assert caught.value.status is None
    assert "Device not found" not in str(caught.value)
    assert len(calls(mock_cloud, "POST", path)) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"code": 0, "msg": "success", "data": None},
        {"code": "0"},
        {"code": 200, "msg": "OK"},
        {"code": " 200 "},
        {"code": None},
        {"msg": "success"},
        {"data": True},
        [],
        "ok",
        True,
    ],
)
async def test_write_acknowledged(
    client: IzypowerClient, mock_cloud: aioresponses, body: object
) -> None:
    """A success code, no code at all, or a body of another shape is a success."""
    path, send = WRITES["min_soc"]
    add_login(mock_cloud)
    mock_cloud.post(url(path), payload=body)

    await send(client)

    assert len(calls(mock_cloud, "POST", path)) == 1


def test_exception_hierarchy() -> None:
    """Callers can catch everything with the base class."""
    for error in (
        IzypowerAuthenticationError,
        IzypowerConnectionError,
        IzypowerResponseError,
    ):
        assert issubclass(error, IzypowerError)


SECRETS = (
    PASSWORD,
    USERNAME,
    token_of("login_ok.json"),
    token_of("login_expired_token.json"),
)


def _assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


async def test_secrets_never_logged_nor_in_errors(
    client: IzypowerClient,
    mock_cloud: aioresponses,
    caplog: pytest.LogCaptureFixture,
    clock: FakeClock,
) -> None:
    """A run full of failures leaks no password, e-mail or token anywhere."""
    caplog.set_level(logging.DEBUG)
    raised: list[BaseException] = []
    add_login(mock_cloud, "login_expired_token.json")
    add_login(mock_cloud, "login_ok.json")
    add_login(mock_cloud, "login_bad_credentials.json")
    mock_cloud.post(url(LOGIN_PATH), exception=TimeoutError(), repeat=True)
    mock_cloud.get(url(BATTERY_PATH), status=401)
    mock_cloud.get(url(BATTERY_PATH), status=502, body=HTML)
    mock_cloud.get(url(BATTERY_PATH), payload=load(f"battery_links_{MASTER}.json"))
    mock_cloud.get(url(BATTERY_PATH), payload={"code": 1, "data": None})
    mock_cloud.get(url(BATTERY_PATH), status=401)
    mock_cloud.get(url(BATTERY_PATH), status=401)

    await client.login()
    # Each call past the fresh-token window, so that a 401 is worth a new login.
    clock.now += FRESH_TOKEN_WINDOW
    await client.get_battery(MASTER)  # expired token, 401, re-login, 502, success
    # Error envelope, 401 + refused login, the refusal remembered, then an explicit
    # login lost to timeouts.
    battery = partial(client.get_battery, MASTER)
    attempts: list[Callable[[], Awaitable[object]]] = [
        battery,
        battery,
        battery,
        client.login,
    ]
    for call in attempts:
        clock.now += FRESH_TOKEN_WINDOW
        try:
            await call()
        except IzypowerError as error:
            raised.append(error)

    assert [type(error) for error in raised] == [
        IzypowerResponseError,
        IzypowerAuthenticationError,
        IzypowerAuthenticationError,
        IzypowerConnectionError,
    ]
    assert caplog.text
    _assert_no_secret(caplog.text)
    for exception in raised:
        chain: BaseException | None = exception
        while chain is not None:
            _assert_no_secret(str(chain))
            _assert_no_secret(repr(chain))
            chain = chain.__cause__ or chain.__context__
    _assert_no_secret(str(client))
    _assert_no_secret(repr(client))
    for record in caplog.records:
        _assert_no_secret(record.getMessage())


async def test_logs_name_the_endpoint_template_readably(
    client: IzypowerClient,
    mock_cloud: aioresponses,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A debug line names the path's placeholders, never the serial or a bare `{}`."""
    caplog.set_level(logging.DEBUG)
    add_login(mock_cloud)
    mock_cloud.get(url(BATTERY_PATH), payload=load(f"battery_links_{MASTER}.json"))
    mock_cloud.get(
        url("/api/v3/powerStations/info/81234"), payload=load("station_info_81234.json")
    )
    await client.get_battery(MASTER)
    await client.get_station_info(81234)
    assert "GET /izy/v2/battery/{sn}" in caplog.text
    assert "GET /api/v3/powerStations/info/{id}" in caplog.text
    assert "{}" not in caplog.text
    assert MASTER not in caplog.text
