"""The live demo of scripts/develop, with a real Home Assistant: what it must show.

* A day in 24 minutes: `scripts/develop --time-scale 60` runs the simulator's physics 60
  times faster while its data stay dated in real time (Home Assistant ignores data from
  the future), so the day counters close when the station's dated day changes. To see
  that within a test, the simulator's calendar starts shortly before the last local
  midnight (data from the past are believed), runs in real time until Home Assistant
  has read the evening's counter, then jumps a few seconds past midnight.
* An outage: stopping the simulator alone (`s` + Enter) leaves Home Assistant running,
  which shows the entities unavailable, then the values again once it is back.
"""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, time as day_time, timedelta
from functools import partial
from pathlib import Path
import time
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from devtools import develop, ha_harness
from devtools.ha_harness import HomeAssistantClient, Owner

from .started import add_entry

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.timeout(ha_harness.FIRST_START_TIMEOUT + 300),
    pytest.mark.usefixtures("socket_enabled", "stop_processes"),
]

PARIS = ZoneInfo("Europe/Paris")
CONSUMPTION_TODAY = "station_81234_consumption_day"
LAST_UPDATE = "station_81234_last_update"
OWNER = Owner(name="Demo", username="demo", password="demo-not-a-secret")
# Calendar seconds left before midnight once Home Assistant shows the entities.
BEFORE_MIDNIGHT_S = 40
# Where the calendar jumps once the evening's counter is read: past midnight.
AFTER_MIDNIGHT_S = 5


def _last_midnight() -> datetime:
    """Return the last local midnight of the station (Paris) before now, in UTC."""
    today = datetime.now(PARIS).date()
    return datetime.combine(today, day_time(0), PARIS).astimezone(UTC)


async def _consumption_today(
    client: HomeAssistantClient, entity_ids: dict[str, str]
) -> tuple[float, datetime]:
    """Refresh the integration now; return Consumption today and its date."""
    await client.call_service(
        "homeassistant", "update_entity", {"entity_id": entity_ids[CONSUMPTION_TODAY]}
    )
    states = await client.states()
    return (
        float(states[entity_ids[CONSUMPTION_TODAY]]["state"]),
        datetime.fromisoformat(states[entity_ids[LAST_UPDATE]]["state"]),
    )


async def _clock(admin: str, body: Any) -> Any:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{admin}/clock", json=body) as response,
    ):
        assert response.status == 200, await response.text()
        return await response.json()


@asynccontextmanager
async def _demo(
    tmp_path: Path, simulator_args: list[str]
) -> AsyncIterator[tuple[develop.Children, HomeAssistantClient, str]]:
    """Run Home Assistant and the simulator as scripts/develop does, the entry added.

    Yields the processes, a client logged in as the owner, and the simulator's admin URL.
    """
    ha_port = ha_harness.free_port()
    config_dir = ha_harness.write_config(
        tmp_path / "config", ha_port, extra_integrations=develop.EXTRA_INTEGRATIONS
    )
    children = develop.Children(
        config_dir=config_dir,
        simulator_args=simulator_args,
        simulator_port=ha_harness.free_port(),
        hass=ha_harness.start_home_assistant(config_dir, tmp_path / "hass.log"),
    )
    base_url = f"http://{ha_harness.LOOPBACK}:{ha_port}"
    async with aiohttp.ClientSession() as session:
        api_url = await children.start_simulator()
        await ha_harness.wait_for_home_assistant(session, base_url, children.hass)
        client, _ = await add_entry(
            HomeAssistantClient(session, base_url),
            children.hass,
            owner=OWNER,
            login={
                "username": develop.SIMULATOR_USERNAME,
                "password": develop.SIMULATOR_PASSWORD,
                "api_url": api_url,
            },
        )
        yield children, client, api_url.rsplit("/", 1)[0] + "/_simulator"


async def _enable_last_update(
    client: HomeAssistantClient, hass: ha_harness.ManagedProcess
) -> None:
    """Enable *Last update* (off by default) and reload the entry to show it."""
    await ha_harness.wait_for_entities(
        client, hass, required_unique_ids=[CONSUMPTION_TODAY]
    )
    entry = next(
        entry
        for entry in await client.registry_entries()
        if entry["unique_id"] == LAST_UPDATE
    )
    await client.websocket_command(
        {
            "type": "config/entity_registry/update",
            "entity_id": entry["entity_id"],
            "disabled_by": None,
        }
    )
    (config_entry,) = await client.config_entries()
    await client.reload_config_entry(config_entry["entry_id"])


async def test_day_counters_roll_over_at_the_dated_midnight(tmp_path: Path) -> None:
    """Consumption today climbs fast, then restarts when the dated day changes."""
    midnight = _last_midnight()
    start = (midnight - timedelta(minutes=15)).isoformat()
    async with _demo(
        tmp_path, ["--start", start, "--time-scale", "60", "--refresh-interval", "0"]
    ) as (children, client, admin):
        await _enable_last_update(client, children.hass)
        entities = await ha_harness.wait_for_entities(
            client, children.hass, required_unique_ids=[CONSUMPTION_TODAY, LAST_UPDATE]
        )
        entity_ids = {
            unique_id: entities[unique_id]["entity_id"]
            for unique_id in (CONSUMPTION_TODAY, LAST_UPDATE)
        }
        # However long Home Assistant took to start: shortly before midnight now.
        clock = await _clock(
            admin,
            {"now": (midnight - timedelta(seconds=BEFORE_MIDNIGHT_S)).isoformat()},
        )
        set_at = time.monotonic()
        assert clock["sky_now"] > clock["now"]
        evening, evening_date = await _consumption_today(client, entity_ids)
        # Across the dated midnight at once rather than in real time: Home Assistant
        # sees the same thing (data dated before, then after it), 40 s sooner.
        # The calendar ran in real time since it was set (never backwards: a slow
        # read may already have crossed midnight).
        left = BEFORE_MIDNIGHT_S - (time.monotonic() - set_at)
        clock = await _clock(
            admin, {"advance_seconds": max(left + AFTER_MIDNIGHT_S, 0.0)}
        )
        assert datetime.fromisoformat(clock["now"]) >= midnight

        async def rolled_over() -> tuple[float, datetime] | None:
            shown = await _consumption_today(client, entity_ids)
            return shown if shown[0] < evening else None

        night, night_date = await ha_harness.poll_until(
            "Consumption today to restart after the dated midnight",
            rolled_over,
            give_up_after=60,
            watch=ha_harness.running_processes(),
            interval=2,
        )

    assert evening_date < midnight <= night_date
    # About a minute of the new day at 60 times the pace: an hour of household load.
    assert 0 <= night < 3 < evening
    yesterday = (midnight - timedelta(hours=1)).astimezone(PARIS).date().isoformat()
    print(  # noqa: T201 - what the demo showed, with -s
        f"\ndemo rollover: Consumption today {evening} kWh on {yesterday}, "
        f"{night} kWh at {night_date}"
    )


async def test_an_outage_of_the_simulator_alone(tmp_path: Path) -> None:
    """The cloud stops: entities unavailable, Home Assistant up; it restarts: values back."""
    async with _demo(
        tmp_path,
        ["--start", "now", "--time-scale", "0", "--state-file", str(tmp_path / "s")],
    ) as (children, client, _):
        entities = await ha_harness.wait_for_entities(
            client, children.hass, required_unique_ids=[CONSUMPTION_TODAY]
        )
        entity_id = entities[CONSUMPTION_TODAY]["entity_id"]

        async def shown(wanted: Callable[[str], bool]) -> bool | None:
            # Home Assistant holds requested refreshes 10 s apart: ask on every poll.
            await client.call_service(
                "homeassistant", "update_entity", {"entity_id": entity_id}
            )
            state = (await client.states())[entity_id]["state"]
            return True if wanted(state) else None

        await children.obey("s")
        await ha_harness.poll_until(
            "the entities to become unavailable",
            partial(shown, lambda state: state == "unavailable"),
            give_up_after=60,
            watch=[children.hass],
            interval=2,
        )
        await children.obey("s")
        await ha_harness.poll_until(
            "the values to come back",
            partial(shown, lambda state: state not in ("unavailable", "unknown")),
            give_up_after=60,
            watch=ha_harness.running_processes(),
            interval=2,
        )
        assert children.hass.running()
