"""Energy statistics in a real Home Assistant against the simulator.

After setup the current month is there, and the Energy dashboard takes the statistics
without any validation issue.
"""

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from custom_components.izypower_cloud.const import DOMAIN
from devtools import ha_harness
from devtools.benchmark import CLOUD_PASSWORD, CLOUD_USERNAME, OWNER

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.timeout(ha_harness.FIRST_START_TIMEOUT + 180),
    pytest.mark.usefixtures("socket_enabled", "stop_processes"),
]

STATION = 81234


def _stat(series: str) -> str:
    return f"{DOMAIN}:station_{STATION}_{series}"


async def test_current_month_in_the_energy_dashboard(tmp_path: Path) -> None:
    """Setup imports the month in the background; energy/validate finds no issue."""
    simulator = ha_harness.start_simulator(
        ha_harness.free_port(),
        tmp_path / "simulator.log",
        extra_args=[
            *("--start", "now", "--time-scale", "0"),
            *("--username", CLOUD_USERNAME, "--password", CLOUD_PASSWORD),
        ],
    )
    ha_port = ha_harness.free_port()
    config_dir = ha_harness.write_config(
        tmp_path / "config", ha_port, extra_integrations=["recorder", "energy"]
    )
    hass = ha_harness.start_home_assistant(config_dir, tmp_path / "hass.log")
    base_url = f"http://{ha_harness.LOOPBACK}:{ha_port}"
    today = datetime.now(ZoneInfo("Europe/Paris")).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    async with aiohttp.ClientSession() as session:
        api_url = await ha_harness.wait_for_simulator(simulator)
        await ha_harness.wait_for_home_assistant(session, base_url, hass)
        client = ha_harness.HomeAssistantClient(session, base_url)
        await client.create_owner(OWNER)
        await ha_harness.wait_until_running(client, hass)
        await client.run_config_flow(
            DOMAIN,
            {
                "username": CLOUD_USERNAME,
                "password": CLOUD_PASSWORD,
                "api_url": api_url,
            },
        )

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
        assert all(day["change"] > 0 for day in days)

        await client.websocket_command(
            {
                "type": "energy/save_prefs",
                "energy_sources": [
                    {
                        "type": "grid",
                        "stat_energy_from": _stat("grid_import"),
                        "stat_energy_to": _stat("grid_export"),
                        "stat_cost": None,
                        "entity_energy_price": None,
                        "number_energy_price": None,
                        "stat_compensation": None,
                        "entity_energy_price_export": None,
                        "number_energy_price_export": None,
                        "cost_adjustment_day": 0,
                    },
                    {
                        "type": "solar",
                        "stat_energy_from": _stat("production"),
                        "config_entry_solar_forecast": None,
                    },
                    {
                        "type": "battery",
                        "stat_energy_from": _stat("battery_discharge"),
                        "stat_energy_to": _stat("battery_charge"),
                    },
                ],
            }
        )
        validation = await client.websocket_command({"type": "energy/validate"})
        assert validation["energy_sources"] == [[], [], []]
    problems = [
        line
        for line in hass.log_text().splitlines()
        if f"custom_components.{DOMAIN}" in line
        and (" ERROR " in line or " WARNING " in line)
    ]
    assert not problems, "\n".join(problems)
