"""The wire layer of the Izypower Cloud client: one way to send a call.

:class:`Wire` owns what every request shares: the base URL, the headers, the
per-request timeout, retries with exponential backoff and jitter on transient
failures, JSON decoding and the count of requests sent. :func:`decode` then turns a
status and decoded body into the payload of an endpoint (:class:`Envelope`) or checks
the acknowledgement of a write. Nothing here knows about tokens or endpoints.

Per-request timeout: the cloud's normal answer takes well under a second, so
:data:`DEFAULT_REQUEST_TIMEOUT` (10 s) only cuts requests that hang. With
:data:`MAX_ATTEMPTS` attempts and the backoff between them, a call to a cloud that
never answers gives up after about 33 s instead of about 63 s with the former 20 s.

Bounding a group of calls (a refresh): while a :class:`CallRound` is installed in
:attr:`Wire.round`, every retry of every call takes one unit of its shared budget, and
once it is spent transient failures are raised at once (the first attempt of a call is
always sent). The client raises :class:`IzypowerConnectionError` without sending
anything for every call it starts after :meth:`CallRound.open_circuit`; the caller
opens it once the calls everything else depends on have failed.
"""

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
import json
import logging
import random
import re
import time
from urllib.parse import quote

import aiohttp

from .base_url import normalize_base_url
from .exceptions import IzypowerConnectionError, IzypowerResponseError

_LOGGER = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://application.izypowercloud.fr/photo_voltaic"

# Well above the cloud's normal answer (< 1 s) and its slowest pages (a few seconds),
# well below the 20 s that let a hanging cloud hold one refresh for minutes.
DEFAULT_REQUEST_TIMEOUT = 10.0

# Transient failures are retried this many times in total, waiting BACKOFF_BASE,
# then twice as long, ..., each plus up to BACKOFF_JITTER so that several clients hit
# by the same outage do not come back in lockstep.
MAX_ATTEMPTS = 3
# The window of `Wire.recent_requests` (seconds): what Home Assistant's system health
# page shows as "requests in the last hour".
REQUEST_WINDOW = 3600.0
BACKOFF_BASE = 1.0
BACKOFF_JITTER = 0.5

_SAFE_CODE_RE = re.compile(r"-?[A-Za-z0-9_]{1,12}")
# Envelope codes of a successful write: the 0 every success envelope carries so far,
# and the HTTP-like 200 that backends of this family also use.
_SUCCESS_CODES = frozenset({"0", "200"})


@dataclass(frozen=True, slots=True)
class Envelope:
    """Where an endpoint's payload sits in the response body (docs/api.md §4).

    The payload is the body itself when one of ``top_level_keys`` is present, else the
    body's ``data`` member when ``in_data`` allows it. Success is decided from the
    presence of that payload, never from ``code``, whose meaning is unknown.
    """

    in_data: bool
    top_level_keys: tuple[str, ...] = ()


IN_DATA = Envelope(in_data=True)


def _placeholder(path_arg: object) -> str:
    """Name a path argument in logs and messages without its value (a serial, an id)."""
    return "{id}" if isinstance(path_arg, int) else "{sn}"


def named_path(template: str, path_args: tuple[object, ...]) -> str:
    """Return the path of a call as logs, messages and the export quote it.

    Each ``{}`` of the template is named after its argument's kind (``{id}``, ``{sn}``),
    never filled with its value: the path reads as a path, without a serial or an id.
    """
    return template.format(*map(_placeholder, path_args))


@dataclass(frozen=True, slots=True)
class Call:
    """One API call as sent on the wire; retries and the 401 repeat send it again."""

    method: str
    path: str
    # The path template with the method: what logs and messages may quote (paths hold
    # serial numbers).
    endpoint: str
    params: Mapping[str, str | int] | None
    body: Mapping[str, object] | None
    # False: a transient failure is not retried (see `IzypowerClient._request`).
    retry: bool = True

    @classmethod
    def build(
        cls,
        method: str,
        template: str,
        path_args: tuple[object, ...],
        params: Mapping[str, str | int] | None = None,
        body: Mapping[str, object] | None = None,
        *,
        retry: bool = True,
    ) -> Call:
        """Fill ``template``'s ``{}`` placeholders with the URL-quoted ``path_args``."""
        return cls(
            method=method,
            path=template.format(*(quote(str(arg), safe="") for arg in path_args)),
            endpoint=f"{method} {named_path(template, path_args)}",
            params=params,
            body=body,
            retry=retry,
        )


class CallRound:
    """Limits shared by a group of calls, such as one refresh of the integration.

    ``retries_left`` is how many retries the calls may still make, all endpoints
    together: during an outage a per-call limit multiplies with the fan-out, a shared
    one does not. ``circuit_open`` is set by :meth:`open_circuit` and never cleared:
    the round ends with it.
    """

    def __init__(self, retries: int) -> None:
        """Allow ``retries`` retries in total (0: none), circuit closed."""
        self.retries_left = max(0, retries)
        self.circuit_open = False

    def take_retry(self) -> bool:
        """Use one retry if any is left; return whether one was."""
        if self.retries_left <= 0:
            return False
        self.retries_left -= 1
        return True

    def open_circuit(self) -> None:
        """Make every later call of the round fail at once, without a request."""
        self.circuit_open = True


class _TransientError(Exception):
    """A failure worth retrying; ``reason`` is safe to put in messages."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _code_text(code: object) -> str | None:
    """Return an envelope ``code`` sent as a number or a string as text, else ``None``."""
    if isinstance(code, int | str) and not isinstance(code, bool):
        return str(code)
    return None


def _code_detail(code: object) -> str:
    """Return `` (code N)`` for a code worth quoting in a message, else ``""``.

    Error envelopes look like {"code": <non-zero>, "msg": ..., "data": null}. A short
    code helps support and is quoted; `msg` and anything longer are free text that
    could echo user data, so they stay out of messages.
    """
    text = _code_text(code)
    safe = text is not None and _SAFE_CODE_RE.fullmatch(text)
    return f" (code {text})" if safe else ""


def _payload(body: object, envelope: Envelope, endpoint: str) -> object:
    """Extract the payload of ``body`` according to ``envelope``."""
    if isinstance(body, dict):
        if any(key in body for key in envelope.top_level_keys):
            return body
        if envelope.in_data and body.get("data") is not None:
            return body["data"]
        raise IzypowerResponseError(
            f"No payload in the response of {endpoint}{_code_detail(body.get('code'))}"
        )
    raise IzypowerResponseError(f"The response of {endpoint} is not a JSON object")


def _check_acknowledgement(body: object, endpoint: str) -> None:
    """Raise when the answer to a write is an error envelope.

    A write returns no payload to look for, so its ``code`` is the only sign of a
    refusal: the cloud answers HTTP 200 with ``{"code": 10004, "data": null}`` for an
    unknown serial. A missing or null ``code`` or a body of another shape is accepted,
    as nobody knows what every write answers.
    """
    if not isinstance(body, dict):
        return
    code = body.get("code")
    text = _code_text(code)
    if code is None or (text is not None and text.strip() in _SUCCESS_CODES):
        return
    raise IzypowerResponseError(f"The cloud refused {endpoint}{_code_detail(code)}")


def decode(
    status: int, body: object, endpoint: str, envelope: Envelope | None
) -> object:
    """Return the payload of an answer, or raise what its status or body means.

    ``envelope`` says where the payload is; ``None`` is for writes, which need no
    payload: their decoded body is returned once it is known not to be an error
    envelope.
    """
    if not HTTPStatus.OK <= status < HTTPStatus.MULTIPLE_CHOICES:
        raise IzypowerResponseError(f"{endpoint} answered HTTP {status}", status=status)
    if envelope is None:
        _check_acknowledgement(body, endpoint)
        return body
    return _payload(body, envelope, endpoint)


class Wire:
    """Sends calls to one base URL with retries; the session is never closed here."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        *,
        language: str,
        request_timeout: float,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Prepare the shared headers; raise ``ValueError`` for an unusable URL."""
        self._base_url = normalize_base_url(base_url)
        self._session = session
        # Shared by every request; never mutated (the token is added to a copy).
        self._headers: Mapping[str, str] = {
            "app-platform": "izy",
            "Accept-Language": language,
        }
        self._timeout = aiohttp.ClientTimeout(total=request_timeout)
        self._sleep = sleep
        self.request_count = 0
        """HTTP requests actually sent, logins and retries included."""
        self._clock = clock
        # When each request of the last `REQUEST_WINDOW` was sent (system health).
        self._sent_at: deque[float] = deque()
        self.round: CallRound | None = None
        """Limits of the calls in progress; ``None``: only MAX_ATTEMPTS bounds them."""

    def recent_requests(self) -> int:
        """Return how many requests were sent in the last `REQUEST_WINDOW` seconds.

        Older times are dropped here (also at every send), so memory stays bounded.
        """
        horizon = self._clock() - REQUEST_WINDOW
        while self._sent_at and self._sent_at[0] <= horizon:
            self._sent_at.popleft()
        return len(self._sent_at)

    def _may_retry(self, call: Call, attempt: int) -> bool:
        if not call.retry or attempt >= MAX_ATTEMPTS:
            return False
        return self.round is None or self.round.take_retry()

    async def send(self, call: Call, token: str | None) -> tuple[int, object]:
        """Send with retries on transient failures; return status and decoded body.

        Retrying writes is safe: every write of this API sets an absolute value.
        """
        attempt = 1
        while True:
            try:
                return await self._send_once(call, token)
            except _TransientError as err:
                if not self._may_retry(call, attempt):
                    raise IzypowerConnectionError(
                        f"{call.endpoint} failed {attempt} times, last: {err.reason}"
                    ) from err
                delay = BACKOFF_BASE * 2 ** (attempt - 1) + random.uniform(
                    0, BACKOFF_JITTER
                )
                _LOGGER.debug(
                    "%s failed (%s), attempt %d of %d, retrying in %.1f s",
                    call.endpoint,
                    err.reason,
                    attempt,
                    MAX_ATTEMPTS,
                    delay,
                )
                await self._sleep(delay)
                attempt += 1

    async def _send_once(self, call: Call, token: str | None) -> tuple[int, object]:
        """Send one HTTP request; raise :class:`_TransientError` when worth retrying.

        A URL the transport refuses raises :class:`IzypowerConnectionError` at once.

        Returns the status and, for 2xx answers, the decoded JSON (``None`` for an
        empty body). 5xx and 429 are transient; other statuses are left to the caller.
        """
        headers = self._headers
        if token is not None:
            headers = {**headers, "x-tts-access-token": token}
        # The path template, not the path: paths hold serial numbers, and debug logs
        # end up pasted in public issues. Bodies are never logged (the login body
        # holds the password).
        _LOGGER.debug("%s", call.endpoint)
        self.request_count += 1
        self._sent_at.append(self._clock())
        self.recent_requests()
        try:
            async with self._session.request(
                call.method,
                self._base_url + call.path,
                params=call.params,
                json=call.body,
                headers=headers,
                timeout=self._timeout,
                raise_for_status=False,
            ) as response:
                status = response.status
                raw = await response.read()
        except (aiohttp.InvalidURL, aiohttp.NonHttpUrlClientError) as err:
            # A URL aiohttp refuses to send to (a redirect to one included) stays
            # refused however often we retry. Only the class name: exception texts of
            # the transport are not ours and may quote the URL.
            raise IzypowerConnectionError(
                f"{call.endpoint} failed, the URL is not usable: {type(err).__name__}"
            ) from err
        except (TimeoutError, aiohttp.ClientError) as err:
            raise _TransientError(type(err).__name__) from err
        return _answer(status, raw)


def _answer(status: int, raw: bytes) -> tuple[int, object]:
    """Return the status and decoded JSON of an answer; raise when worth retrying.

    5xx and 429 are transient; other statuses are left to the caller, without a body
    unless 2xx (``None`` for an empty body).
    """
    if (
        status >= HTTPStatus.INTERNAL_SERVER_ERROR
        or status == HTTPStatus.TOO_MANY_REQUESTS
    ):
        raise _TransientError(f"HTTP {status}")
    if not HTTPStatus.OK <= status < HTTPStatus.MULTIPLE_CHOICES or not raw.strip():
        return status, None
    try:
        return status, json.loads(raw)
    except (ValueError, RecursionError) as err:
        # HTML error pages of proxies and truncated bodies: usually transient.
        # Nesting too deep for the decoder's stack fails with RecursionError.
        raise _TransientError("body is not JSON") from err
