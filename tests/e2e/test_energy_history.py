"""Energy statistics in a real Home Assistant against the simulator.

After setup the current month is there, and the Energy dashboard takes the statistics
without any validation issue.
"""

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from devtools import ha_harness
from devtools.benchmark import CLOUD_PASSWORD, CLOUD_USERNAME, OWNER
from tests.energy_dashboard import save_prefs_command, station_statistic

from .started import Simulator, started_demo

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.timeout(ha_harness.FIRST_START_TIMEOUT + 180),
    pytest.mark.usefixtures("socket_enabled", "stop_processes"),
]

STATION = 81234


def _stat(series: str) -> str:
    return station_statistic(STATION, series)


async def test_current_month_in_the_energy_dashboard(tmp_path: Path) -> None:
    """Setup imports the month in the background; energy/validate finds no issue."""
    today = datetime.now(ZoneInfo("Europe/Paris")).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    async with started_demo(
        tmp_path,
        (
            *("--start", "now", "--time-scale", "0"),
            *("--username", CLOUD_USERNAME, "--password", CLOUD_PASSWORD),
        ),
        Simulator,
        extra_integrations=["recorder", "energy"],
        login={"username": CLOUD_USERNAME, "password": CLOUD_PASSWORD},
        owner=OWNER,
    ) as demo:
        hass = demo.hass
        client, _ = await demo.add_entry()

        async def month_written() -> list[dict[str, float]] | None:
            found = await client.websocket_command(
                {
                    "type": "recorder/statistics_during_period",
                    "start_time": today.replace(day=1).isoformat(),
                    "end_time": (today + timedelta(days=1)).isoformat(),
                    "statistic_ids": [_stat("production")],
                    "period": "day",
                    "types": ["change"],
                }
            )
            days = found.get(_stat("production"), [])
            return days if len(days) == today.day else None

        days = await ha_harness.poll_until(
            "the current month's statistics",
            month_written,
            give_up_after=120,
            watch=[hass],
        )
        # Every past day had sun; today has none yet before sunrise (the simulator
        # follows the real hour and season).
        *past, today_row = days
        assert all(day["change"] > 0 for day in past)
        assert today_row["change"] >= 0

        await client.websocket_command(save_prefs_command(STATION))
        validation = await client.websocket_command({"type": "energy/validate"})
        assert validation["energy_sources"] == [[], [], []]
