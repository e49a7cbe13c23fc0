"""A short run of `python -m devtools.benchmark` against a real Home Assistant.

The figures worth reading are printed with `-s` and recorded in docs/performance.md.
What fails here is a regression in kind, counted: a refresh that fetches the slow data
every time, or a refresh that the service call no longer waits for. The wall-time
bounds (setup, requests sent one after the other) are checked only with `--timing`:
a busy machine can fail them whatever the code.
"""

from collections import Counter
from pathlib import Path

import aiohttp
import pytest

from devtools import benchmark, ha_harness
from devtools.benchmark import (
    REPLACED_REQUESTS_PER_REFRESH,
    BenchmarkConfig,
    BenchmarkResult,
    Refresh,
    export_committed_integration,
    format_report,
    parse_args,
    percentile,
    run_benchmark,
)

LATENCY_MS = 100.0
# Thirteen today for the fixture account (CT clamps included); one spare.
MAX_STEADY_REQUESTS = 14
# A full refresh reads what the replaced integration read every time (29), plus the
# CT clamps of the station with a meter.
MAX_FULL_REQUESTS = REPLACED_REQUESTS_PER_REFRESH + 1
# 0.3 s today: a few sequential rounds of 100 ms; 29 sequential requests take 2.9 s.
MAX_STEADY_WALL_S = 2.0
MAX_SETUP_S = 10.0


def test_percentile_is_nearest_rank() -> None:
    """The p95 of a few samples is their maximum; of twenty, the nineteenth."""
    assert percentile([0.3, 0.1, 0.2], 0.95) == 0.3
    assert percentile([float(n) for n in range(1, 21)], 0.95) == 19.0
    assert percentile([5.0], 0.95) == 5.0


def _result(config: BenchmarkConfig) -> BenchmarkResult:
    steady = Counter(station_info=2, report=2, devices=2)
    return BenchmarkResult(
        config=config,
        setup_s=1.0,
        setup_requests=Counter(login=2, stations=2, report=8),
        first_refresh_s=0.9,
        entities=10,
        steady=[
            Refresh(wall_s=0.3, coordinator_s=0.29, requests=steady, call_waited=True)
        ],
        full=Refresh(
            wall_s=0.9,
            coordinator_s=0.8,
            requests=Counter(login=1, stations=1, report=8),
            call_waited=True,
        ),
        version="abc1234",
    )


def test_requests_per_day_count_432_steady_and_48_full_refreshes() -> None:
    """Six steady requests, nine full ones without the login: 432 x 6 + 48 x 9."""
    assert _result(BenchmarkConfig()).requests_per_day == 432 * 6 + 48 * 9


def test_report_compares_with_the_replaced_integration_on_the_fixtures_only() -> None:
    """The replaced integration was measured on the fixture account alone."""
    fixture = format_report(_result(BenchmarkConfig()))
    generated = format_report(_result(BenchmarkConfig(stations=10, devices=5)))
    assert "replaced: 13,920" in fixture
    assert "replaced" not in generated
    assert "abc1234" in fixture
    assert "10 stations x 5 devices" in generated
    everything = format_report(_result(BenchmarkConfig(all_entities=True)))
    assert "every entity enabled" in everything
    assert "every entity enabled" not in fixture


def test_command_line() -> None:
    """Defaults are those of the documented run; no refresh at all is refused."""
    args = parse_args([])
    assert (args.latency_ms, args.refreshes, args.stations) == (100.0, 20, None)
    assert args.all_entities is False
    assert parse_args(["--all-entities"]).all_entities is True
    with pytest.raises(SystemExit):
        parse_args(["--refreshes", "0"])


def test_committed_integration_is_exported(tmp_path: Path) -> None:
    """--committed benchmarks HEAD's integration, whatever the working tree holds."""
    exported = export_committed_integration(tmp_path)
    assert exported.name == ha_harness.INTEGRATION_DIR.name
    assert (exported / "manifest.json").is_file()
    assert not exported.is_symlink()


@pytest.mark.e2e
@pytest.mark.timeout(ha_harness.FIRST_START_TIMEOUT + 120)
@pytest.mark.usefixtures("socket_enabled", "stop_processes")
async def test_refresh_cost_at_100_ms_latency(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Two steady refreshes and a reload of the fixture account at 100 ms a request.

    Two are enough to see a refresh that fetches the slow data every time; each more
    costs Home Assistant's cooldown between requested refreshes (10 s).
    """
    result = await run_benchmark(
        BenchmarkConfig(latency_ms=LATENCY_MS, refreshes=2), tmp_path
    )
    print("\n" + format_report(result))  # noqa: T201 - the figures, shown with -s

    assert result.failed_requests == 0
    assert not result.integration_problems, "\n".join(result.integration_problems)
    assert result.entities > 0
    # Every steady refresh is cheaper than a full one, and within the budget.
    assert max(result.steady_requests) <= MAX_STEADY_REQUESTS
    assert result.full is not None
    assert result.full.without_login > max(result.steady_requests)
    assert result.full.without_login <= MAX_FULL_REQUESTS
    if request.config.getoption("--timing"):
        assert result.setup_s < MAX_SETUP_S
        assert max(result.steady_wall) < MAX_STEADY_WALL_S
    # The timing is that of the refresh itself: the service call waited for it.
    assert all(refresh.call_waited for refresh in result.steady)
    assert result.full.call_waited


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (TimeoutError(), "took longer than 60 s"),
        (aiohttp.ServerDisconnectedError(), "ServerDisconnectedError"),
    ],
)
def test_a_step_that_fails_ends_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    error: Exception,
    expected: str,
) -> None:
    """A step timing out (e.g. the flow's request waiting for setup) is reported."""

    async def failing(*_args: object, **_kwargs: object) -> BenchmarkResult:
        raise error

    monkeypatch.setattr(benchmark, "run_benchmark", failing)
    monkeypatch.setattr(ha_harness, "stop_all", lambda: None)
    assert benchmark.main(["--refreshes", "1"]) == 1
    output = capsys.readouterr().out
    assert expected in output
    assert "Traceback" not in output
