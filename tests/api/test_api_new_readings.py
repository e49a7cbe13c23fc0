"""Fields of newer cloud versions, raw reads, and the client's health figures."""

from datetime import date
from typing import Any

from aioresponses import aioresponses
import pytest

from custom_components.izypower_cloud.api import (
    BatteryPage,
    BatteryState,
    Device,
    EnergyReport,
    IzypowerClient,
    IzypowerResponseError,
    Period,
    StationInfo,
    station_reads,
)

from .conftest import FakeClock, add_login, load, url

MASTER = "IZT24A000101"


def _page(**changes: Any) -> BatteryPage:
    data = load(f"battery_links_{MASTER}.json")["data"] | changes
    return BatteryPage.from_json(data)


@pytest.mark.parametrize(
    ("code", "power", "state"),
    [
        # The cloud's code wins over the sign of the power.
        (1000, -380, BatteryState.STANDBY),
        (1001, 0, BatteryState.CHARGING),
        ("1002", -380, BatteryState.DISCHARGING),
        # 1 (online), unknown codes and no code: the sign decides.
        (1, -380, BatteryState.CHARGING),
        (1003, 120, BatteryState.DISCHARGING),
        (None, 0, BatteryState.STANDBY),
        ("-", None, None),
    ],
)
def test_battery_state_code_then_power_sign(
    code: object, power: object, state: BatteryState | None
) -> None:
    """One rule: the state code when known, else the power sign."""
    assert _page(onlineState=code, batteryPower=power).state is state


def test_temperatures_of_titan_and_links() -> None:
    """`socTemp` and `items[].temp` in °C; unknown when absent or unreadable."""
    page = _page()
    assert page.temperature == 27.4
    assert [link.temperature for link in page.links] == [25.9, 26.1]
    older = _page(socTemp="--", items=[{"sn": "IZL1", "soc": 50}])
    assert older.temperature is None
    assert older.links[0].temperature is None


def test_ev_figures() -> None:
    """Station `ev_power`, report `ev` and `ev_rate`; zeros are no EV evidence."""
    info = StationInfo.from_json(load("station_info_81234.json"))
    assert info.ev_power is None
    assert not info.reports_ev
    info = StationInfo.from_json(load("station_info_81234.json") | {"ev_power": 0})
    assert info.ev_power == 0
    assert not info.reports_ev
    assert StationInfo.from_json({"ev_power": "7400"}).reports_ev

    report = EnergyReport.from_json(load("report_81234_day.json"), Period.DAY)
    assert (report.ev_energy, report.ev_rate, report.reports_ev) == (None, None, False)
    report = EnergyReport.from_json({"ev": 3.2, "ev_rate": "21.5%"}, Period.DAY)
    assert (report.ev_energy, report.ev_rate, report.reports_ev) == (3.2, 21.5, True)
    assert EnergyReport.from_json({"ev_rate": "2%"}, Period.DAY).reports_ev


def _devices(station_id: int) -> list[Device]:
    records = load(f"device_page_{station_id}.json")["data"]["records"]
    return [d for r in records if (d := Device.from_json(r)) is not None]


def test_station_reads_name_no_serial() -> None:
    """Every read of a station once; names carry positions, never serials."""
    reads = list(station_reads(81234, _devices(81234), date(2026, 7, 14)))
    names = [read.name for read in reads]
    # Station-wide 10; the meter: base info, Wi-Fi, channels; each Titan 3.
    assert len(names) == len(set(names)) == 10 + 3 + 2 * 3
    assert "device_3_meter_channels" in names
    assert not any(MASTER in name for name in names)
    no_serial = Device.from_json({"deviceId": 1, "deviceType": "vm"})
    assert no_serial is not None
    assert [read.name for read in station_reads(1, [no_serial], date(2026, 7, 14))][
        10:
    ] == []
    reads = list(station_reads(81235, _devices(81235), date(2026, 7, 14)))
    assert reads[11].params == {
        "searchTime": "2026-07-14",
        "timeType": "day",
        "dataFlag": "temp",
    }


async def test_get_raw_returns_the_whole_body(
    client: IzypowerClient, mock_cloud: aioresponses
) -> None:
    """The decoded body, unparsed; an error envelope raises."""
    add_login(mock_cloud)
    body = load("report_81234_day.json")
    (read,) = [
        read
        for read in station_reads(81234, [], date(2026, 7, 14))
        if read.name == "report_day"
    ]
    mock_cloud.get(
        url(read.template.format(81234), **read.params), payload=body, repeat=True
    )
    assert await client.get_raw(read) == body
    (info,) = [
        read
        for read in station_reads(81234, [], date(2026, 7, 14))
        if read.name == "station_info"
    ]
    mock_cloud.get(
        url(info.template.format(81234)), payload={"code": 10004, "data": None}
    )
    with pytest.raises(IzypowerResponseError):
        await client.get_raw(info)


async def test_requests_in_the_last_hour(
    client: IzypowerClient, mock_cloud: aioresponses, clock: FakeClock
) -> None:
    """A sliding hour: requests leave the count 3600 s after they were sent."""
    assert client.requests_last_hour == 0
    assert client.token_valid_until is None
    add_login(mock_cloud)
    mock_cloud.get(
        url(f"/izy/v2/battery/{MASTER}"),
        payload=load(f"battery_links_{MASTER}.json"),
        repeat=True,
    )
    await client.get_battery(MASTER)  # login + read
    assert client.token_valid_until == 4070908800
    clock.now += 1800
    await client.get_battery(MASTER)
    assert client.requests_last_hour == 3
    clock.now += 1800
    assert client.requests_last_hour == 1
    clock.now += 1
    assert client.requests_last_hour == 1
    clock.now += 1800
    assert client.requests_last_hour == 0
    assert client.request_count == 3
