"""Generated stations of each layout: micro-inverters only, battery only, late battery."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from izypower_simulator import Account, Layout, generate_account
from izypower_simulator.model import Station

from .conftest import Harness, HarnessFactory

# Noon in Paris in July: the panels produce and the Titans charge.
NOON = datetime(2026, 7, 14, 10, 0, tzinfo=UTC)
DAY = "2026-07-14"
BATTERY_READINGS = ("battery_power", "battery_pv_power", "battery_soc")


def _kinds(station: Station) -> set[str]:
    return {device.type_code for device in station.devices}


async def _served(
    make_harness: HarnessFactory, layout: Layout, kinds: set[str]
) -> tuple[Account, Harness]:
    """Serve two stations of three devices of `layout`; check what they hold."""
    account = generate_account(2, 3, start=NOON, seed=4, layout=layout)
    assert all(_kinds(station) == kinds for station in account.stations)
    return account, await make_harness(account)


async def _info(harness: Harness, station: Station) -> Any:
    return await harness.get_json(f"/api/v3/powerStations/info/{station.station_id}")


async def _listed(harness: Harness, station: Station) -> set[str]:
    """Return the serials the cloud lists for the station."""
    body = await harness.get_json(
        f"/api/device/page?powerId={station.station_id}&deviceType=all&page=1&limit=100"
    )
    return {record["sn"] for record in body["data"]["records"]}


async def test_micro_inverter_station_sends_no_battery_data(
    make_harness: HarnessFactory,
) -> None:
    """A meter and micro-inverters: no Titan, no `battery` category, null readings."""
    account, harness = await _served(make_harness, Layout.MICRO, {"meter", "vm"})
    await harness.advance(3600)

    for station in account.stations:
        info = await _info(harness, station)
        assert set(info["extraData"]) == {"production", "consumption", "grid"}
        assert all(info[reading] is None for reading in BATTERY_READINGS)
        energy = info["extraData"]
        consumption, grid_import = energy["consumption"]["day"], energy["grid"]["day2"]
        assert energy["production"]["day"] > 0
        assert consumption > 0
        # The cloud's own consumption from solar is consumption - grid import there.
        report = await harness.get_json(
            f"/api/report/v2/powerStations/data/{station.station_id}"
            f"?timeType=day&dataFlag=energy&searchTime={DAY}"
        )
        assert report["consumption"] == pytest.approx(
            max(0.0, consumption - grid_import), abs=0.01
        )


def test_single_device_micro_inverter_station_has_no_meter() -> None:
    """One device is one micro-inverter."""
    (station,) = generate_account(1, 1, start=NOON, layout=Layout.MICRO).stations
    assert _kinds(station) == {"vm"}


async def test_battery_station_has_titans_and_no_micro_inverter(
    make_harness: HarnessFactory,
) -> None:
    """A meter and Titans: the battery data is there from the start."""
    account, harness = await _served(make_harness, Layout.BATTERY, {"meter", "battery"})

    for station in account.stations:
        info = await _info(harness, station)
        assert "battery" in info["extraData"]
        assert all(info[reading] is not None for reading in BATTERY_READINGS)
    with pytest.raises(ValueError, match="devices >= 2"):
        generate_account(1, 1, layout=Layout.BATTERY)


async def test_late_battery_appears_at_its_installation(
    make_harness: HarnessFactory,
) -> None:
    """The Titan, the `battery` category and the readings appear together, later."""
    after = timedelta(minutes=30)
    account = generate_account(
        1, 3, start=NOON, seed=6, layout=Layout.LATE_BATTERY, battery_after=after
    )
    (station,) = account.stations
    (titan,) = station.arriving
    harness = await make_harness(account)

    info = await _info(harness, station)
    assert "battery" not in info["extraData"]
    assert info["battery_soc"] is None
    assert info["data"]["deviceCount"] == 3
    assert titan.serial not in await _listed(harness, station)
    assert account.device_by_serial(titan.serial) is None

    await harness.advance(after.total_seconds() - 180)
    assert "battery" not in (await _info(harness, station))["extraData"]

    await harness.advance(3600)
    info = await _info(harness, station)
    assert info["data"]["deviceCount"] == 4
    assert titan.serial in await _listed(harness, station)
    assert account.device_by_serial(titan.serial) == (station, titan)
    assert info["battery_soc"] is not None
    battery = info["extraData"]["battery"]
    # A new battery: everything it stored happened since its installation, today.
    assert battery["all_in"] == battery["day_in"] > 0
    assert battery["all_out"] == battery["day_out"]
    page = await harness.get_json(f"/izy/v2/battery/{titan.serial}")
    assert page["data"] is not None
    assert station.arrival is None
