"""Asynchronous client of the Izypower Cloud HTTP API.

Every call goes through :meth:`IzypowerClient._request`, which owns what all endpoints
share: URL building, headers, the access token (renewed before expiry and after a 401),
timeouts, retries with backoff, JSON decoding, the envelope differences between
endpoints and the mapping of failures onto the library's exceptions. Endpoint methods
only name their path and hand the payload to a model.

A login is refused when the cloud answers it with HTTP 400, 401 or 403, or with a 2xx
that carries no token (its error envelope). A refused login is remembered: from then on
every call that needs a token raises :class:`IzypowerAuthenticationError` without
sending anything, until :meth:`IzypowerClient.login` is called explicitly, because
repeated failed logins can lock the account. Any other failed login is not remembered
and the next call tries again: a rate limit (429) or an unreachable cloud is a
:class:`IzypowerConnectionError`, a wrong API URL (404, 405, other 4xx) an
:class:`IzypowerResponseError`, neither of which says anything about the password.
"""

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date
from http import HTTPStatus
import json
import logging
import math
import random
import re
import time
from typing import override
from urllib.parse import quote, urlsplit

import aiohttp

from ._token import renewal_deadline
from .exceptions import (
    IzypowerAuthenticationError,
    IzypowerConnectionError,
    IzypowerError,
    IzypowerResponseError,
)
from .models import (
    BatteryPage,
    BatterySettings,
    CtPower,
    Device,
    EnergyReport,
    MeterControl,
    Period,
    PvString,
    Station,
    StationInfo,
    WifiInfo,
    parse_all,
    parse_int,
    parse_latest_temperature,
    parse_number,
    parse_upgrade_flags,
)

_LOGGER = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://application.izypowercloud.fr/photo_voltaic"

# Transient failures are retried this many times in total, waiting BACKOFF_BASE,
# then twice as long, ..., each plus up to BACKOFF_JITTER so that several clients hit
# by the same outage do not come back in lockstep.
MAX_ATTEMPTS = 3
BACKOFF_BASE = 1.0
BACKOFF_JITTER = 0.5

# Page size of the paged lists, and a cap so that a server which keeps answering
# (for example one ignoring `page`) can never keep us looping.
PAGE_SIZE = 100
MAX_PAGES = 50

_LOGIN_PATH = "/api/login"
# Login answers that mean "wrong credentials". Other 4xx (404, 405...) come from a
# wrong API URL or a gateway and must not trigger a reauthentication.
_REFUSAL_STATUSES = frozenset(
    {HTTPStatus.BAD_REQUEST, HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN}
)
_SAFE_CODE_RE = re.compile(r"-?[A-Za-z0-9_]{1,12}")
# Envelope codes of a successful write: the 0 every success envelope carries so far,
# and the HTTP-like 200 that backends of this family also use.
_SUCCESS_CODES = frozenset({"0", "200"})

# `timeType` and `searchTime` format of the energy report for each period.
_REPORT_TIME = {
    Period.DAY: ("day", "%Y-%m-%d"),
    Period.MONTH: ("month", "%Y-%m"),
    Period.YEAR: ("year", "%Y"),
    Period.TOTAL: ("all", "%Y-%m-%d"),
}


@dataclass(frozen=True, slots=True)
class _Envelope:
    """Where an endpoint's payload sits in the response body (docs/api.md §4).

    The payload is the body itself when one of ``top_level_keys`` is present, else the
    body's ``data`` member when ``in_data`` allows it. Success is decided from the
    presence of that payload, never from ``code``, whose meaning is unknown.
    """

    in_data: bool
    top_level_keys: tuple[str, ...] = ()


_IN_DATA = _Envelope(in_data=True)
_STATION_INFO = _Envelope(
    in_data=False,
    top_level_keys=("power", "grid_power", "consumption", "extraData", "lastUpdate"),
)
_REPORT = _Envelope(
    in_data=False,
    top_level_keys=(
        "energy",
        "total_consumption",
        "cover_rate",
        "storage_in_rate",
        "energy_self_rate",
        "meter_energy_n_rate",
        "storage_out_rate",
        "consumption_rate",
        "meter_energy_p_rate",
    ),
)
_COMPONENT = _Envelope(in_data=False, top_level_keys=("pvData",))
# Clients disagree on Wi-Fi: the original reads the top level, the Jeedom port falls
# back to `data`. Accept both.
_WIFI = _Envelope(in_data=True, top_level_keys=("rssi", "wifi", "ip"))


@dataclass(frozen=True, slots=True)
class _Call:
    """One API call as sent on the wire; retries and the 401 repeat send it again."""

    method: str
    path: str
    # The path template with the method: what logs and messages may quote (paths hold
    # serial numbers).
    endpoint: str
    params: Mapping[str, str | int] | None
    body: Mapping[str, object] | None


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


def _payload(body: object, envelope: _Envelope, endpoint: str) -> object:
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


def _is_usable_base_url(text: str) -> bool:
    if any(character.isspace() or character in "?#@" for character in text):
        return False
    try:
        parts = urlsplit(text)
        _ = parts.port  # reading the port is what validates it
    except ValueError:
        return False
    return parts.scheme.lower() in {"http", "https"} and bool(parts.hostname)


def normalize_base_url(base_url: str) -> str:
    """Return the API base URL as the client uses it; raise ``ValueError`` if unusable.

    Usable means an absolute http or https URL with a host name, optionally a port and
    a path, and nothing else: the client appends its paths to it, so a query or
    fragment would land in the middle of every request, and user info would put a
    secret into every logged URL. The characters are checked on the raw text because
    URL parsers silently drop an empty "?", "#" or "@". Surrounding blanks and trailing
    slashes are removed. The error message never quotes the URL, which may hold a
    password.
    """
    text = base_url.strip().rstrip("/")
    if not _is_usable_base_url(text):
        raise ValueError(
            "The Izypower API URL must be an http or https URL with a host name, "
            "without user info, query or fragment"
        )
    return text


class IzypowerClient:
    """Client of one Izypower Cloud account.

    The ``aiohttp.ClientSession`` is injected and never closed here. ``sleep`` and
    ``clock`` are injectable so that tests run backoff and token expiry instantly.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        username: str,
        password: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        language: str = "en",
        request_timeout: float = 20.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Create a client; nothing is sent before the first call.

        Raises ``ValueError`` when ``base_url`` is unusable (see
        :func:`normalize_base_url`), a programming or configuration error that no
        retry would fix.
        """
        self._base_url = normalize_base_url(base_url)
        self._session = session
        self._username = username
        self._password = password
        # The cloud only knows French and English; everything else gets English.
        self._language = "fr" if language.strip().lower().startswith("fr") else "en"
        # Shared by every request; never mutated (the token is added to a copy).
        self._headers: Mapping[str, str] = {
            "app-platform": "izy",
            "Accept-Language": self._language,
        }
        self._timeout = aiohttp.ClientTimeout(total=request_timeout)
        self._sleep = sleep
        self._clock = clock
        self._token: str | None = None
        self._renew_at = -math.inf
        self._token_lock = asyncio.Lock()
        # Bumped when a login attempt ends, however it ends, so that calls which
        # waited for the lock can tell that a login happened meanwhile and share
        # its outcome.
        self._login_generation = 0
        # How the last login attempt failed, None after a success. A refusal
        # (IzypowerAuthenticationError) stays in force until `login()` is called:
        # every retry of a wrong password brings the account closer to a lockout.
        self._login_failure: IzypowerError | None = None
        self.request_count = 0
        """HTTP requests actually sent, logins and retries included."""

    @override
    def __repr__(self) -> str:
        """Describe the client without credentials or token."""
        return (
            f"{type(self).__name__}(language={self._language!r}, "
            f"logged_in={self._token is not None}, requests={self.request_count})"
        )

    # ----------------------------------------------------------------- plumbing

    async def _request(
        self,
        method: str,
        template: str,
        *path_args: object,
        params: Mapping[str, str | int] | None = None,
        body: Mapping[str, object] | None = None,
        envelope: _Envelope | None = _IN_DATA,
        authenticated: bool = True,
    ) -> object:
        """Send one API call and return its payload.

        ``template`` is the path with ``{}`` placeholders for ``path_args``; messages
        of raised exceptions quote the template, not the serials. ``envelope`` says
        where the payload is; ``None`` is for writes, which need no payload: their
        decoded body is returned once it is known not to be an error envelope.
        """
        endpoint = f"{method} {template}"
        call = _Call(
            method=method,
            path=template.format(*(quote(str(arg), safe="") for arg in path_args)),
            endpoint=endpoint,
            params=params,
            body=body,
        )
        token = await self._access_token() if authenticated else None
        status, decoded = await self._send(call, token)
        if status == HTTPStatus.UNAUTHORIZED and token is not None:
            # An expired or revoked token: log in again once and repeat the call once.
            _LOGGER.debug("Token refused on %s, logging in again", endpoint)
            token = await self._access_token(rejected=token)
            status, decoded = await self._send(call, token)
        if not HTTPStatus.OK <= status < HTTPStatus.MULTIPLE_CHOICES:
            raise IzypowerResponseError(
                f"{endpoint} answered HTTP {status}", status=status
            )
        if envelope is None:
            _check_acknowledgement(decoded, endpoint)
            return decoded
        return _payload(decoded, envelope, endpoint)

    async def _send(self, call: _Call, token: str | None) -> tuple[int, object]:
        """Send with retries on transient failures; return status and decoded body.

        Retrying writes is safe: every write of this API sets an absolute value.
        """
        attempt = 1
        while True:
            try:
                return await self._send_once(call, token)
            except _TransientError as err:
                if attempt >= MAX_ATTEMPTS:
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

    async def _send_once(self, call: _Call, token: str | None) -> tuple[int, object]:
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

    async def _access_token(self, rejected: str | None = None) -> str:
        """Return a usable token, logging in when needed.

        ``rejected`` is a token the server just refused with 401. The lock makes any
        number of concurrent callers share a single login. After a refused login no
        call logs in again until :meth:`login` is called: they all raise
        :class:`IzypowerAuthenticationError` without sending anything.
        """
        generation = self._login_generation
        async with self._token_lock:
            failure = self._login_failure
            if isinstance(failure, IzypowerAuthenticationError):
                # A fresh exception per call: one instance raised from many tasks
                # would pile up their tracebacks.
                raise IzypowerAuthenticationError(str(failure))
            if self._login_generation != generation:
                # Another call logged in (or failed to reach the cloud) while this
                # one waited: share the outcome rather than hammer a failing cloud.
                if failure is not None:
                    raise type(failure)(str(failure))
                if self._token is not None:
                    return self._token
            elif (
                self._token is not None
                and self._token != rejected
                and self._clock() < self._renew_at
            ):
                return self._token
            return await self._login_locked()

    async def _login_locked(self) -> str:
        """Log in, forgetting any earlier failure; the caller holds the token lock."""
        self._login_failure = None
        self._token = None
        try:
            token = await self._fetch_token()
            self._token = token
            # A token already past its `exp` by our clock is given a short life
            # (the server just issued it); a 401 renews it sooner if needed.
            self._renew_at = renewal_deadline(token, self._clock())
        except IzypowerError as err:
            self._login_failure = err
            raise
        finally:
            self._login_generation += 1
        _LOGGER.debug("Logged in to the Izypower Cloud")
        return token

    async def _fetch_token(self) -> str:
        """Send the login request and return the token it hands out.

        Raises :class:`IzypowerAuthenticationError` only for a refusal (see the module
        docstring); other failures keep their own type.
        """
        try:
            payload = await self._request(
                "POST",
                _LOGIN_PATH,
                body={"username": self._username, "password": self._password},
                authenticated=False,
            )
        except IzypowerResponseError as err:
            # No status: a 2xx error envelope, the cloud's usual way to refuse.
            if err.status is None or err.status in _REFUSAL_STATUSES:
                raise IzypowerAuthenticationError(
                    "The Izypower Cloud refused the login"
                ) from err
            raise
        token = payload.get("token") if isinstance(payload, dict) else None
        if not isinstance(token, str) or not token.strip():
            raise IzypowerAuthenticationError(
                "The Izypower Cloud answered the login without a token"
            )
        return token

    async def _read_all_pages[T](
        self,
        template: str,
        *path_args: object,
        params: Mapping[str, str | int],
        parse: Callable[[object], T | None],
        key: Callable[[T], int],
    ) -> list[T]:
        """Read every page of a paged list and parse its records.

        Stops when the server's ``total`` (else ``pages``) is reached, or without
        counters when a page comes back short; records without an id are skipped. A
        page that is not an object with a ``records`` list raises
        :class:`IzypowerResponseError` (an empty list is a valid end): reading it as
        an empty list would make every known device look gone. So does a list whose
        first page has records but none with an id; a later such page ends the list.
        """
        endpoint = f"GET {template}"
        found: dict[int, T] = {}
        received = 0
        for page in range(1, MAX_PAGES + 1):
            payload = await self._request(
                "GET",
                template,
                *path_args,
                params={**params, "page": page, "limit": PAGE_SIZE},
            )
            if not isinstance(payload, dict) or not isinstance(
                records := payload.get("records"), list
            ):
                raise IzypowerResponseError(
                    f"The response of {endpoint} has no list of records"
                )
            if not records:
                break
            received += len(records)
            parsed = parse_all(records, parse)
            if len(parsed) < len(records):
                _LOGGER.debug(
                    "Skipped %d records without id on %s page %d",
                    len(records) - len(parsed),
                    template,
                    page,
                )
            if not parsed:
                # Whatever the counters promise, more pages of unreadable records
                # would only cost requests.
                if not found:
                    raise IzypowerResponseError(
                        f"No record in the response of {endpoint} has an id"
                    )
                _LOGGER.warning(
                    "Stopped reading %s at page %d, whose records have no id; "
                    "the list may be incomplete",
                    template,
                    page,
                )
                break
            new = [item for item in parsed if key(item) not in found]
            if not new:
                # The server ignores `page` and repeats what we already have.
                break
            for item in new:
                found.setdefault(key(item), item)
            total = parse_number(payload.get("total"))
            pages = parse_int(payload.get("pages"))
            if total is not None:
                if received >= total:
                    break
            elif pages is not None:
                if page >= pages:
                    break
            elif len(records) < PAGE_SIZE:
                break
        else:
            _LOGGER.warning(
                "Stopped reading %s after %d pages; the list may be incomplete",
                template,
                MAX_PAGES,
            )
        return list(found.values())

    # ---------------------------------------------------------------- endpoints

    async def login(self) -> None:
        """Log in now, even if a valid token is held (validates credentials).

        This is the only way out of a refused login: it forgets the refusal and sends
        the credentials again. Raises :class:`IzypowerAuthenticationError` at once
        (no retry) when they are refused again.
        """
        async with self._token_lock:
            await self._login_locked()

    async def get_stations(self) -> list[Station]:
        """Return every power station of the account (all pages)."""
        return await self._read_all_pages(
            "/api/powerStations/page",
            params={},
            parse=Station.from_json,
            key=lambda station: station.station_id,
        )

    async def get_station_info(self, station_id: int) -> StationInfo:
        """Return live powers, energy counters and type labels of a station."""
        body = await self._request(
            "GET",
            "/api/v3/powerStations/info/{}",
            station_id,
            envelope=_STATION_INFO,
        )
        return StationInfo.from_json(body)

    async def get_energy_report(
        self, station_id: int, period: Period, day: date
    ) -> EnergyReport:
        """Return the rates of the ``period`` containing ``day``."""
        time_type, search_format = _REPORT_TIME[period]
        body = await self._request(
            "GET",
            "/api/report/v2/powerStations/data/{}",
            station_id,
            params={
                "timeType": time_type,
                "dataFlag": "energy",
                "searchTime": day.strftime(search_format),
            },
            envelope=_REPORT,
        )
        return EnergyReport.from_json(body, period)

    async def get_pv_strings(self, station_id: int, day: date) -> list[PvString]:
        """Return the live power of every PV input of the station."""
        body = await self._request(
            "GET",
            "/api/component/{}",
            station_id,
            params={"searchTime": day.isoformat()},
            envelope=_COMPONENT,
        )
        return PvString.list_from_json(body)

    async def get_devices(self, station_id: int) -> list[Device]:
        """Return every device of a station (all pages)."""
        return await self._read_all_pages(
            "/api/device/page",
            params={"powerId": station_id, "deviceType": "all"},
            parse=Device.from_json,
            key=lambda device: device.device_id,
        )

    async def get_wifi(self, serial: str) -> WifiInfo:
        """Return the Wi-Fi link of a device."""
        payload = await self._request(
            "GET", "/api/v3/device/wifi/{}", serial, envelope=_WIFI
        )
        return WifiInfo.from_json(payload)

    async def get_battery(self, serial: str) -> BatteryPage:
        """Return the battery page of a Titan unit, with its Link modules."""
        return BatteryPage.from_json(
            await self._request("GET", "/izy/v2/battery/{}", serial)
        )

    async def get_temperature(self, serial: str, day: date) -> float | None:
        """Return the latest temperature (°C) of a micro-inverter on ``day``."""
        payload = await self._request(
            "GET",
            "/api/report/device/data/{}",
            serial,
            params={
                "searchTime": day.isoformat(),
                "timeType": "day",
                "dataFlag": "temp",
            },
        )
        return parse_latest_temperature(payload)

    async def get_firmware_updates(self, station_id: int) -> dict[str, bool]:
        """Return serial -> firmware update available, for the station's devices."""
        return parse_upgrade_flags(
            await self._request("GET", "/api/v3/device/upgrade/{}", station_id)
        )

    async def get_meter_control(self, device_id: int) -> MeterControl:
        """Return the export limitation of a smart meter (keyed by device id)."""
        return MeterControl.from_json(
            await self._request("GET", "/api/v2/device/baseInfo/{}", device_id)
        )

    async def set_meter_control(
        self, serial: str, *, enabled: bool, limit: float
    ) -> None:
        """Set the export limitation of a smart meter; ``limit`` in positive watts.

        The cloud wants both fields at once and the threshold negated.
        """
        if not math.isfinite(limit) or limit < 0:
            raise IzypowerError("The injection limit must be a positive number of W")
        await self._request(
            "POST",
            "/api/v2/device/meter/control/{}",
            serial,
            body={"isControl": enabled, "feedThreshold": -round(limit)},
            envelope=None,
        )

    async def set_battery_leds(self, serial: str, on: bool) -> None:
        """Switch the LEDs of a Titan unit on or off."""
        await self._request(
            "POST",
            "/api/v2/device/yz/battery/led/{}",
            serial,
            body={"value": 1 if on else 0},
            envelope=None,
        )

    async def get_battery_settings(self, serial: str) -> BatterySettings:
        """Return the settings of a Titan unit (discharge floor, control mode)."""
        return BatterySettings.from_json(
            await self._request("GET", "/api/v2/device/cmd/{}", serial)
        )

    async def set_battery_min_soc(self, serial: str, value: int) -> None:
        """Set the discharge floor (%) of a Titan unit."""
        await self._request(
            "POST",
            "/api/v2/device/yz/battery/min_soc/{}",
            serial,
            body={"value": int(value)},
            envelope=None,
        )

    async def get_ct_powers(self, station_id: int, day: date) -> list[CtPower]:
        """Return the latest current-clamp powers of the station's meters on ``day``."""
        payload = await self._request(
            "GET",
            "/api/report/layoutPower/{}",
            station_id,
            params={"searchTime": day.isoformat(), "isV2": "true"},
        )
        return CtPower.list_from_json(payload)
