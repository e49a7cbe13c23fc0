"""The time and request limits of one refresh: deadline, call budget, circuit breaker.

Every cloud call of a refresh goes through :meth:`RefreshGuard.run`, which bounds it
three ways, so that a failing or hanging cloud costs a bounded time and a handful of
requests whatever the size of the account:

- The refresh has a deadline (`REFRESH_DEADLINE`, `FIRST_REFRESH_DEADLINE` for the
  first refresh of a setup, which Home Assistant waits for). A call still waiting for
  its turn then is not made (`CallCutError`); a call in flight is cut. What answered
  is published, what did not counts as failed for this refresh.
- Each call has its own time budget (`CALL_BUDGET`) counted from when it is sent, so
  that one hanging endpoint holds its own calls back, not the refresh. A call cut by
  its budget marks its kind of call (its label without the id) hanging: the other
  calls of that kind in this refresh fail at once instead of holding the request slots.
- The client's `CallRound` shares `REFRESH_RETRIES` retries among every call. Once they
  are spent while no call of the refresh has succeeded, the cloud is down: the circuit
  opens and every later call fails at once, without a request (only once `arm`ed,
  after the station list). The coordinator also stops the fan-out itself once the
  calls everything depends on failed (`require_station_list`,
  `require_station_info`): the refresh then fails with one translated `UpdateFailed`.
"""

import asyncio
from collections.abc import Awaitable, Callable, Collection
from datetime import timedelta
from typing import Final

from homeassistant.helpers.update_coordinator import UpdateFailed

from .api import CallRound, IzypowerConnectionError, IzypowerError, StationInfo
from .const import DOMAIN, LOGGER

# Well below the minimum refresh period (3 min): the next refresh starts on time.
REFRESH_DEADLINE: Final = timedelta(seconds=60)
# Home Assistant waits for the first refresh of a setup (and the config flow's request
# for the setup, cancelled at 60 s): whatever the account size, it ends by then, and
# the rest follows at the next refreshes. Home Assistant then takes about 10 s more to
# create the 10,000 entities of a 100 x 10 account: setup stays under 30 s.
FIRST_REFRESH_DEADLINE: Final = timedelta(seconds=15)
# One hanging request (10 s timeout) and the start of its retry; a normal answer takes
# < 1 s, and failing fast (5xx) calls retry well within it.
CALL_BUDGET: Final = timedelta(seconds=12)
# Retries shared by all the calls of a refresh. With 2, a full outage of the example
# account costs 6 requests (4 first attempts, 2 retries), whatever refresh it hits.
REFRESH_RETRIES: Final = 2


class CallCutError(Exception):
    """A call was not made, or not finished, before the refresh deadline."""


class RefreshGuard:
    """The limits of one refresh, shared by all its calls."""

    def __init__(self, limits: CallRound, deadline: timedelta) -> None:
        """Start the refresh's clock now; `limits` is the client's round."""
        loop = asyncio.get_running_loop()
        self._loop = loop
        self._limits = limits
        self._seconds = deadline.total_seconds()
        self._deadline = loop.time() + self._seconds
        self._hanging: set[str] = set()
        self._succeeded = False
        self._armed = False
        self.cut = 0
        """Calls the deadline kept from being made or finished."""

    def log_cut(self) -> None:
        """Log once for the refresh how many calls its deadline cut, if any."""
        if self.cut:
            LOGGER.info(
                "%s cloud calls were not answered within the refresh deadline (%.0f s);"
                " they are made again at the next refresh",
                self.cut,
                self._seconds,
            )

    def arm(self) -> None:
        """Let the circuit open by itself from now on (see `_failed`).

        Not before: a failing station list is tolerated while a previous one is known,
        and may spend the retries on its own.
        """
        self._armed = True

    @property
    def stopped(self) -> bool:
        """Tell whether the circuit is open: later calls fail without a request."""
        return self._limits.circuit_open

    def require_station_list[T](self, stations: T | None) -> T:
        """Return `stations`; without any (none ever received), fail the refresh."""
        if stations is None:
            self.stop()
            raise UpdateFailed(
                translation_domain=DOMAIN, translation_key="station_list_failed"
            )
        return stations

    def require_station_info(self, infos: Collection[StationInfo | None]) -> None:
        """Fail the refresh, and open the circuit, when no station info was read."""
        if infos and all(info is None for info in infos):
            self.stop()
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="no_station_answered",
                translation_placeholders={"count": str(len(infos))},
            )

    def stop(self) -> None:
        """Make every later call fail at once: the refresh already failed."""
        self._limits.open_circuit()

    async def run[T](
        self,
        kind: str,
        semaphore: asyncio.Semaphore,
        call: Callable[[], Awaitable[T]],
    ) -> T:
        """Make `call` once it holds `semaphore`, within its budget and the deadline.

        Raises `CallCutError` when the deadline passes first, and the client's errors
        otherwise (`IzypowerConnectionError` when the call's budget ran out).
        """
        if kind in self._hanging:
            raise IzypowerConnectionError(f"{kind} not asked: it hung in this refresh")
        try:
            async with asyncio.timeout_at(self._deadline):
                await semaphore.acquire()
        except TimeoutError as err:
            self.cut += 1
            raise CallCutError from err
        try:
            result = await self._run_budgeted(kind, call)
        finally:
            semaphore.release()
        self._succeeded = True
        return result

    async def _run_budgeted[T](self, kind: str, call: Callable[[], Awaitable[T]]) -> T:
        budget_end = self._loop.time() + CALL_BUDGET.total_seconds()
        try:
            async with asyncio.timeout_at(min(budget_end, self._deadline)):
                return await call()
        except TimeoutError as err:
            if budget_end > self._deadline:
                self.cut += 1
                raise CallCutError from err
            self._hanging.add(kind)
            failure = IzypowerConnectionError(
                f"{kind} gave no answer within {CALL_BUDGET.total_seconds():.0f} s"
            )
            self._failed(failure)
            raise failure from err
        except IzypowerError as failure:
            self._failed(failure)
            raise

    def _failed(self, failure: IzypowerError) -> None:
        if (
            self._armed
            and not self._limits.circuit_open
            and not self._succeeded
            and self._limits.retries_left == 0
        ):
            # Nothing answered and the retries are spent: the cloud is down.
            LOGGER.info(
                "No cloud call of this refresh answered and its retries are spent "
                "(last: %s); the other calls are not sent",
                failure,
            )
            self._limits.open_circuit()


async def known[T](value: T) -> T:
    """Return `value`: an awaitable of a result known already."""
    return value
