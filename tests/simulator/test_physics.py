"""Live behaviour: powers follow the time of day, counters integrate them, periods roll over."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from izypower_simulator import load_account

from .conftest import ACCOUNT_DIR, Harness, HarnessFactory

PARIS = ZoneInfo("Europe/Paris")
INFO = "/api/v3/powerStations/info/81234"
SERIES_KEYS = {
    "production": ("production", "{p}"),
    "consumption": ("consumption", "{p}"),
    "export": ("grid", "{p}1"),
    "import": ("grid", "{p}2"),
    "charge": ("battery", "{p}_in"),
    "discharge": ("battery", "{p}_out"),
}


def counters(info: dict[str, Any], period: str) -> dict[str, float]:
    """Counters of one period from a station-info body."""
    return {
        name: info["extraData"][group][key.format(p=period)]
        for name, (group, key) in SERIES_KEYS.items()
    }


def balance_error(values: dict[str, float]) -> float:
    """Return production - (consumption + export + charge - import - discharge)."""
    return values["production"] - (
        values["consumption"]
        + values["export"]
        + values["charge"]
        - values["import"]
        - values["discharge"]
    )


async def test_counters_integrate_pinned_powers(make_harness: HarnessFactory) -> None:
    """1 kW of PV for one hour adds 1 kWh to every production counter; balance holds."""
    harness = await make_harness(refresh_interval_s=0)
    before = await harness.get_json(INFO)
    await harness.admin(
        "POST",
        "/state",
        {"stations": {"81234": {"pv_power": 1000, "consumption": 400}}},
    )
    live = await harness.get_json(INFO)
    assert live["power"] == 1000
    assert live["consumption"] == 400
    await harness.advance(3600)
    after = await harness.get_json(INFO)
    for period in ("day", "month", "year", "all"):
        start, end = counters(before, period), counters(after, period)
        delta = {name: end[name] - start[name] for name in start}
        assert delta["production"] == pytest.approx(1.0, abs=0.011)
        assert delta["consumption"] == pytest.approx(0.4, abs=0.011)
        assert all(value >= 0 for value in delta.values())
        assert abs(balance_error(delta)) < 0.03
    # The batteries took part of the surplus (86 % as in the fixture), the rest went out.
    assert counters(after, "day")["charge"] > counters(before, "day")["charge"]
    assert counters(after, "day")["export"] > counters(before, "day")["export"]


async def test_a_day_of_free_running_physics(make_harness: HarnessFactory) -> None:
    """Over 24 h every counter only grows (no midnight crossed) and the balance holds."""
    start = datetime(2026, 7, 14, 0, 5, tzinfo=PARIS)
    harness = await make_harness(start=start)
    previous = counters(await harness.get_json(INFO), "all")
    for _ in range(23):
        await harness.advance(3600)
        info = await harness.get_json(INFO)
        current = counters(info, "all")
        assert all(current[name] >= previous[name] for name in current)
        soc_values = [
            cell
            for device in (await harness.admin("GET", "/state?station=81234"))[
                "stations"
            ][0]["devices"]
            if "battery" in device
            for cell in [device["battery"]["soc"], *device["battery"]["links"].values()]
        ]
        assert all(0 <= soc <= 100 for soc in soc_values)
        previous = current
    day = counters(await harness.get_json(INFO), "day")
    assert day["production"] > 5
    assert (
        abs(
            balance_error(day)
            - balance_error(counters(await harness.get_json(INFO), "all"))
        )
        < 0.1
    )


async def test_no_pv_at_night(make_harness: HarnessFactory) -> None:
    """Strings give exactly 0 W between sunset and sunrise; production stays put."""
    harness = await make_harness(start=datetime(2026, 7, 15, 1, 0, tzinfo=PARIS))
    first = await harness.get_json(INFO)
    assert first["power"] == 0
    await harness.advance(2 * 3600)
    info = await harness.get_json(INFO)
    assert info["power"] == 0
    assert (
        info["extraData"]["production"]["all"]
        == first["extraData"]["production"]["all"]
    )
    component = await harness.get_json("/api/component/81234?searchTime=2026-07-15")
    assert {s["pvPower"] for s in component["pvData"]} == {0.0}
    assert info["consumption"] > 0
    # Rounded values: grid + battery covers consumption to within a watt.
    assert abs(info["grid_power"] + info["battery_power"] - info["consumption"]) <= 1


async def test_battery_respects_min_soc_and_full_charge(harness: Harness) -> None:
    """Discharge stops at the minimum SOC; charge stops at 100 %."""
    await harness.post("/api/v2/device/yz/battery/min_soc/IZT24A000101", {"value": 50})
    await harness.admin(
        "POST", "/state", {"stations": {"81234": {"pv_power": 0, "consumption": 3000}}}
    )
    await harness.advance(6 * 3600)
    page = (await harness.get_json("/izy/v2/battery/IZT24A000101"))["data"]
    assert page["avgSoc"] == pytest.approx(50, abs=0.5)
    assert page["batteryPower"] == 0
    assert page["dischargeData"]["remainingTime"] == "-"
    await harness.admin(
        "POST", "/state", {"stations": {"81234": {"pv_power": 4000, "consumption": 0}}}
    )
    await harness.advance(12 * 3600)
    for serial in ("IZT24A000101", "IZT24A000102"):
        page = (await harness.get_json(f"/izy/v2/battery/{serial}"))["data"]
        assert page["soc"] == 100
        assert all(item["soc"] == 100 for item in page["items"])
        assert page["batteryPower"] == 0
    info = await harness.get_json(INFO)
    assert info["battery_soc"] == 100


async def test_injection_limit_curtails_export(harness: Harness) -> None:
    """With injection control on, export never exceeds the limit; off, it does."""
    await harness.admin(
        "POST",
        "/state",
        {
            "stations": {"81234": {"pv_power": 5000, "consumption": 200}},
            "devices": {"IZT24A000101": {"soc": 100}, "IZT24A000102": {"soc": 100}},
        },
    )
    await harness.advance(600)
    info = await harness.get_json(INFO)
    assert info["grid_power"] == -600
    assert info["power"] == 800
    await harness.post(
        "/api/v2/device/meter/control/IZM24M000301",
        {"isControl": False, "feedThreshold": -600},
    )
    info = await harness.get_json(INFO)
    assert info["grid_power"] == -4800


async def test_report_and_rates_follow_counters(make_harness: HarnessFactory) -> None:
    """After time passes, the day report carries the live counters and matching rates."""
    harness = await make_harness(refresh_interval_s=0)
    await harness.advance(5 * 3600)
    info = await harness.get_json(INFO)
    report = await harness.get_json(
        "/api/report/v2/powerStations/data/81234?timeType=day&dataFlag=energy&searchTime=2026-07-14"
    )
    day = counters(info, "day")
    assert report["energy"] == day["production"]
    assert report["total_consumption"] == day["consumption"]
    assert report["meter_energy_p"] == day["import"]
    assert report["storage_out"] == day["discharge"]
    pv_direct = day["consumption"] - day["discharge"] - day["import"]
    assert report["consumption"] == pytest.approx(pv_direct, abs=0.011)
    assert float(report["cover_rate"].rstrip("%")) == pytest.approx(
        (day["consumption"] - day["import"]) / day["consumption"] * 100, abs=0.01
    )
    assert float(report["energy_self_rate"].rstrip("%")) == pytest.approx(
        (day["production"] - day["export"]) / day["production"] * 100, abs=0.01
    )


async def test_cloud_refreshes_every_three_minutes(harness: Harness) -> None:
    """Values and lastUpdate move in 180 s steps, like the real cloud."""
    first = await harness.get_json(INFO)
    await harness.advance(179)
    assert await harness.get_json(INFO) == first
    await harness.advance(1)
    moved = await harness.get_json(INFO)
    assert moved["lastUpdate"] == "2026-07-14 13:42:00 UTC+02:00"
    assert (
        moved["extraData"]["production"]["all"]
        > first["extraData"]["production"]["all"]
    )


async def test_time_scale_accelerates(make_harness: HarnessFactory) -> None:
    """With time scale 60, one wall minute is one hour of energy, dated in real time.

    The data of an accelerated simulator are never dated in the future: a client
    such as Home Assistant compares `lastUpdate` with its own clock.
    """
    fast = await make_harness(
        time_scale=60, token_lifetime_s=10_000, refresh_interval_s=0
    )
    real_time = await make_harness(refresh_interval_s=0)
    before = await fast.get_json(INFO)

    fast.wall.now += 60
    await real_time.advance(3600)
    info = await fast.get_json(INFO)

    assert info["lastUpdate"] == "2026-07-14 13:40:00 UTC+02:00"
    assert (await fast.admin("GET", "/clock"))["sky_now"] == "2026-07-14T12:39:00+00:00"
    # The same hour of sun and load as an hour of real time, to the rounding.
    hour = counters(await real_time.get_json(INFO), "day")
    gained = counters(info, "day")
    for name, value in gained.items():
        assert value == pytest.approx(hour[name], abs=0.02), name
    assert gained["production"] > counters(before, "day")["production"] + 0.5


async def test_accelerated_days_roll_over_at_the_dated_midnight(
    make_harness: HarnessFactory,
) -> None:
    """At time scale 60 the day counters close when the data's date changes.

    Nine wall minutes before midnight are nine hours of sun and load (past the sky's
    own midnight) in the same dated day; the day closes at the dated midnight only.
    """
    harness = await make_harness(
        start=datetime(2026, 7, 14, 23, 50, tzinfo=PARIS),
        time_scale=60,
        token_lifetime_s=100_000,
        refresh_interval_s=0,
    )
    start = counters(await harness.get_json(INFO), "day")

    harness.wall.now += 9 * 60
    late = await harness.get_json(INFO)
    harness.wall.now += 2 * 60
    after = await harness.get_json(INFO)

    assert late["lastUpdate"] == "2026-07-14 23:59:00 UTC+02:00"
    assert counters(late, "day")["consumption"] > start["consumption"] + 1
    assert after["lastUpdate"] == "2026-07-15 00:01:00 UTC+02:00"
    assert counters(after, "day")["consumption"] < 0.5 * (
        counters(late, "day")["consumption"] - start["consumption"]
    )
    yesterday = harness.account.stations[0].history["day", "2026-07-14"]
    assert yesterday["consumption"] >= counters(late, "day")["consumption"]


async def _rollover(
    make_harness: HarnessFactory, start: datetime, seconds: float
) -> tuple[dict[str, Any], dict[str, Any], Harness]:
    harness = await make_harness(start=start)
    before = await harness.get_json(INFO)
    await harness.advance(seconds)
    return before, await harness.get_json(INFO), harness


async def test_day_rollover_at_local_midnight(make_harness: HarnessFactory) -> None:
    """Day counters restart at 00:00 Paris; longer periods keep growing; yesterday is archived."""
    before, after, harness = await _rollover(
        make_harness, datetime(2026, 7, 14, 23, 50, tzinfo=PARIS), 20 * 60
    )
    assert after["lastUpdate"] == "2026-07-15 00:09:00 UTC+02:00"
    assert counters(after, "day")["consumption"] < 0.5
    assert counters(after, "day")["production"] == 0
    for period in ("month", "year", "all"):
        assert (
            counters(after, period)["consumption"]
            > counters(before, period)["consumption"]
        )
    yesterday = await harness.get_json(
        "/api/report/v2/powerStations/data/81234?timeType=day&dataFlag=energy&searchTime=2026-07-14"
    )
    assert yesterday["total_consumption"] > counters(before, "day")["consumption"]
    assert yesterday["energy"] == counters(before, "day")["production"]
    today = await harness.get_json(
        "/api/report/v2/powerStations/data/81234?timeType=day&dataFlag=energy&searchTime=2026-07-15"
    )
    assert today["total_consumption"] == counters(after, "day")["consumption"]
    # Before the station's first day (history.py estimates late 2022): no data.
    unknown_day = await harness.get_json(
        "/api/report/v2/powerStations/data/81234?timeType=day&dataFlag=energy&searchTime=2015-01-01"
    )
    assert unknown_day["energy"] == 0


async def test_month_rollover(make_harness: HarnessFactory) -> None:
    """Day and month restart on the 1st; the year goes on."""
    before, after, harness = await _rollover(
        make_harness, datetime(2026, 7, 31, 23, 55, tzinfo=PARIS), 10 * 60
    )
    assert after["lastUpdate"].startswith("2026-08-01 00:0")
    assert (
        counters(after, "month")["consumption"]
        < 0.5
        < counters(before, "month")["consumption"]
    )
    assert (
        counters(after, "year")["consumption"] > counters(before, "year")["consumption"]
    )
    july = await harness.get_json(
        "/api/report/v2/powerStations/data/81234?timeType=month&dataFlag=energy&searchTime=2026-07"
    )
    assert july["total_consumption"] >= counters(before, "month")["consumption"]


async def test_year_rollover_in_winter_time(make_harness: HarnessFactory) -> None:
    """Day, month and year restart on 1 January; the offset is +01:00 in winter."""
    before, after, harness = await _rollover(
        make_harness, datetime(2026, 12, 31, 23, 55, tzinfo=PARIS), 10 * 60
    )
    assert before["lastUpdate"].endswith("UTC+01:00")
    assert after["lastUpdate"].startswith("2027-01-01 00:0")
    for period in ("day", "month", "year"):
        assert counters(after, period)["consumption"] < 0.5
    assert (
        counters(after, "all")["consumption"] > counters(before, "all")["consumption"]
    )
    year = await harness.get_json(
        "/api/report/v2/powerStations/data/81234?timeType=year&dataFlag=energy&searchTime=2026"
    )
    assert year["total_consumption"] >= counters(before, "year")["consumption"]


async def test_dst_change_shows_in_last_update(make_harness: HarnessFactory) -> None:
    """At 02:00 on the last Sunday of March Paris jumps to 03:00 and UTC+02:00."""
    _, after, _ = await _rollover(
        make_harness, datetime(2026, 3, 29, 1, 50, tzinfo=PARIS), 20 * 60
    )
    assert after["lastUpdate"] == "2026-03-29 03:09:00 UTC+02:00"


async def test_other_time_zone_rolls_over_at_its_own_midnight(
    make_harness: HarnessFactory,
) -> None:
    """A station in Réunion (UTC+04:00) closes its day at its local midnight."""
    reunion = ZoneInfo("Indian/Reunion")
    account = load_account(
        ACCOUNT_DIR,
        time_zone="Indian/Reunion",
        start=datetime(2026, 7, 14, 23, 50, tzinfo=reunion),
    )
    harness = await make_harness(account)
    before = await harness.get_json(INFO)
    assert before["lastUpdate"] == "2026-07-14 23:50:00 UTC+04:00"
    await harness.advance(20 * 60)
    after = await harness.get_json(INFO)
    assert after["lastUpdate"] == "2026-07-15 00:09:00 UTC+04:00"
    assert (
        counters(after, "day")["consumption"]
        < 0.5
        < counters(before, "day")["consumption"]
    )
