"""`scripts/develop`: the simulator and Home Assistant with the integration, ready to click.

The first run onboards a fresh Home Assistant in `config/` and adds an Izypower Cloud
entry pointed at the simulator; later runs reuse both and only start the processes.
The simulator keeps its account in `config/simulator.state`, so counters go on across
runs. Typing `s` + Enter (in a terminal, or through a pipe) stops or starts the
simulator alone (an outage to show), `r` restarts it; Ctrl-C stops everything. The
options are read first (`develop_options.py`, before `scripts/setup`).
"""

import argparse
import asyncio
from contextlib import suppress
from dataclasses import asdict, dataclass
import json
import os
from pathlib import Path
import secrets
import shutil
import signal
import socket
import sys
import threading
import time
from typing import Any

import aiohttp
from homeassistant.const import RESTART_EXIT_CODE

from . import ha_harness
from .develop_options import parse_args
from .ha_harness import (
    DOMAIN,
    LOOPBACK,
    HarnessError,
    HomeAssistantClient,
    ManagedProcess,
    Owner,
)

# What scripts/develop remembers between runs; config/ is git-ignored.
STATE_FILE = "izypower_develop.json"
# The simulator's account (counters, history), kept between runs (--fresh deletes it).
SIMULATOR_STATE_FILE = "simulator.state"
# The simulator's fixture account (tests/fixtures/account) and its default password.
SIMULATOR_USERNAME = "camille.exemple@example.org"
SIMULATOR_PASSWORD = "izypower-demo"
# Integrations useful when looking at a solar installation.
EXTRA_INTEGRATIONS = ("history", "logbook", "energy")


def _say(text: str) -> None:
    """Talk to the developer: this command's output is its user interface."""
    print(text, flush=True)  # noqa: T201


@dataclass(kw_only=True)
class DevelopState:
    """The owner account and simulator URL of the instance in the config dir."""

    username: str
    password: str
    simulator_url: str = ""

    @classmethod
    def load(cls, config_dir: Path) -> DevelopState | None:
        """Return the saved state, or None on a config dir this command did not set up."""
        try:
            saved = json.loads((config_dir / STATE_FILE).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        return cls(**saved)

    def save(self, config_dir: Path) -> None:
        """Write the state, readable by the developer only (it holds a password)."""
        path = config_dir / STATE_FILE
        path.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")
        path.chmod(0o600)


def _check_port_free(port: int, what: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # Like the servers themselves: connections of a previous run still in
        # TIME_WAIT do not make the port busy.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((LOOPBACK, port))
        except OSError:
            raise HarnessError(
                f"port {port} for {what} is in use (is another scripts/develop or Home "
                "Assistant running?); choose another one with the options of --help"
            ) from None


async def ensure_owner(
    client: HomeAssistantClient,
    config_dir: Path,
    state: DevelopState | None,
    *,
    offline: bool,
) -> DevelopState:
    """Onboard a fresh instance, or log in to the one onboarded by an earlier run."""
    steps = await client.onboarding_steps()
    if steps is not None and not steps["user"]:
        state = DevelopState(username="dev", password=secrets.token_urlsafe(12))
        await client.create_owner(
            Owner(name="Developer", username=state.username, password=state.password)
        )
        state.save(config_dir)
        _say(f"Onboarded Home Assistant with the owner {state.username!r}.")
    elif state is None:
        raise HarnessError(
            f"{config_dir} holds a Home Assistant onboarded without scripts/develop, so "
            "its password is unknown here; use --fresh to start over or --config to "
            "use another directory"
        )
    else:
        await client.log_in(state.username, state.password)
    await client.finish_onboarding(core_config=not offline)
    return state


async def ensure_entry(
    client: HomeAssistantClient,
    config_dir: Path,
    state: DevelopState,
    simulator_url: str,
) -> None:
    """Add the Izypower Cloud entry, unless one already talks to this simulator."""
    entries = await client.config_entries()
    if entries and state.simulator_url == simulator_url:
        _say(f"Reusing the Izypower Cloud entry {entries[0]['title']!r}.")
        return
    for entry in entries:
        # It points at a simulator on another port: a new entry is simpler than
        # reconfiguring and shows the config flow working.
        await client.delete_config_entry(entry["entry_id"])
    entry = await client.run_config_flow(
        DOMAIN,
        {
            "username": SIMULATOR_USERNAME,
            "password": SIMULATOR_PASSWORD,
            "api_url": simulator_url,
        },
    )
    state.simulator_url = simulator_url
    state.save(config_dir)
    _say(f"Added the Izypower Cloud entry {entry['title']!r} for {simulator_url}.")


KEYS_HELP = (
    "Type s and Enter to stop or start the simulator (a cloud outage; Home "
    "Assistant keeps running), r and Enter to restart it, Ctrl-C to stop both."
)
# Said once when stdin closes (started with </dev/null, say): no key can come any more.
NO_KEYS = (
    "Standard input is closed: the s and r keys are off (they work from a terminal "
    "or a pipe). Ctrl-C to stop both."
)


@dataclass(kw_only=True)
class Children:
    """The two processes scripts/develop runs, and how to start each again."""

    config_dir: Path
    simulator_args: list[str]
    simulator_port: int
    hass: ManagedProcess
    # The fixture directory served; None when `simulator_args` name the account.
    account_dir: Path | None = ha_harness.FIXTURE_ACCOUNT_DIR
    # None while the developer keeps the cloud down.
    simulator: ManagedProcess | None = None

    async def start_simulator(self) -> str:
        """Start the simulator on its port (the entry's URL); return its API URL."""
        self.simulator = ha_harness.start_simulator(
            self.simulator_port,
            self.config_dir / "simulator.log",
            account_dir=self.account_dir,
            extra_args=self.simulator_args,
        )
        return await ha_harness.wait_for_simulator(self.simulator)

    def stop_simulator(self) -> None:
        """Stop the simulator (it saves its state on the way out)."""
        if self.simulator is not None:
            self.simulator.stop()
            self.simulator = None

    async def obey(self, command: str) -> None:
        """Carry out one command typed by the developer."""
        match command.strip().lower():
            case "s" if self.simulator is not None:
                self.stop_simulator()
                _say("Simulator stopped: Home Assistant now sees a cloud outage.")
            case "s":
                _say(f"Simulator started again: {await self.start_simulator()}")
            case "r":
                self.stop_simulator()
                _say("Restarting the simulator (it saved its state)...")
                _say(f"Simulator restarted: {await self.start_simulator()}")
            case "":
                pass
            case _:
                _say(KEYS_HELP)

    def check(self) -> None:
        """Restart Home Assistant when it asked to; report a simulator that stopped.

        `hass` run by hand exits with RESTART_EXIT_CODE on Settings -> Restart and
        expects whoever started it to start it again. A simulator that stops only
        takes the cloud down: Home Assistant keeps running and shows the outage.
        """
        if not self.hass.running():
            if self.hass.popen.returncode != RESTART_EXIT_CODE:
                raise HarnessError(
                    f"{self.hass.name} stopped on its own (code "
                    f"{self.hass.popen.returncode})\n{self.hass.log_tail()}"
                )
            self.hass.stop()
            _say("Home Assistant asked for a restart: restarting it.")
            self.hass = _start_home_assistant(self.config_dir)
        if self.simulator is not None and not self.simulator.running():
            _say(
                f"The simulator stopped on its own (code "
                f"{self.simulator.popen.returncode}); Home Assistant keeps running. "
                f"Its log: {self.simulator.log_path}. Type s and Enter to start it."
            )
            self.stop_simulator()


def _read_commands() -> asyncio.Queue[str | None]:
    """Queue the lines typed or piped on stdin, then None once it is closed.

    A thread reads, so any stdin works (a terminal, a pipe, a file); it is a daemon
    thread, which a blocked read never keeps alive at exit.
    """
    loop = asyncio.get_running_loop()
    commands: asyncio.Queue[str | None] = asyncio.Queue()

    def put(line: str | None) -> None:
        with suppress(RuntimeError):  # the loop closed while the thread read
            loop.call_soon_threadsafe(commands.put_nowait, line)

    def read() -> None:
        with suppress(OSError, ValueError):
            for line in sys.stdin or ():
                put(line)
        put(None)

    threading.Thread(target=read, name="develop-keys", daemon=True).start()
    return commands


async def _supervise(children: Children, commands: asyncio.Queue[str | None]) -> None:
    """Keep both running until Ctrl-C, carrying out the developer's commands."""
    while True:
        with suppress(TimeoutError):
            async with asyncio.timeout(1):
                command = await commands.get()
                if command is None:
                    _say(NO_KEYS)
                else:
                    await children.obey(command)
        children.check()


def _start_home_assistant(config_dir: Path) -> ManagedProcess:
    return ha_harness.start_home_assistant(
        config_dir, config_dir / "home-assistant.console.log"
    )


def _prepare_config_dir(args: argparse.Namespace) -> tuple[Path, DevelopState | None]:
    """Check the ports, write the configuration; return it with the saved state."""
    config_dir: Path = args.config.resolve()
    if args.fresh and config_dir.exists():
        shutil.rmtree(config_dir)
        _say(f"Deleted {config_dir}.")
    _check_port_free(args.port, "Home Assistant")
    _check_port_free(args.simulator_port, "the simulator")
    state = DevelopState.load(config_dir)
    ha_harness.write_config(
        config_dir, args.port, extra_integrations=EXTRA_INTEGRATIONS
    )
    return config_dir, state


async def develop(args: argparse.Namespace, started_at: float) -> None:
    """Start everything, set it up, and wait for Ctrl-C."""
    # Deleting a whole Home Assistant config dir takes seconds: not on the event loop.
    config_dir, state = await asyncio.to_thread(_prepare_config_dir, args)
    children = Children(
        config_dir=config_dir,
        simulator_port=args.simulator_port,
        account_dir=None if args.export else ha_harness.FIXTURE_ACCOUNT_DIR,
        # Today, like the Home Assistant asking for it; the counters go on from the
        # last run (the state file), or on a fresh config dir from the account's,
        # moved to today's date and season.
        simulator_args=[
            *(("--export", str(args.export)) if args.export else ()),
            "--start",
            "now",
            "--time-scale",
            str(args.time_scale),
            "--state-file",
            str(config_dir / SIMULATOR_STATE_FILE),
        ],
        hass=_start_home_assistant(config_dir),
    )
    base_url = f"http://{LOOPBACK}:{args.port}"
    simulator_url = await children.start_simulator()
    _say(f"Simulator: {simulator_url} (time scale {args.time_scale:g}).")
    _say("Starting Home Assistant...")
    async with aiohttp.ClientSession() as session:
        await ha_harness.wait_for_home_assistant(session, base_url, children.hass)
        client = HomeAssistantClient(session, base_url)
        state = await ensure_owner(client, config_dir, state, offline=args.offline)
        await ha_harness.wait_until_running(client, children.hass)
        await ensure_entry(client, config_dir, state, simulator_url)
        entities = await ha_harness.wait_for_entities(client, children.hass)
    elapsed = time.time() - started_at
    _say(
        "\n"
        f"Home Assistant is ready: {base_url}\n"
        f"  log in as {state.username!r} with the password {state.password!r}\n"
        f"  {len(entities)} Izypower Cloud entities visible {elapsed:.1f} s after "
        "the command started\n"
        f"  logs: {config_dir / 'home-assistant.log'}, {config_dir / 'simulator.log'}\n"
        f"  simulator admin: {simulator_url.rsplit('/', 1)[0]}/_simulator/state\n"
        f"{KEYS_HELP}"
    )
    await _supervise(children, _read_commands())


def main(argv: list[str] | None = None) -> int:
    """Run `scripts/develop`; return the exit code."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    # scripts/develop passes the moment it started, so the time includes the setup.
    started_at = float(os.environ.get("IZYPOWER_DEVELOP_STARTED_AT") or time.time())

    def stop_on_signal(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    # A closed terminal or `kill` stops the children too, not just this process.
    signal.signal(signal.SIGTERM, stop_on_signal)
    signal.signal(signal.SIGHUP, stop_on_signal)
    try:
        asyncio.run(develop(args, started_at))
    except KeyboardInterrupt:
        _say("\nStopping the simulator and Home Assistant...")
        return 0
    except HarnessError as err:
        _say(f"scripts/develop: {err}")
        return 1
    finally:
        with suppress(KeyboardInterrupt):
            ha_harness.stop_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
