"""Bounded cost of a failing cloud: timeout, login backoff, fresh tokens, round limits."""

import asyncio

import aiohttp
from aioresponses import CallbackResult, aioresponses
import pytest

from custom_components.izypower_cloud.api import (
    CallRound,
    IzypowerAuthenticationError,
    IzypowerClient,
    IzypowerConnectionError,
    IzypowerLoginPausedError,
    IzypowerLoginUnavailableError,
    IzypowerResponseError,
    IzypowerTokenRefusedError,
)
from custom_components.izypower_cloud.api.auth import (
    FRESH_TOKEN_WINDOW,
    LOGIN_BACKOFF_BASE,
    LOGIN_BACKOFF_MAX,
)
from custom_components.izypower_cloud.api.wire import MAX_ATTEMPTS

from .conftest import (
    LOGIN_PATH,
    PASSWORD,
    USERNAME,
    FakeClock,
    add_login,
    calls,
    load,
    url,
)

METER = "IZM24M000301"
WIFI_PATH = f"/api/v3/device/wifi/{METER}"
HTML = "<html><body>502 Bad Gateway</body></html>"


def _logins(mock: aioresponses) -> int:
    return len(calls(mock, "POST", LOGIN_PATH))


def _wifi_requests(mock: aioresponses) -> int:
    return len(calls(mock, "GET", WIFI_PATH))


async def _refresh(client: IzypowerClient, calls_per_refresh: int = 8) -> list[object]:
    """Make the calls of one refresh one after the other; return their outcomes."""
    outcomes: list[object] = []
    for _ in range(calls_per_refresh):
        try:
            outcomes.append(await client.get_wifi(METER))
        except IzypowerConnectionError, IzypowerResponseError:
            outcomes.append(None)
    return outcomes


# ---------------------------------------------------------------- a) timeout


async def test_default_request_timeout_is_well_below_20_s(
    client: IzypowerClient, mock_cloud: aioresponses
) -> None:
    """Every request carries the 10 s total timeout unless told otherwise."""
    add_login(mock_cloud)
    mock_cloud.get(url(WIFI_PATH), payload=load(f"device_wifi_{METER}.json"))

    await client.get_wifi(METER)

    timeouts = {
        request.kwargs["timeout"].total
        for requests in mock_cloud.requests.values()
        for request in requests
    }
    assert timeouts == {10.0}


async def test_request_timeout_parameter(
    session: aiohttp.ClientSession, mock_cloud: aioresponses
) -> None:
    """The constructor's request_timeout still sets it."""
    client = IzypowerClient(session, USERNAME, PASSWORD, request_timeout=3.5)
    add_login(mock_cloud)

    await client.login()

    (request,) = calls(mock_cloud, "POST", LOGIN_PATH)
    assert request.kwargs["timeout"].total == 3.5


# ---------------------------------------------------------- b) login backoff


async def test_login_down_costs_one_login_per_refresh(
    client: IzypowerClient, mock_cloud: aioresponses
) -> None:
    """Every call of a refresh shares the failed login, then fails without sending."""
    mock_cloud.post(url(LOGIN_PATH), status=503, body=HTML, repeat=True)

    outcomes = await _refresh(client)

    assert outcomes == [None] * 8
    assert _logins(mock_cloud) == MAX_ATTEMPTS
    assert client.request_count == MAX_ATTEMPTS


async def test_failing_call_during_login_backoff_names_the_backoff(
    client: IzypowerClient, mock_cloud: aioresponses
) -> None:
    """The fast failure is a connection error with its own message, no request."""
    mock_cloud.post(url(LOGIN_PATH), exception=TimeoutError(), repeat=True)
    with pytest.raises(IzypowerConnectionError, match="TimeoutError"):
        await client.get_wifi(METER)

    with pytest.raises(IzypowerConnectionError, match="paused for 30 s") as caught:
        await client.get_wifi(METER)

    assert not isinstance(caught.value, IzypowerAuthenticationError)
    assert client.request_count == MAX_ATTEMPTS


async def test_login_backoff_doubles_up_to_its_cap(
    client: IzypowerClient, mock_cloud: aioresponses, clock: FakeClock
) -> None:
    """Consecutive refreshes send no login until the backoff, which keeps growing."""
    mock_cloud.post(url(LOGIN_PATH), status=502, body=HTML, repeat=True)
    await _refresh(client)
    expected = [60.0, 120.0, 240.0, 480.0, 900.0, 900.0]
    delay = LOGIN_BACKOFF_BASE

    for next_delay in expected:
        clock.now += delay - 1
        sent = client.request_count
        await _refresh(client)
        assert client.request_count == sent  # still backing off: nothing sent
        clock.now += 1
        await _refresh(client)
        assert client.request_count == sent + MAX_ATTEMPTS  # one login, no more
        delay = next_delay

    assert delay == LOGIN_BACKOFF_MAX


async def test_successful_login_resets_the_backoff(
    client: IzypowerClient, mock_cloud: aioresponses, clock: FakeClock
) -> None:
    """After a login worked, the next failure waits the base delay again."""
    mock_cloud.post(url(LOGIN_PATH), status=503, repeat=MAX_ATTEMPTS)
    add_login(mock_cloud, "login_expired_token.json")
    mock_cloud.post(url(LOGIN_PATH), status=503, repeat=True)
    mock_cloud.get(
        url(WIFI_PATH), payload=load(f"device_wifi_{METER}.json"), repeat=True
    )
    await _refresh(client, 1)
    clock.now += LOGIN_BACKOFF_BASE
    assert await _refresh(client, 1) != [None]  # logged in
    clock.now += 3600  # the token must be renewed: that login fails
    await _refresh(client, 1)
    logins = _logins(mock_cloud)

    clock.now += LOGIN_BACKOFF_BASE - 1
    await _refresh(client, 1)
    assert _logins(mock_cloud) == logins
    clock.now += 1
    await _refresh(client, 1)
    assert _logins(mock_cloud) == logins + MAX_ATTEMPTS


async def test_explicit_login_ignores_the_backoff(
    client: IzypowerClient, mock_cloud: aioresponses
) -> None:
    """A user waiting on `login()` (setup, reauth) gets a real attempt."""
    mock_cloud.post(url(LOGIN_PATH), status=503, repeat=MAX_ATTEMPTS)
    add_login(mock_cloud)
    mock_cloud.get(url(WIFI_PATH), payload=load(f"device_wifi_{METER}.json"))
    await _refresh(client, 1)

    await client.login()
    wifi = await client.get_wifi(METER)

    assert wifi.rssi == -71
    assert _logins(mock_cloud) == MAX_ATTEMPTS + 1


async def test_wrong_url_login_is_not_backed_off(
    client: IzypowerClient, mock_cloud: aioresponses
) -> None:
    """A 404 login is a configuration problem: the next call tries again at once."""
    mock_cloud.post(url(LOGIN_PATH), status=404, repeat=True)

    await _refresh(client, 3)

    assert _logins(mock_cloud) == 3


async def test_a_failing_login_is_one_cause_for_every_call(
    client: IzypowerClient, mock_cloud: aioresponses
) -> None:
    """The call that logged in, those that waited and those after share one type.

    So a caller making many calls can log the cause once (fetch.py), while each
    error is still the connection error a single call would see.
    """

    async def down(*_args: object, **_kwargs: object) -> CallbackResult:
        await asyncio.sleep(0)
        return CallbackResult(status=503, body=HTML)

    mock_cloud.post(url(LOGIN_PATH), callback=down, repeat=True)

    together = await asyncio.gather(
        *(client.get_wifi(METER) for _ in range(3)), return_exceptions=True
    )
    with pytest.raises(IzypowerLoginPausedError, match="paused for 30 s") as later:
        await client.get_wifi(METER)

    for error in [*together, later.value]:
        assert type(error) is IzypowerLoginPausedError
        assert isinstance(error, IzypowerConnectionError)
        assert isinstance(error, IzypowerLoginUnavailableError)
    assert [str(error) for error in together] == [
        f"POST {LOGIN_PATH} failed {MAX_ATTEMPTS} times, last: HTTP 503"
    ] * 3
    assert _logins(mock_cloud) == MAX_ATTEMPTS


# ------------------------------------------------------------ c) fresh tokens


async def test_fresh_token_refused_is_one_cause_for_every_call(
    client: IzypowerClient, mock_cloud: aioresponses
) -> None:
    """The refused call is a 401 response error, marked as the login's cause."""
    add_login(mock_cloud, repeat=True)
    mock_cloud.get(url(WIFI_PATH), status=401, repeat=True)

    with pytest.raises(IzypowerTokenRefusedError, match="HTTP 401") as refused:
        await client.get_wifi(METER)
    with pytest.raises(IzypowerLoginPausedError, match="paused"):
        await client.get_wifi(METER)

    assert isinstance(refused.value, IzypowerResponseError)
    assert isinstance(refused.value, IzypowerLoginUnavailableError)
    assert refused.value.status == 401
    assert _wifi_requests(mock_cloud) == 1


async def test_fresh_token_refused_is_not_followed_by_a_login(
    client: IzypowerClient, mock_cloud: aioresponses
) -> None:
    """Logins work but every token is refused: one login per refresh, not 2 per call."""
    add_login(mock_cloud, repeat=True)
    mock_cloud.get(url(WIFI_PATH), status=401, repeat=True)

    outcomes = await _refresh(client)

    assert outcomes == [None] * 8
    assert _logins(mock_cloud) == 1
    assert _wifi_requests(mock_cloud) == 1


async def test_fresh_token_refusal_backs_off_logins(
    client: IzypowerClient, mock_cloud: aioresponses, clock: FakeClock
) -> None:
    """The next refresh after the backoff logs in once; then the backoff doubles."""
    add_login(mock_cloud, repeat=True)
    mock_cloud.get(url(WIFI_PATH), status=401, repeat=True)
    await _refresh(client)

    clock.now += LOGIN_BACKOFF_BASE
    await _refresh(client)
    assert _logins(mock_cloud) == 2
    clock.now += LOGIN_BACKOFF_BASE
    await _refresh(client)
    assert _logins(mock_cloud) == 2
    clock.now += LOGIN_BACKOFF_BASE
    await _refresh(client)
    assert _logins(mock_cloud) == 3


async def test_concurrent_refusals_of_a_fresh_token_share_one_backoff(
    client: IzypowerClient, mock_cloud: aioresponses, clock: FakeClock
) -> None:
    """Calls refused together count as one failure, not one doubling each."""
    add_login(mock_cloud, repeat=True)

    async def refuse(*_args: object, **_kwargs: object) -> CallbackResult:
        await asyncio.sleep(0)
        return CallbackResult(status=401)

    mock_cloud.get(url(WIFI_PATH), callback=refuse, repeat=True)
    await asyncio.gather(
        *(client.get_wifi(METER) for _ in range(4)), return_exceptions=True
    )
    assert _logins(mock_cloud) == 1

    clock.now += LOGIN_BACKOFF_BASE
    await _refresh(client, 1)

    assert _logins(mock_cloud) == 2


async def test_old_token_refused_still_logs_in_again(
    client: IzypowerClient, mock_cloud: aioresponses, clock: FakeClock
) -> None:
    """Past the window a 401 means an expired or revoked token: one new login."""
    add_login(mock_cloud, repeat=True)
    await client.login()
    clock.now += FRESH_TOKEN_WINDOW
    mock_cloud.get(url(WIFI_PATH), status=401)
    mock_cloud.get(url(WIFI_PATH), payload=load(f"device_wifi_{METER}.json"))

    wifi = await client.get_wifi(METER)

    assert wifi.rssi == -71
    assert _logins(mock_cloud) == 2


async def test_refused_password_after_a_401_raises_after_one_login(
    client: IzypowerClient, mock_cloud: aioresponses, clock: FakeClock
) -> None:
    """A changed password still starts reauthentication, after a single login."""
    add_login(mock_cloud)
    mock_cloud.post(url(LOGIN_PATH), status=401, repeat=True)
    mock_cloud.get(url(WIFI_PATH), status=401, repeat=True)
    await client.login()
    clock.now += FRESH_TOKEN_WINDOW

    with pytest.raises(IzypowerAuthenticationError):
        await client.get_wifi(METER)

    assert _logins(mock_cloud) == 2


async def test_a_token_serving_other_calls_refused_again_is_the_resource(
    client: IzypowerClient, mock_cloud: aioresponses, clock: FakeClock
) -> None:
    """The repeat refused with a new token another call got through: not the login.

    A plain 401 response error, so one endpoint refusing the account is logged as
    that call's failure, not as every call's missing token.
    """
    add_login(mock_cloud, "login_expired_token.json")
    add_login(mock_cloud)
    await client.login()
    clock.now += FRESH_TOKEN_WINDOW
    repeat_sent, release = asyncio.Event(), asyncio.Event()
    answers = iter(
        [
            (None, CallbackResult(status=401)),
            (release, CallbackResult(status=401)),
            (None, CallbackResult(payload=load(f"device_wifi_{METER}.json"))),
        ]
    )

    async def wifi(*_args: object, **_kwargs: object) -> CallbackResult:
        event, answer = next(answers)
        if event is not None:
            repeat_sent.set()
            await event.wait()
        return answer

    mock_cloud.get(url(WIFI_PATH), callback=wifi, repeat=True)
    refused = asyncio.create_task(client.get_wifi(METER))
    await repeat_sent.wait()
    await client.get_wifi(METER)  # the new token accepted meanwhile
    release.set()

    with pytest.raises(IzypowerResponseError, match="401") as caught:
        await refused
    assert not isinstance(caught.value, IzypowerLoginUnavailableError)
    assert _logins(mock_cloud) == 2


# ------------------------------------------------------ d) budget and circuit


async def test_retry_budget_is_shared_by_the_calls_of_a_round(
    client: IzypowerClient, mock_cloud: aioresponses
) -> None:
    """Once the round's retries are spent, transient failures are not retried."""
    add_login(mock_cloud)
    mock_cloud.get(url(WIFI_PATH), status=502, body=HTML, repeat=True)

    with client.refresh_round(retries=2) as limits:
        outcomes = await _refresh(client, 4)

    assert outcomes == [None] * 4
    assert _wifi_requests(mock_cloud) == 3 + 1 + 1 + 1
    assert limits.retries_left == 0


async def test_retry_budget_ends_with_the_round(
    client: IzypowerClient, mock_cloud: aioresponses
) -> None:
    """Outside a round each call has its own MAX_ATTEMPTS again."""
    add_login(mock_cloud)
    mock_cloud.get(url(WIFI_PATH), status=502, body=HTML, repeat=True)
    with client.refresh_round(retries=0):
        await _refresh(client, 1)
    assert _wifi_requests(mock_cloud) == 1

    await _refresh(client, 1)

    assert _wifi_requests(mock_cloud) == 1 + MAX_ATTEMPTS


async def test_retry_budget_covers_the_login(
    client: IzypowerClient, mock_cloud: aioresponses
) -> None:
    """Login retries take from the same budget as the other calls."""
    mock_cloud.post(url(LOGIN_PATH), status=503, repeat=True)

    with client.refresh_round(retries=1):
        await _refresh(client)

    assert _logins(mock_cloud) == 2


async def test_open_circuit_fails_every_later_call_of_the_round(
    client: IzypowerClient, mock_cloud: aioresponses
) -> None:
    """After open_circuit() nothing is sent until the round ends."""
    add_login(mock_cloud, repeat=True)
    mock_cloud.get(
        url(WIFI_PATH), payload=load(f"device_wifi_{METER}.json"), repeat=True
    )

    with client.refresh_round(retries=3) as limits:
        await client.get_wifi(METER)
        limits.open_circuit()
        with pytest.raises(IzypowerConnectionError, match="not sent"):
            await client.get_wifi(METER)
        assert client.request_count == 2
        await client.login()  # a user waiting: explicit logins are not cut
        assert client.request_count == 3
        with pytest.raises(IzypowerConnectionError, match="not sent"):
            await client.get_wifi(METER)

    wifi = await client.get_wifi(METER)
    assert wifi.rssi == -71
    assert client.request_count == 4


def test_call_round_counts_retries() -> None:
    """A negative budget is no budget; each retry takes one unit."""
    assert CallRound(-5).take_retry() is False
    limits = CallRound(1)
    assert limits.circuit_open is False
    assert limits.take_retry() is True
    assert limits.take_retry() is False


async def test_fresh_token_that_served_calls_is_renewed_when_refused(
    client: IzypowerClient, mock_cloud: aioresponses
) -> None:
    """A token that worked and is refused was revoked (say, a new password): log in."""
    add_login(mock_cloud, repeat=True)
    wifi_body = load(f"device_wifi_{METER}.json")
    mock_cloud.get(url(WIFI_PATH), payload=wifi_body)
    mock_cloud.get(url(WIFI_PATH), status=401)
    mock_cloud.get(url(WIFI_PATH), payload=wifi_body)

    await client.get_wifi(METER)
    wifi = await client.get_wifi(METER)

    assert wifi.rssi == -71
    assert _logins(mock_cloud) == 2


async def test_an_older_token_accepted_does_not_vouch_for_a_new_one(
    client: IzypowerClient, mock_cloud: aioresponses, clock: FakeClock
) -> None:
    """A late answer to the previous token leaves the new one untested."""
    add_login(mock_cloud, "login_expired_token.json")
    add_login(mock_cloud, repeat=True)
    await client.login()
    clock.now += FRESH_TOKEN_WINDOW
    first_answer, new_token_answer = asyncio.Event(), asyncio.Event()
    new_token_sent = asyncio.Event()
    answers = iter(
        [
            (first_answer, CallbackResult(payload=load(f"device_wifi_{METER}.json"))),
            (None, CallbackResult(status=401)),
            (new_token_answer, CallbackResult(status=401)),
        ]
    )

    async def wifi(*_args: object, **_kwargs: object) -> CallbackResult:
        event, answer = next(answers)
        if event is new_token_answer:
            new_token_sent.set()
        if event is not None:
            await event.wait()
        return answer

    mock_cloud.get(url(WIFI_PATH), callback=wifi, repeat=True)
    slow = asyncio.create_task(client.get_wifi(METER))
    await asyncio.sleep(0)
    refused = asyncio.create_task(client.get_wifi(METER))
    await new_token_sent.wait()
    first_answer.set()
    await slow  # the old token accepted while the new one waits for its answer
    new_token_answer.set()

    with pytest.raises(IzypowerResponseError, match="401"):
        await refused
    # The new token, never accepted, was dropped and logins back off.
    with pytest.raises(IzypowerConnectionError, match="paused"):
        await client.get_wifi(METER)
    assert _logins(mock_cloud) == 2
