"""Serve an owner's data export: the integration's `export_data` response as an account.

`izypower_cloud.export_data` answers `{"station": "<id-1>", "reads": {name: {"endpoint",
"params", "answer"}}}`: every read of one station as the cloud sent it, personal values
replaced by placeholders (`<serial-1>`, `<id-2>`, `<name-1>`...). Here each answer
becomes the fixture file the loader reads (tests/fixtures/account/README.md), with the
placeholders made servable: ids become numbers (900000 + n), serials `ANON000n`, other
placeholders stay as they are. A read that failed (`{"export_error": ...}`) is a
missing file, which the loader tolerates where the integration does.

The `device_n_...` reads follow the order of the station's device list.
"""

from collections.abc import Mapping
from datetime import datetime
import json
from pathlib import Path
import re
from typing import Any

from .loader import COUNTERS_SNAPSHOT, FixtureError, build_account
from .model import DEFAULT_LOCATION, DEFAULT_TIME_ZONE, Account
from .values import array, data, obj

_PLACEHOLDER = re.compile(r"^<(?P<kind>[a-z]+)-(?P<n>\d+)>$")
ANONYMOUS_ID_BASE = 900000
# Station-wide reads -> fixture file name ({id}: the station id).
_STATION_FILES = {
    "station_info": "station_info_{id}.json",
    "report_day": "report_{id}_day.json",
    "report_month": "report_{id}_month.json",
    "report_year": "report_{id}_year.json",
    "report_total": "report_{id}_all.json",
    "pv_strings": "component_{id}.json",
    "device_list": "device_page_{id}.json",
    "firmware": "device_upgrade_{id}.json",
    "layout_power": "layout_power_{id}.json",
}
# Device reads (`device_<n>_<read>`) -> file name ({sn}: serial, {id}: device id).
_DEVICE_FILES = {
    "wifi": "device_wifi_{sn}.json",
    "battery": "battery_links_{sn}.json",
    "settings": "battery_cmd_{sn}.json",
    "meter_base_info": "meter_base_info_{id}.json",
    "meter_channels": "meter_channels_{sn}.json",
    "temperature": "device_temp_{sn}.json",
}
_DEVICE_READ = re.compile(r"^device_(?P<index>\d+)_(?P<read>[a-z_]+)$")


def _servable(value: object) -> object:
    """Replace the placeholders a client would send back (ids, serials)."""
    if isinstance(value, Mapping):
        return {key: _servable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_servable(item) for item in value]
    if isinstance(value, str) and (match := _PLACEHOLDER.match(value)) is not None:
        if match["kind"] == "id":
            return ANONYMOUS_ID_BASE + int(match["n"])
        if match["kind"] == "serial":
            return f"ANON{int(match['n']):04d}"
    return value


def export_files(dump: Mapping[str, Any]) -> dict[str, Any]:
    """Turn an `export_data` response into fixture files by name."""
    dump = obj(_servable(dump.get("response", dump)))
    station_id = dump.get("station")
    reads = {
        name: obj(read).get("answer")
        for name, read in obj(dump.get("reads")).items()
        if "export_error" not in obj(obj(read).get("answer"))
    }
    if not isinstance(station_id, int) or not reads:
        raise FixtureError("not an export_data response (no station, no reads)")
    records = [
        record
        for record in map(
            obj, array(obj(data(reads.get("station_list"))).get("records"))
        )
        if record.get("stationsId") == station_id
    ] or [{"stationsId": station_id}]
    files: dict[str, Any] = {
        "stations_page_1.json": {"code": 0, "data": {"records": records}}
    }
    for name, pattern in _STATION_FILES.items():
        if name in reads:
            files[pattern.format(id=station_id)] = reads[name]
    devices = [
        obj(record)
        for record in array(obj(data(reads.get("device_list"))).get("records"))
    ]
    for name, answer in reads.items():
        match = _DEVICE_READ.match(name)
        if match is None or match["read"] not in _DEVICE_FILES:
            continue
        index = int(match["index"]) - 1
        if index >= len(devices):
            continue
        device = devices[index]
        pattern = _DEVICE_FILES[match["read"]]
        files[pattern.format(sn=device.get("sn"), id=device.get("deviceId"))] = answer
    return files


def read_export(path: str | Path) -> dict[str, Any]:
    """Read an export saved as JSON or as YAML (how Home Assistant shows a response)."""
    content = Path(path).read_text(encoding="utf-8")
    try:
        loaded: Any = json.loads(content)
    except ValueError:
        import yaml  # type: ignore[import-untyped]  # noqa: PLC0415 - exports copied from the YAML view

        try:
            loaded = yaml.safe_load(content)
        except yaml.YAMLError as err:
            raise FixtureError(f"{path} is neither JSON nor YAML: {err}") from None
    if not isinstance(loaded, Mapping):
        raise FixtureError(f"{path} does not hold an export_data response")
    return dict(loaded)


def load_export(
    path: str | Path,
    *,
    time_zone: str = DEFAULT_TIME_ZONE,
    start: datetime | None = None,
    counters: str = COUNTERS_SNAPSHOT,
    location: tuple[float, float] = DEFAULT_LOCATION,
) -> Account:
    """Build a live account from an `export_data` response saved in a file."""
    return build_account(
        export_files(read_export(path)),
        time_zone=time_zone,
        start=start,
        counters=counters,
        location=location,
    )
