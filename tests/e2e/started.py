"""The start-up shared by the end-to-end tests: the simulator and Home Assistant running.

`started_demo` starts both processes, yields once the simulator answers, and adds the
entry when asked to (after onboarding the owner); when the test's block ends without
error it checks that the integration logged no warning or error. `Simulator` talks to
the simulator's admin API.
"""

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
import time
from typing import Any

import aiohttp

from devtools import ha_harness
from devtools.ha_harness import HomeAssistantClient, Owner

OWNER = Owner(name="End to end", username="e2e", password="e2e-not-a-secret")
SIMULATOR_LOGIN = {
    "username": "camille.exemple@example.org",
    "password": "izypower-demo",
}
# The fixture account moved to today (Home Assistant asks for today's data) and frozen
# there, its counters as loaded; every request sees the current state.
FROZEN_TODAY = (
    *("--start", "now", "--counters", "snapshot"),
    *("--time-scale", "0", "--refresh-interval", "0"),
)


class Simulator:
    """The simulator's admin API, and its cloud API where the admin API is silent."""

    def __init__(self, session: aiohttp.ClientSession, api_url: str) -> None:
        """Talk to the simulator whose cloud API lives at `api_url`."""
        self._session = session
        self.api_url = api_url
        self.admin_url = api_url.rsplit("/", 1)[0] + "/_simulator"

    async def _json(self, method: str, url: str, **kwargs: Any) -> Any:
        async with self._session.request(method, url, **kwargs) as response:
            assert response.status == 200, f"{method} {url}: {await response.text()}"
            return await response.json()

    async def state(self, changes: dict[str, Any] | None = None) -> dict[str, Any]:
        """Return the live state, after applying `changes` when given."""
        if changes is None:
            return await self._json("GET", f"{self.admin_url}/state")  # type: ignore[no-any-return]
        return await self._json("POST", f"{self.admin_url}/state", json=changes)  # type: ignore[no-any-return]

    async def advance(self, seconds: float) -> None:
        """Move simulated time forward."""
        await self._json(
            "POST", f"{self.admin_url}/clock", json={"advance_seconds": seconds}
        )

    async def temperature(self, serial: str, day: str) -> float | None:
        """Return the last temperature the cloud API serves for `day`, if any."""
        login = await self._json(
            "POST", f"{self.api_url}/api/login", json=SIMULATOR_LOGIN
        )
        series = await self._json(
            "GET",
            f"{self.api_url}/api/report/device/data/{serial}",
            params={"searchTime": day, "timeType": "day", "dataFlag": "temp"},
            headers={"x-tts-access-token": login["data"]["token"]},
        )
        points = series["data"][0]["data"] if series["data"] else []
        return float(points[-1]["val"]) if points else None


def simulated_device(state: dict[str, Any], serial: str) -> dict[str, Any]:
    """Return the device `serial` of the simulator's state."""
    for station in state["stations"]:
        for found in station["devices"]:
            if found["serial"] == serial:
                return found  # type: ignore[no-any-return]
    raise AssertionError(f"{serial} missing from the simulator state")


@dataclass
class Demo[SimulatorT: Simulator]:
    """The running simulator and Home Assistant of one test."""

    session: aiohttp.ClientSession
    simulator: SimulatorT
    simulator_process: ha_harness.ManagedProcess
    hass: ha_harness.ManagedProcess
    base_url: str
    login: Mapping[str, str]
    owner: Owner
    # time.monotonic() when Home Assistant first answered (set by add_entry).
    answered: float = field(default=0.0)

    @property
    def processes(self) -> tuple[ha_harness.ManagedProcess, ha_harness.ManagedProcess]:
        """Both processes, Home Assistant first (what the waits watch)."""
        return self.hass, self.simulator_process

    async def add_entry(self) -> tuple[HomeAssistantClient, dict[str, Any]]:
        """Wait for Home Assistant, then onboard the owner and add the entry over REST."""
        await ha_harness.wait_for_home_assistant(self.session, self.base_url, self.hass)
        self.answered = time.monotonic()
        return await add_entry(
            HomeAssistantClient(self.session, self.base_url),
            self.hass,
            owner=self.owner,
            login={**self.login, "api_url": self.simulator.api_url},
        )


async def add_entry(
    client: HomeAssistantClient,
    hass: ha_harness.ManagedProcess,
    *,
    owner: Owner,
    login: Mapping[str, str],
) -> tuple[HomeAssistantClient, dict[str, Any]]:
    """Onboard `owner` in Home Assistant (answering) and add the entry with `login`.

    Only the owner is created: finishing onboarding would set up integrations that go
    online. Returns the client and the entry.
    """
    await client.create_owner(owner)
    await ha_harness.wait_until_running(client, hass)
    return client, await client.run_config_flow(ha_harness.DOMAIN, login)


def assert_no_log_problems(hass: ha_harness.ManagedProcess) -> None:
    """Fail on any warning or error the integration logged."""
    assert_no_problems_in(hass.log_text())


def assert_no_problems_in(log_text: str) -> None:
    """Fail on any warning or error of the integration in Home Assistant's log."""
    problems = [
        line
        for line in log_text.splitlines()
        if f"custom_components.{ha_harness.DOMAIN}" in line
        and (" ERROR " in line or " WARNING " in line)
    ]
    assert not problems, "\n".join(problems)


@asynccontextmanager
async def started_demo[SimulatorT: Simulator](
    tmp_path: Path,
    simulator_args: Sequence[str],
    simulator_class: type[SimulatorT],
    *,
    extra_integrations: Sequence[str] = (),
    login: Mapping[str, str] = SIMULATOR_LOGIN,
    owner: Owner = OWNER,
    account_dir: Path | None = ha_harness.FIXTURE_ACCOUNT_DIR,
) -> AsyncIterator[Demo[SimulatorT]]:
    """Start the simulator (with `simulator_args`) and Home Assistant on loopback ports.

    Yields once the simulator answers (Home Assistant may still be starting). The log
    check runs only when the block ends without error: a failure is reported as is.
    The processes are stopped by the `stop_processes` fixture. `account_dir=None`
    serves a generated account (`simulator_args` name it).
    """
    simulator_port, ha_port = ha_harness.free_port(), ha_harness.free_port()
    simulator_process = ha_harness.start_simulator(
        simulator_port,
        tmp_path / "simulator.log",
        account_dir=account_dir,
        extra_args=simulator_args,
    )
    config_dir = ha_harness.write_config(
        tmp_path / "config", ha_port, extra_integrations=extra_integrations
    )
    hass = ha_harness.start_home_assistant(config_dir, tmp_path / "home-assistant.log")
    async with aiohttp.ClientSession() as session:
        api_url = await ha_harness.wait_for_simulator(simulator_process)
        yield Demo(
            session=session,
            simulator=simulator_class(session, api_url),
            simulator_process=simulator_process,
            hass=hass,
            base_url=f"http://{ha_harness.LOOPBACK}:{ha_port}",
            login=login,
            owner=owner,
        )
    assert_no_log_problems(hass)
