"""A short run of `python -m devtools.benchmark` against a real Home Assistant.

The bounds are generous on purpose (a busy machine must not fail them): the figures
worth reading are printed with `-s` and recorded in docs/performance.md. What fails
here is a regression in kind: a refresh that fetches the slow data every time, requests
sent one after the other, or a refresh that the service call no longer waits for.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from devtools import ha_harness
from devtools.benchmark import (
    REPLACED_REQUESTS_PER_REFRESH,
    BenchmarkConfig,
    format_report,
    percentile,
    run_benchmark,
)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.timeout(ha_harness.FIRST_START_TIMEOUT + 120),
    pytest.mark.usefixtures("socket_enabled", "stop_processes"),
]

LATENCY_MS = 100.0
# Twelve today for the fixture account; two spare for a new fast call.
MAX_STEADY_REQUESTS = 14
# 0.3 s today: a few sequential rounds of 100 ms; 29 sequential requests take 2.9 s.
MAX_STEADY_WALL_S = 2.0
MAX_SETUP_S = 10.0


def test_percentile_is_nearest_rank() -> None:
    """The p95 of a few samples is their maximum; of twenty, the nineteenth."""
    assert percentile([0.3, 0.1, 0.2], 0.95) == 0.3
    assert percentile([float(n) for n in range(1, 21)], 0.95) == 19.0
    assert percentile([5.0], 0.95) == 5.0


async def test_refresh_cost_at_100_ms_latency(tmp_path: Path) -> None:
    """Three steady refreshes and a reload of the fixture account at 100 ms a request."""
    result = await run_benchmark(
        BenchmarkConfig(latency_ms=LATENCY_MS, refreshes=3), tmp_path
    )
    print("\n" + format_report(result))  # noqa: T201 - the figures, shown with -s

    assert result.failed_requests == 0
    assert not result.integration_problems, "\n".join(result.integration_problems)
    assert result.entities > 0
    assert result.setup_s < MAX_SETUP_S
    # Every steady refresh is cheaper than a full one, and within the budget.
    assert max(result.steady_requests) <= MAX_STEADY_REQUESTS
    assert result.full is not None
    assert result.full.without_login > max(result.steady_requests)
    assert result.full.without_login <= REPLACED_REQUESTS_PER_REFRESH
    assert max(result.steady_wall) < MAX_STEADY_WALL_S
    # The timing is that of the refresh itself: the service call waited for it.
    assert all(refresh.call_waited for refresh in result.steady)
    assert result.full.call_waited
