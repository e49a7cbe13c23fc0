"""Login, token renewal by `exp` and by 401, and shared logins under concurrency."""

import asyncio
import base64
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
import json
from typing import Any

from aioresponses import CallbackResult, aioresponses
import pytest

from custom_components.izypower_cloud.api import (
    IzypowerAuthenticationError,
    IzypowerClient,
    IzypowerConnectionError,
    IzypowerResponseError,
)
from custom_components.izypower_cloud.api.auth import (
    FALLBACK_LIFETIME,
    FRESH_TOKEN_WINDOW,
    LOGIN_BACKOFF_BASE,
    RENEW_MARGIN,
    renewal_deadline,
    token_expiry,
)

from .conftest import (
    LOGIN_PATH,
    SNAPSHOT,
    FakeClock,
    RecordedSleeps,
    add_login,
    calls,
    load,
    token_of,
    url,
)

METER = "IZM24M000301"
WIFI_PATH = f"/api/v3/device/wifi/{METER}"
# `exp` of login_expired_token.json: 2026-01-01T00:00:00Z.
EXPIRED_EXP = datetime(2026, 1, 1, tzinfo=UTC).timestamp()


def _jwt(claims: object) -> str:
    """Build an unsigned JWT carrying ``claims``."""
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=")
    return f"eyJhbGciOiJub25lIn0.{payload.decode()}."


def _login_body(token: object) -> dict[str, object]:
    return {"code": 0, "msg": "success", "data": {"token": token}}


def _add_wifi(mock: aioresponses, *, repeat: bool = True) -> None:
    mock.get(url(WIFI_PATH), payload=load(f"device_wifi_{METER}.json"), repeat=repeat)


def _answer_after_yield(
    payload: dict[str, Any] | None, status: int = 200
) -> Callable[..., Awaitable[CallbackResult]]:
    """Build a mock callback that yields like a real round trip, then answers."""

    async def answer(*_args: object, **_kwargs: object) -> CallbackResult:
        await asyncio.sleep(0)
        return CallbackResult(status=status, payload=payload)

    return answer


def _tokens_sent(mock: aioresponses) -> list[str]:
    return [
        call.kwargs["headers"]["x-tts-access-token"]
        for call in calls(mock, "GET", WIFI_PATH)
    ]


async def _login_long_ago(client: IzypowerClient, clock: FakeClock) -> None:
    """Log in, then let the token leave the fresh-token window (still valid)."""
    await client.login()
    clock.now += FRESH_TOKEN_WINDOW


async def test_login_is_lazy_and_reused(
    client: IzypowerClient, mock_cloud: aioresponses
) -> None:
    """The first call logs in; later calls reuse the token."""
    add_login(mock_cloud)
    _add_wifi(mock_cloud)

    for _ in range(3):
        await client.get_wifi(METER)

    assert len(calls(mock_cloud, "POST", LOGIN_PATH)) == 1
    assert _tokens_sent(mock_cloud) == [token_of("login_ok.json")] * 3
    assert client.request_count == 4


async def test_explicit_login_always_logs_in(
    client: IzypowerClient, mock_cloud: aioresponses
) -> None:
    """`login()` validates credentials even when a token is held."""
    add_login(mock_cloud, repeat=True)

    await client.login()
    await client.login()

    assert len(calls(mock_cloud, "POST", LOGIN_PATH)) == 2


async def test_token_renewed_when_exp_passed(
    client: IzypowerClient, mock_cloud: aioresponses, clock: FakeClock
) -> None:
    """A token is renewed RENEW_MARGIN seconds before its `exp`."""
    clock.now = EXPIRED_EXP - 3600
    add_login(mock_cloud, "login_expired_token.json")
    add_login(mock_cloud, "login_ok.json")
    _add_wifi(mock_cloud)

    await client.get_wifi(METER)
    clock.now = EXPIRED_EXP - RENEW_MARGIN - 1
    await client.get_wifi(METER)
    assert len(calls(mock_cloud, "POST", LOGIN_PATH)) == 1

    clock.now = EXPIRED_EXP - RENEW_MARGIN
    await client.get_wifi(METER)

    assert len(calls(mock_cloud, "POST", LOGIN_PATH)) == 2
    expired, fresh = token_of("login_expired_token.json"), token_of("login_ok.json")
    assert _tokens_sent(mock_cloud) == [expired, expired, fresh]


async def test_token_already_expired_by_our_clock_gets_short_life(
    client: IzypowerClient, mock_cloud: aioresponses, clock: FakeClock
) -> None:
    """A clock ahead of the server's does not make every call log in again.

    The fixture token's `exp` is months before the fake clock: it is kept for
    FALLBACK_LIFETIME minus the margin, then renewed.
    """
    add_login(mock_cloud, "login_expired_token.json")
    add_login(mock_cloud, "login_ok.json")
    _add_wifi(mock_cloud)

    for _ in range(5):
        await client.get_wifi(METER)
    assert len(calls(mock_cloud, "POST", LOGIN_PATH)) == 1
    clock.now += FALLBACK_LIFETIME - RENEW_MARGIN
    await client.get_wifi(METER)

    assert len(calls(mock_cloud, "POST", LOGIN_PATH)) == 2
    expired, fresh = token_of("login_expired_token.json"), token_of("login_ok.json")
    assert _tokens_sent(mock_cloud) == [expired] * 5 + [fresh]
    assert client.request_count == 2 + 6


async def test_short_lived_token_serves_several_calls(
    client: IzypowerClient, mock_cloud: aioresponses, clock: FakeClock
) -> None:
    """A token living less than the margin is renewed at half its life, not per call."""
    mock_cloud.post(
        url(LOGIN_PATH), payload=_login_body(_jwt({"exp": SNAPSHOT + 30})), repeat=True
    )
    _add_wifi(mock_cloud)

    for _ in range(5):
        await client.get_wifi(METER)
    assert client.request_count == 1 + 5
    clock.now += 14
    await client.get_wifi(METER)
    assert len(calls(mock_cloud, "POST", LOGIN_PATH)) == 1
    clock.now += 1
    await client.get_wifi(METER)

    assert len(calls(mock_cloud, "POST", LOGIN_PATH)) == 2


@pytest.mark.parametrize(
    "token", ["opaque-token", _jwt({"sub": 1}), _jwt({"exp": "soon"}), "a.%%%.b"]
)
async def test_token_without_readable_exp_gets_short_life(
    client: IzypowerClient, mock_cloud: aioresponses, clock: FakeClock, token: str
) -> None:
    """Without a readable `exp` the token is assumed to live FALLBACK_LIFETIME."""
    mock_cloud.post(url(LOGIN_PATH), payload=_login_body(token), repeat=True)
    _add_wifi(mock_cloud)
    lifetime = FALLBACK_LIFETIME - RENEW_MARGIN

    await client.get_wifi(METER)
    clock.now += lifetime - 1
    await client.get_wifi(METER)
    assert len(calls(mock_cloud, "POST", LOGIN_PATH)) == 1
    clock.now += 1
    await client.get_wifi(METER)

    assert len(calls(mock_cloud, "POST", LOGIN_PATH)) == 2


async def test_concurrent_calls_share_one_login(
    client: IzypowerClient, mock_cloud: aioresponses, clock: FakeClock
) -> None:
    """Twenty parallel calls with an expired token trigger exactly one login."""
    add_login(mock_cloud, "login_expired_token.json")
    await client.login()
    clock.now += FALLBACK_LIFETIME
    mock_cloud.post(
        url(LOGIN_PATH),
        callback=_answer_after_yield(load("login_ok.json")),
        repeat=True,
    )
    mock_cloud.get(
        url(WIFI_PATH),
        callback=_answer_after_yield(load(f"device_wifi_{METER}.json")),
        repeat=True,
    )

    results = await asyncio.gather(*(client.get_wifi(METER) for _ in range(20)))

    assert len(results) == 20
    assert len(calls(mock_cloud, "POST", LOGIN_PATH)) == 2
    assert set(_tokens_sent(mock_cloud)) == {token_of("login_ok.json")}
    assert client.request_count == 22


async def test_concurrent_401s_share_one_login(
    client: IzypowerClient, mock_cloud: aioresponses, clock: FakeClock
) -> None:
    """Twenty calls refused with 401 at once re-login only once."""
    # A clock before `exp`, so that only the 401s can trigger the renewal.
    clock.now = EXPIRED_EXP - 3600
    add_login(mock_cloud, "login_expired_token.json")
    await client.login()
    # Past the fresh-token window: a refusal of this token is worth a new login.
    clock.now += FRESH_TOKEN_WINDOW
    mock_cloud.post(
        url(LOGIN_PATH),
        callback=_answer_after_yield(load("login_ok.json")),
        repeat=True,
    )
    revoked = token_of("login_expired_token.json")

    async def wifi(_url: object, **kwargs: Any) -> CallbackResult:
        # Yield like a real network round trip, so that the calls overlap.
        await asyncio.sleep(0)
        if kwargs["headers"]["x-tts-access-token"] == revoked:
            return CallbackResult(status=401)
        return CallbackResult(payload=load(f"device_wifi_{METER}.json"))

    mock_cloud.get(url(WIFI_PATH), callback=wifi, repeat=True)

    await asyncio.gather(*(client.get_wifi(METER) for _ in range(20)))

    assert len(calls(mock_cloud, "POST", LOGIN_PATH)) == 2
    assert client.request_count == 2 + 40


async def test_concurrent_calls_share_a_refused_login(
    client: IzypowerClient, mock_cloud: aioresponses, sleeps: RecordedSleeps
) -> None:
    """Bad credentials are tried once, however many calls wait for a token."""
    mock_cloud.post(
        url(LOGIN_PATH),
        callback=_answer_after_yield(load("login_bad_credentials.json")),
        repeat=True,
    )

    results = await asyncio.gather(
        *(client.get_wifi(METER) for _ in range(20)), return_exceptions=True
    )

    assert all(isinstance(result, IzypowerAuthenticationError) for result in results)
    assert len(calls(mock_cloud, "POST", LOGIN_PATH)) == 1
    assert sleeps == []


async def test_concurrent_calls_share_a_failed_login(
    client: IzypowerClient, mock_cloud: aioresponses
) -> None:
    """Waiters do not redo a login that just failed on the network."""
    mock_cloud.post(
        url(LOGIN_PATH),
        callback=_answer_after_yield(None, status=503),
        repeat=True,
    )

    results = await asyncio.gather(
        *(client.get_wifi(METER) for _ in range(5)), return_exceptions=True
    )

    assert all(isinstance(result, IzypowerConnectionError) for result in results)
    assert len(calls(mock_cloud, "POST", LOGIN_PATH)) == 3


async def test_login_after_a_cancelled_login(
    client: IzypowerClient, mock_cloud: aioresponses
) -> None:
    """A waiter logs in itself when the login it waited for was cancelled."""
    login_started = asyncio.Event()

    async def first_login_hangs(*_args: object, **_kwargs: object) -> CallbackResult:
        if not login_started.is_set():
            login_started.set()
            await asyncio.Event().wait()
        return CallbackResult(payload=load("login_ok.json"))

    mock_cloud.post(url(LOGIN_PATH), callback=first_login_hangs, repeat=True)
    _add_wifi(mock_cloud)
    first = asyncio.create_task(client.get_wifi(METER))
    await login_started.wait()
    second = asyncio.create_task(client.get_wifi(METER))
    await asyncio.sleep(0)
    first.cancel()

    wifi = await second

    assert wifi.rssi == -71
    assert len(calls(mock_cloud, "POST", LOGIN_PATH)) == 2
    with pytest.raises(asyncio.CancelledError):
        await first


async def test_401_logs_in_again_and_repeats_once(
    client: IzypowerClient, mock_cloud: aioresponses, clock: FakeClock
) -> None:
    """A refused token is replaced and the call repeated."""
    add_login(mock_cloud, repeat=True)
    await _login_long_ago(client, clock)
    mock_cloud.get(url(WIFI_PATH), status=401)
    _add_wifi(mock_cloud)

    wifi = await client.get_wifi(METER)

    assert wifi.rssi == -71
    assert len(calls(mock_cloud, "POST", LOGIN_PATH)) == 2
    assert client.request_count == 4


async def test_401_twice_with_working_login_is_a_response_error(
    client: IzypowerClient,
    mock_cloud: aioresponses,
    sleeps: RecordedSleeps,
    clock: FakeClock,
) -> None:
    """Credentials are fine (the login worked): the resource itself is refused."""
    add_login(mock_cloud, repeat=True)
    await _login_long_ago(client, clock)
    mock_cloud.get(url(WIFI_PATH), status=401, repeat=True)

    with pytest.raises(IzypowerResponseError, match="401"):
        await client.get_wifi(METER)

    assert len(calls(mock_cloud, "POST", LOGIN_PATH)) == 2
    assert len(calls(mock_cloud, "GET", WIFI_PATH)) == 2
    assert sleeps == []


async def test_401_then_refused_login_is_an_auth_error(
    client: IzypowerClient, mock_cloud: aioresponses, clock: FakeClock
) -> None:
    """When the re-login is refused the password changed: authentication error."""
    add_login(mock_cloud)
    add_login(mock_cloud, "login_bad_credentials.json")
    await _login_long_ago(client, clock)
    mock_cloud.get(url(WIFI_PATH), status=401, repeat=True)

    with pytest.raises(IzypowerAuthenticationError):
        await client.get_wifi(METER)

    assert len(calls(mock_cloud, "POST", LOGIN_PATH)) == 2
    assert len(calls(mock_cloud, "GET", WIFI_PATH)) == 1


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, load("login_bad_credentials.json")),
        (401, load("login_bad_credentials.json")),
        (403, {"error": "forbidden"}),
        (400, None),
        (400, load("login_bad_credentials.json")),
        (200, {"code": 0, "data": {}}),
        (200, _login_body("")),
        (200, _login_body("   ")),
        (200, _login_body(12345)),
        (200, {"code": 0, "data": "token"}),
        (200, []),
    ],
)
async def test_bad_credentials_fail_at_once(
    client: IzypowerClient,
    mock_cloud: aioresponses,
    sleeps: RecordedSleeps,
    status: int,
    body: object,
) -> None:
    """Any answer without a token is a refusal: one request, no retry."""
    mock_cloud.post(url(LOGIN_PATH), status=status, payload=body, repeat=True)

    with pytest.raises(IzypowerAuthenticationError):
        await client.login()

    assert len(calls(mock_cloud, "POST", LOGIN_PATH)) == 1
    assert client.request_count == 1
    assert sleeps == []


@pytest.mark.parametrize("status", [404, 405, 409, 418])
async def test_login_on_a_wrong_url_is_not_a_refusal(
    client: IzypowerClient,
    mock_cloud: aioresponses,
    sleeps: RecordedSleeps,
    status: int,
) -> None:
    """A 404 or 405 means a wrong API URL, not a wrong password: nothing is held."""
    mock_cloud.post(url(LOGIN_PATH), status=status, body="<html>Not found</html>")
    add_login(mock_cloud)
    _add_wifi(mock_cloud)

    with pytest.raises(IzypowerResponseError, match=f"HTTP {status}") as caught:
        await client.get_wifi(METER)
    assert not isinstance(caught.value, IzypowerAuthenticationError)
    assert caught.value.status == status
    assert sleeps == []

    # Not remembered: the next call logs in again and succeeds.
    wifi = await client.get_wifi(METER)

    assert wifi.ssid == "Livebox-7F3A"
    assert len(calls(mock_cloud, "POST", LOGIN_PATH)) == 2


async def test_login_on_a_wrong_url_is_shared_by_waiting_calls(
    client: IzypowerClient, mock_cloud: aioresponses
) -> None:
    """Calls that waited for a failed login get the same kind of error, not a refusal."""
    mock_cloud.post(
        url(LOGIN_PATH), callback=_answer_after_yield(None, status=404), repeat=True
    )

    results = await asyncio.gather(
        *(client.get_wifi(METER) for _ in range(3)), return_exceptions=True
    )

    assert [type(result) for result in results] == [IzypowerResponseError] * 3
    assert len(calls(mock_cloud, "POST", LOGIN_PATH)) == 1


async def test_rate_limited_login_is_retried_and_not_a_refusal(
    client: IzypowerClient,
    mock_cloud: aioresponses,
    sleeps: RecordedSleeps,
    clock: FakeClock,
) -> None:
    """A 429 on login is transient: retried with backoff, never held against the user."""
    mock_cloud.post(url(LOGIN_PATH), status=429, repeat=3)
    add_login(mock_cloud)
    _add_wifi(mock_cloud)

    with pytest.raises(IzypowerConnectionError, match="HTTP 429"):
        await client.get_wifi(METER)
    assert len(sleeps) == 2

    clock.now += LOGIN_BACKOFF_BASE
    wifi = await client.get_wifi(METER)

    assert wifi.ssid == "Livebox-7F3A"
    assert len(calls(mock_cloud, "POST", LOGIN_PATH)) == 4


async def test_refused_login_is_sticky_until_login(
    client: IzypowerClient, mock_cloud: aioresponses, sleeps: RecordedSleeps
) -> None:
    """After a refusal no call sends the password again until `login()` is called."""
    add_login(mock_cloud, "login_bad_credentials.json")
    add_login(mock_cloud)
    _add_wifi(mock_cloud)

    with pytest.raises(IzypowerAuthenticationError):
        await client.get_wifi(METER)
    for _ in range(5):
        with pytest.raises(IzypowerAuthenticationError):
            await client.get_wifi(METER)

    assert len(calls(mock_cloud, "POST", LOGIN_PATH)) == 1
    assert client.request_count == 1
    assert sleeps == []

    # The user fixed the password: an explicit login clears the refusal.
    await client.login()
    wifi = await client.get_wifi(METER)

    assert wifi.ssid == "Livebox-7F3A"
    assert len(calls(mock_cloud, "POST", LOGIN_PATH)) == 2
    assert client.request_count == 3


async def test_explicit_login_refused_again_stays_sticky(
    client: IzypowerClient, mock_cloud: aioresponses
) -> None:
    """`login()` itself tries once; refused again, the refusal holds as before."""
    add_login(mock_cloud, "login_bad_credentials.json", repeat=True)

    with pytest.raises(IzypowerAuthenticationError):
        await client.login()
    with pytest.raises(IzypowerAuthenticationError):
        await client.login()
    with pytest.raises(IzypowerAuthenticationError):
        await client.get_wifi(METER)

    assert len(calls(mock_cloud, "POST", LOGIN_PATH)) == 2


async def test_refusal_after_401_is_sticky(
    client: IzypowerClient, mock_cloud: aioresponses, clock: FakeClock
) -> None:
    """A password changed while a token was held is not tried again either."""
    add_login(mock_cloud)
    add_login(mock_cloud, "login_bad_credentials.json", repeat=True)
    await _login_long_ago(client, clock)
    mock_cloud.get(url(WIFI_PATH), status=401, repeat=True)

    for _ in range(3):
        with pytest.raises(IzypowerAuthenticationError):
            await client.get_wifi(METER)

    assert len(calls(mock_cloud, "POST", LOGIN_PATH)) == 2
    assert len(calls(mock_cloud, "GET", WIFI_PATH)) == 1


async def test_login_transport_failure_is_not_sticky(
    client: IzypowerClient,
    mock_cloud: aioresponses,
    sleeps: RecordedSleeps,
    clock: FakeClock,
) -> None:
    """A login that never reached the cloud is tried again after the backoff."""
    mock_cloud.post(url(LOGIN_PATH), exception=TimeoutError(), repeat=3)
    add_login(mock_cloud)
    _add_wifi(mock_cloud)

    with pytest.raises(IzypowerConnectionError):
        await client.get_wifi(METER)
    clock.now += LOGIN_BACKOFF_BASE
    wifi = await client.get_wifi(METER)

    assert wifi.ssid == "Livebox-7F3A"
    assert len(calls(mock_cloud, "POST", LOGIN_PATH)) == 4
    assert len(sleeps) == 2


async def test_login_transport_failure_is_retried(
    client: IzypowerClient, mock_cloud: aioresponses, sleeps: RecordedSleeps
) -> None:
    """A login lost to a timeout or a 5xx is a connection problem, retried."""
    mock_cloud.post(url(LOGIN_PATH), exception=TimeoutError())
    mock_cloud.post(url(LOGIN_PATH), status=502, body="<html>Bad gateway</html>")
    add_login(mock_cloud)

    await client.login()

    assert len(calls(mock_cloud, "POST", LOGIN_PATH)) == 3
    assert len(sleeps) == 2


async def test_login_transport_failure_exhausted(
    client: IzypowerClient, mock_cloud: aioresponses
) -> None:
    """After the retries a failing login is a connection error, not an auth one."""
    mock_cloud.post(url(LOGIN_PATH), exception=TimeoutError(), repeat=True)

    with pytest.raises(IzypowerConnectionError):
        await client.login()

    assert len(calls(mock_cloud, "POST", LOGIN_PATH)) == 3


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        (token_of("login_ok.json"), 4070908800.0),
        (token_of("login_expired_token.json"), EXPIRED_EXP),
        (_jwt({"exp": 1.5e9}), 1.5e9),
        ("no-dots", None),
        ("a.!!!!.c", None),
        ("a.\u00e9.c", None),
        (_jwt(["exp", 1]), None),
        (_jwt({"exp": True}), None),
        (_jwt({"exp": "1700000000"}), None),
        (_jwt({"exp": 10**400}), None),
        ("h." + base64.urlsafe_b64encode(b'{"exp": Infinity}').decode() + ".s", None),
        pytest.param(
            "h." + base64.urlsafe_b64encode(b"[" * 100_000).decode() + ".s",
            None,
            id="deeply-nested-claims",
        ),
    ],
)
def test_token_expiry(token: str, expected: float | None) -> None:
    """Only a numeric, finite `exp` claim counts."""
    assert token_expiry(token) == expected


@pytest.mark.parametrize(
    ("token", "now", "expected"),
    [
        # The full margin when the token lives long enough.
        (_jwt({"exp": 2000.0}), 1000.0, 2000.0 - RENEW_MARGIN),
        (_jwt({"exp": 1120.0}), 1000.0, 1060.0),
        # Half the remaining life below twice the margin.
        (_jwt({"exp": 1030.0}), 1000.0, 1015.0),
        (_jwt({"exp": 1000.5}), 1000.0, 1000.25),
        # Unreadable, or past by our clock: the fallback life.
        ("opaque", 1000.0, 1000.0 + FALLBACK_LIFETIME - RENEW_MARGIN),
        (_jwt({"exp": 1000.0}), 1000.0, 1000.0 + FALLBACK_LIFETIME - RENEW_MARGIN),
        (_jwt({"exp": 10.0}), 1000.0, 1000.0 + FALLBACK_LIFETIME - RENEW_MARGIN),
    ],
)
def test_renewal_deadline(token: str, now: float, expected: float) -> None:
    """The deadline is always ahead of now, with at most RENEW_MARGIN to spare."""
    assert renewal_deadline(token, now) == expected
