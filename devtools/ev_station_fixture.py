"""`python -m devtools.ev_station_fixture DIR`: write tests/fixtures/ev_station/.

The simulator generates a station with a smart meter, a master/slave pair of Titans
(one Link module each) and an EV charger, running from midnight to the example
account's reading time (2026-07-14 13:39 Europe/Paris); the integration's own client reads every endpoint of
it (the data export's list of reads, `api.raw.station_reads`) and each answer is saved
as the fixture file the cloud mock serves for that call (tests/fixtures/account/
README.md, "File -> call"; the EV charger's reads as `ev_*_{sn}.json`).
"""

import argparse
import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
import json
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer

from custom_components.izypower_cloud.api import IzypowerClient, station_reads
from izypower_simulator import (
    Layout,
    SimClock,
    SimulatorConfig,
    create_app,
    generate_account,
)
from izypower_simulator.export import export_files
from izypower_simulator.generator import DEFAULT_USERNAME
from izypower_simulator.simulator import DEFAULT_PASSWORD

# The example account's day (from local midnight) and reading time (its `lastUpdate`).
MIDNIGHT = datetime(2026, 7, 13, 22, 0, tzinfo=UTC)
READING_TIME = datetime(2026, 7, 14, 11, 39, tzinfo=UTC)
SEED = 14
# Reads export_files does not name (the EV charger's), by read name suffix.
_EV_FILES = {
    "ev_charger": "ev_charger_{sn}.json",
    "ev_settings": "battery_cmd_{sn}.json",
    "ev_derate": "ev_derate_{sn}.json",
    "ev_options": "ev_options_{sn}.json",
}


async def read_station() -> dict[str, Any]:
    """Serve the generated station and return every fixture file of it, by name."""
    account = generate_account(
        1,
        3,
        start=MIDNIGHT,
        seed=SEED,
        layout=Layout.BATTERY,
        ev_charger=True,
    )
    # The station runs from midnight: its day counters hold the morning's energy.
    clock = SimClock(MIDNIGHT, time_scale=0.0)
    clock.advance((READING_TIME - MIDNIGHT).total_seconds())
    app = create_app(account, clock, SimulatorConfig())
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as session:
            client = IzypowerClient(
                session,
                DEFAULT_USERNAME,
                DEFAULT_PASSWORD,
                base_url=str(server.make_url("/photo_voltaic")),
            )
            (station,) = await client.get_stations()
            devices = await client.get_devices(station.station_id)
            reads = {
                read.name: {"answer": await client.get_raw(read)}
                for read in station_reads(
                    station.station_id, devices, READING_TIME.date()
                )
            }
    finally:
        await server.close()
    files = export_files({"station": station.station_id, "reads": reads})
    files["stations_page_1.json"] = reads["station_list"]["answer"]
    for index, device in enumerate(devices, start=1):
        for read, pattern in _EV_FILES.items():
            if (answer := reads.get(f"device_{index}_{read}")) is not None:
                files[pattern.format(sn=device.serial)] = answer["answer"]
    if (priority := reads.get("ev_priority")) is not None:
        files[f"ev_priority_{station.station_id}.json"] = priority["answer"]
    return files


def main(argv: Sequence[str] | None = None) -> int:
    """Write the fixture files into the directory given."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    args = parser.parse_args(argv)
    directory: Path = args.directory
    directory.mkdir(parents=True, exist_ok=True)
    for name, body in sorted(asyncio.run(read_station()).items()):
        text = json.dumps(body, indent=2, ensure_ascii=False) + "\n"
        (directory / name).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
