"""The project's cloud simulator, run in-process on loopback for Home Assistant tests.

Unlike tests/cloud_mock.py (aioresponses), requests really travel over HTTP, so
timeouts, hanging answers and HTML error pages behave as they do against the real
cloud, and the simulator's own counters (/_simulator/stats) say what was sent. The
time limits of the client and of a refresh are shortened so that a hang costs a test
seconds, not minutes.

PYTEST_DONT_REWRITE: imported by test modules before pytest registers it as a plugin.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
import functools
from typing import Any

from aiohttp.test_utils import TestServer
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components import izypower_cloud
from custom_components.izypower_cloud import coordinator, refresh_guard
from custom_components.izypower_cloud.api import IzypowerClient, wire
from custom_components.izypower_cloud.const import (
    CONF_API_URL,
    CONF_REFRESH_PERIOD,
    DOMAIN,
)
from izypower_simulator import (
    Account,
    SimClock,
    Simulator,
    SimulatorConfig,
    create_app,
    load_account,
)
from izypower_simulator.simulator import SIMULATOR_KEY

from .conftest import ACCOUNT_DIR

USERNAME = "camille.exemple@example.org"
PASSWORD = "izypower-demo"

# Shortened limits (the real ones: 10 s, 12 s, 60 s and 15 s).
REQUEST_TIMEOUT = 0.7
CALL_BUDGET = timedelta(seconds=0.8)
REFRESH_DEADLINE = timedelta(seconds=3)
FIRST_REFRESH_DEADLINE = timedelta(seconds=3)


@dataclass
class SimCloud:
    """A running simulator and what a test needs of it."""

    server: TestServer
    simulator: Simulator

    @property
    def api_url(self) -> str:
        """Return the cloud API's base URL."""
        return str(self.server.make_url("/photo_voltaic"))

    def faults(self, **changes: Any) -> None:
        """Switch faults on (see izypower_simulator/faults.py); hangs are released."""
        self.simulator.faults.release_hanging()
        self.simulator.config.faults.update(changes, self.endpoints)

    def clear_faults(self) -> None:
        """Switch every fault off and release hanging requests."""
        self.faults(
            html_error_rate=0.0,
            hang_rate=0.0,
            force_401=0,
            failing_endpoints=[],
            hanging_endpoints=[],
        )

    @property
    def endpoints(self) -> set[str]:
        """Return the names of the endpoints (as in the stats)."""
        return set(self.server.app.router.named_resources())

    def requests(self, endpoint: str | None = None) -> int:
        """Return the requests answered since the last reset (of one endpoint)."""
        stats = self.simulator.stats
        return stats.total if endpoint is None else stats.by_endpoint[endpoint]

    def reset(self) -> None:
        """Forget the request counts."""
        self.simulator.stats.reset()

    def entry(self, **data: Any) -> MockConfigEntry:
        """Return a config entry of the simulated account (not added to hass)."""
        return MockConfigEntry(
            domain=DOMAIN,
            title="c•••e@example.org",
            unique_id=USERNAME,
            data={
                CONF_USERNAME: USERNAME,
                CONF_PASSWORD: PASSWORD,
                CONF_API_URL: self.api_url,
                **data,
            },
            options={CONF_REFRESH_PERIOD: 3},
            minor_version=2,
        )


async def start_sim_cloud(account: Account) -> SimCloud:
    """Serve `account` on loopback, its clock frozen, every request seeing the now."""
    config = SimulatorConfig(
        username=USERNAME, password=PASSWORD, refresh_interval_s=0, seed=1
    )
    app = create_app(account, SimClock(account.time, time_scale=0), config)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return SimCloud(server, app[SIMULATOR_KEY])


@pytest.fixture
def short_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Shorten the client's and the refreshes' time limits, and the retry waits."""
    monkeypatch.setattr(
        izypower_cloud,
        "IzypowerClient",
        functools.partial(IzypowerClient, request_timeout=REQUEST_TIMEOUT),
    )
    monkeypatch.setattr(wire, "BACKOFF_BASE", 0.01)
    monkeypatch.setattr(wire, "BACKOFF_JITTER", 0.0)
    monkeypatch.setattr(refresh_guard, "CALL_BUDGET", CALL_BUDGET)
    monkeypatch.setattr(coordinator, "REFRESH_DEADLINE", REFRESH_DEADLINE)
    monkeypatch.setattr(coordinator, "FIRST_REFRESH_DEADLINE", FIRST_REFRESH_DEADLINE)


@pytest.fixture
async def sim_cloud(
    socket_enabled: None, short_limits: None
) -> AsyncIterator[SimCloud]:
    """Serve the fixture account, moved to today, on loopback."""
    cloud = await start_sim_cloud(load_account(ACCOUNT_DIR, start=datetime.now(UTC)))
    try:
        yield cloud
    finally:
        cloud.simulator.faults.release_hanging()
        await cloud.server.close()
