"""End to end: start a charge at a set power, see the station's EV power follow, stop.

A real Home Assistant runs against the simulator (a generated station with an EV
charger, frozen clock). The charger's controls exist, disabled, and its settings are
never read. Enabling two of them through the entity registry's websocket command, as
the frontend does, makes Home Assistant reload the entry; from then on they show the
charger's settings. The test stops the charge, sets a power, starts it again and
stops it, over REST like the frontend. The simulator applies a write after its lag
(60 simulated seconds, moved by the test); the station's EV power (the simulator's
station info) then follows at the next refresh.
"""

from pathlib import Path
from typing import Any, Final

import pytest

from devtools import ha_harness
from devtools.ha_harness import HomeAssistantClient

from .started import FROZEN_TODAY, SIMULATOR_LOGIN, Simulator, started_demo

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.timeout(ha_harness.FIRST_START_TIMEOUT + 300),
    pytest.mark.usefixtures("socket_enabled", "stop_processes"),
]

# One generated station with Titans, a meter and an EV charger (4th device).
SIMULATOR_ARGS: Final = (
    *FROZEN_TODAY,
    "--stations",
    "1",
    "--devices",
    "3",
    "--ev-charger",
)
EV_POWER: Final = "station_90001_ev_power"
CHARGING: Final = "evse_charging"
CHARGING_POWER: Final = "evse_charging_power"
# Home Assistant reloads an entry 30 s after one of its entities is enabled.
RELOAD_WAIT_S: Final = 90
WRITE_LAG_S: Final = 60
# The charger's generated setting (16 A) and the one the test asks for (24 A).
GENERATED_W: Final = 3680.0
ASKED_W: Final = 5520.0


class EvSimulator(Simulator):
    """The simulator's admin API, with the requests of one endpoint."""

    async def requests(self, endpoint: str) -> int:
        """Return how many requests of `endpoint` were answered."""
        stats = await self._json("GET", f"{self.admin_url}/stats")
        return int(stats["by_endpoint"].get(endpoint, 0))

    async def charger_settings(self) -> dict[str, Any]:
        """Return the EV charger's settings as the cloud's `cmd` read serves them."""
        state = await self.state()
        (serial,) = [
            d["serial"] for d in state["stations"][0]["devices"] if d["type"] == "evse"
        ]
        login = await self._json(
            "POST", f"{self.api_url}/api/login", json=SIMULATOR_LOGIN
        )
        cmd = await self._json(
            "GET",
            f"{self.api_url}/api/v2/device/cmd/{serial}",
            headers={"x-tts-access-token": login["data"]["token"]},
        )
        return dict(cmd["data"])


async def _call(
    client: HomeAssistantClient, service: str, entity_id: str, **data: Any
) -> None:
    domain, name = service.split(".")
    await client.call_service(domain, name, {"entity_id": entity_id, **data})


async def _wait_for_state(
    demo: Any, client: HomeAssistantClient, ids: dict[str, str], key: str, value: str
) -> None:
    """Refresh until Home Assistant shows `value` for the entity `key`."""

    async def shown() -> bool | None:
        await _call(client, "homeassistant.update_entity", ids[EV_POWER])
        states = await client.states()
        state = states[ids[key]]["state"]
        if key == EV_POWER:
            return True if float(state) == float(value) else None
        return True if state == value else None

    await ha_harness.poll_until(
        f"{key} to show {value}",
        shown,
        give_up_after=90,
        watch=list(demo.processes),
    )


async def test_charge_at_a_set_power_then_stop(tmp_path: Path) -> None:
    """Disabled: no settings read. Enabled: stop, set 5,520 W, start, follow, stop."""
    async with started_demo(
        tmp_path, SIMULATOR_ARGS, EvSimulator, account_dir=None
    ) as demo:
        simulator, hass = demo.simulator, demo.hass
        client, _ = await demo.add_entry()
        await ha_harness.wait_for_entities(client, hass, required_unique_ids=[EV_POWER])
        registry = await client.registry_entries()
        ids = {
            key: next(
                e["entity_id"]
                for e in registry
                if e["unique_id"] == key or e["unique_id"].endswith(f"_{key}")
            )
            for key in (CHARGING, CHARGING_POWER, EV_POWER)
        }
        controls = [e for e in registry if "_evse_" in e["unique_id"]]
        assert len(controls) == 7
        assert all(e["disabled_by"] == "integration" for e in controls)
        assert await simulator.requests("ev_derate") == 0
        states = await client.states()
        assert float(states[ids[EV_POWER]]["state"]) == GENERATED_W

        for key in (CHARGING, CHARGING_POWER):
            await client.websocket_command(
                {
                    "type": "config/entity_registry/update",
                    "entity_id": ids[key],
                    "disabled_by": None,
                }
            )

        async def controls_shown() -> bool | None:
            states = await client.states()
            shown = [states.get(ids[key], {}).get("state") for key in ids]
            return None if {None, "unknown", "unavailable"} & set(shown) else True

        await ha_harness.poll_until(
            "the enabled controls to show the charger's settings",
            controls_shown,
            give_up_after=RELOAD_WAIT_S,
            watch=list(demo.processes),
        )
        # The reload's first refresh read the charger's settings: four reads.
        assert await simulator.requests("ev_derate") == 1
        states = await client.states()
        assert states[ids[CHARGING]]["state"] == "on"
        assert float(states[ids[CHARGING_POWER]]["state"]) == GENERATED_W
        assert states[ids[CHARGING_POWER]]["attributes"]["step"] == 230

        await _call(client, "switch.turn_off", ids[CHARGING])
        await simulator.advance(WRITE_LAG_S)
        await _wait_for_state(demo, client, ids, EV_POWER, "0")
        await _call(client, "number.set_value", ids[CHARGING_POWER], value=ASKED_W)
        await _call(client, "switch.turn_on", ids[CHARGING])
        states = await client.states()
        # Shown at once (pending) while the cloud still shows the stopped charger.
        assert states[ids[CHARGING]]["state"] == "on"
        assert float(states[ids[CHARGING_POWER]]["state"]) == ASKED_W
        assert float(states[ids[EV_POWER]]["state"]) == 0
        await simulator.advance(WRITE_LAG_S)
        await _wait_for_state(demo, client, ids, EV_POWER, str(ASKED_W))

        await _call(client, "switch.turn_off", ids[CHARGING])
        await simulator.advance(WRITE_LAG_S)
        await _wait_for_state(demo, client, ids, EV_POWER, "0")
        await _wait_for_state(demo, client, ids, CHARGING, "off")
        assert await simulator.requests("ev_state") == 3
        assert await simulator.requests("ev_charge_power") == 1
        settings = await simulator.charger_settings()
        assert (settings["open"], settings["power"]) == (False, ASKED_W)
