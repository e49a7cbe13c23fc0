"""End to end: a meter's channels are read only once the user enables one of them.

A real Home Assistant runs against the simulator (frozen clock). The channel sensors
exist, disabled; the meter's page is never asked for. Enabling one through the entity
registry's websocket command, as the frontend does, and reloading the entry: from then
on the page is read at every refresh and shown; the grid channel equals the grid power
of the station, both being the simulator's physics at one instant.

Home Assistant reloads the entry by itself 30 s after the enabling; the test reloads
it at once instead of waiting (the EV charger's end-to-end test waits for Home
Assistant's own reload) and has read the count well before then.
"""

from pathlib import Path
from typing import Any

import pytest

from devtools import ha_harness

from .started import FROZEN_TODAY, Simulator, started_demo

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.timeout(ha_harness.FIRST_START_TIMEOUT + 240),
    pytest.mark.usefixtures("socket_enabled", "stop_processes"),
]

GRID_CHANNEL = "device_640103_channel_1_power"
GRID_POWER = "station_81234_grid_power"
RELOAD_WAIT_S = 60


class CountingSimulator(Simulator):
    """The simulator's admin API, with the requests of one endpoint."""

    async def requests(self, endpoint: str) -> int:
        """Return how many requests of `endpoint` were answered."""
        stats = await self._json("GET", f"{self.admin_url}/stats")
        return int(stats["by_endpoint"].get(endpoint, 0))


def _entity_id(registry: list[dict[str, Any]], unique_id: str) -> str:
    (entity_id,) = [e["entity_id"] for e in registry if e["unique_id"] == unique_id]
    return str(entity_id)


async def test_channels_are_read_once_enabled(tmp_path: Path) -> None:
    """Disabled: no request, no state. Enabled: read from the reload on, and shown."""
    async with started_demo(tmp_path, FROZEN_TODAY, CountingSimulator) as demo:
        simulator, hass = demo.simulator, demo.hass
        client, _ = await demo.add_entry()
        await ha_harness.wait_for_entities(
            client, hass, required_unique_ids=[GRID_POWER]
        )
        registry = await client.registry_entries()
        channel = next(e for e in registry if e["unique_id"] == GRID_CHANNEL)
        assert channel["disabled_by"] == "integration"
        assert channel["entity_id"] not in await client.states()
        assert await simulator.requests("meter_channels") == 0

        await client.websocket_command(
            {
                "type": "config/entity_registry/update",
                "entity_id": _entity_id(registry, GRID_CHANNEL),
                "disabled_by": None,
            }
        )
        (entry,) = await client.config_entries()
        await client.reload_config_entry(entry["entry_id"])
        entities: dict[str, dict[str, Any]] = {}

        async def channel_shown() -> bool | None:
            # Home Assistant may show a placeholder state (unavailable) for the
            # entity until the reload adds it.
            entities.update(
                await ha_harness.wait_for_entities(
                    client, hass, required_unique_ids=[GRID_CHANNEL, GRID_POWER]
                )
            )
            state = entities[GRID_CHANNEL]["state"]
            return None if state in {"unknown", "unavailable"} else True

        await ha_harness.poll_until(
            "the enabled channel to show a value",
            channel_shown,
            give_up_after=RELOAD_WAIT_S,
            watch=list(demo.processes),
        )
        # The reload's first refresh read the page, once (one meter).
        assert await simulator.requests("meter_channels") == 1
        assert float(entities[GRID_CHANNEL]["state"]) == float(
            entities[GRID_POWER]["state"]
        )
        assert entities[GRID_CHANNEL]["attributes"]["unit_of_measurement"] == "W"
