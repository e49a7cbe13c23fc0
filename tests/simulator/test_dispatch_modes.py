"""Settings change the physics: control modes, manual powers, max powers, export limit."""

from typing import Any

import pytest

from .conftest import Harness, HarnessFactory
from .test_physics import INFO, balance_error, counters

MASTER = "IZT24A000101"
SLAVE = "IZT24A000102"
BATTERY = "/api/v2/device/yz/battery"
METER = "/api/v2/device/meter/control/IZM24M000301"


async def pin(harness: Harness, pv: float, consumption: float, **socs: float) -> None:
    """Pin the station's PV and load (and optionally the Titans' SOC)."""
    body: dict[str, Any] = {
        "stations": {"81234": {"pv_power": pv, "consumption": consumption}}
    }
    if socs:
        body["devices"] = {serial: {"soc": soc} for serial, soc in socs.items()}
    await harness.admin("POST", "/state", body)


async def write(harness: Harness, segment: str, body: dict[str, Any]) -> None:
    """Send a setting write to the master; it must be accepted."""
    response = await harness.post(f"{BATTERY}/{segment}/{MASTER}", body)
    assert response.status == 200, await response.json()


async def manual(harness: Harness, mode: int, power: int) -> None:
    """Switch the cluster to manual mode with a sub-mode and power."""
    await write(harness, "mode", {"ctr_mode": 1})
    await write(harness, "manual_mode_value", {"mode": mode, "power": power})


async def unit_power(harness: Harness, serial: str) -> int:
    """Return a Titan's battery power from its battery page (> 0 discharging)."""
    page = await harness.get_json(f"/izy/v2/battery/{serial}")
    return int(page["data"]["batteryPower"])


@pytest.fixture
async def live(make_harness: HarnessFactory) -> Harness:
    """Serve the fixture account with every request seeing the current instant."""
    return await make_harness(refresh_interval_s=0)


async def test_standby_holds_the_battery_idle(live: Harness) -> None:
    """Manual standby: no charge even with a large PV surplus."""
    await pin(live, 3000, 500)
    assert (await live.get_json(INFO))["battery_power"] < 0
    await manual(live, 0, 0)
    info = await live.get_json(INFO)
    assert info["battery_power"] == 0
    assert await unit_power(live, MASTER) == await unit_power(live, SLAVE) == 0


async def test_manual_charge_from_the_grid(live: Harness) -> None:
    """Charge at the requested power at night: the grid supplies house and battery."""
    await pin(live, 0, 500)
    before = await live.get_json(INFO)
    assert before["battery_power"] > 0  # intelligent: covering the load
    await manual(live, 1, 1200)
    info = await live.get_json(INFO)
    assert info["battery_power"] == -1200
    assert info["grid_power"] == 1700
    # The master drives its slave: the cluster's power is split between the units.
    assert await unit_power(live, MASTER) == await unit_power(live, SLAVE) == -600
    await live.advance(3600)
    after = await live.get_json(INFO)
    delta = {
        name: counters(after, "day")[name] - counters(before, "day")[name]
        for name in counters(before, "day")
    }
    assert delta["charge"] == pytest.approx(1.2, abs=0.011)
    assert delta["import"] == pytest.approx(1.7, abs=0.011)
    assert delta["discharge"] == pytest.approx(0, abs=0.011)
    assert abs(balance_error(delta)) < 0.03


async def test_manual_power_zero_means_the_max_setting(live: Harness) -> None:
    """Power 0 charges (discharges) at the current max charge (discharge) power."""
    await pin(live, 0, 500)
    await write(live, "power", {"type": "in", "max_in_power": 1000, "isCluster": True})
    await write(live, "power", {"type": "out", "max_out_power": 700, "isCluster": True})
    await manual(live, 1, 0)
    assert (await live.get_json(INFO))["battery_power"] == -1000
    await write(live, "manual_mode_value", {"mode": 2, "power": 0})
    assert (await live.get_json(INFO))["battery_power"] == 700
    # A request above the max setting is capped by it.
    await write(live, "manual_mode_value", {"mode": 2, "power": 1500})
    assert (await live.get_json(INFO))["battery_power"] == 700


async def test_manual_charge_stops_full(live: Harness) -> None:
    """Charging ends at 100 %; the house then takes everything from the grid."""
    await pin(live, 0, 500, **{MASTER: 99, SLAVE: 99})
    await manual(live, 1, 1200)
    await live.advance(2 * 3600)
    info = await live.get_json(INFO)
    assert info["battery_soc"] == 100
    assert info["battery_power"] == 0
    assert info["grid_power"] == 500


async def test_manual_discharge_within_the_injection_limit(live: Harness) -> None:
    """Discharge beyond the house's need exports, but only up to the injection limit."""
    await pin(live, 0, 300)
    await manual(live, 2, 1600)
    info = await live.get_json(INFO)
    # 1,600 W requested, 300 W used in the house: export capped at the 600 W limit.
    assert info["grid_power"] == -600
    assert info["battery_power"] == 900
    await live.advance(1800)
    after = await live.get_json(INFO)
    delta = {
        name: counters(after, "day")[name] - counters(info, "day")[name]
        for name in counters(info, "day")
    }
    assert delta["export"] == pytest.approx(0.3, abs=0.011)
    assert delta["discharge"] == pytest.approx(0.45, abs=0.011)
    assert abs(balance_error(delta)) < 0.03
    response = await live.post(METER, {"isControl": False, "feedThreshold": -600})
    assert response.status == 200
    info = await live.get_json(INFO)
    assert info["battery_power"] == 1600
    assert info["grid_power"] == -1300


async def test_manual_discharge_stops_at_min_soc(live: Harness) -> None:
    """Discharge ends at the minimum SOC."""
    await pin(live, 0, 2000, **{MASTER: 70, SLAVE: 70})
    for serial in (MASTER, SLAVE):
        # The floor is a per-unit setting.
        response = await live.post(f"{BATTERY}/min_soc/{serial}", {"value": 60})
        assert response.status == 200
    await manual(live, 2, 1600)
    assert (await live.get_json(INFO))["battery_power"] == 1600
    await live.advance(3 * 3600)
    info = await live.get_json(INFO)
    assert info["battery_power"] == 0
    assert info["battery_soc"] == pytest.approx(60, abs=0.5)
    assert info["grid_power"] == 2000


async def test_max_powers_cap_intelligent_mode(live: Harness) -> None:
    """The max discharge and charge settings cap self-consumption too."""
    await pin(live, 0, 3000)
    assert (await live.get_json(INFO))["battery_power"] > 400
    await write(live, "power", {"type": "out", "max_out_power": 400, "isCluster": True})
    info = await live.get_json(INFO)
    assert info["battery_power"] == 400
    assert info["grid_power"] == 2600
    await pin(live, 5000, 0, **{MASTER: 50, SLAVE: 50})
    assert (await live.get_json(INFO))["battery_power"] < -500
    await write(live, "power", {"type": "in", "max_in_power": 500, "isCluster": True})
    assert (await live.get_json(INFO))["battery_power"] == -500


async def test_calendar_behaves_like_intelligent(live: Harness) -> None:
    """The calendar schedule is unknown: calendar mode does self-consumption."""
    await pin(live, 0, 1000)
    intelligent = (await live.get_json(INFO))["battery_power"]
    assert intelligent > 0
    await write(live, "mode", {"ctr_mode": 2})
    assert (await live.get_json(INFO))["battery_power"] == intelligent
    await manual(live, 0, 0)
    assert (await live.get_json(INFO))["battery_power"] == 0
    await write(live, "mode", {"ctr_mode": 0})
    assert (await live.get_json(INFO))["battery_power"] == intelligent


async def test_lagged_write_changes_physics_at_its_due_time(live: Harness) -> None:
    """A lagged write takes effect exactly when due, even inside a long clock jump."""
    await pin(live, 0, 500)
    await live.admin("POST", "/faults", {"write_lag_s": 600})
    await manual(live, 1, 1200)
    before = await live.get_json(INFO)
    assert before["battery_power"] > 0
    await live.advance(3600)
    after = await live.get_json(INFO)
    assert after["battery_power"] == -1200
    charged = counters(after, "day")["charge"] - counters(before, "day")["charge"]
    assert charged == pytest.approx(1.2 * 3000 / 3600, abs=0.011)
