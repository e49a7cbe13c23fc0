"""Fixtures of the energy history tests: a real recorder, the simulator in process.

Every test here runs Home Assistant with its recorder, started before Home Assistant's
other fixtures (it must come first). The simulator runs on a loopback test server
inside the test's event loop; its clock is frozen and moved together with Home
Assistant's (`SimulatedCloud.advance`), so the cloud's `lastUpdate`, its midnight
rollovers and Home Assistant's timers agree.
"""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
import logging
from typing import Any

from aiohttp.test_utils import TestServer
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder import Recorder
from homeassistant.components.recorder.statistics import statistics_during_period
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.izypower_cloud import PLATFORMS
from custom_components.izypower_cloud.api import EnergySeries, wire as wire_module
from custom_components.izypower_cloud.const import (
    CONF_API_URL,
    CONF_REFRESH_PERIOD,
    DOMAIN,
)
from custom_components.izypower_cloud.history.statistics import (
    STATISTIC_SERIES,
    EvSeries,
    statistic_id,
)
from izypower_simulator import (
    Account,
    SimClock,
    SimulatorConfig,
    create_app,
    load_account,
)
from izypower_simulator.simulator import SIMULATOR_KEY, Simulator
from tests.conftest import ACCOUNT_DIR

# pytest-homeassistant-custom-component sets the SQL engine's logger to INFO when it is
# imported: the recorder's statements (tens of thousands here) would flood the output.
logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)

TIME_ZONE = "Europe/Paris"
PASSWORD = "izypower-demo"
STEP = timedelta(minutes=15)
# The refresh period of the tests that run through days, and their step.
HOURLY = 60
HOUR_STEP = timedelta(hours=1)
# The series with a statistic of each station of the fixture account: 81234 has Titans,
# 81235 only micro-inverters (no battery, so no battery statistics).
# Every series but the EV charger's (no station of the fixture account has one).
NO_EV = tuple(one for one in STATISTIC_SERIES if one is not EvSeries.EV)
FIXTURE_SERIES = {
    81234: NO_EV,
    # Micro-inverters only: no battery, no meter (grid and consumption).
    81235: (EnergySeries.PRODUCTION,),
}
FIXTURE_IDS = {
    statistic_id(station_id, one)
    for station_id, series in FIXTURE_SERIES.items()
    for one in series
}


@dataclass
class SimulatedCloud:
    """A running simulator and the clock it shares with Home Assistant."""

    hass: HomeAssistant
    freezer: FrozenDateTimeFactory
    simulator: Simulator
    url: str

    def entry(self, refresh_minutes: int = 15) -> MockConfigEntry:
        """Return a config entry of the simulated account."""
        username = self.simulator.username
        return MockConfigEntry(
            domain=DOMAIN,
            title=username,
            unique_id=username,
            data={
                CONF_USERNAME: username,
                CONF_PASSWORD: PASSWORD,
                CONF_API_URL: self.url,
            },
            options={CONF_REFRESH_PERIOD: refresh_minutes},
        )

    async def set_up(self, refresh_minutes: int = 15) -> MockConfigEntry:
        """Set up the simulated account and wait for the first import to finish.

        Tests that run through days refresh hourly (the longest period allowed), in
        hour steps: the rules do not depend on the period, the test's time does.
        """
        entry = self.entry(refresh_minutes)
        entry.add_to_hass(self.hass)
        assert await self.hass.config_entries.async_setup(entry.entry_id)
        await self.hass.async_block_till_done(wait_background_tasks=True)
        return entry

    def jump(self, delta: timedelta) -> None:
        """Move both clocks without letting Home Assistant's timers run."""
        self.freezer.tick(delta)
        self.simulator.clock.advance(delta.total_seconds())

    async def advance(self, delta: timedelta) -> None:
        """Move both clocks and let every refresh and statistic write finish."""
        self.jump(delta)
        async_fire_time_changed(self.hass)
        await self.hass.async_block_till_done(wait_background_tasks=True)

    async def advance_by(self, delta: timedelta, step: timedelta = STEP) -> None:
        """Advance in refresh-sized steps."""
        while delta > timedelta(0):
            await self.advance(min(step, delta))
            delta -= step


type CloudFactory = Callable[..., Awaitable[SimulatedCloud]]


@pytest.fixture
async def loop_debug_off(enable_event_loop_debug: None) -> None:
    """Turn the event loop's debug mode off again (Home Assistant's plugin turns it on).

    For the tests that run through days of refreshes: in debug mode asyncio records a
    traceback for every callback it schedules, which cost them a third of their time.
    The short tests of the same code (test_statistics_rules.py, test_offset_days.py)
    keep it.
    """
    asyncio.get_running_loop().set_debug(False)


@pytest.fixture
def recorder_config() -> dict[str, Any]:
    """Record no entity states: these tests read statistics only.

    Every refresh changes the states of some 200 entities; writing them all made the
    recorder the slowest part of these tests. The statistics the integration imports
    are not entity states: the recorder still writes every one of them.
    """
    return {"exclude": {"domains": [str(platform) for platform in PLATFORMS]}}


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None
) -> None:
    """Start the recorder before Home Assistant's other fixtures."""


@pytest.fixture
async def start_cloud(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    monkeypatch: pytest.MonkeyPatch,
    socket_enabled: None,
) -> AsyncIterator[CloudFactory]:
    """Start simulators serving an account (the fixture's) moved to a start instant.

    Home Assistant is in Paris at that instant. The event loop's clock is frozen too:
    a simulated latency needs a `sleep` that waits in real time.
    """
    monkeypatch.setattr(wire_module, "BACKOFF_BASE", 0.0)
    monkeypatch.setattr(wire_module, "BACKOFF_JITTER", 0.0)
    await hass.config.async_set_time_zone(TIME_ZONE)
    servers: list[TestServer] = []

    async def start(
        at: datetime,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        account: Account | None = None,
    ) -> SimulatedCloud:
        freezer.move_to(at)
        if account is None:
            account = load_account(ACCOUNT_DIR, start=at)
        clock = SimClock(account.time, time_scale=0.0)
        kwargs: dict[str, Any] = {} if sleep is None else {"sleep": sleep}
        app = create_app(account, clock, SimulatorConfig(), **kwargs)
        # No access log: aiohttp's reads the local time zone, which freezegun breaks.
        server = TestServer(app, access_log=None)
        await server.start_server()
        servers.append(server)
        return SimulatedCloud(
            hass, freezer, app[SIMULATOR_KEY], str(server.make_url("/photo_voltaic"))
        )

    yield start
    for server in servers:
        await server.close()


async def statistic_rows(
    hass: HomeAssistant, ids: set[str], period: str, types: set[Any]
) -> dict[str, Any]:
    """Return the rows of these statistics from 2025 on, once every write is done."""
    await async_wait_recording_done(hass)
    return await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        datetime(2025, 1, 1, tzinfo=UTC),
        None,
        ids,
        period,
        None,
        types,
    )


async def import_history(hass: HomeAssistant, **data: str) -> dict[str, Any]:
    """Call `import_history` (target and dates as strings); return its response."""
    response = await hass.services.async_call(
        DOMAIN, "import_history", data, blocking=True, return_response=True
    )
    assert response is not None
    return response


def report_totals(cloud: SimulatedCloud, station_id: int, day: str) -> dict[str, Any]:
    """Return the simulator's truth for a closed day, as its report serves it."""
    station = cloud.simulator.account.station(station_id)
    assert station is not None
    return {
        series: round(float(value), 2)
        for series, value in cloud.simulator.past.totals(station, "day", day).items()
    }
