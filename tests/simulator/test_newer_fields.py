"""Fields of newer cloud versions: temperatures, state codes, EV figures.

Generated accounts serve them on request (`newer_cloud`, `ev_charger`); the fixture
account serves the temperatures its files hold and nothing else new.
"""

from datetime import UTC, datetime
from typing import Any

from izypower_simulator import Layout, generate_account
from izypower_simulator.model import Station

from .conftest import Harness, HarnessFactory

NOON = datetime(2026, 7, 14, 10, 0, tzinfo=UTC)
DAY = "2026-07-14"


async def _report(harness: Harness, station: Station, time_type: str) -> Any:
    search = {"day": DAY, "month": DAY[:7], "year": DAY[:4], "all": DAY}[time_type]
    return await harness.get_json(
        f"/api/report/v2/powerStations/data/{station.station_id}"
        f"?timeType={time_type}&dataFlag=energy&searchTime={search}"
    )


async def test_ev_charger_and_titan_pair(make_harness: HarnessFactory) -> None:
    """An `evse` device, its EV power, EV energy within consumption, codes, temperatures."""
    account = generate_account(
        1, 3, start=NOON, seed=14, layout=Layout.BATTERY, ev_charger=True
    )
    (station,) = account.stations
    assert [d.type_code for d in station.devices] == [
        "battery",
        "battery",
        "meter",
        "evse",
    ]
    assert station.devices[-1].serial.startswith("IZE")
    harness = await make_harness(account)
    await harness.advance(1800)

    info = await harness.get_json(f"/api/v3/powerStations/info/{station.station_id}")
    # Manual mode at 16 A (the generated setting, ev.py).
    assert info["ev_power"] == 3680
    for time_type in ("day", "month", "year", "all"):
        report = await _report(harness, station, time_type)
        assert 0 < report["ev"] < report["total_consumption"]
        assert report["ev_rate"] == f"{station.ev_share * 100:.2f}%"
    for titan in station.batteries:
        page = await harness.get_json(f"/izy/v2/battery/{titan.serial}")
        data = page["data"]
        assert 20 <= data["socTemp"] <= 32
        assert all(20 <= item["temp"] <= 32 for item in data["items"])
        assert data["onlineState"] == 1001  # charging at noon
        assert data["batteryPower"] < 0


async def test_state_codes_follow_the_power(make_harness: HarnessFactory) -> None:
    """1000 standby, 1002 discharging, 0 while offline; zero consumption: 0 %."""
    account = generate_account(1, 2, start=NOON, seed=3, newer_cloud=True)
    (station,) = account.stations
    harness = await make_harness(account)
    (titan,) = station.batteries
    assert titan.battery is not None
    expected = {0: 1000, 300: 1002}
    for power, code in expected.items():
        titan.battery.power = power
        page = await harness.get_json(f"/izy/v2/battery/{titan.serial}")
        assert page["data"]["onlineState"] == code
    titan.online = False
    page = await harness.get_json(f"/izy/v2/battery/{titan.serial}")
    assert page["data"]["onlineState"] == 0
    # `newer_cloud` alone: temperatures and codes, no EV figures.
    info = await harness.get_json(f"/api/v3/powerStations/info/{station.station_id}")
    assert "ev_power" not in info
    assert "ev" not in await _report(harness, station, "day")
    station.ev_share = 0.2
    station.counters["consumption", "day"] = 0
    report = await _report(harness, station, "day")
    assert (report["ev"], report["ev_rate"]) == (0, "0.00%")


async def test_accounts_without_the_new_fields(make_harness: HarnessFactory) -> None:
    """Default generated accounts send none of them, as older cloud versions."""
    account = generate_account(1, 3, start=NOON, seed=4, layout=Layout.BATTERY)
    (station,) = account.stations
    harness = await make_harness(account)
    info = await harness.get_json(f"/api/v3/powerStations/info/{station.station_id}")
    assert "ev_power" not in info
    report = await _report(harness, station, "day")
    assert "ev" not in report
    assert "ev_rate" not in report
    for titan in station.batteries:
        data = (await harness.get_json(f"/izy/v2/battery/{titan.serial}"))["data"]
        assert "socTemp" not in data
        assert data["onlineState"] == 1
        assert all("temp" not in item for item in data["items"])


async def test_fixture_account_serves_its_temperatures(harness: Harness) -> None:
    """The fixture's `socTemp` and `items[].temp` come back as loaded."""
    data = (await harness.get_json("/izy/v2/battery/IZT24A000101"))["data"]
    assert data["socTemp"] == 27.4
    assert [item["temp"] for item in data["items"]] == [25.9, 26.1]
    assert data["onlineState"] == 1
