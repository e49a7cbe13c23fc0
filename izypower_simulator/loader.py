"""Load an account from a fixture directory (format of tests/fixtures/account/README.md)."""

from datetime import UTC, datetime
import json
from pathlib import Path
import re
from typing import Any
from zoneinfo import ZoneInfo

from . import physics
from .model import (
    CMD_FIELDS,
    DEFAULT_TIME_ZONE,
    EXTRA_DATA_KEYS,
    PERIODS,
    STRING_SHIFTS_H,
    Account,
    BatterySettings,
    BatteryUnit,
    Device,
    DeviceTypeLabel,
    LinkModule,
    MeterState,
    PvString,
    Station,
    TemperaturePoint,
    WifiState,
    zero_counters,
)
from .render import DEVICE_TYPE_LABELS_FR

_LAST_UPDATE = re.compile(
    r"^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) UTC([+-])(\d{2}):(\d{2})$"
)


class FixtureError(ValueError):
    """The fixture directory is missing a required file or holds unexpected data."""


def parse_last_update(text: str) -> datetime:
    """Parse `YYYY-MM-DD HH:MM:SS UTC±HH:MM` into an aware datetime."""
    match = _LAST_UPDATE.match(text)
    if match is None:
        raise FixtureError(f"bad lastUpdate {text!r}")
    stamp, sign, hours, minutes = match.groups()
    return datetime.fromisoformat(f"{stamp}{sign}{hours}:{minutes}")


def _read(directory: Path, name: str, *, required: bool = False) -> Any:
    path = directory / name
    if not path.is_file():
        if required:
            raise FixtureError(f"missing fixture file {name}")
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def _stations_records(directory: Path) -> list[dict[str, Any]]:
    pages = sorted(
        directory.glob("stations_page_*.json"),
        key=lambda p: int(p.stem.rsplit("_", 1)[1]),
    )
    if not pages:
        raise FixtureError("missing fixture file stations_page_1.json")
    records: list[dict[str, Any]] = []
    for page in pages:
        records.extend(json.loads(page.read_text(encoding="utf-8"))["data"]["records"])
    return records


def _battery(directory: Path, serial: str) -> BatteryUnit:
    links = (_read(directory, f"battery_links_{serial}.json") or {}).get("data") or {}
    cmd = (_read(directory, f"battery_cmd_{serial}.json") or {}).get("data") or {
        "min_soc": 10,
        "hasMeter": True,
        "mode": {"ctr_mode": 0},
    }
    soc = links.get("soc", 50)
    return BatteryUnit(
        soc=soc,
        capacity_kwh=_capacity(soc, links.get("socKwh")),
        links=[
            LinkModule(
                item["sn"],
                item["soc"],
                _capacity(item["soc"], item.get("kwh")),
                item.get("temp"),
            )
            for item in links.get("items", [])
        ],
        power=links.get("batteryPower", 0),
        min_soc=int(cmd.get("min_soc", 10)),
        settings=_settings(cmd),
        temperature=links.get("socTemp"),
        state_codes=links.get("onlineState", 1) >= 1000,
    )


def _settings(cmd: dict[str, Any]) -> BatterySettings:
    """Typed settings of a `cmd` payload, remembering which keys (and order) it sent."""
    settings = BatterySettings(shown=[])
    assert settings.shown is not None
    for key, value in cmd.items():
        if key == "min_soc":
            continue
        pairs = (
            [(f"{key}.{sub}", v) for sub, v in value.items()]
            if isinstance(value, dict) and value
            else [(key, value)]
        )
        for dotted, item in pairs:
            settings.shown.append(dotted)
            attribute = CMD_FIELDS.get(dotted)
            if attribute is None:
                settings.raw[dotted] = item
            else:
                setattr(settings, attribute, item)
    return settings


def _capacity(soc: float, kwh: float | None) -> float:
    """Infer a module's capacity from its SOC and stored energy (2 kWh when unknown)."""
    if kwh is None or not soc:
        return 2.0
    return round(kwh * 100 / soc, 2)


def _device(
    directory: Path, record: dict[str, Any], pv_data: list[dict[str, Any]]
) -> Device:
    serial = record.get("sn") or record.get("serialNumber")
    if not serial:
        raise FixtureError(f"device {record.get('deviceId')} has no serial")
    strings = [item for item in pv_data if item["sn"] == serial]
    device = Device(
        device_id=int(record["deviceId"]),
        serial=serial,
        name=record.get("deviceName", serial),
        type_code=record.get("deviceType", "unknown"),
        software_version=record.get("softwareVersion", ""),
        cluster_mode=int(record.get("clusterMode") or 0),
        online=record.get("onlineState", 1) == 1,
        strings=[
            PvString(
                item["pv"],
                item.get("pvPower") or 0,
                solar_shift_h=STRING_SHIFTS_H[i % len(STRING_SHIFTS_H)],
            )
            for i, item in enumerate(strings)
        ],
    )
    wifi = _read(directory, f"device_wifi_{serial}.json")
    if wifi is not None:
        device.wifi = WifiState(wifi["rssi"], wifi["wifi"], wifi["ip"])
    if device.type_code == "battery":
        device.battery = _battery(directory, serial)
    if device.type_code == "meter":
        extra = (
            (_read(directory, f"meter_base_info_{device.device_id}.json") or {}).get(
                "data"
            )
            or {}
        ).get("meter_extra") or {"isControl": False, "feedThreshold": -300}
        dtos = {item["key"]: item["value"] for item in record.get("dataDtos", [])}
        device.meter = MeterState(
            is_control=bool(extra["isControl"]),
            feed_threshold=int(extra["feedThreshold"]),
            voltage=float(str(dtos.get("v_ac_all", "230.0V")).rstrip("V")),
            frequency=float(str(dtos.get("freq", "50.00Hz")).rstrip("Hz")),
        )
    temp = _read(directory, f"device_temp_{serial}.json")
    if temp is not None and temp.get("data"):
        device.temperatures = [
            TemperaturePoint(point["time"], point["val"])
            for point in temp["data"][0]["data"]
        ]
    return device


def _counters(extra: dict[str, Any]) -> dict[tuple[str, str], Any]:
    counters = zero_counters()
    for period in PERIODS:
        for series, (category, key) in EXTRA_DATA_KEYS.items():
            counters[series, period] = extra[category][key.format(period)]
    return counters


def _station(
    directory: Path, record: dict[str, Any], tz: ZoneInfo
) -> tuple[Station, Any]:
    station_id = int(record["stationsId"])
    info = _read(directory, f"station_info_{station_id}.json", required=True)
    page = _read(directory, f"device_page_{station_id}.json", required=True)
    pv_data = (_read(directory, f"component_{station_id}.json") or {}).get(
        "pvData"
    ) or []
    upgrades = {
        item["sn"]: bool(item["needUpgrade"])
        for item in (_read(directory, f"device_upgrade_{station_id}.json") or {}).get(
            "data"
        )
        or []
    }
    layout = (_read(directory, f"layout_power_{station_id}.json") or {}).get(
        "data"
    ) or {}
    devices = []
    for device_record in page["data"]["records"]:
        device = _device(directory, device_record, pv_data)
        device.need_upgrade = upgrades.get(device.serial, False)
        devices.append(device)
    station = Station(
        station_id=station_id,
        name=record["stationName"],
        installed_capacity=record.get(
            "installedCapacity", info["data"]["installedCapacity"]
        ),
        address=record.get("address", ""),
        devices=devices,
        time_zone=tz,
        status=info["data"].get("status", 1),
        consumption=info.get("consumption", 0),
        counters=_counters(info["extraData"]),
        ct_rows=[list(row.get("extra", [])) for row in layout.get("data", [])],
    )
    return station, info


def _move_snapshot(station: Station, snapshot: datetime, start: datetime) -> None:
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    if physics.period_keys(start, station.time_zone) != physics.period_keys(
        snapshot, station.time_zone
    ):
        # Samples of another day would be served as today's.
        station.ct_rows.clear()
        for device in station.devices:
            device.temperatures.clear()
    physics.dispatch(station, start)


def load_account(
    path: str | Path,
    *,
    time_zone: str = DEFAULT_TIME_ZONE,
    start: datetime | None = None,
) -> Account:
    """Build a live account from a fixture directory.

    The account's time is the stations' `lastUpdate`; served unchanged at that instant,
    every endpoint answers with the fixture files' values. With `start`, the snapshot is
    moved to that instant instead: counters are kept, powers follow the new time of day.
    """
    directory = Path(path)
    tz = ZoneInfo(time_zone)
    login = (_read(directory, "login_ok.json") or {}).get("data") or {}
    bad = _read(directory, "login_bad_credentials.json") or {}
    stations: list[Station] = []
    labels: dict[str, str] = {}
    snapshot: datetime | None = None
    for record in _stations_records(directory):
        station, info = _station(directory, record, tz)
        stations.append(station)
        labels.update({t["value"]: t["name"] for t in info.get("deviceTypes", [])})
        if snapshot is None:
            snapshot = parse_last_update(info["lastUpdate"])
    if snapshot is None:
        raise FixtureError("the fixture account has no station")
    for station in stations:
        physics.calibrate(station, snapshot)
        if start is not None:
            _move_snapshot(station, snapshot, start)
    return Account(
        username=login.get("username", "camille.exemple@example.org"),
        user_id=int(login.get("userId", 500123)),
        stations=stations,
        device_types=[
            DeviceTypeLabel(code, label, DEVICE_TYPE_LABELS_FR.get(code, label))
            for code, label in labels.items()
        ],
        time=snapshot if start is None else start.astimezone(UTC),
        bad_credentials_code=int(bad.get("code", 10001)),
        bad_credentials_msg=str(bad.get("msg", "Incorrect username or password")),
    )
