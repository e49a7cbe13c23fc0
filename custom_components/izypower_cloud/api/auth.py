"""Login and access token of the Izypower Cloud client.

:class:`Authenticator` hands out the access token, logging in when none is held, when
it nears its expiry or after the server refused it (401). Any number of concurrent
callers share a single login.

A login is refused when the cloud answers it with HTTP 400, 401 or 403, or with a 2xx
that carries no token (its error envelope). A refused login is remembered: from then on
every call that needs a token raises :class:`IzypowerAuthenticationError` without
sending anything, until :meth:`Authenticator.login` is called explicitly, because
repeated failed logins can lock the account. A wrong API URL (404, 405, other 4xx)
is an :class:`IzypowerResponseError`, not remembered: the next call tries again.

A login that fails as a :class:`IzypowerConnectionError` (5xx, 429, timeout, HTML or
truncated body once its retries are spent) says nothing about the password either, but
trying again at once would only add load to a failing cloud: logins then back off,
:data:`LOGIN_BACKOFF_BASE` after the first failure, doubling up to
:data:`LOGIN_BACKOFF_MAX`, until a login succeeds. Meanwhile every call that needs a
login raises :class:`IzypowerConnectionError` at once, without a request. So does a
token refused (401) within :data:`FRESH_TOKEN_WINDOW` of its login before any call was
accepted with it: the cloud refuses tokens it has just issued, and logging in again
would only repeat that. An explicit
:meth:`Authenticator.login` ignores the backoff (a user is waiting for its answer).

Calls that fail because no token can be had raise a subclass of
:class:`IzypowerLoginUnavailableError` (:class:`IzypowerLoginPausedError` for a login
that failed or is backing off, :class:`IzypowerTokenRefusedError` for the fresh token
refused): one cause shared by every call of a round, which their caller can report
once rather than once per call.

Only the ``exp`` claim of the JWT is read and its signature is not checked: the token
is opaque to us and the server remains the judge of its validity. Knowing ``exp``
merely lets the client renew it before the server starts answering 401.
"""

import asyncio
import base64
from collections.abc import Callable
from http import HTTPStatus
import json
import logging
import math

from .exceptions import (
    IzypowerAuthenticationError,
    IzypowerConnectionError,
    IzypowerError,
    IzypowerLoginPausedError,
    IzypowerResponseError,
)
from .wire import IN_DATA, Call, Wire, decode

_LOGGER = logging.getLogger(__name__)

LOGIN_PATH = "/api/login"
# Login answers that mean "wrong credentials". Other 4xx (404, 405...) come from a
# wrong API URL or a gateway and must not trigger a reauthentication.
_REFUSAL_STATUSES = frozenset(
    {HTTPStatus.BAD_REQUEST, HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN}
)

# Renew this long before `exp`, so a token never expires in flight or through a small
# clock difference with the server; at most half of the remaining life, so that a
# short-lived token still serves several calls instead of one login per call.
RENEW_MARGIN = 60.0
# When `exp` cannot be read, or is already past by our clock (a token the server just
# issued, so our clock runs ahead of the server's), assume a short life: an early
# renewal costs one login, a late one costs a failed call and a 401 round trip.
FALLBACK_LIFETIME = 600.0

# Logins after a failed one (not a refusal) wait this long, doubled after every
# further failure up to the cap: a minute-long outage costs a login or two, a long one
# about four logins an hour.
LOGIN_BACKOFF_BASE = 30.0
LOGIN_BACKOFF_MAX = 900.0
# A token refused this soon after its login was never usable: another login would
# most probably get a token refused the same way.
FRESH_TOKEN_WINDOW = 60.0


def token_expiry(token: str) -> float | None:
    """Return the ``exp`` claim (seconds since the epoch) of a JWT, or ``None``."""
    parts = token.split(".")
    if len(parts) < 2:
        return None
    segment = parts[1]
    try:
        claims = json.loads(
            base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
        )
    # binascii.Error and UnicodeDecodeError are ValueErrors; deeply nested JSON
    # overflows the decoder's stack.
    except ValueError, RecursionError:
        return None
    if not isinstance(claims, dict):
        return None
    expiry = claims.get("exp")
    if isinstance(expiry, bool) or not isinstance(expiry, int | float):
        return None
    try:
        expiry = float(expiry)
    except OverflowError:
        return None
    return expiry if math.isfinite(expiry) else None


def renewal_deadline(token: str, now: float) -> float:
    """Return the time after which ``token``, received at ``now``, must be renewed.

    Always later than ``now``: a deadline already past would make every call log in
    again.
    """
    expiry = token_expiry(token)
    if expiry is None or expiry <= now:
        expiry = now + FALLBACK_LIFETIME
    return expiry - min(RENEW_MARGIN, (expiry - now) / 2)


def _shared(failure: IzypowerError) -> IzypowerError:
    """Return the failure of a login for a call that waited for it.

    A fresh exception per call: one instance raised from many tasks would pile up
    their tracebacks. A transient failure becomes the login's shared cause.
    """
    if isinstance(failure, IzypowerConnectionError):
        return IzypowerLoginPausedError(str(failure))
    return type(failure)(str(failure))


class Authenticator:
    """Holds the access token of one account and logs in when it is needed."""

    def __init__(
        self, wire: Wire, username: str, password: str, clock: Callable[[], float]
    ) -> None:
        """Nothing is sent before the first token is asked for."""
        self._wire = wire
        self._username = username
        self._password = password
        self._clock = clock
        self._token: str | None = None
        self._renew_at = -math.inf
        self._lock = asyncio.Lock()
        # Bumped when a login attempt ends, however it ends, so that calls which
        # waited for the lock can tell that a login happened meanwhile and share
        # its outcome.
        self._generation = 0
        # How the last login attempt failed, None after a success. A refusal
        # (IzypowerAuthenticationError) stays in force until `login()` is called:
        # every retry of a wrong password brings the account closer to a lockout.
        self._failure: IzypowerError | None = None
        self._issued_at = -math.inf
        self._token_accepted = False
        # Logins are not attempted before `_next_login_at` (see the module docstring);
        # `_backoff` is the delay of the last failure, 0 once a token was accepted
        # (a login that works is no success while its tokens are refused).
        self._backoff = 0.0
        self._next_login_at = -math.inf

    @property
    def logged_in(self) -> bool:
        """Whether a token is held (it may still be refused by the server)."""
        return self._token is not None

    @property
    def token_expiry(self) -> float | None:
        """The ``exp`` of the token held (epoch seconds); never the token itself."""
        return None if self._token is None else token_expiry(self._token)

    async def token(self, rejected: str | None = None) -> str:
        """Return a usable token, logging in when needed.

        ``rejected`` is a token the server just refused with 401. The lock makes any
        number of concurrent callers share a single login. After a refused login no
        call logs in again until :meth:`login` is called: they all raise
        :class:`IzypowerAuthenticationError` without sending anything.
        """
        generation = self._generation
        async with self._lock:
            failure = self._failure
            if isinstance(failure, IzypowerAuthenticationError):
                # A fresh exception per call: one instance raised from many tasks
                # would pile up their tracebacks.
                raise IzypowerAuthenticationError(str(failure))
            if self._generation != generation:
                # Another call logged in (or failed to reach the cloud) while this
                # one waited: share the outcome rather than hammer a failing cloud.
                if failure is not None:
                    raise _shared(failure)
                if self._token is not None:
                    return self._token
            elif (
                self._token is not None
                and self._token != rejected
                and self._clock() < self._renew_at
            ):
                return self._token
            self._check_backoff()
            try:
                return await self._login_locked()
            except IzypowerConnectionError as err:
                # The cause every other call of the round now fails with too.
                raise IzypowerLoginPausedError(str(err)) from err

    def _check_backoff(self) -> None:
        """Raise :class:`IzypowerLoginPausedError` while logins are backing off."""
        wait = self._next_login_at - self._clock()
        if wait > 0:
            raise IzypowerLoginPausedError(
                "Logging in to the Izypower Cloud is paused for "
                f"{math.ceil(wait)} s after a failed login"
            )

    def _back_off(self) -> None:
        """Postpone the next automatic login, longer after each failure in a row."""
        self._backoff = min(LOGIN_BACKOFF_MAX, 2 * self._backoff or LOGIN_BACKOFF_BASE)
        self._next_login_at = self._clock() + self._backoff
        _LOGGER.debug("Next login to the Izypower Cloud in %.0f s", self._backoff)

    def accepted(self, token: str) -> None:
        """Record that the server accepted ``token``: the next failure backs off anew."""
        self._backoff = 0.0
        if token == self._token:
            self._token_accepted = True

    def refused(self, token: str) -> bool:
        """Record that the server answered 401 to ``token``; return whether to log in.

        ``False`` when ``token`` came from a login less than
        :data:`FRESH_TOKEN_WINDOW` ago and no call was accepted with it yet: it is
        forgotten and logins back off. Calls refused with the same token at once share
        one backoff step. A token that served calls and is then refused was revoked
        (a changed password, say): a new login is worth it.
        """
        if (
            self._token_accepted
            or self._clock() - self._issued_at >= FRESH_TOKEN_WINDOW
        ):
            return True
        if token == self._token:
            _LOGGER.debug("A fresh token was refused; backing off logins")
            self._token = None
            self._back_off()
        return False

    async def login(self) -> None:
        """Log in now, even if a valid token is held; forget any earlier refusal."""
        async with self._lock:
            await self._login_locked()

    async def _login_locked(self) -> str:
        """Log in, forgetting any earlier failure; the caller holds the lock."""
        self._failure = None
        self._token = None
        try:
            token = await self._fetch_token()
            self._token = token
            self._issued_at = self._clock()
            self._token_accepted = False
            self._next_login_at = -math.inf
            # A token already past its `exp` by our clock is given a short life
            # (the server just issued it); a 401 renews it sooner if needed.
            self._renew_at = renewal_deadline(token, self._clock())
        except IzypowerError as err:
            self._failure = err
            if isinstance(err, IzypowerConnectionError):
                self._back_off()
            raise
        finally:
            self._generation += 1
        _LOGGER.debug("Logged in to the Izypower Cloud")
        return token

    async def _fetch_token(self) -> str:
        """Send the login request and return the token it hands out.

        Raises :class:`IzypowerAuthenticationError` only for a refusal (see the module
        docstring); other failures keep their own type.
        """
        call = Call.build(
            "POST",
            LOGIN_PATH,
            (),
            body={"username": self._username, "password": self._password},
        )
        try:
            status, body = await self._wire.send(call, None)
            payload = decode(status, body, call.endpoint, IN_DATA)
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
