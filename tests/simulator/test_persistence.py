"""The simulator keeps its state across restarts: counters go on, the date catches up."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
import pickle

import aiohttp
import pytest

from izypower_simulator import load_account, physics
from izypower_simulator.persistence import (
    StateFileError,
    load_state,
    resume_instant,
    save_state,
)

from .conftest import ACCOUNT_DIR, PASSWORD, USERNAME
from .test_cli import _start, _stop

INFO = "/api/v3/powerStations/info/81234"


def test_saved_account_comes_back_whole(tmp_path: Path) -> None:
    """Counters, archived days, the date and the physics' lead survive a round trip."""
    account = load_account(ACCOUNT_DIR)
    physics.advance_account(
        account, account.time + timedelta(days=1), timedelta(hours=5)
    )
    path = tmp_path / "state" / "simulator.pickle"

    save_state(account, path)
    loaded = load_state(path)

    assert loaded is not None
    assert loaded.time == account.time
    assert loaded.sky_lead == timedelta(hours=5)
    station, again = account.stations[0], loaded.stations[0]
    assert again.counters == station.counters
    assert again.history == station.history
    assert again.time_zone == station.time_zone
    assert loaded.device_by_serial("IZT24A000101") is not None
    assert not path.with_name("simulator.pickle.partial").exists()


def test_missing_damaged_or_foreign_files(tmp_path: Path) -> None:
    """No file: nothing to resume; a file it cannot trust is an error, never half-read."""
    path = tmp_path / "state.pickle"
    assert load_state(path) is None

    path.write_bytes(b"not a pickle")
    with pytest.raises(StateFileError, match="damaged .*; delete it to start"):
        load_state(path)
    path.write_bytes(pickle.dumps({"format": 0, "account": None}))
    with pytest.raises(StateFileError, match="another simulator version"):
        load_state(path)
    path.write_bytes(pickle.dumps({"format": 1, "account": "x"}))
    with pytest.raises(StateFileError, match="no account"):
        load_state(path)


def test_a_resumed_clock_starts_at_now_or_later() -> None:
    """The date catches up with the requested start, never goes back."""
    account = load_account(ACCOUNT_DIR)
    later = account.time + timedelta(hours=3)

    assert resume_instant(account, later) == later
    assert resume_instant(account, account.time - timedelta(days=1)) == account.time


async def _lifetime_production(url: str) -> tuple[float, str]:
    async with aiohttp.ClientSession() as session:
        async with session.post(
            f"{url}/api/login", json={"username": USERNAME, "password": PASSWORD}
        ) as response:
            token = (await response.json())["data"]["token"]
        async with session.get(
            f"{url}{INFO}", headers={"x-tts-access-token": token}
        ) as response:
            info = await response.json()
    return float(info["extraData"]["production"]["all"]), info["lastUpdate"]


@pytest.mark.usefixtures("socket_enabled")
async def test_cli_resumes_where_it_stopped(tmp_path: Path) -> None:
    """Stopped and started again with --state-file: the counters go on from there."""
    state = tmp_path / "simulator.pickle"
    options = (
        "--account",
        str(ACCOUNT_DIR),
        "--port",
        "0",
        "--start",
        # Noon in Paris yesterday: the sun shines while it catches up.
        (datetime.now(UTC) - timedelta(days=1)).replace(hour=10).isoformat(),
        "--refresh-interval",
        "0",
        "--state-file",
        str(state),
    )
    process, line = await _start(*options)
    try:
        first, first_date = await _lifetime_production(
            line.removeprefix("izypower-simulator listening on ")
        )
    finally:
        assert await _stop(process) == 0
    assert state.exists()

    # The saved state, moved an hour later, stands for a cloud that kept running.
    saved = load_state(state)
    assert saved is not None
    physics.advance_account(saved, saved.time + timedelta(hours=1))
    save_state(saved, state)
    process, line = await _start(*options)
    try:
        assert line.startswith(f"izypower-simulator: resuming {state}")
        assert process.stdout is not None
        ready = await process.stdout.readline()
        again, again_date = await _lifetime_production(
            ready.decode().strip().removeprefix("izypower-simulator listening on ")
        )
    finally:
        assert await _stop(process) == 0

    assert again > first
    assert again_date > first_date
