"""A Home Assistant started ahead of the end-to-end test that needs it.

The every-field Energy test can only validate clean once Home Assistant has compiled the
power sensors' 5-minute statistics, which it does on the wall clock (at :00, :05...):
up to 5 minutes of waiting. Started with the first end-to-end test of the same Home
Assistant release, that test's simulator and Home Assistant (entry added as in
`started_demo`) run beside the rest of the series, so the compile is usually done when
the test comes.

They run under a helper process, `python -m tests.e2e.ahead DIRECTORY` (pytest blocks
sockets between tests, which a thread of pytest's could not bear): it starts both, adds
the entry, prints `READY` and the URL, and stops both when it is stopped.
"""

import asyncio
from dataclasses import dataclass
import functools
from pathlib import Path
import re
import signal
import subprocess
import sys
from typing import Final

import aiohttp

from devtools import ha_harness
from devtools.benchmark import CLOUD_PASSWORD, CLOUD_USERNAME, OWNER
from devtools.ha_harness import ManagedProcess

from .started import add_entry

# The Home Assistant release that added the Energy dashboard's whole-home source.
HOME_SOURCE_RELEASE: Final = (2026, 11)
RELEASE_CODE: Final = (
    "from homeassistant.const import MAJOR_VERSION, MINOR_VERSION\n"
    "print(MAJOR_VERSION, MINOR_VERSION)"
)
# The every-field Energy test's simulator and entry.
ENERGY_SIMULATOR_ARGS: Final = (
    *("--start", "now", "--time-scale", "0"),
    *("--username", CLOUD_USERNAME, "--password", CLOUD_PASSWORD),
)
ENERGY_LOGIN: Final = {"username": CLOUD_USERNAME, "password": CLOUD_PASSWORD}
ENERGY_INTEGRATIONS: Final = ("recorder", "energy")
READY: Final = re.compile(r"ahead: ready at (?P<url>http://\S+)")
HASS_LOG: Final = "home-assistant.log"


@functools.cache
def home_assistant_release(python: str) -> tuple[int, int]:
    """Return (major, minor) of the Home Assistant that `python` runs."""
    found = subprocess.run(
        [python, "-c", RELEASE_CODE], capture_output=True, check=True, text=True
    )
    major, minor = found.stdout.split()
    return int(major), int(minor)


@dataclass
class Ahead:
    """The helper process and the directory of its processes' logs."""

    helper: ManagedProcess
    directory: Path

    def hass_log_text(self) -> str:
        """Return what Home Assistant logged so far."""
        path = self.directory / HASS_LOG
        return path.read_text(errors="replace") if path.exists() else ""

    async def wait_ready(self, give_up_after: float) -> str:
        """Wait until the helper added the entry; return Home Assistant's URL."""

        async def ready() -> str | None:
            found = READY.search(self.helper.log_text())
            return found["url"] if found else None

        return await ha_harness.poll_until(
            "Home Assistant started ahead",
            ready,
            give_up_after=give_up_after,
            watch=[self.helper],
        )


def start_energy_demo(directory: Path) -> Ahead:
    """Start the helper for the every-field Energy test; left out of `stop_all`.

    `hass` runs with `ha_harness.home_assistant_python()` (the environment is passed on).
    """
    helper = ha_harness.start_process(
        "energy test ahead",
        [sys.executable, "-m", "tests.e2e.ahead", str(directory)],
        directory / "ahead.log",
    )
    return Ahead(ha_harness.detach(helper), directory)


async def _run(directory: Path) -> None:
    simulator_port, ha_port = ha_harness.free_port(), ha_harness.free_port()
    simulator = ha_harness.start_simulator(
        simulator_port, directory / "simulator.log", extra_args=ENERGY_SIMULATOR_ARGS
    )
    config_dir = ha_harness.write_config(
        directory / "config", ha_port, extra_integrations=ENERGY_INTEGRATIONS
    )
    hass = ha_harness.start_home_assistant(config_dir, directory / HASS_LOG)
    base_url = f"http://{ha_harness.LOOPBACK}:{ha_port}"
    async with aiohttp.ClientSession() as session:
        api_url = await ha_harness.wait_for_simulator(simulator)
        await ha_harness.wait_for_home_assistant(session, base_url, hass)
        await add_entry(
            ha_harness.HomeAssistantClient(session, base_url),
            hass,
            owner=OWNER,
            login={**ENERGY_LOGIN, "api_url": api_url},
        )
    print(f"ahead: ready at {base_url}", flush=True)  # noqa: T201 - read by the test


def main(directory: str) -> None:
    """Start, add the entry, then run until stopped (which stops both processes)."""
    # SIGTERM ends the interpreter normally: ha_harness stops its processes at exit.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    asyncio.run(_run(Path(directory)))
    signal.pause()


if __name__ == "__main__":
    main(sys.argv[1])
