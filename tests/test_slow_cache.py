"""Tests of the slow-call cache: when a call is due, what is shown, what is forgotten."""

import asyncio
from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory

from custom_components.izypower_cloud.slow_cache import CatchUp, SlowCache

MAX_AGE = timedelta(hours=1)


async def _refresh(
    cache: SlowCache[str, int],
    slow: bool,
    answers: dict[str, int | None],
    catch_up: CatchUp | None = None,
) -> list[str]:
    """Run one refresh considering `answers`' keys; return the keys actually called."""
    called: list[str] = []

    def call(key: str) -> asyncio.Future[int | None]:
        called.append(key)
        future: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        future.set_result(answers[key])
        return future

    cache.begin(catch_up)
    async with asyncio.TaskGroup() as group:
        for key in answers:
            cache.schedule(group, key, slow, lambda key=key: call(key))
    return called


async def test_due_when_slow_new_or_failed() -> None:
    """A key is called on a slow refresh, when new, and after a failure; not otherwise."""
    cache = SlowCache[str, int](MAX_AGE)
    assert await _refresh(cache, False, {"a": 1, "b": None}) == ["a", "b"]
    assert cache.get("a") == 1
    assert cache.get("b") is None
    # "a" answered: carried over; "b" failed: asked again; "c" is new.
    assert await _refresh(cache, False, {"a": 2, "b": 3, "c": 4}) == ["b", "c"]
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, 3, 4)
    assert await _refresh(cache, False, {"a": 2, "b": 5, "c": 6}) == []
    assert await _refresh(cache, True, {"a": 2, "b": 5, "c": 6}) == ["a", "b", "c"]
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (2, 5, 6)


async def test_last_good_result_stands_in_until_too_old(
    freezer: FrozenDateTimeFactory,
) -> None:
    """A failing call shows its last good result for up to `max_age`."""
    cache = SlowCache[str, int](MAX_AGE)
    await _refresh(cache, True, {"a": 1})
    freezer.tick(MAX_AGE)
    await _refresh(cache, True, {"a": None})
    assert cache.get("a") == 1
    freezer.tick(timedelta(seconds=1))
    assert cache.get("a") is None


async def test_keys_not_considered_are_gone() -> None:
    """A key absent from a refresh shows nothing, and is forgotten by `prune`."""
    cache = SlowCache[str, int](MAX_AGE)
    await _refresh(cache, True, {"a": 1, "b": None})
    cache.prune()
    await _refresh(cache, False, {"c": 3})
    assert cache.get("a") is None
    cache.prune()
    # Forgotten, so "a" and "b" are new again when they come back.
    assert await _refresh(cache, False, {"a": 1, "b": 2}) == ["a", "b"]


async def test_renewed_once_as_old_as_the_cloud_cadence(
    freezer: FrozenDateTimeFactory,
) -> None:
    """With `refresh_after`, a good result is read again once that old (issue 25)."""
    every = timedelta(minutes=5)
    cache = SlowCache[str, int](every, refresh_after=every)
    assert await _refresh(cache, False, {"a": 1}) == ["a"]
    freezer.tick(timedelta(minutes=3))
    assert await _refresh(cache, False, {"a": 2}) == []
    assert cache.get("a") == 1
    freezer.tick(timedelta(minutes=3))
    assert await _refresh(cache, False, {"a": 2}) == ["a"]
    assert cache.get("a") == 2


async def test_catching_up_spread_over_refreshes(
    freezer: FrozenDateTimeFactory,
) -> None:
    """Calls off their cadence (new, failed) share a per-refresh allowance (issue 25).

    The rest stay due for the next refreshes; slow refreshes and renewals on the
    cloud's cadence are not held back by it.
    """
    every = timedelta(minutes=5)
    cache = SlowCache[str, int](every, refresh_after=every)
    answers: dict[str, int | None] = {"a": 1, "b": 2, "c": None, "d": 4}
    assert await _refresh(cache, False, answers, CatchUp(2)) == ["a", "b"]
    assert await _refresh(cache, False, answers, CatchUp(2)) == ["c", "d"]
    # "c" failed: due again, within the next allowance.
    assert await _refresh(cache, False, answers, CatchUp(0)) == []
    freezer.tick(every)
    # Renewals on the cloud's cadence take none of it; "c" waits.
    assert await _refresh(cache, False, answers, CatchUp(0)) == ["a", "b", "d"]
    assert await _refresh(cache, True, answers, CatchUp(0)) == ["a", "b", "c", "d"]
