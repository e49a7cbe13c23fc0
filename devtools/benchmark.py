"""`python -m devtools.benchmark`: the integration's cost in a real Home Assistant.

The simulator (frozen clock, `--latency-ms` on every cloud request) and `hass` run as
processes on loopback, set up by the same harness as the end-to-end test; the figures
come from the simulator's request counters and from Home Assistant's own log.

Measured, in this order:

1. Setup: from the config-flow submit to the entry loaded with its entities, and every
   request of that span (the flow's credential check, the entry's login and its first
   refresh, which fetches everything).
2. Steady refreshes: `homeassistant.update_entity` on one entity. Home Assistant runs a
   requested refresh at once and then ignores further requests for a cooldown (10 s),
   so the refreshes are spaced by that cooldown; otherwise the call would return at once
   and the refresh would run at the end of the cooldown.
3. A full refresh (the slow cadence, every 30 min of Home Assistant's clock, which a
   running `hass` cannot be made to skip ahead): the entry is reloaded, which logs in and
   fetches everything; the login is left out of its request count.
"""

import argparse
import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
import contextlib
from dataclasses import dataclass, field
import io
import math
from pathlib import Path
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from typing import Any, Final

import aiohttp
from homeassistant.helpers.update_coordinator import REQUEST_REFRESH_DEFAULT_COOLDOWN

from . import ha_harness
from .ha_harness import (
    DOMAIN,
    LOOPBACK,
    HarnessError,
    HomeAssistantClient,
    ManagedProcess,
    Owner,
)

OWNER: Final = Owner(name="Benchmark", username="bench", password="bench-not-a-secret")
# Passed to the simulator for both kinds of account, so one login fits both.
CLOUD_USERNAME: Final = "camille.exemple@example.org"
CLOUD_PASSWORD: Final = "izypower-demo"
LOGIN_ENDPOINT: Final = "login"

# Home Assistant's default polling period and the integration's slow cadence.
REFRESHES_PER_DAY: Final = 24 * 60 // 3
SLOW_REFRESHES_PER_DAY: Final = 24 * 60 // 30

# The integration this one replaces, measured on the fixture account at 100 ms.
REPLACED_REQUESTS_PER_REFRESH: Final = 29
REPLACED_REFRESH_S: Final = 3.1
REPLACED_SETUP_S: Final = 3.8

# Past the cooldown, with a margin for a busy machine's timer.
REFRESH_SPACING_S: Final = REQUEST_REFRESH_DEFAULT_COOLDOWN + 0.5
# The setup is timed by polling; a short interval keeps the polling error small.
SETUP_POLL_INTERVAL: Final = 0.05
# A refresh ends by its 60 s deadline; its log line may come a little later.
REFRESH_DONE_TIMEOUT: Final = 90.0
FINISHED_FETCHING: Final = re.compile(
    rf"Finished fetching {DOMAIN} data in (?P<seconds>[0-9.]+) seconds "
    r"\(success: (?P<success>\w+)\)"
)
INTEGRATION_LOGGER: Final = f"[custom_components.{DOMAIN}"


@dataclass(frozen=True, kw_only=True)
class BenchmarkConfig:
    """What to run: the account, the latency and how many steady refreshes."""

    latency_ms: float = 100.0
    refreshes: int = 20
    # None: the fixture account (tests/fixtures/account); else a generated one.
    stations: int | None = None
    devices: int = 3
    # The integration as committed at HEAD instead of the working tree's.
    committed: bool = False
    # Enable every entity the integration disables by default (so the pages read on
    # demand, a meter's channels and an EV charger's powers, are read too).
    all_entities: bool = False

    @property
    def account(self) -> str:
        """Describe the account for the report."""
        entities = ", every entity enabled" if self.all_entities else ""
        if self.stations is None:
            return f"fixture account (2 stations, 5 devices, 3 Link modules){entities}"
        return (
            f"generated account ({self.stations} stations x {self.devices} devices)"
            f"{entities}"
        )


@dataclass(frozen=True, kw_only=True)
class Refresh:
    """One measured refresh."""

    # From the service (or reload) call to the refresh done, as a client sees it.
    wall_s: float
    # What the coordinator logged: its fetch alone, without writing the states.
    coordinator_s: float
    requests: Counter[str]
    # Whether the call returned only once the refresh was over (no request after it).
    call_waited: bool

    @property
    def total(self) -> int:
        """Return the number of requests."""
        return sum(self.requests.values())

    @property
    def without_login(self) -> int:
        """Return the number of requests other than logins."""
        return self.total - self.requests[LOGIN_ENDPOINT]


@dataclass(kw_only=True)
class BenchmarkResult:
    """Everything measured in one run."""

    config: BenchmarkConfig
    setup_s: float
    setup_requests: Counter[str]
    first_refresh_s: float | None
    entities: int
    steady: list[Refresh] = field(default_factory=list)
    full: Refresh | None = None
    version: str = ""
    failed_requests: int = 0
    integration_problems: list[str] = field(default_factory=list)

    @property
    def steady_requests(self) -> list[int]:
        """Return the request count of each steady refresh."""
        return [refresh.total for refresh in self.steady]

    @property
    def steady_wall(self) -> list[float]:
        """Return the wall time of each steady refresh."""
        return [refresh.wall_s for refresh in self.steady]

    @property
    def full_refresh_requests(self) -> int:
        """Return the requests of a full refresh, logins excluded."""
        if self.full is not None:
            return self.full.without_login
        return self.setup_requests.total() - self.setup_requests[LOGIN_ENDPOINT]

    @property
    def requests_per_day(self) -> float:
        """Return the requests of a day at the default period, logins excluded."""
        fast = REFRESHES_PER_DAY - SLOW_REFRESHES_PER_DAY
        return (
            fast * statistics.mean(self.steady_requests)
            + SLOW_REFRESHES_PER_DAY * self.full_refresh_requests
        )


def percentile(values: Sequence[float], fraction: float) -> float:
    """Return the nearest-rank percentile (the value at or below which `fraction` lie)."""
    ordered = sorted(values)
    return ordered[max(math.ceil(fraction * len(ordered)) - 1, 0)]


class SimulatorAdmin:
    """The simulator's request counters."""

    def __init__(self, session: aiohttp.ClientSession, api_url: str) -> None:
        """Talk to the admin API of the simulator serving `api_url`."""
        self._session = session
        self._admin_url = api_url.rsplit("/", 1)[0] + "/_simulator"

    async def _json(self, method: str, path: str) -> dict[str, Any]:
        async with self._session.request(
            method, f"{self._admin_url}{path}", timeout=ha_harness.HTTP_TIMEOUT
        ) as response:
            if response.status != 200:
                raise HarnessError(
                    f"{method} {path} answered {response.status}: "
                    f"{(await response.text())[:500]}"
                )
            body: dict[str, Any] = await response.json()
            return body

    async def stats(self) -> dict[str, Any]:
        """Return the counters since the last reset."""
        return await self._json("GET", "/stats")

    async def requests(self) -> Counter[str]:
        """Return the requests since the last reset, by endpoint."""
        return Counter((await self.stats())["by_endpoint"])

    async def reset(self) -> None:
        """Zero the counters."""
        await self._json("POST", "/stats/reset")


def _start_simulator(config: BenchmarkConfig, work_dir: Path) -> ManagedProcess:
    frozen_today = [
        *("--start", "now", "--time-scale", "0", "--refresh-interval", "0"),
        *("--latency-ms", f"{config.latency_ms:g}"),
        *("--username", CLOUD_USERNAME, "--password", CLOUD_PASSWORD),
    ]
    generated = (
        []
        if config.stations is None
        else ["--stations", str(config.stations), "--devices", str(config.devices)]
    )
    return ha_harness.start_simulator(
        ha_harness.free_port(),
        work_dir / "simulator.log",
        account_dir=None if generated else ha_harness.FIXTURE_ACCOUNT_DIR,
        extra_args=[*generated, *frozen_today],
    )


def _coordinator_times(hass: ManagedProcess) -> list[float]:
    return [
        float(match["seconds"]) for match in FINISHED_FETCHING.finditer(hass.log_text())
    ]


async def _wait_for_refresh_log(hass: ManagedProcess, seen: int) -> float:
    """Wait for the coordinator's log line of the refresh after the `seen` first."""

    async def logged() -> float | None:
        times = _coordinator_times(hass)
        return times[seen] if len(times) > seen else None

    return await ha_harness.poll_until(
        "the coordinator to log the end of the refresh",
        logged,
        give_up_after=REFRESH_DONE_TIMEOUT,
        watch=[hass],
        interval=0.02,
    )


async def _measure_setup(
    client: HomeAssistantClient,
    hass: ManagedProcess,
    admin: SimulatorAdmin,
    api_url: str,
) -> tuple[float, Counter[str]]:
    """Add the entry; return the time until it is loaded and the requests it cost."""

    async def loaded() -> bool | None:
        entries = await client.config_entries()
        for entry in entries:
            if entry["state"] not in ("loaded", "not_loaded"):
                raise HarnessError(
                    f"the entry is in state {entry['state']}: {entry.get('reason')}\n"
                    f"{hass.log_tail()}"
                )
        return True if entries and entries[0]["state"] == "loaded" else None

    await admin.reset()
    started = time.perf_counter()
    await client.run_config_flow(
        DOMAIN,
        {"username": CLOUD_USERNAME, "password": CLOUD_PASSWORD, "api_url": api_url},
    )
    # A loaded entry has set up its platforms, so its entities have their states.
    await ha_harness.poll_until(
        "the entry to be loaded",
        loaded,
        give_up_after=REFRESH_DONE_TIMEOUT,
        watch=[hass],
        interval=SETUP_POLL_INTERVAL,
    )
    setup_s = time.perf_counter() - started
    return setup_s, await admin.requests()


async def _enable_every_entity(
    client: HomeAssistantClient, hass: ManagedProcess
) -> dict[str, dict[str, Any]]:
    """Enable the entities disabled by default, as a user does; return all of them.

    Home Assistant reloads the entry by itself once the changes settle (about 30 s),
    so the steady refreshes measured next read what the enabled entities need.
    """
    registry = await client.registry_entries()
    for entry in registry:
        if entry["disabled_by"] == "integration":
            await client.websocket_command(
                {
                    "type": "config/entity_registry/update",
                    "entity_id": entry["entity_id"],
                    "disabled_by": None,
                }
            )
    return await ha_harness.wait_for_entities(
        client,
        hass,
        required_unique_ids=[entry["unique_id"] for entry in registry],
        give_up_after=REFRESH_DONE_TIMEOUT,
    )


async def _measure(
    hass: ManagedProcess,
    admin: SimulatorAdmin,
    action: Callable[[], Awaitable[None]],
) -> Refresh:
    """Run `action` (a refresh trigger) and measure the refresh it causes."""
    seen = len(_coordinator_times(hass))
    await admin.reset()
    started = time.perf_counter()
    # The call may outlive the harness's HTTP timeout (60 s) when the refresh takes
    # its whole deadline, as the one catching up after the setup of a large account
    # does; the coordinator's log line still marks the refresh's end.
    with contextlib.suppress(TimeoutError):
        await action()
    returned = time.perf_counter()
    at_return = await admin.requests()
    coordinator_s = await _wait_for_refresh_log(hass, seen)
    after = await admin.requests()
    # Requests after the call returned mean the refresh outlived the call; the log
    # line then marks its end (give or take the log's own delay).
    call_waited = after == at_return
    wall_s = returned - started if call_waited else time.perf_counter() - started
    return Refresh(
        wall_s=wall_s,
        coordinator_s=coordinator_s,
        requests=after,
        call_waited=call_waited,
    )


async def run_benchmark(
    config: BenchmarkConfig,
    work_dir: Path,
    *,
    progress: Callable[[str], None] = lambda _text: None,
) -> BenchmarkResult:
    """Start the simulator and Home Assistant in `work_dir`, measure, stop both."""
    say = progress

    # Read before starting: the working tree may change while the benchmark runs.
    version = integration_version(committed=config.committed)
    integration_dir = (
        export_committed_integration(work_dir / "committed")
        if config.committed
        else ha_harness.INTEGRATION_DIR
    )
    simulator = _start_simulator(config, work_dir)
    ha_port = ha_harness.free_port()
    config_dir = ha_harness.write_config(
        work_dir / "config", ha_port, integration_dir=integration_dir
    )
    hass = ha_harness.start_home_assistant(config_dir, work_dir / "home-assistant.log")
    base_url = f"http://{LOOPBACK}:{ha_port}"
    try:
        async with aiohttp.ClientSession() as session:
            api_url = await ha_harness.wait_for_simulator(simulator)
            admin = SimulatorAdmin(session, api_url)
            await ha_harness.wait_for_home_assistant(session, base_url, hass)
            client = HomeAssistantClient(session, base_url)
            await client.create_owner(OWNER)
            await ha_harness.wait_until_running(client, hass)
            say("Home Assistant is running; adding the entry.")

            setup_s, setup_requests = await _measure_setup(client, hass, admin, api_url)
            say(f"entry loaded after {setup_s:.1f} s; steady refreshes next.")
            entities = await ha_harness.wait_for_entities(
                client, hass, give_up_after=10
            )
            if config.all_entities:
                say("enabling every entity; Home Assistant reloads the entry.")
                entities = await _enable_every_entity(client, hass)
            first = _coordinator_times(hass)
            result = BenchmarkResult(
                config=config,
                setup_s=setup_s,
                setup_requests=setup_requests,
                first_refresh_s=first[0] if first else None,
                entities=len(entities),
                version=version,
            )
            target = next(iter(entities.values()))["entity_id"]

            async def update_entity() -> None:
                await client.call_service(
                    "homeassistant", "update_entity", {"entity_id": target}
                )

            for number in range(config.refreshes):
                if number:
                    await asyncio.sleep(REFRESH_SPACING_S)
                result.steady.append(await _measure(hass, admin, update_entity))
                say(f"steady refresh {number + 1}/{config.refreshes}")

            entry_id = (await client.config_entries())[0]["entry_id"]

            async def reload() -> None:
                await client.reload_config_entry(entry_id)

            result.full = await _measure(hass, admin, reload)
            say("full refresh (reload) done")
            result.failed_requests = sum(
                count
                for status, count in (await admin.stats())["by_status"].items()
                if not status.startswith("2")
            )
    finally:
        # Stopping waits for the processes to exit: not on the event loop.
        await asyncio.to_thread(hass.stop)
        await asyncio.to_thread(simulator.stop)
    result.integration_problems = [
        line
        for line in hass.log_text().splitlines()
        if INTEGRATION_LOGGER in line and (" ERROR " in line or " WARNING " in line)
    ]
    return result


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(ha_harness.REPO_ROOT), *args],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def integration_version(*, committed: bool = False) -> str:
    """Return the commit the integration comes from, flagging uncommitted changes."""
    try:
        commit = _git("rev-parse", "--short", "HEAD")
        changed = _git("status", "--porcelain", "--", str(ha_harness.INTEGRATION_DIR))
    except OSError, subprocess.CalledProcessError:
        return "unknown (not a git checkout)"
    return f"{commit} + uncommitted changes" if changed and not committed else commit


def export_committed_integration(destination: Path) -> Path:
    """Write the integration as committed at HEAD under `destination`; return its dir.

    Benchmarks the committed code while the working tree is being edited.
    """
    relative = ha_harness.INTEGRATION_DIR.relative_to(ha_harness.REPO_ROOT)
    archive = subprocess.run(
        ["git", "-C", str(ha_harness.REPO_ROOT), "archive", "HEAD", str(relative)],
        capture_output=True,
        check=True,
    ).stdout
    destination.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(destination, filter="data")
    return destination / relative


def _endpoints(requests: Counter[str]) -> str:
    return ", ".join(f"{name} {count}" for name, count in sorted(requests.items()))


def format_report(result: BenchmarkResult) -> str:
    """Return the figures as a table, with the replaced integration alongside.

    The replaced integration was measured on the fixture account only, so the
    comparison is shown for that account only.
    """
    config = result.config

    def versus(replaced: str) -> str:
        return f" (replaced: {replaced})" if config.stations is None else ""

    steady = result.steady_requests
    wall = result.steady_wall
    coordinator = [refresh.coordinator_s for refresh in result.steady]
    rows = [
        ("integration", result.version),
        ("account", config.account),
        ("latency per request", f"{config.latency_ms:g} ms"),
        ("entities with a state", str(result.entities)),
        (
            "setup: flow submit -> entities",
            f"{result.setup_s:.2f} s" + versus(f"{REPLACED_SETUP_S} s at 100 ms"),
        ),
        (
            "setup requests (flow check + first refresh)",
            f"{result.setup_requests.total()} ({_endpoints(result.setup_requests)})",
        ),
        (
            "first refresh (coordinator log)",
            (
                f"{result.first_refresh_s:.3f} s"
                if result.first_refresh_s is not None
                else "n/a"
            ),
        ),
        (
            "steady refresh requests mean/min/max",
            (
                f"{statistics.mean(steady):.1f} / {min(steady)} / {max(steady)}"
                + versus(str(REPLACED_REQUESTS_PER_REFRESH))
            ),
        ),
        ("steady refresh endpoints", _endpoints(result.steady[-1].requests)),
        (
            "steady refresh wall mean/p95/max",
            (
                f"{statistics.mean(wall):.3f} / {percentile(wall, 0.95):.3f} / "
                f"{max(wall):.3f} s" + versus(f"{REPLACED_REFRESH_S} s at 100 ms")
            ),
        ),
        (
            "steady refresh, coordinator log mean",
            f"{statistics.mean(coordinator):.3f} s",
        ),
        (
            "service call waited for the refresh",
            f"{sum(r.call_waited for r in result.steady)}/{len(result.steady)}",
        ),
    ]
    if result.full is not None:
        full = result.full
        rows += [
            (
                "full refresh requests (reload, no login)",
                f"{full.without_login} ({_endpoints(full.requests)})",
            ),
            (
                "full refresh wall (reload) / coordinator",
                f"{full.wall_s:.3f} s / {full.coordinator_s:.3f} s",
            ),
        ]
    per_day = result.requests_per_day
    replaced_per_day = REPLACED_REQUESTS_PER_REFRESH * REFRESHES_PER_DAY
    rows += [
        (
            (
                f"requests/day ({REFRESHES_PER_DAY} refreshes, "
                f"{SLOW_REFRESHES_PER_DAY} full)"
            ),
            (
                f"{per_day:,.0f}, logins excluded"
                + versus(f"{replaced_per_day:,}: {per_day / replaced_per_day:.0%}")
            ),
        ),
        ("failed requests", str(result.failed_requests)),
        ("integration warnings/errors logged", str(len(result.integration_problems))),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name.ljust(width)}  {value}" for name, value in rows)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m devtools.benchmark",
        description=(
            "Measure the integration in a real Home Assistant against the simulator "
            "with latency on every cloud request."
        ),
    )
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument(
        "--refreshes",
        type=int,
        default=20,
        help=f"steady refreshes, {REFRESH_SPACING_S:g} s apart (default 20)",
    )
    parser.add_argument(
        "--stations", type=int, help="generate N stations instead of the fixtures"
    )
    parser.add_argument(
        "--devices", type=int, default=3, help="devices per generated station"
    )
    parser.add_argument(
        "--committed",
        action="store_true",
        help="benchmark the integration as committed at HEAD, not the working tree",
    )
    parser.add_argument(
        "--all-entities",
        action="store_true",
        help="enable the entities disabled by default before the steady refreshes",
    )
    parser.add_argument(
        "--work-dir",
        type=Path,
        help="keep the logs and Home Assistant's config there (default: a temp dir)",
    )
    args = parser.parse_args(argv)
    if args.refreshes < 1:
        parser.error("--refreshes must be at least 1")
    return args


def _say(text: str) -> None:
    print(text, flush=True)  # noqa: T201 - the report is this command's output


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print its report; return the exit code."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    config = BenchmarkConfig(
        latency_ms=args.latency_ms,
        refreshes=args.refreshes,
        stations=args.stations,
        devices=args.devices,
        committed=args.committed,
        all_entities=args.all_entities,
    )
    with tempfile.TemporaryDirectory(prefix="izypower-benchmark-") as temp_dir:
        work_dir = (args.work_dir or Path(temp_dir)).resolve()
        try:
            result = asyncio.run(run_benchmark(config, work_dir, progress=_say))
        except HarnessError as err:
            _say(f"benchmark failed: {err}")
            return 1
        except TimeoutError:
            # A request to Home Assistant (or the simulator) outlived HTTP_TIMEOUT:
            # the last progress line above names the step.
            _say(
                "benchmark failed: a step took longer than "
                f"{ha_harness.HTTP_TIMEOUT.total:g} s (see the last step above)"
            )
            return 1
        except aiohttp.ClientError as err:
            _say(f"benchmark failed: {type(err).__name__} talking to a process")
            return 1
        finally:
            ha_harness.stop_all()
    _say("\n" + format_report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
