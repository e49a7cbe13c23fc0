"""Defensive parsing of every model: bad data reads as unknown, never raises."""

import dataclasses
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from custom_components.izypower_cloud.api import (
    BatteryPage,
    BatterySettings,
    BatteryState,
    ClusterMode,
    CtPower,
    Device,
    DeviceType,
    EnergyReport,
    EnergySeries,
    LinkModule,
    MeterControl,
    Period,
    PvString,
    Rate,
    Station,
    StationInfo,
    WifiInfo,
    parse_number,
)
from custom_components.izypower_cloud.api.equipment import (
    parse_latest_temperature,
    parse_upgrade_flags,
)
from custom_components.izypower_cloud.api.parsers import (
    parse_bool,
    parse_id,
    parse_int,
    parse_last_update,
    parse_text,
)

from .conftest import load

GARBAGE: list[object] = [None, "", " ", "not json", 42, 1.5, True, [], {}, [{}]]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, 0.0),
        (12, 12.0),
        (-103, -103.0),
        (12.5, 12.5),
        ("12.5", 12.5),
        (" 12.5 ", 12.5),
        ("-3.25", -3.25),
        ("+4", 4.0),
        (".5", 0.5),
        ("5.", 5.0),
        ("1e3", 1000.0),
        ("231.4V", 231.4),
        ("2455.0kWh", 2455.0),
        ("50.01Hz", 50.01),
        ("63.7%", 63.7),
        ("63.7 %", 63.7),
        (" 63.7 % ", 63.7),
        ("25.6 °C", 25.6),
        ("-650W", -650.0),
        ("1,5", 1.5),
        ("-1,5 kWh", -1.5),
        ("0", 0.0),
        ("0.00%", 0.0),
        (None, None),
        ("", None),
        ("   ", None),
        ("-", None),
        ("--", None),
        ("{}", None),
        ("NaN", None),
        ("nan", None),
        (float("nan"), None),
        (float("inf"), None),
        (float("-inf"), None),
        ("inf", None),
        ("Infinity", None),
        ("1e999", None),
        (10**400, None),
        (True, None),
        (False, None),
        ("abc", None),
        ("12 34", None),
        ("1,234.5", None),
        ("1.2.3", None),
        ("V231", None),
        ("12%%x5", None),
        # Only units the cloud is known to use, in any case.
        ("-650 kW", -650.0),
        ("1.2 Wh", 1.2),
        ("0.8kwh", 0.8),
        ("5.2A", 5.2),
        ("25.6°C", 25.6),
        ("25.6 C", 25.6),
        ("-67dBm", -67.0),
        ("-67 DBM", -67.0),
        ("150 min", 150.0),
        ("2h", 2.0),
        ("30 s", 30.0),
        ("120ms", 120.0),
        ("12 apples", None),
        ("1.5e", None),
        ("1.5 e", None),
        ("12%%", None),
        ("12 % %", None),
        ("12 V V", None),
        ("12 kVA", None),
        ("12 °F", None),
        ("12 mW", None),
        ("3 days", None),
        ("12/5", None),
        ("12²", None),
        ([], None),
        ([1], None),
        ({}, None),
        ({"value": 1}, None),
        (b"12", None),
    ],
)
def test_parse_number(value: object, expected: float | None) -> None:
    """One parser for every number the cloud sends."""
    result = parse_number(value)
    assert result == expected
    assert result is None or isinstance(result, float)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        (1, True),
        (0, False),
        ("1", True),
        ("0", False),
        ("true", True),
        (" False ", False),
        ("on", True),
        ("off", False),
        (2, None),
        ("maybe", None),
        (None, None),
        ([], None),
    ],
)
def test_parse_bool(value: object, expected: bool | None) -> None:
    """Flags come as booleans, 0/1 or strings."""
    assert parse_bool(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (640101, 640101),
        ("640101", 640101),
        (" 640101 ", 640101),
        (640101.0, 640101),
        (0, 0),
        (640101.5, None),
        ("640101V", None),
        ("64.0", None),
        (-1, None),
        (True, None),
        (None, None),
        ("", None),
    ],
)
def test_parse_id(value: object, expected: int | None) -> None:
    """Ids may arrive as strings; anything but bare digits is rejected."""
    assert parse_id(value) == expected


def test_parse_int_and_text() -> None:
    """Integral numbers and non-empty strings."""
    assert parse_int("1000") == 1000
    assert parse_int(1.5) is None
    assert parse_int("x") is None
    assert parse_text(" IZ1 ") == "IZ1"
    assert parse_text(123) == "123"
    assert parse_text("  ") is None
    assert parse_text(True) is None
    assert parse_text(1.5) is None


PARIS_SUMMER = timezone(timedelta(hours=2))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            "2026-07-14 13:39:00 UTC+02:00",
            datetime(2026, 7, 14, 13, 39, tzinfo=PARIS_SUMMER),
        ),
        (
            "2026-02-10 22:39:29 UTC+01:00",
            datetime(2026, 2, 10, 22, 39, 29, tzinfo=timezone(timedelta(hours=1))),
        ),
        (
            "2026-07-14 08:09:00 UTC-03:30",
            datetime(
                2026, 7, 14, 8, 9, tzinfo=timezone(-timedelta(hours=3, minutes=30))
            ),
        ),
        (
            "2026-07-14 13:39:00 UTC+0200",
            datetime(2026, 7, 14, 13, 39, tzinfo=PARIS_SUMMER),
        ),
        ("2026-07-14 13:39 UTC+2", datetime(2026, 7, 14, 13, 39, tzinfo=PARIS_SUMMER)),
        (
            "2026-07-14T11:39:00 UTC",
            datetime(2026, 7, 14, 11, 39, tzinfo=UTC),
        ),
        (
            "2026-07-14 11:39:00 GMT+00:00",
            datetime(2026, 7, 14, 11, 39, tzinfo=timezone(timedelta())),
        ),
        ("2026-07-14 13:39:00", None),
        ("2026-07-14 13:39:00 UTC+15:00", None),
        ("2026-02-30 13:39:00 UTC+01:00", None),
        ("2026-07-14 25:39:00 UTC+01:00", None),
        ("yesterday", None),
        ("", None),
        (None, None),
        (1784029140, None),
    ],
)
def test_parse_last_update(value: object, expected: datetime | None) -> None:
    """The offset of the timestamp is its own; no offset means unknown."""
    result = parse_last_update(value)
    assert result == expected
    if result is not None:
        assert result.utcoffset() == expected.utcoffset()  # type: ignore[union-attr]


@pytest.mark.parametrize("payload", GARBAGE)
def test_every_model_survives_garbage(payload: object) -> None:
    """No parser raises, whatever JSON value it receives."""
    assert Station.from_json(payload) is None
    assert Device.from_json(payload) is None
    assert PvString.from_json(payload) is None
    assert LinkModule.from_json(payload) is None
    assert CtPower.from_json(payload) is None
    assert PvString.list_from_json(payload) == []
    assert CtPower.list_from_json(payload) == []
    assert parse_upgrade_flags(payload) == {}
    assert parse_latest_temperature(payload) is None
    info = StationInfo.from_json(payload)
    assert set(info.energy.values()) == {None}
    assert info.device_types == {}
    assert info.last_update is None
    assert set(EnergyReport.from_json(payload, Period.DAY).rates.values()) == {None}
    assert set(EnergyReport.from_json(payload, Period.DAY).energy.values()) == {None}
    assert WifiInfo.from_json(payload) == WifiInfo(None, None, None)
    page = BatteryPage.from_json(payload)
    assert page.links == ()
    assert page.state is None
    assert all(
        getattr(page, field.name) is None
        for field in dataclasses.fields(page)
        if field.name != "links"
    )
    assert BatterySettings.from_json(payload) == BatterySettings(None, None, None)
    assert MeterControl.from_json(payload) == MeterControl(None, None)


def test_models_are_frozen() -> None:
    """Models are immutable snapshots."""
    station = Station(1, "A", None, None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        station.name = "B"  # type: ignore[misc]


def test_station_fallbacks() -> None:
    """String ids are accepted; a nameless station is named by its id."""
    assert Station.from_json({"stationsId": "81234"}) == Station(
        81234, "81234", None, None
    )
    assert Station.from_json({"stationsId": 1, "stationsName": "Typo"}) == Station(
        1, "Typo", None, None
    )
    assert Station.from_json(
        {"stationsId": 1, "stationName": " ", "installedCapacity": "3,6 kW"}
    ) == Station(1, "1", 3.6, None)
    assert Station.from_json({"stationName": "No id"}) is None


def test_station_info_partial_payload() -> None:
    """Missing counters are unknown."""
    body: dict[str, Any] = {
        "power": "2233",
        "battery_soc": None,
        "extraData": {
            "consumption": {"day": 7.0, "month": 10.0, "all": 5.0},
            "battery": {"day_out": 1.0, "month_out": "x", "all_out": 3.0},
            "grid": {"day2": 1.0, "month2": 1.0, "all2": 4.0},
            "production": "not an object",
        },
        "deviceTypes": [{"value": "vm"}, {"name": "no code"}, "junk", {"value": "x"}],
        "data": {"lastUpdate": "2026-07-14 13:39:00 UTC+02:00"},
    }

    info = StationInfo.from_json(body)

    assert info.pv_power == 2233
    assert info.battery_soc is None
    assert info.grid_power is None
    assert info.energy_value(EnergySeries.CONSUMPTION, Period.DAY) == 7.0
    assert info.energy_value(EnergySeries.BATTERY_DISCHARGE, Period.MONTH) is None
    assert info.energy_value(EnergySeries.GRID_IMPORT, Period.YEAR) is None
    # Derived by the integration from the guarded counters, never parsed.
    assert info.energy_value(EnergySeries.CONSUMPTION_FROM_PV, Period.DAY) is None
    assert info.energy_value(EnergySeries.PRODUCTION, Period.DAY) is None
    assert info.device_types == {"vm": "vm", "x": "x"}
    # The metadata copy of lastUpdate is the fallback.
    assert info.last_update == datetime(2026, 7, 14, 13, 39, tzinfo=PARIS_SUMMER)


def test_station_info_is_complete_grid() -> None:
    """Every series x period key the cloud sends exists, even from the real fixture."""
    info = StationInfo.from_json(load("station_info_81234.json"))
    assert set(info.energy) == {
        (s, p)
        for s in EnergySeries
        if s is not EnergySeries.CONSUMPTION_FROM_PV
        for p in Period
    }
    assert dataclasses.asdict(info)["pv_power"] == 2233


def test_energy_report_number_rates() -> None:
    """Rates may also come as plain numbers or comma decimals."""
    report = EnergyReport.from_json(
        {"cover_rate": 85.11, "storage_in_rate": "44,21 %", "energy_self_rate": "-"},
        Period.MONTH,
    )
    assert report.rates[Rate.COVER] == 85.11
    assert report.rates[Rate.BATTERY_CHARGE] == 44.21
    assert report.rates[Rate.SELF_SUFFICIENCY] is None
    assert set(report.rates) == set(Rate)


@pytest.mark.parametrize(
    ("pv", "name"),
    [
        ("pv1", "PV1"),
        ("PV2", "PV2"),
        ("Pv 3", "PV3"),
        ("pv_04", "PV4"),
        ("mppt", "MPPT"),
    ],
)
def test_pv_string_names(pv: str, name: str) -> None:
    """PV input names are normalised whatever their case."""
    string = PvString.from_json({"sn": "IZ1", "pv": pv, "pvPower": None})
    assert string == PvString("IZ1", name, None)


def test_pv_strings_skip_incomplete_records() -> None:
    """Records without a serial or an input are dropped."""
    body = {
        "pvData": [
            {"sn": "IZ1", "pv": "pv1", "pvPower": "21.3"},
            {"pv": "pv2", "pvPower": 1},
            {"sn": "IZ1", "pvPower": 1},
            {"sn": "IZ1", "pv": "", "pvPower": 1},
        ]
    }
    assert PvString.list_from_json(body) == [PvString("IZ1", "PV1", 21.3)]


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ({"connectInfoJson": {"clusterMode": "1000"}}, ClusterMode.MASTER),
        ({"connectInfoJson": {"clusterMode": 1001}}, ClusterMode.SLAVE),
        ({"connectInfoJson": {"clusterMode": "1002"}}, ClusterMode.STANDALONE),
        ({"connectInfoJson": '{"clusterMode": "1000"}'}, ClusterMode.MASTER),
        ({"connectInfoJson": "{broken", "clusterMode": 1001}, ClusterMode.SLAVE),
        pytest.param(
            {"connectInfoJson": "[" * 100_000, "clusterMode": 1001},
            ClusterMode.SLAVE,
            id="deeply-nested-connect-info",
        ),
        ({"connectInfoJson": {}, "clusterMode": 1002}, ClusterMode.STANDALONE),
        (
            {"connectInfoJson": {"clusterMode": "x"}, "clusterMode": "1000"},
            ClusterMode.MASTER,
        ),
        ({"connectInfoJson": {"clusterMode": 0}, "clusterMode": 0}, ClusterMode.NONE),
        ({"connectInfoJson": None}, ClusterMode.NONE),
        ({"clusterMode": 1234}, ClusterMode.NONE),
        ({"clusterMode": True}, ClusterMode.NONE),
        ({}, ClusterMode.NONE),
    ],
)
def test_device_cluster_mode(record: dict[str, Any], expected: ClusterMode) -> None:
    """ConnectInfoJson first, the record's own code as fallback, NONE otherwise."""
    device = Device.from_json({"deviceId": 1, **record})
    assert device is not None
    assert device.cluster_mode is expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("vm", DeviceType.MICRO_INVERTER),
        ("battery", DeviceType.BATTERY),
        ("METER", DeviceType.METER),
        ("evse", DeviceType.CHARGER),
        ("heatpump", DeviceType.UNKNOWN),
        ("all", DeviceType.UNKNOWN),
        (None, DeviceType.UNKNOWN),
        (7, DeviceType.UNKNOWN),
    ],
)
def test_device_types(code: object, expected: DeviceType) -> None:
    """Unknown type codes never raise; the raw code is kept."""
    device = Device.from_json({"deviceId": 1, "deviceType": code})
    assert device is not None
    assert device.device_type is expected
    assert device.type_code == ("unknown" if code is None else str(code))


def test_device_defensive_fields() -> None:
    """Serial fallback, string id, odd readings and unknown online state."""
    device = Device.from_json(
        {
            "deviceId": "640103",
            "serialNumber": "IZM1",
            "sn": "",
            "onlineState": "?",
            "dataDtos": [
                {"key": "v_ac_all", "value": "230,5 V"},
                {"key": 6002, "value": "--"},
                {"value": "no key"},
                "junk",
                {"key": "freq", "value": None},
                {"key": "energy_p_all", "value": "12kWh"},
                {"key": "energy_n_all", "value": "NaN"},
            ],
        }
    )
    assert device is not None
    assert device.device_id == 640103
    assert device.serial == "IZM1"
    assert device.name is None
    assert device.online is None
    assert device.software_version is None
    assert device.grid_voltage == 230.5
    assert device.grid_frequency is None
    assert device.meter_import_total == 12
    assert device.meter_export_total is None
    # 6002 is present (so the entity exists) but its value is unknown.
    assert device.has_average_soc is True
    assert device.average_soc is None
    assert Device.from_json({"deviceId": "x"}) is None
    bare = Device.from_json({"deviceId": 1, "dataDtos": {"6002": "4%"}})
    assert bare is not None
    assert bare.has_average_soc is False
    assert bare.average_soc is None


@pytest.mark.parametrize(
    ("power", "state"),
    [
        (-380, BatteryState.CHARGING),
        (0, BatteryState.STANDBY),
        ("0", BatteryState.STANDBY),
        (120.5, BatteryState.DISCHARGING),
        ("-", None),
        (None, None),
    ],
)
def test_battery_state(power: object, state: BatteryState | None) -> None:
    """The sign of batteryPower gives the state."""
    assert BatteryPage.from_json({"batteryPower": power}).state is state


def test_battery_page_quirks() -> None:
    """Placeholder remaining times, bad Link records and string numbers."""
    page = BatteryPage.from_json(
        {
            "soc": "66",
            "onlineState": 0,
            "chargeData": {"remainingTime": "{}", "power1": "12W"},
            "dischargeData": "junk",
            "items": [
                {"sn": "IZL1", "soc": "62%", "kwh": None},
                {"soc": 50},
                "junk",
            ],
        }
    )
    assert page.soc == 66
    assert page.online is False
    assert page.charging_time is None
    assert page.charge_from_grid_power == 12
    assert page.discharging_time is None
    assert page.links == (LinkModule("IZL1", 62, None),)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"min_soc": "15", "hasMeter": 0, "mode": {"ctr_mode": "1"}}, (15, False, 1)),
        ({"min_soc": 10, "mode": {"ctr_mode": 1.5}}, (10, None, None)),
        ({"min_soc": None, "hasMeter": "yes", "mode": 2}, (None, True, None)),
    ],
)
def test_battery_settings(
    data: dict[str, Any], expected: tuple[float | None, bool | None, int | None]
) -> None:
    """Settings survive partial or oddly typed payloads."""
    assert BatterySettings.from_json(data) == BatterySettings(*expected)


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"isControl": True, "feedThreshold": -300}, MeterControl(True, 300)),
        ({"isControl": 0, "feedThreshold": "-36000"}, MeterControl(False, 36000)),
        ({"isControl": "true", "feedThreshold": 250}, MeterControl(True, 250)),
        ({"feedThreshold": None}, MeterControl(None, None)),
        ("junk", MeterControl(None, None)),
    ],
)
def test_meter_control(extra: object, expected: MeterControl) -> None:
    """The limit is always positive watts."""
    assert MeterControl.from_json({"meter_extra": extra}) == expected


def test_ct_powers() -> None:
    """Last row with items wins; only CT items with a serial are kept."""
    payload = {
        "data": [
            {"extra": [{"pv": "ct2", "deviceSn": "M1", "dataVal": 1}]},
            {
                "extra": [
                    {"pv": "CT 3", "deviceSN": "M1", "dataVal": "405.5"},
                    {"pv": "pv1", "deviceSn": "M1", "dataVal": 3},
                    {"pv": "ct4", "dataVal": 3},
                    {"pv": "ct5", "deviceSn": "M1", "dataVal": None},
                    {"pv": "ctx", "deviceSn": "M1", "dataVal": 7},
                ]
            },
            {"extra": []},
            {"extra": None},
            "junk",
        ]
    }
    assert CtPower.list_from_json(payload) == [
        CtPower("M1", "CT3", 405.5),
        CtPower("M1", "CT5", None),
        CtPower("M1", "CTX", 7),
    ]


def test_upgrade_flags() -> None:
    """Entries without serial or with an unclear flag are skipped."""
    payload = [
        {"sn": "A", "needUpgrade": True},
        {"sn": "B", "needUpgrade": "false"},
        {"sn": "C", "needUpgrade": None},
        {"needUpgrade": True},
        "junk",
    ]
    assert parse_upgrade_flags(payload) == {"A": True, "B": False}


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ([{"data": [{"val": 39.9}, {"val": "41.3"}]}], 41.3),
        ([{"data": [{"val": 39.9}, {"val": None}]}], None),
        ([{"data": [{"val": 39.9}, "junk"]}], None),
        ([{"data": []}], None),
        ([{"nodata": 1}], None),
        ([], None),
        ({"data": [{"val": 1}]}, None),
    ],
)
def test_latest_temperature(payload: object, expected: float | None) -> None:
    """The last point counts; an empty or broken series is unknown."""
    assert parse_latest_temperature(payload) == expected


def test_enum_helpers() -> None:
    """Code mappings never raise."""
    assert DeviceType.from_code(" Battery ") is DeviceType.BATTERY
    assert DeviceType.from_code("unknown") is DeviceType.UNKNOWN
    assert ClusterMode.from_code("1000") is ClusterMode.MASTER
    assert ClusterMode.from_code("1000.5") is ClusterMode.NONE
    assert ClusterMode.from_code(None) is ClusterMode.NONE


def test_energy_report_totals() -> None:
    """A report carries the period's totals per series, read from its top level."""
    report = EnergyReport.from_json(load("report_81234_day.json"), Period.DAY)
    assert report.energy == {
        EnergySeries.PRODUCTION: 9.84,
        EnergySeries.CONSUMPTION: 7.12,
        EnergySeries.GRID_IMPORT: 1.06,
        EnergySeries.GRID_EXPORT: 0.58,
        EnergySeries.BATTERY_CHARGE: 4.35,
        EnergySeries.BATTERY_DISCHARGE: 1.15,
    }
