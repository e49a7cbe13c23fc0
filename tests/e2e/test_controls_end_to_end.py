"""End to end: settings changed through Home Assistant's REST API reach the simulator.

As in test_end_to_end.py nothing is mocked: the simulator and `hass` run as processes on
loopback ports and the test drives Home Assistant over REST like the frontend. The
simulator's clock is frozen and its write lag is 60 simulated seconds, so an accepted
write waits in the simulator until the test moves the clock. Home Assistant must show the
value asked for at once (pending), keep it while refreshes still read the old value from
the cloud, keep it once the cloud shows it, and then stop reading the setting again at
every refresh (the write is confirmed). A refused value never reaches the cloud.
"""

from collections.abc import Mapping
from pathlib import Path
import time
from typing import Any, Final

import pytest

from devtools import ha_harness
from devtools.ha_harness import HomeAssistantClient
from tests.e2e.started import FROZEN_TODAY, Simulator, simulated_device, started_demo
from tests.e2e.test_end_to_end import MASTER_TITAN, METER

pytestmark = [
    pytest.mark.e2e,
    # The first Home Assistant start on a machine installs its frontend into the venv.
    pytest.mark.timeout(ha_harness.FIRST_START_TIMEOUT + 240),
    pytest.mark.usefixtures("socket_enabled", "stop_processes"),
]

EXPORT_LIMIT: Final = "device_640103_injection_limit"
EXPORT_CONTROL: Final = "device_640103_injection_control"
MIN_SOC: Final = "device_640101_min_soc"
# The fixture account (tests/fixtures/account/README.md): export limited to 600 W,
# discharge floor 10 %.
OLD_VALUES: Final = {EXPORT_LIMIT: 600.0, MIN_SOC: 10.0}
NEW_VALUES: Final = {EXPORT_LIMIT: 1500.0, MIN_SOC: 30.0}
WRITE_LAG_S: Final = 60
# Simulator endpoint names (stats) of the two writes and of the reads of their settings.
WRITES: Final = ("meter_control", "battery_min_soc")
SETTING_READS: Final = ("meter_info", "battery_cmd")
# Counted too: the device lists, read at every refresh.
ENDPOINTS: Final = (*WRITES, *SETTING_READS, "devices")
# What the coordinator logs (debug, as the harness configures) at the end of each
# refresh (Home Assistant's line), and of each re-read of one written resource (ours).
REFRESH_DONE: Final = f"[custom_components.{ha_harness.DOMAIN}] Finished fetching"
REREAD_DONE: Final = f"[custom_components.{ha_harness.DOMAIN}] Re-read "
# The integration reads a written resource again this long after the write
# (pending.REREAD_DELAY), then waits for its next refreshes.
REREAD_DELAY_S: Final = 20


class ControlSimulator(Simulator):
    """The simulator's admin API, with its request counts."""

    async def requests(self) -> dict[str, int]:
        """Return the number of API requests answered, by endpoint name."""
        stats = await self._json("GET", f"{self.admin_url}/stats")
        return {name: stats["by_endpoint"].get(name, 0) for name in ENDPOINTS}


def _cloud_values(state: dict[str, Any]) -> dict[str, float]:
    """Return the two settings as the simulated cloud shows them (the UI's units)."""
    meter = simulated_device(state, METER)["meter"]
    titan = simulated_device(state, MASTER_TITAN)["battery"]
    return {
        # The cloud keeps the limit negative (export); the UI shows it positive.
        EXPORT_LIMIT: -float(meter["feed_threshold"]),
        MIN_SOC: float(titan["settings"]["min_soc"]),
    }


def _shown(states: Mapping[str, dict[str, Any]], ids: Mapping[str, str]) -> Any:
    """Return what Home Assistant shows for each control, by unique id."""
    return {
        unique_id: float(states[entity_id]["state"])
        for unique_id, entity_id in ids.items()
        if unique_id != EXPORT_CONTROL
    }


async def _set_value(
    client: HomeAssistantClient, entity_id: str, value: float, *, ok: int = 200
) -> Any:
    """Call number.set_value over REST; return the answer's body."""
    return await client.request(
        "POST",
        "/api/services/number/set_value",
        json_body={"entity_id": entity_id, "value": value},
        ok=(ok,),
    )


async def _wait_for_log(
    marker: str,
    count: int,
    hass: ha_harness.ManagedProcess,
    simulator_process: ha_harness.ManagedProcess,
    *,
    give_up_after: float = 30,
) -> None:
    """Wait until Home Assistant's log holds `marker` at least `count` times."""

    async def logged() -> bool | None:
        return True if hass.log_text().count(marker) >= count else None

    await ha_harness.poll_until(
        f"{count} x {marker!r} in Home Assistant's log",
        logged,
        give_up_after=give_up_after,
        watch=[hass, simulator_process],
    )


async def _refresh_reads(
    client: HomeAssistantClient,
    simulator: ControlSimulator,
    entity_id: str,
    hass: ha_harness.ManagedProcess,
    simulator_process: ha_harness.ManagedProcess,
) -> tuple[dict[str, int], dict[str, int]]:
    """Ask Home Assistant for a refresh; return the request counts before and after it.

    The refresh is over when the coordinator logs it (Home Assistant's REST API does
    not show a state written again unchanged). A request closer to the previous one
    than the coordinator's cooldown (10 s) waits for it; a re-read of a written
    resource in that time would cancel it, which the test's order rules out.
    """
    before, done = await simulator.requests(), hass.log_text().count(REFRESH_DONE)
    await client.call_service(
        "homeassistant", "update_entity", {"entity_id": entity_id}
    )
    await _wait_for_log(REFRESH_DONE, done + 1, hass, simulator_process)
    after = await simulator.requests()
    assert after["devices"] > before["devices"], (before, after)
    return before, after


async def _refused_values(
    client: HomeAssistantClient, simulator: ControlSimulator, ids: Mapping[str, str]
) -> None:
    """Refuse a value out of range and one off the step, with a message; send nothing."""
    before = await simulator.requests()
    # Out of range: Home Assistant's own check against the entity's bounds.
    answer = await _set_value(client, ids[EXPORT_LIMIT], 40000, ok=400)
    assert answer["message"] == (
        f"Value 40000.0 for {ids[EXPORT_LIMIT]} is outside valid range 0 - 36000"
    ), answer
    # Off the step (5 %): the integration's own check and translated message.
    answer = await _set_value(client, ids[MIN_SOC], 42, ok=400)
    assert answer["message"] == (
        "42 is not a valid value for Discharge floor: from 5 to 100, in steps of 5"
    ), answer
    assert await simulator.requests() == before
    state = await simulator.state()
    assert not state["pending_writes"]
    assert _cloud_values(state) == OLD_VALUES


async def test_controls_reach_the_simulator_through_rest(tmp_path: Path) -> None:
    """Set the export limit and the discharge floor over REST; follow them to the cloud."""
    started = time.monotonic()
    async with started_demo(
        tmp_path, (*FROZEN_TODAY, "--write-lag", str(WRITE_LAG_S)), ControlSimulator
    ) as demo:
        simulator, hass, processes = demo.simulator, demo.hass, demo.processes
        client, _ = await demo.add_entry()
        entities = await ha_harness.wait_for_entities(
            client, hass, required_unique_ids=(EXPORT_LIMIT, EXPORT_CONTROL, MIN_SOC)
        )
        visible = time.monotonic()
        ids = {
            unique_id: entities[unique_id]["entity_id"]
            for unique_id in (EXPORT_LIMIT, EXPORT_CONTROL, MIN_SOC)
        }
        assert _shown(await client.states(), ids) == OLD_VALUES
        assert entities[EXPORT_CONTROL]["state"] == "on"
        # Setting up read the settings and wrote nothing.
        requests = await simulator.requests()
        assert not any(requests[name] for name in WRITES), requests

        await _refused_values(client, simulator, ids)

        # Both writes are accepted; Home Assistant shows the new values at once.
        for unique_id, value in NEW_VALUES.items():
            await _set_value(client, ids[unique_id], value)
        written = time.monotonic()
        rereads = hass.log_text().count(REREAD_DONE)
        states = await client.states()
        assert _shown(states, ids) == NEW_VALUES
        assert states[ids[EXPORT_CONTROL]]["state"] == "on"
        # The cloud accepted both (one request each) but shows them only after its lag.
        requests = await simulator.requests()
        assert all(requests[name] == 1 for name in WRITES), requests
        state = await simulator.state()
        assert _cloud_values(state) == OLD_VALUES
        assert {w["serial"]: w["changes"] for w in state["pending_writes"]} == {
            METER: {"meter.is_control": True, "meter.feed_threshold": -1500},
            MASTER_TITAN: {"battery.min_soc": 30},
        }

        # A refresh while pending reads both settings again (the old values) and
        # Home Assistant keeps showing the values asked for.
        before, after = await _refresh_reads(
            client, simulator, ids[MIN_SOC], *processes
        )
        assert all(after[name] > before[name] for name in SETTING_READS), after
        assert _shown(await client.states(), ids) == NEW_VALUES
        assert _cloud_values(await simulator.state()) == OLD_VALUES
        # So does the integration's own look at each written resource after a delay.
        await _wait_for_log(
            REREAD_DONE,
            rereads + len(WRITES),
            *processes,
            give_up_after=REREAD_DELAY_S + 30,
        )
        before, after = after, await simulator.requests()
        assert all(after[name] == before[name] + 1 for name in SETTING_READS), after
        assert _shown(await client.states(), ids) == NEW_VALUES
        assert _cloud_values(await simulator.state()) == OLD_VALUES

        # The lag passes: the cloud shows the new settings.
        await simulator.advance(WRITE_LAG_S)
        state = await simulator.state()
        assert not state["pending_writes"]
        assert _cloud_values(state) == NEW_VALUES
        assert simulated_device(state, METER)["meter"]["is_control"] is True
        assert simulated_device(state, MASTER_TITAN)["battery"]["min_soc"] == 30

        # The next refresh reads them, now new: the writes are confirmed ...
        before, after = await _refresh_reads(
            client, simulator, ids[MIN_SOC], *processes
        )
        assert all(after[name] > before[name] for name in SETTING_READS), after
        assert _shown(await client.states(), ids) == NEW_VALUES
        # ... so a later refresh no longer reads the settings, and the values stay.
        before, after = await _refresh_reads(
            client, simulator, ids[MIN_SOC], *processes
        )
        assert all(after[name] == before[name] for name in SETTING_READS), after
        assert _shown(await client.states(), ids) == NEW_VALUES
        confirmed = time.monotonic()
        issues = await client.websocket_command({"type": "repairs/list_issues"})
        assert not [i for i in issues["issues"] if i["domain"] == ha_harness.DOMAIN]
        # Only the two accepted writes ever reached the cloud.
        requests = await simulator.requests()
        assert all(requests[name] == 1 for name in WRITES), requests
    print(  # noqa: T201 - timings, shown with -s
        f"\ncontrols end to end: entities visible after {visible - started:.1f} s, "
        f"writes done after {written - started:.1f} s, "
        f"confirmed after {confirmed - started:.1f} s, "
        f"total {time.monotonic() - started:.1f} s"
    )
