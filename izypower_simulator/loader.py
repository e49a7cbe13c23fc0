"""Load an account from a fixture directory (format of tests/fixtures/account/README.md).

The files are read as the integration reads the cloud (`values.py`): numbers may come
as strings, with units, as "--" or not at all, and keys or whole files may be missing,
so an owner's data export (`export.py`) loads like a fixture.
"""

from collections.abc import Mapping
from datetime import UTC, datetime
import json
from pathlib import Path
import re
from typing import Any
from zoneinfo import ZoneInfo

from . import physics, season
from .model import (
    CMD_FIELDS,
    DEFAULT_LOCATION,
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
from .values import array, data, flag, integer, number, number_or_none, obj, text

_LAST_UPDATE = re.compile(
    r"^\s*(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})\s*UTC([+-])(\d{1,2}):?(\d{2})\s*$"
)
# Where the counters of a snapshot moved to another date come from.
COUNTERS_SNAPSHOT, COUNTERS_SEASON = "snapshot", "season"

type Files = Mapping[str, Any]


class FixtureError(ValueError):
    """The fixture directory is missing a required file or holds unexpected data."""


def parse_last_update(value: object) -> datetime | None:
    """Parse `YYYY-MM-DD HH:MM:SS UTC±HH:MM` into an aware datetime (None otherwise)."""
    match = _LAST_UPDATE.match(value) if isinstance(value, str) else None
    if match is None:
        return None
    day, clock, sign, hours, minutes = match.groups()
    return datetime.fromisoformat(f"{day}T{clock}{sign}{int(hours):02d}:{minutes}")


def read_directory(directory: Path) -> dict[str, Any]:
    """Every JSON file of a fixture directory, by name."""
    if not directory.is_dir():
        raise FixtureError(f"{directory} is not a directory")
    files: dict[str, Any] = {}
    for path in directory.glob("*.json"):
        try:
            files[path.name] = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as err:
            raise FixtureError(f"{path.name} is not JSON: {err}") from None
    return files


def _required(files: Files, name: str) -> Any:
    if name not in files:
        raise FixtureError(f"missing fixture file {name}")
    return files[name]


def _stations_records(files: Files) -> list[Mapping[str, Any]]:
    pages = sorted(
        (name for name in files if re.fullmatch(r"stations_page_\d+\.json", name)),
        key=lambda name: int(name[len("stations_page_") : -len(".json")]),
    )
    if not pages:
        raise FixtureError("missing fixture file stations_page_1.json")
    records: list[Mapping[str, Any]] = []
    for page in pages:
        records.extend(
            obj(item) for item in array(obj(data(files[page])).get("records"))
        )
    return records


def _battery(files: Files, serial: str) -> BatteryUnit:
    links = obj(data(files.get(f"battery_links_{serial}.json")))
    cmd = obj(data(files.get(f"battery_cmd_{serial}.json"))) or {
        "min_soc": 10,
        "hasMeter": True,
        "mode": {"ctr_mode": 0},
    }
    soc = number(links.get("soc"), 50)
    items = [obj(item) for item in array(links.get("items"))]
    return BatteryUnit(
        soc=soc,
        capacity_kwh=_capacity(soc, number_or_none(links.get("socKwh"))),
        links=[
            LinkModule(
                text(item.get("sn"), f"{serial}-link{index}"),
                number(item.get("soc"), soc),
                _capacity(
                    number(item.get("soc"), soc), number_or_none(item.get("kwh"))
                ),
                number_or_none(item.get("temp")),
            )
            for index, item in enumerate(items, start=1)
        ],
        power=number(links.get("batteryPower"), 0),
        min_soc=integer(cmd.get("min_soc"), 10),
        settings=_settings(cmd),
        temperature=number_or_none(links.get("socTemp")),
        state_codes=integer(links.get("onlineState"), 1) >= 1000,
    )


def _settings(cmd: Mapping[str, Any]) -> BatterySettings:
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
                setattr(settings, attribute, _setting(item))
    return settings


def _setting(value: object) -> object:
    """Return a setting as the physics use it: numbers as numbers, the rest as sent."""
    if isinstance(value, str) and (parsed := number_or_none(value)) is not None:
        return parsed
    return value


def _capacity(soc: float, kwh: float | None) -> float:
    """Infer a module's capacity from its SOC and stored energy (2 kWh when unknown)."""
    if kwh is None or not soc or kwh <= 0:
        return 2.0
    return round(kwh * 100 / soc, 2)


def _device(files: Files, record: Mapping[str, Any], pv_data: list[Any]) -> Device:
    serial = text(record.get("sn")) or text(record.get("serialNumber"))
    if not serial:
        raise FixtureError(f"device {record.get('deviceId')} has no serial")
    strings = [obj(item) for item in pv_data if obj(item).get("sn") == serial]
    device = Device(
        device_id=integer(record.get("deviceId"), 0),
        serial=serial,
        name=text(record.get("deviceName"), serial),
        type_code=text(record.get("deviceType"), "unknown"),
        software_version=text(record.get("softwareVersion")),
        cluster_mode=integer(record.get("clusterMode"), 0),
        online=integer(record.get("onlineState"), 1) == 1,
        strings=[
            PvString(
                text(item.get("pv"), f"pv{i + 1}"),
                number(item.get("pvPower"), 0),
                solar_shift_h=STRING_SHIFTS_H[i % len(STRING_SHIFTS_H)],
            )
            for i, item in enumerate(strings)
        ],
    )
    wifi = files.get(f"device_wifi_{serial}.json")
    if isinstance(wifi, Mapping) and "rssi" in wifi:
        device.wifi = WifiState(
            integer(wifi.get("rssi"), -60), text(wifi.get("wifi")), text(wifi.get("ip"))
        )
    if device.type_code == "battery":
        device.battery = _battery(files, serial)
    if device.type_code == "meter":
        device.meter = _meter(files, device, record)
    temp = array(data(files.get(f"device_temp_{serial}.json")))
    if temp:
        device.temperatures = [
            TemperaturePoint(text(point.get("time")), value)
            for point in map(obj, array(obj(temp[0]).get("data")))
            if (value := number_or_none(point.get("val"))) is not None
        ]
    return device


def _meter(files: Files, device: Device, record: Mapping[str, Any]) -> MeterState:
    info = obj(data(files.get(f"meter_base_info_{device.device_id}.json")))
    extra = obj(info.get("meter_extra"))
    dtos = {
        obj(item).get("key"): obj(item).get("value")
        for item in array(record.get("dataDtos"))
    }
    return MeterState(
        is_control=flag(extra.get("isControl"), False),
        feed_threshold=integer(extra.get("feedThreshold"), -300),
        voltage=float(number(dtos.get("v_ac_all"), 230.0)),
        frequency=float(number(dtos.get("freq"), 50.0)),
    )


def _counters(extra: Mapping[str, Any]) -> dict[tuple[str, str], Any]:
    counters = zero_counters()
    for period in PERIODS:
        for series, (category, key) in EXTRA_DATA_KEYS.items():
            value = obj(extra.get(category)).get(key.format(period))
            counters[series, period] = number(value, 0)
    return counters


def _station(
    files: Files, record: Mapping[str, Any], tz: ZoneInfo
) -> tuple[Station, Mapping[str, Any]]:
    station_id = integer(record.get("stationsId"), -1)
    if station_id < 0:
        raise FixtureError(f"station {record.get('stationsId')!r} has no numeric id")
    info = obj(_required(files, f"station_info_{station_id}.json"))
    page = _required(files, f"device_page_{station_id}.json")
    pv_data = array(obj(files.get(f"component_{station_id}.json")).get("pvData"))
    upgrades = {
        text(item.get("sn")): flag(item.get("needUpgrade"), False)
        for item in map(
            obj, array(data(files.get(f"device_upgrade_{station_id}.json")))
        )
    }
    layout = obj(data(files.get(f"layout_power_{station_id}.json")))
    devices = []
    for device_record in map(obj, array(obj(data(page)).get("records"))):
        device = _device(files, device_record, pv_data)
        device.need_upgrade = upgrades.get(device.serial, False)
        devices.append(device)
    info_data = obj(info.get("data"))
    station = Station(
        station_id=station_id,
        name=text(record.get("stationName")) or text(info_data.get("stationName")),
        installed_capacity=number(
            record.get("installedCapacity", info_data.get("installedCapacity")), 0
        ),
        address=text(record.get("address")),
        devices=devices,
        time_zone=tz,
        status=integer(info_data.get("status"), 1),
        consumption=number(info.get("consumption"), 0),
        counters=_counters(obj(info.get("extraData"))),
        ct_rows=[
            [dict(obj(item)) for item in array(obj(row).get("extra"))]
            for row in array(layout.get("data"))
        ],
    )
    return station, info


def _move_snapshot(
    station: Station, snapshot: datetime, start: datetime, counters: str
) -> None:
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    if counters == COUNTERS_SEASON:
        season.rebase_counters(station, snapshot, start)
        return
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
    counters: str = COUNTERS_SNAPSHOT,
    location: tuple[float, float] = DEFAULT_LOCATION,
) -> Account:
    """Build a live account from a fixture directory.

    The account's time is the stations' `lastUpdate`; served unchanged at that instant,
    every endpoint answers with the fixture files' values. With `start`, the snapshot is
    moved to that instant instead, and its powers follow the new time of day; with
    `counters="snapshot"` its counters are kept as loaded, with `"season"` (the command
    line's default) the day, month and year counters become those of the new date
    (`season.rebase_counters`: no sun before dawn, December days like December).
    The sun is that of `location` (latitude, longitude).
    """
    return build_account(
        read_directory(Path(path)),
        time_zone=time_zone,
        start=start,
        counters=counters,
        location=location,
    )


def build_account(
    files: Files,
    *,
    time_zone: str = DEFAULT_TIME_ZONE,
    start: datetime | None = None,
    counters: str = COUNTERS_SNAPSHOT,
    location: tuple[float, float] = DEFAULT_LOCATION,
) -> Account:
    """Build a live account from fixture files by name (see `load_account`)."""
    if counters not in (COUNTERS_SNAPSHOT, COUNTERS_SEASON):
        raise ValueError(f"counters must be {COUNTERS_SNAPSHOT} or {COUNTERS_SEASON}")
    tz = ZoneInfo(time_zone)
    login = obj(data(files.get("login_ok.json")))
    bad = obj(files.get("login_bad_credentials.json"))
    stations: list[Station] = []
    labels: dict[str, str] = {}
    snapshot: datetime | None = None
    for record in _stations_records(files):
        station, info = _station(files, record, tz)
        stations.append(station)
        labels.update(
            {
                text(t.get("value")): text(t.get("name"))
                for t in map(obj, array(info.get("deviceTypes")))
            }
        )
        snapshot = snapshot or parse_last_update(info.get("lastUpdate"))
    if not stations:
        raise FixtureError("the fixture account has no station")
    if snapshot is None:
        # No usable date: the snapshot is taken as the start's (or now's).
        snapshot = (start or datetime.now(UTC)).astimezone(UTC)
    for station in stations:
        station.latitude, station.longitude = location
        moved = start is not None and counters == COUNTERS_SEASON
        physics.calibrate(station, snapshot, clear_day=moved)
        if start is not None:
            _move_snapshot(station, snapshot, start, counters)
    return Account(
        username=text(login.get("username"), "camille.exemple@example.org"),
        user_id=integer(login.get("userId"), 500123),
        stations=stations,
        device_types=[
            DeviceTypeLabel(code, label, DEVICE_TYPE_LABELS_FR.get(code, label))
            for code, label in labels.items()
            if code
        ],
        time=snapshot.astimezone(UTC) if start is None else start.astimezone(UTC),
        bad_credentials_code=integer(bad.get("code"), 10001),
        bad_credentials_msg=text(bad.get("msg"), "Incorrect username or password"),
    )
