"""The last good result of one kind of slow call, and which of its calls are due.

Slow data (month/year/total reports, Wi-Fi, firmware flags) is fetched on a slow
refresh only; in between, the last good result of each call is carried over into every
new snapshot. The coordinator keeps one cache per kind of call, keyed by what the call
is about (a station, a device, a station and a period), so each holds one result type.
"""

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from datetime import datetime, timedelta

import homeassistant.util.dt as dt_util


class CatchUp:
    """How many slow calls off their cadence one refresh may still make.

    A call that failed, was cut by a deadline or never succeeded is due at every
    refresh; after a cut first refresh (setup's short deadline) on a large account
    they would all come due at once and run the next refresh into its deadline. The
    refresh makes at most `limit` of them; the rest stay due for the next ones.
    """

    def __init__(self, limit: int) -> None:
        """Allow `limit` such calls in this refresh."""
        self._left = limit

    def take(self) -> bool:
        """Use one call of the allowance; False once it is spent."""
        if self._left <= 0:
            return False
        self._left -= 1
        return True


class SlowCache[K: Hashable, T]:
    """Results of one kind of slow call, by key.

    A call is due on a slow refresh, when it never succeeded (a new station or
    device), after it failed (tried again at every refresh until it answers), and,
    with `refresh_after`, once its last good result is that old (data the cloud
    renews on a cadence of its own). The never-succeeded and failed ones (catching
    up) draw on the refresh's `CatchUp` allowance. The last good result stands in
    for a failing call for up to `max_age`.
    """

    def __init__(
        self, max_age: timedelta, *, refresh_after: timedelta | None = None
    ) -> None:
        """Start empty; results older than `max_age` are no longer shown."""
        self._max_age = max_age
        self._refresh_after = refresh_after
        self._good: dict[K, tuple[datetime, T]] = {}
        self._retry: set[K] = set()
        # Keys considered during the current refresh; the others are gone.
        self._seen: set[K] = set()
        self._catch_up: CatchUp | None = None

    def begin(self, catch_up: CatchUp | None = None) -> None:
        """Start a refresh: no key considered yet; catch up within `catch_up`."""
        self._seen = set()
        self._catch_up = catch_up

    def schedule(
        self,
        group: asyncio.TaskGroup,
        key: K,
        slow: bool,
        call: Callable[[], Awaitable[T | None]],
    ) -> None:
        """Run `call` in `group` if it is due; its result (None: failed) is recorded."""
        self._seen.add(key)
        if slow or self._aged(key) or (self._behind(key) and self._allowed()):
            group.create_task(self._fetch(key, call))

    def _behind(self, key: K) -> bool:
        """Tell whether the key's call failed or never succeeded."""
        return key in self._retry or key not in self._good

    def _allowed(self) -> bool:
        return self._catch_up is None or self._catch_up.take()

    def _aged(self, key: K) -> bool:
        """Tell whether the key's good result is due for renewal (`refresh_after`)."""
        if key in self._retry or (good := self._good.get(key)) is None:
            return False
        after = self._refresh_after
        return after is not None and dt_util.utcnow() - good[0] >= after

    async def _fetch(self, key: K, call: Callable[[], Awaitable[T | None]]) -> None:
        if (result := await call()) is None:
            self._retry.add(key)
        else:
            self._good[key] = (dt_util.utcnow(), result)
            self._retry.discard(key)

    def failed(self, key: K) -> bool:
        """Tell whether the last call about `key` failed (it is tried again)."""
        return key in self._retry

    def get(self, key: K) -> T | None:
        """Return the result to show; None when there is none recent enough.

        A key not considered in this refresh (its station or device is gone) has none.
        """
        if key not in self._seen or (good := self._good.get(key)) is None:
            return None
        fetched_at, result = good
        if dt_util.utcnow() - fetched_at > self._max_age:
            return None
        return result

    def prune(self) -> None:
        """Forget the keys of stations and devices this refresh did not consider."""
        for gone in self._good.keys() - self._seen:
            del self._good[gone]
        self._retry &= self._seen
