"""End to end: `set_battery_mode` through Home Assistant's REST API, watched in the simulator.

A real Home Assistant process runs the integration against the simulator (fixture
account, frozen clock, writes applied at once). At night (PV pinned to 0 W, the house
drawing 500 W) the action charges the master Titan at 1,200 W for a short duration: the
simulator switches the cluster to manual charge, the battery charges from the grid as
simulated time is advanced, and when the duration ends Home Assistant sets intelligent
mode back by itself.
"""

from pathlib import Path
from typing import Any

import pytest

from devtools import ha_harness
from devtools.ha_harness import HomeAssistantClient, Owner

from .started import FROZEN_TODAY, Simulator, simulated_device, started_demo
from .test_end_to_end import MASTER_TITAN

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.timeout(ha_harness.FIRST_START_TIMEOUT + 240),
    pytest.mark.usefixtures("socket_enabled", "stop_processes"),
]

OWNER = Owner(name="Battery mode", username="e2e", password="e2e-not-a-secret")
STATION = 81234
HOUSE_LOAD = 500
CHARGE_POWER = 1200
# Real seconds: Home Assistant's timer runs on its own clock, not the simulator's.
# What the test checks meanwhile is three requests to the simulator (well under a
# second, even on a busy machine); the rest of the duration is waited for.
DURATION_S = 10
CONTROL_MODE = "device_640101_control_mode"


def _station(state: dict[str, Any]) -> dict[str, Any]:
    return next(s for s in state["stations"] if s["station_id"] == STATION)


def _settings(state: dict[str, Any]) -> dict[str, Any]:
    settings: dict[str, Any] = simulated_device(state, MASTER_TITAN)["battery"][
        "settings"
    ]
    return settings


async def _titan_device_id(client: HomeAssistantClient) -> str:
    """Return the device registry id of the master Titan."""
    devices = await client.websocket_command({"type": "config/device_registry/list"})
    return next(
        device["id"]
        for device in devices
        if [ha_harness.DOMAIN, "device_640101"] in device["identifiers"]
    )


async def test_charge_for_a_while_then_intelligent_again(tmp_path: Path) -> None:
    """Charge 1,200 W from the grid for a duration; intelligent mode comes back."""
    async with started_demo(
        tmp_path, (*FROZEN_TODAY, "--write-lag", "0"), Simulator, owner=OWNER
    ) as demo:
        simulator, hass = demo.simulator, demo.hass
        night = await simulator.state(
            {"stations": {str(STATION): {"pv_power": 0, "consumption": HOUSE_LOAD}}}
        )
        assert _settings(night)["mode"] == {"ctr_mode": 0}
        soc_before = simulated_device(night, MASTER_TITAN)["battery"]["soc"]

        client, _ = await demo.add_entry()
        entities = await ha_harness.wait_for_entities(
            client, hass, required_unique_ids=[CONTROL_MODE]
        )
        assert entities[CONTROL_MODE]["state"] == "intelligent"

        await client.call_service(
            ha_harness.DOMAIN,
            "set_battery_mode",
            {
                "device_id": await _titan_device_id(client),
                "mode": "charge",
                "power": CHARGE_POWER,
                "duration": {"seconds": DURATION_S},
            },
        )

        charging = await simulator.state()
        assert _settings(charging)["mode"] == {"ctr_mode": 1}
        assert _settings(charging)["manual"] == {"mode": 1, "power": CHARGE_POWER}
        station = _station(charging)
        assert station["battery_power"] == -CHARGE_POWER
        assert station["grid_power"] == HOUSE_LOAD + CHARGE_POWER
        # Half an hour of simulated charging from the grid.
        await simulator.advance(1800)
        charged = await simulator.state()
        assert simulated_device(charged, MASTER_TITAN)["battery"]["soc"] > soc_before

        async def back_to_intelligent() -> bool | None:
            state = await simulator.state()
            return True if _settings(state)["mode"] == {"ctr_mode": 0} else None

        await ha_harness.poll_until(
            "Home Assistant to set intelligent mode back",
            back_to_intelligent,
            give_up_after=DURATION_S + 60,
            watch=list(demo.processes),
        )
        assert _station(await simulator.state())["battery_power"] >= 0
        shown = await ha_harness.wait_for_entities(
            client, hass, required_unique_ids=[CONTROL_MODE]
        )
        assert shown[CONTROL_MODE]["state"] == "intelligent"
