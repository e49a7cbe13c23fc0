"""`scripts/develop`'s options, readable before any setup.

`scripts/develop` runs this module with whatever Python it finds before it runs
`scripts/setup` (about a minute on a fresh clone), so `--help` and a mistyped option
answer at once: nothing here may need more than the standard library.
"""

import argparse
import os
from pathlib import Path
import sys

# The checkout's git-ignored config/ (ha_harness.REPO_ROOT, without importing it).
DEFAULT_CONFIG_DIR = Path(__file__).resolve().parents[1] / "config"


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Read the command line; every option also has an environment variable."""
    parser = argparse.ArgumentParser(
        prog="scripts/develop",
        description=(
            "Run the Izypower Cloud simulator and Home Assistant with the integration "
            "on this machine's loopback interface. Ctrl-C stops both."
        ),
    )
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("IZYPOWER_HA_PORT", "8123")),
        help="Home Assistant's port (default 8123, env IZYPOWER_HA_PORT)",
    )
    parser.add_argument(
        "--simulator-port",
        type=int,
        default=int(os.environ.get("IZYPOWER_SIMULATOR_PORT", "8124")),
        help="the simulator's port (default 8124, env IZYPOWER_SIMULATOR_PORT)",
    )
    parser.add_argument(
        "--time-scale",
        type=float,
        default=float(os.environ.get("IZYPOWER_TIME_SCALE", "1")),
        help=(
            "speed of the simulator's sun and load: 1 is real time, 60 makes a day "
            "of energy in 24 minutes (its data stay dated in real time), 0 freezes "
            "the values (env IZYPOWER_TIME_SCALE)"
        ),
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=Path(os.environ.get("IZYPOWER_CONFIG_DIR", DEFAULT_CONFIG_DIR)),
        help="Home Assistant's config dir, kept between runs (default config/)",
    )
    parser.add_argument(
        "--offline",
        action="store_true",
        default=os.environ.get("IZYPOWER_OFFLINE", "").lower() in {"1", "true", "yes"},
        help=(
            "leave onboarding's location step open: finishing it sets up Home "
            "Assistant's default weather, radio and text-to-speech integrations, which "
            "go online (env IZYPOWER_OFFLINE=1)"
        ),
    )
    parser.add_argument(
        "--export",
        type=Path,
        metavar="FILE",
        help=(
            "serve an owner's izypower_cloud.export_data response (JSON or YAML) "
            "instead of the example account; use a --config dir of its own"
        ),
    )
    parser.add_argument(
        "--fresh",
        action="store_true",
        help=(
            "delete the config dir first: new owner, new entry, empty history, the "
            "simulator's counters back to the example account's"
        ),
    )
    args = parser.parse_args(argv)
    if args.export is not None and not args.export.is_file():
        parser.error(f"--export: no file {args.export}")
    return args


if __name__ == "__main__":
    parse_args(sys.argv[1:])
