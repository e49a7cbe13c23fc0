"""Command line: `python -m izypower_simulator --port N --account DIR ...`."""

import argparse
import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
import logging
from pathlib import Path
import signal
from typing import Any

from aiohttp import web

from .app import create_app
from .clock import SimClock
from .export import load_export
from .faults import GLITCH_MODES, FaultConfig, FaultConfigError
from .generator import generate_account
from .loader import COUNTERS_SEASON, COUNTERS_SNAPSHOT, load_account
from .model import DEFAULT_LOCATION, DEFAULT_TIME_ZONE, Account
from .persistence import StateFileError, load_state, resume_instant, save_state
from .routes import BASE_PATH, ENDPOINTS
from .simulator import DEFAULT_PASSWORD, SIMULATOR_KEY, Simulator, SimulatorConfig

SHUTDOWN_TIMEOUT_S = 2.0
# The cloud shows a new setting minutes after the write (API notes: ~3 min behind).
DEFAULT_WRITE_LAG_S = 60.0
# Wall seconds between two saves of --state-file (a crash loses at most this much).
SAVE_INTERVAL_S = 60.0


def build_parser() -> argparse.ArgumentParser:
    """Describe every option."""
    parser = argparse.ArgumentParser(
        prog="python -m izypower_simulator",
        description="Live simulator of the Izypower Cloud API (loopback, for tests and development).",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--account", metavar="DIR", help="fixture directory to serve")
    source.add_argument("--stations", type=int, metavar="N", help="generate N stations")
    source.add_argument(
        "--export",
        metavar="FILE",
        help="serve one station of an owner's export_data response (JSON or YAML)",
    )
    parser.add_argument(
        "--devices",
        type=int,
        default=3,
        metavar="M",
        help="devices per generated station (default 3)",
    )
    parser.add_argument(
        "--ev-charger",
        action="store_true",
        help="give every generated station an EV charger (with its settings)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed of the generated account and of random faults",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)"
    )
    parser.add_argument(
        "--port", type=int, default=0, help="TCP port; 0 picks a free one (default)"
    )
    parser.add_argument(
        "--time-scale",
        type=float,
        default=1.0,
        metavar="X",
        help="simulated seconds per real second; 0 freezes (default 1)",
    )
    parser.add_argument(
        "--start",
        metavar="ISO|now",
        help="simulated start instant (default: the fixture snapshot, or now for a generated account)",
    )
    parser.add_argument(
        "--location",
        type=_location,
        default=DEFAULT_LOCATION,
        metavar="LAT,LON",
        help=(
            "where the stations' sun shines, in degrees (default "
            f"{DEFAULT_LOCATION[0]:g},{DEFAULT_LOCATION[1]:g}, central France; "
            "give one that matches --time-zone)"
        ),
    )
    parser.add_argument(
        "--counters",
        choices=(COUNTERS_SEASON, COUNTERS_SNAPSHOT),
        default=COUNTERS_SEASON,
        help=(
            "a snapshot moved by --start: its day, month and year counters become "
            "those of the new date and season (season, default) or stay as loaded "
            "(snapshot)"
        ),
    )
    parser.add_argument(
        "--time-zone",
        default=DEFAULT_TIME_ZONE,
        help=f"stations' time zone (default {DEFAULT_TIME_ZONE})",
    )
    parser.add_argument(
        "--refresh-interval",
        type=float,
        default=180.0,
        metavar="S",
        help="simulated seconds between cloud data refreshes; 0 = continuous (default 180)",
    )
    parser.add_argument(
        "--token-lifetime",
        type=float,
        default=3600.0,
        metavar="S",
        help="token lifetime in real seconds (default 3600)",
    )
    parser.add_argument(
        "--username", help="accepted login (default: the account's e-mail)"
    )
    parser.add_argument(
        "--password",
        default=DEFAULT_PASSWORD,
        help=f"accepted password (default {DEFAULT_PASSWORD})",
    )
    parser.add_argument(
        "--max-page-size",
        type=int,
        default=100,
        help="largest page served (default 100)",
    )
    parser.add_argument(
        "--state-file",
        metavar="PATH",
        type=Path,
        help=(
            "keep the account's live state here: resumed at start (the account "
            "options are then only used when the file does not exist), saved every "
            f"{SAVE_INTERVAL_S:g} s and at exit"
        ),
    )
    parser.add_argument("--verbose", action="store_true", help="log every request")
    faults = parser.add_argument_group(
        "faults (all can be changed at run time via /_simulator/faults)"
    )
    faults.add_argument(
        "--latency-ms", type=float, default=0.0, help="delay added to every API request"
    )
    faults.add_argument(
        "--error-rate",
        type=float,
        default=0.0,
        help="fraction of requests answering HTTP 500",
    )
    faults.add_argument(
        "--html-error-rate",
        type=float,
        default=0.0,
        help="fraction answering HTTP 502 with an HTML body",
    )
    faults.add_argument(
        "--hang-rate", type=float, default=0.0, help="fraction of requests that hang"
    )
    faults.add_argument(
        "--hang-seconds",
        type=float,
        default=600.0,
        help="how long a hanging request hangs (default 600)",
    )
    faults.add_argument(
        "--malformed-json-rate",
        type=float,
        default=0.0,
        help="fraction answering truncated JSON",
    )
    faults.add_argument(
        "--force-401",
        type=int,
        default=0,
        metavar="N",
        help="answer 401 to the next N authenticated requests",
    )
    faults.add_argument(
        "--fail-endpoint",
        action="append",
        default=[],
        choices=sorted(ENDPOINTS),
        metavar="NAME",
        help=f"endpoint that always answers 500 (repeatable): {', '.join(sorted(ENDPOINTS))}",
    )
    faults.add_argument(
        "--counter-glitch",
        choices=GLITCH_MODES,
        help="counters dip, read 0 or read null",
    )
    faults.add_argument(
        "--counter-glitch-periods",
        default="day",
        help="comma-separated periods the glitch affects (default day)",
    )
    faults.add_argument(
        "--midnight-lag",
        type=float,
        default=0.0,
        metavar="S",
        help="simulated seconds after midnight during which yesterday's counters are still shown",
    )
    faults.add_argument(
        "--write-lag",
        type=float,
        default=DEFAULT_WRITE_LAG_S,
        metavar="S",
        help="simulated seconds before an accepted write shows in reads and physics "
        f"(default {DEFAULT_WRITE_LAG_S:g}; 0 = at once)",
    )
    faults.add_argument(
        "--writes-never-apply",
        action="store_true",
        help="writes answer success but change nothing",
    )
    return parser


def _location(text: str) -> tuple[float, float]:
    """Parse `LAT,LON` in degrees."""
    try:
        latitude, longitude = (float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not LAT,LON: {text!r}") from None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise argparse.ArgumentTypeError(f"outside the globe: {text!r}")
    return latitude, longitude


def _fault_config(args: argparse.Namespace) -> FaultConfig:
    config = FaultConfig()
    changes: dict[str, Any] = {
        "latency_ms": args.latency_ms,
        "error_rate": args.error_rate,
        "html_error_rate": args.html_error_rate,
        "hang_rate": args.hang_rate,
        "hang_seconds": args.hang_seconds,
        "malformed_json_rate": args.malformed_json_rate,
        "force_401": args.force_401,
        "failing_endpoints": args.fail_endpoint,
        "counter_glitch": args.counter_glitch,
        "counter_glitch_periods": [
            p.strip() for p in args.counter_glitch_periods.split(",") if p.strip()
        ],
        "midnight_lag_s": args.midnight_lag,
        "write_lag_s": args.write_lag,
        "writes_never_apply": args.writes_never_apply,
    }
    config.update(changes, ENDPOINTS)
    return config


def _start(args: argparse.Namespace) -> datetime | None:
    if args.start is None:
        return None
    start = datetime.fromisoformat(args.start)
    if start.tzinfo is None:
        raise ValueError("--start needs a UTC offset, e.g. 2026-07-14T13:39:00+02:00")
    return start


def _account(args: argparse.Namespace, start: datetime | None) -> Account:
    if args.account is not None:
        return load_account(
            args.account,
            time_zone=args.time_zone,
            start=start,
            counters=args.counters,
            location=args.location,
        )
    if args.export is not None:
        return load_export(
            args.export,
            time_zone=args.time_zone,
            start=start,
            counters=args.counters,
            location=args.location,
        )
    return generate_account(
        args.stations,
        args.devices,
        start=start,
        seed=args.seed,
        time_zone=args.time_zone,
        ev_charger=args.ev_charger,
        location=args.location,
    )


def _url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}{BASE_PATH}"


def _resumed_or_new(args: argparse.Namespace) -> tuple[Account, datetime]:
    """Return the account to serve and the instant its clock starts at."""
    start = _start(args) if args.start != "now" else datetime.now(UTC)
    saved = None if args.state_file is None else load_state(args.state_file)
    if saved is not None:
        when = resume_instant(saved, start or saved.time)
        print(  # noqa: T201 - the command's own output
            f"izypower-simulator: resuming {args.state_file} (saved at "
            f"{saved.time:%Y-%m-%d %H:%M:%S %Z})",
            flush=True,
        )
        return saved, when
    account = _account(args, start)
    return account, account.time


async def _save_periodically(simulator: Simulator, path: Path) -> None:
    while True:
        await asyncio.sleep(SAVE_INTERVAL_S)
        simulator.sync()
        save_state(simulator.account, path)


async def serve(args: argparse.Namespace) -> None:
    """Run until SIGINT or SIGTERM, then shut down cleanly (saving the state)."""
    account, start = _resumed_or_new(args)
    clock = SimClock(start, time_scale=args.time_scale, sky_lead=account.sky_lead)
    config = SimulatorConfig(
        username=args.username,
        password=args.password,
        token_lifetime_s=args.token_lifetime,
        refresh_interval_s=args.refresh_interval,
        max_page_size=args.max_page_size,
        faults=_fault_config(args),
        seed=args.seed,
    )
    app = create_app(account, clock, config)
    simulator = app[SIMULATOR_KEY]
    runner = web.AppRunner(
        app,
        access_log=logging.getLogger("aiohttp.access") if args.verbose else None,
        shutdown_timeout=SHUTDOWN_TIMEOUT_S,
    )
    await runner.setup()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    saver = None
    try:
        site = web.TCPSite(runner, args.host, args.port)
        await site.start()
        port = runner.addresses[0][1]
        print(f"izypower-simulator listening on {_url(args.host, port)}", flush=True)
        if args.state_file is not None:
            saver = asyncio.create_task(_save_periodically(simulator, args.state_file))
        await stop.wait()
    finally:
        # Handlers stay installed during cleanup: a second signal must not kill us mid-way.
        await runner.cleanup()
        if saver is not None:
            saver.cancel()
            simulator.sync()
            save_state(simulator.account, args.state_file)
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.verbose:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if args.stations is not None and (args.stations < 1 or args.devices < 1):
        parser.error("--stations and --devices must be >= 1")
    try:
        asyncio.run(serve(args))
    except (FaultConfigError, StateFileError, ValueError, OSError) as err:
        parser.exit(2, f"izypower-simulator: error: {err}\n")
    return 0
