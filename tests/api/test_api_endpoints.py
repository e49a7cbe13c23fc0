"""Every endpoint of the client against the synthetic account's fixtures."""

from datetime import date, datetime, timedelta, timezone

import aiohttp
from aioresponses import aioresponses
import pytest

from custom_components.izypower_cloud.api import (
    BatteryState,
    ClusterMode,
    CtPower,
    DeviceType,
    EnergySeries,
    IzypowerClient,
    IzypowerError,
    Period,
    PvString,
    Rate,
)

from .conftest import (
    LOGIN_PATH,
    PASSWORD,
    USERNAME,
    add_login,
    calls,
    load,
    token_of,
    url,
)

DAY = date(2026, 7, 14)
MASTER = "IZT24A000101"
SLAVE = "IZT24A000102"
METER = "IZM24M000301"
MICROS = ("IZV08B000501", "IZV08B000502")
PAGE = {"page": 1, "limit": 100}


async def test_get_stations(client: IzypowerClient, mock_cloud: aioresponses) -> None:
    """The station list gives ids, names, capacity and address."""
    add_login(mock_cloud)
    mock_cloud.get(
        url("/api/powerStations/page", **PAGE), payload=load("stations_page_1.json")
    )

    stations = await client.get_stations()

    assert [station.station_id for station in stations] == [81234, 81235]
    assert stations[0].name == "Maison des Tilleuls"
    assert stations[0].installed_capacity == 3600
    assert stations[0].address == "7 allée des Tilleuls, 99999 Exempleville"
    assert client.request_count == 2


async def test_get_station_info(
    client: IzypowerClient, mock_cloud: aioresponses
) -> None:
    """Live figures sit at the top level, metadata inside `data`."""
    add_login(mock_cloud)
    mock_cloud.get(
        url("/api/v3/powerStations/info/81234"),
        payload=load("station_info_81234.json"),
    )

    info = await client.get_station_info(81234)

    assert info.pv_power == 2233
    assert info.grid_power == -103
    assert info.consumption_power == 1480
    assert info.battery_power == -650
    assert info.battery_pv_power == 2233
    assert info.battery_soc == 64
    assert info.installed_capacity == 3600
    assert info.last_update == datetime(
        2026, 7, 14, 13, 39, tzinfo=timezone(timedelta(hours=2))
    )
    assert info.device_types == {
        "vm": "Micro inverter",
        "battery": "Battery",
        "meter": "Smart meter",
        "evse": "Charger",
    }
    # README table of station 81234, one row per period (consumption from PV is
    # derived by the integration, not parsed).
    expected = {
        Period.DAY: (9.84, 7.12, 1.06, 0.58, 4.35, 1.15),
        Period.MONTH: (248.6, 181.2, 18.9, 75.9, 96.5, 86.1),
        Period.YEAR: (2874.3, 2410.5, 512.4, 894.9, 812.7, 731.4),
        Period.TOTAL: (14021.7, 11203.4, 2455.0, 4871.2, 3980.2, 3578.1),
    }
    series = (
        EnergySeries.PRODUCTION,
        EnergySeries.CONSUMPTION,
        EnergySeries.GRID_IMPORT,
        EnergySeries.GRID_EXPORT,
        EnergySeries.BATTERY_CHARGE,
        EnergySeries.BATTERY_DISCHARGE,
    )
    assert len(info.energy) == len(series) * len(Period)
    for period, values in expected.items():
        for kind, value in zip(series, values, strict=True):
            assert info.energy_value(kind, period) == pytest.approx(value)


async def test_get_station_info_without_battery_or_meter(
    client: IzypowerClient, mock_cloud: aioresponses
) -> None:
    """Real zeros stay zeros."""
    add_login(mock_cloud)
    mock_cloud.get(
        url("/api/v3/powerStations/info/81235"),
        payload=load("station_info_81235.json"),
    )

    info = await client.get_station_info(81235)

    assert info.energy_value(EnergySeries.PRODUCTION, Period.DAY) == 4.86
    assert info.energy_value(EnergySeries.BATTERY_DISCHARGE, Period.TOTAL) == 0
    assert info.battery_soc == 0


@pytest.mark.parametrize(
    "query",
    [
        (Period.DAY, "day", "2026-07-14"),
        (Period.MONTH, "month", "2026-07"),
        (Period.YEAR, "year", "2026"),
        (Period.TOTAL, "all", "2026-07-14"),
    ],
)
@pytest.mark.parametrize("station_id", [81234, 81235])
async def test_get_energy_report(
    client: IzypowerClient,
    mock_cloud: aioresponses,
    station_id: int,
    query: tuple[Period, str, str],
) -> None:
    """Each period asks its own timeType and searchTime format."""
    period, time_type, search_time = query
    add_login(mock_cloud)
    body = load(f"report_{station_id}_{time_type}.json")
    mock_cloud.get(
        url(
            f"/api/report/v2/powerStations/data/{station_id}",
            timeType=time_type,
            dataFlag="energy",
            searchTime=search_time,
        ),
        payload=body,
    )

    report = await client.get_energy_report(station_id, period, DAY)

    assert report.period is period
    assert report.rates[Rate.COVER] == float(body["cover_rate"].rstrip("%"))
    assert report.rates[Rate.BATTERY_CHARGE] == float(
        body["storage_in_rate"].rstrip("%")
    )
    assert report.rates[Rate.SELF_SUFFICIENCY] == float(
        body["energy_self_rate"].rstrip("%")
    )
    assert report.rates[Rate.GRID_EXPORT] == float(
        body["meter_energy_n_rate"].rstrip("%")
    )
    assert report.rates[Rate.BATTERY_DISCHARGE] == float(
        body["storage_out_rate"].rstrip("%")
    )
    assert report.rates[Rate.CONSUMPTION_FROM_PV] == float(
        body["consumption_rate"].rstrip("%")
    )
    assert report.rates[Rate.GRID_IMPORT] == float(
        body["meter_energy_p_rate"].rstrip("%")
    )


async def test_get_pv_strings(client: IzypowerClient, mock_cloud: aioresponses) -> None:
    """PV inputs are named PV1, PV2... per device serial."""
    add_login(mock_cloud)
    mock_cloud.get(
        url("/api/component/81234", searchTime="2026-07-14"),
        payload=load("component_81234.json"),
    )

    strings = await client.get_pv_strings(81234, DAY)

    assert strings == [
        PvString(MASTER, "PV1", 612.4),
        PvString(MASTER, "PV2", 587.9),
        PvString(SLAVE, "PV1", 534.0),
        PvString(SLAVE, "PV2", 498.6),
    ]


async def test_get_devices_titans_and_meter(
    client: IzypowerClient, mock_cloud: aioresponses
) -> None:
    """Cluster roles, average SOC and meter readings come from the device list."""
    add_login(mock_cloud)
    mock_cloud.get(
        url("/api/device/page", powerId=81234, deviceType="all", **PAGE),
        payload=load("device_page_81234.json"),
    )

    master, slave, meter = await client.get_devices(81234)

    assert master.device_id == 640101
    assert master.serial == MASTER
    assert master.name == "Titan Maître"
    assert master.type_code == "battery"
    assert master.device_type is DeviceType.BATTERY
    assert master.online is True
    assert master.cluster_mode is ClusterMode.MASTER
    assert master.software_version == "V1.3.08"
    assert master.average_soc == 63.7
    assert master.has_average_soc is True
    assert master.grid_voltage is None
    assert slave.cluster_mode is ClusterMode.SLAVE
    assert slave.average_soc == 64.5
    assert meter.device_type is DeviceType.METER
    assert meter.cluster_mode is ClusterMode.NONE
    assert meter.has_average_soc is False
    assert meter.average_soc is None
    assert meter.grid_voltage == 231.4
    assert meter.grid_frequency == 50.01
    assert meter.meter_import_total == 2455.0
    assert meter.meter_export_total == 4871.2


async def test_get_devices_micro_inverters(
    client: IzypowerClient, mock_cloud: aioresponses
) -> None:
    """Micro-inverters are `vm` devices outside any cluster."""
    add_login(mock_cloud)
    mock_cloud.get(
        url("/api/device/page", powerId=81235, deviceType="all", **PAGE),
        payload=load("device_page_81235.json"),
    )

    devices = await client.get_devices(81235)

    assert [device.serial for device in devices] == list(MICROS)
    assert {device.device_type for device in devices} == {DeviceType.MICRO_INVERTER}
    assert {device.cluster_mode for device in devices} == {ClusterMode.NONE}


@pytest.mark.parametrize("serial", [MASTER, SLAVE, METER, *MICROS])
async def test_get_wifi(
    client: IzypowerClient, mock_cloud: aioresponses, serial: str
) -> None:
    """Wi-Fi fields sit at the top level of the fixtures."""
    add_login(mock_cloud)
    body = load(f"device_wifi_{serial}.json")
    mock_cloud.get(url(f"/api/v3/device/wifi/{serial}"), payload=body)

    wifi = await client.get_wifi(serial)

    assert wifi.rssi == body["rssi"]
    assert wifi.ssid == body["wifi"]
    assert wifi.ip_address == body["ip"]


async def test_get_wifi_inside_data(
    client: IzypowerClient, mock_cloud: aioresponses
) -> None:
    """The Jeedom port's variant, with the fields inside `data`, also works."""
    add_login(mock_cloud)
    mock_cloud.get(
        url(f"/api/v3/device/wifi/{METER}"),
        payload={"code": 0, "data": {"rssi": "-71", "wifi": "Box", "ip": "10.0.0.2"}},
    )

    wifi = await client.get_wifi(METER)

    assert (wifi.rssi, wifi.ssid, wifi.ip_address) == (-71, "Box", "10.0.0.2")


async def test_get_battery(client: IzypowerClient, mock_cloud: aioresponses) -> None:
    """The battery page gives power flows, times and Link modules."""
    add_login(mock_cloud)
    mock_cloud.get(
        url(f"/izy/v2/battery/{MASTER}"), payload=load(f"battery_links_{MASTER}.json")
    )

    page = await client.get_battery(MASTER)

    assert (page.soc, page.energy) == (66, 1.32)
    assert (page.average_soc, page.average_energy) == (63.7, 3.82)
    assert page.power == -380
    assert page.state is BatteryState.CHARGING
    assert page.consumption_need_power == 1480
    assert page.solar_surplus_power == 103
    assert page.direct_solar_power == 820
    assert page.backup_outlet_power == 0
    assert (page.charge_from_grid_power, page.charge_from_pv_power) == (0, 380)
    assert page.charging_time == 344
    assert page.discharge_from_battery_power == 0
    assert page.discharge_from_pv_power == 0
    assert page.discharging_time is None  # "-" is unknown, not 0 minutes
    assert page.online is True
    assert [(link.serial, link.soc, link.energy) for link in page.links] == [
        ("IZL24L000701", 62, 1.24),
        ("IZL24L000702", 63, 1.26),
    ]


@pytest.mark.parametrize(("serial", "expected"), [(MICROS[0], 41.3), (MICROS[1], 39.8)])
async def test_get_temperature(
    client: IzypowerClient, mock_cloud: aioresponses, serial: str, expected: float
) -> None:
    """The temperature is the last point of the day's series."""
    add_login(mock_cloud)
    mock_cloud.get(
        url(
            f"/api/report/device/data/{serial}",
            searchTime="2026-07-14",
            timeType="day",
            dataFlag="temp",
        ),
        payload=load(f"device_temp_{serial}.json"),
    )

    assert await client.get_temperature(serial, DAY) == expected


async def test_get_temperature_of_offline_device(
    client: IzypowerClient, mock_cloud: aioresponses
) -> None:
    """An empty series is an unknown temperature, not an error."""
    add_login(mock_cloud)
    mock_cloud.get(
        url(
            f"/api/report/device/data/{MICROS[0]}",
            searchTime="2026-07-14",
            timeType="day",
            dataFlag="temp",
        ),
        payload={"code": 0, "msg": "success", "data": []},
    )

    assert await client.get_temperature(MICROS[0], DAY) is None


@pytest.mark.parametrize(
    ("station_id", "expected"),
    [
        (81234, {MASTER: False, SLAVE: True, METER: False}),
        (81235, {MICROS[0]: False, MICROS[1]: False}),
    ],
)
async def test_get_firmware_updates(
    client: IzypowerClient,
    mock_cloud: aioresponses,
    station_id: int,
    expected: dict[str, bool],
) -> None:
    """Upgrade flags are keyed by serial."""
    add_login(mock_cloud)
    mock_cloud.get(
        url(f"/api/v3/device/upgrade/{station_id}"),
        payload=load(f"device_upgrade_{station_id}.json"),
    )

    assert await client.get_firmware_updates(station_id) == expected


async def test_get_meter_control(
    client: IzypowerClient, mock_cloud: aioresponses
) -> None:
    """The negative threshold is exposed as a positive limit."""
    add_login(mock_cloud)
    mock_cloud.get(
        url("/api/v2/device/baseInfo/640103"),
        payload=load("meter_base_info_640103.json"),
    )

    control = await client.get_meter_control(640103)

    assert control.enabled is True
    assert control.limit == 600


@pytest.mark.parametrize("serial", [MASTER, SLAVE])
async def test_get_battery_settings(
    client: IzypowerClient, mock_cloud: aioresponses, serial: str
) -> None:
    """Settings give the discharge floor, meter presence and control mode."""
    add_login(mock_cloud)
    mock_cloud.get(
        url(f"/api/v2/device/cmd/{serial}"), payload=load(f"battery_cmd_{serial}.json")
    )

    settings = await client.get_battery_settings(serial)

    assert (settings.min_soc, settings.has_meter, settings.control_mode) == (
        10,
        True,
        0,
    )


async def test_get_ct_powers(client: IzypowerClient, mock_cloud: aioresponses) -> None:
    """The last row of the day with CT items wins."""
    add_login(mock_cloud)
    mock_cloud.get(
        url("/api/report/layoutPower/81234", searchTime="2026-07-14", isV2="true"),
        payload=load("layout_power_81234.json"),
    )

    assert await client.get_ct_powers(81234, DAY) == [CtPower(METER, "CT2", 412)]


async def test_set_meter_control(
    client: IzypowerClient, mock_cloud: aioresponses
) -> None:
    """Both fields are sent, the limit negated as the cloud stores it."""
    add_login(mock_cloud)
    path = f"/api/v2/device/meter/control/{METER}"
    mock_cloud.post(url(path), payload=load("writes/generic_ack.response.json"))

    await client.set_meter_control(METER, enabled=True, limit=600.0)

    (call,) = calls(mock_cloud, "POST", path)
    assert call.kwargs["json"] == load("writes/meter_control.request.json")


@pytest.mark.parametrize("limit", [-1.0, float("nan"), float("inf")])
async def test_set_meter_control_rejects_bad_limit(
    client: IzypowerClient, mock_cloud: aioresponses, limit: float
) -> None:
    """An impossible limit never reaches the cloud."""
    with pytest.raises(IzypowerError):
        await client.set_meter_control(METER, enabled=True, limit=limit)
    assert client.request_count == 0


@pytest.mark.parametrize(
    ("on", "fixture"),
    [(True, "battery_led_on.request.json"), (False, "battery_led_off.request.json")],
)
async def test_set_battery_leds(
    client: IzypowerClient, mock_cloud: aioresponses, on: bool, fixture: str
) -> None:
    """LEDs are switched with value 1 or 0."""
    add_login(mock_cloud)
    path = f"/api/v2/device/yz/battery/led/{MASTER}"
    mock_cloud.post(url(path), payload=load("writes/generic_ack.response.json"))

    await client.set_battery_leds(MASTER, on)

    (call,) = calls(mock_cloud, "POST", path)
    assert call.kwargs["json"] == load(f"writes/{fixture}")


async def test_set_battery_min_soc(
    client: IzypowerClient, mock_cloud: aioresponses
) -> None:
    """The discharge floor is sent as an integer value."""
    add_login(mock_cloud)
    path = f"/api/v2/device/yz/battery/min_soc/{MASTER}"
    mock_cloud.post(url(path), payload=load("writes/generic_ack.response.json"))

    await client.set_battery_min_soc(MASTER, 15)

    (call,) = calls(mock_cloud, "POST", path)
    assert call.kwargs["json"] == load("writes/battery_min_soc.request.json")


async def test_write_with_empty_answer(
    client: IzypowerClient, mock_cloud: aioresponses
) -> None:
    """Nobody knows what a write answers: an empty 200 body is a success."""
    add_login(mock_cloud)
    mock_cloud.post(url(f"/api/v2/device/yz/battery/led/{MASTER}"), body="")

    await client.set_battery_leds(MASTER, True)


@pytest.mark.parametrize(("language", "header"), [("fr", "fr"), ("fr-FR", "fr")])
async def test_headers(
    session: aiohttp.ClientSession,
    mock_cloud: aioresponses,
    language: str,
    header: str,
) -> None:
    """Every call sends app-platform and Accept-Language; only API calls the token."""
    client = IzypowerClient(session, USERNAME, PASSWORD, language=language)
    add_login(mock_cloud)
    mock_cloud.get(
        url(f"/api/v3/device/wifi/{METER}"), payload=load(f"device_wifi_{METER}.json")
    )

    await client.get_wifi(METER)

    (login,) = calls(mock_cloud, "POST", LOGIN_PATH)
    assert login.kwargs["headers"] == {"app-platform": "izy", "Accept-Language": header}
    assert login.kwargs["json"] == {"username": USERNAME, "password": PASSWORD}
    (wifi,) = calls(mock_cloud, "GET", f"/api/v3/device/wifi/{METER}")
    assert wifi.kwargs["headers"] == {
        "app-platform": "izy",
        "Accept-Language": header,
        "x-tts-access-token": token_of("login_ok.json"),
    }
    assert wifi.kwargs["json"] is None


@pytest.mark.parametrize("language", ["en", "de", "EN-gb"])
async def test_other_languages_fall_back_to_english(
    session: aiohttp.ClientSession, mock_cloud: aioresponses, language: str
) -> None:
    """The cloud only speaks French and English."""
    client = IzypowerClient(session, USERNAME, PASSWORD, language=language)
    add_login(mock_cloud)

    await client.login()

    (login,) = calls(mock_cloud, "POST", LOGIN_PATH)
    assert login.kwargs["headers"]["Accept-Language"] == "en"


async def test_custom_base_url(
    session: aiohttp.ClientSession, mock_cloud: aioresponses
) -> None:
    """A simulator or proxy URL replaces the official cloud (trailing slash ok)."""
    client = IzypowerClient(
        session, USERNAME, PASSWORD, base_url="http://127.0.0.1:8099/photo_voltaic/"
    )
    mock_cloud.post(
        "http://127.0.0.1:8099/photo_voltaic/api/login", payload=load("login_ok.json")
    )

    await client.login()

    assert client.request_count == 1


async def test_serials_are_quoted_in_paths(
    client: IzypowerClient, mock_cloud: aioresponses
) -> None:
    """A serial cannot escape its path segment."""
    add_login(mock_cloud)
    mock_cloud.get(
        url("/api/v3/device/wifi/A%2FB"), payload=load(f"device_wifi_{METER}.json")
    )

    wifi = await client.get_wifi("A/B")

    assert wifi.rssi == -71
