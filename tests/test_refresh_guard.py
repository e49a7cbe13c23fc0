"""The limits of one refresh: deadline, per-call budget, hanging kinds, circuit."""

import asyncio
from datetime import timedelta
import logging

import pytest

from custom_components.izypower_cloud import refresh_guard
from custom_components.izypower_cloud.api import (
    CallRound,
    IzypowerConnectionError,
    IzypowerResponseError,
)
from custom_components.izypower_cloud.refresh_guard import CallCutError, RefreshGuard

KIND = "battery page of device"


async def _hang() -> None:
    await asyncio.Event().wait()


async def _answer() -> str:
    return "answer"


async def _fail() -> None:
    raise IzypowerResponseError("GET /x answered HTTP 500")


@pytest.fixture(autouse=True)
def short_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """Give a call 0.1 s."""
    monkeypatch.setattr(refresh_guard, "CALL_BUDGET", timedelta(seconds=0.1))


async def test_a_call_within_its_limits_answers() -> None:
    """The call's result is returned and its slot released."""
    guard = RefreshGuard(CallRound(2), timedelta(seconds=5))
    semaphore = asyncio.Semaphore(1)
    assert await guard.run(KIND, semaphore, _answer) == "answer"
    assert not semaphore.locked()
    assert guard.cut == 0


async def test_a_hanging_call_marks_its_kind() -> None:
    """Cut by its budget: the next call of its kind fails at once, others run."""
    guard = RefreshGuard(CallRound(2), timedelta(seconds=5))
    semaphore = asyncio.Semaphore(4)
    with pytest.raises(IzypowerConnectionError, match="no answer within"):
        await guard.run(KIND, semaphore, _hang)
    called = False

    async def should_not_run() -> None:
        nonlocal called
        called = True

    with pytest.raises(IzypowerConnectionError, match="hung in this refresh"):
        await guard.run(KIND, semaphore, should_not_run)
    assert not called
    assert await guard.run("station info", semaphore, _answer) == "answer"
    assert guard.cut == 0


async def test_the_deadline_cuts_waiting_and_running_calls() -> None:
    """Past the deadline, a call in flight is cut and a queued one never starts."""
    guard = RefreshGuard(CallRound(2), timedelta(seconds=0.05))
    semaphore = asyncio.Semaphore(1)
    with pytest.raises(CallCutError):
        await guard.run(KIND, semaphore, _hang)
    await semaphore.acquire()
    with pytest.raises(CallCutError):
        await guard.run("station info", semaphore, _answer)
    assert guard.cut == 2


async def test_the_cut_calls_are_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    """One INFO line counts the calls the deadline cut; none when there are none."""
    guard = RefreshGuard(CallRound(2), timedelta(seconds=60))
    with caplog.at_level(logging.INFO):
        guard.log_cut()
        assert not caplog.records
        guard.cut = 3
        guard.log_cut()
    assert [record.getMessage() for record in caplog.records] == [
        (
            "3 cloud calls were not answered within the refresh deadline (60 s);"
            " they are made again at the next refresh"
        )
    ]


async def test_the_circuit_opens_when_nothing_answers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Armed, nothing succeeded and the retries spent: the circuit opens."""
    limits = CallRound(0)
    guard = RefreshGuard(limits, timedelta(seconds=5))
    semaphore = asyncio.Semaphore(4)
    # Not armed yet (the station list may fail alone while a previous one is known).
    with pytest.raises(IzypowerResponseError):
        await guard.run("station list", semaphore, _fail)
    assert not limits.circuit_open
    guard.arm()
    with caplog.at_level(logging.INFO):
        with pytest.raises(IzypowerConnectionError):
            await guard.run(KIND, semaphore, _hang)
        assert limits.circuit_open
        assert guard.stopped
        # A call in flight meanwhile fails too: the cause is logged once.
        with pytest.raises(IzypowerResponseError):
            await guard.run("station info", semaphore, _fail)
    [record] = caplog.records
    assert "no answer within" in record.getMessage()


@pytest.mark.parametrize("retries", [0, 2])
async def test_the_circuit_stays_closed_once_a_call_answered(retries: int) -> None:
    """A cloud that answered once in this refresh is not down, and retries remain."""
    limits = CallRound(retries)
    guard = RefreshGuard(limits, timedelta(seconds=5))
    guard.arm()
    semaphore = asyncio.Semaphore(4)
    if retries == 0:
        await guard.run("station info", semaphore, _answer)
    with pytest.raises(IzypowerResponseError):
        await guard.run("station info", semaphore, _fail)
    assert not guard.stopped
    guard.stop()
    assert guard.stopped
