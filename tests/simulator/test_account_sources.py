"""The simulator loads any account the integration reads, and replays an owner's export.

Real clouds send numbers as strings (with units or commas), placeholders such as "--",
nulls, and leave keys out; `izypower_cloud.export_data` gives an owner's answers,
anonymised (tests/fixtures/export/station_81234.json is the export of the example
account's station 81234, as the action answers it).
"""

from datetime import datetime
import json
from pathlib import Path
import shutil
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from izypower_simulator import load_account
from izypower_simulator.cli import _account, build_parser
from izypower_simulator.export import export_files, load_export, read_export
from izypower_simulator.loader import FixtureError, build_account, parse_last_update

from .conftest import ACCOUNT_DIR, HarnessFactory

EXPORT = Path(__file__).parent.parent / "fixtures" / "export" / "station_81234.json"
PARIS = ZoneInfo("Europe/Paris")


def _edit(directory: Path, name: str, change: Any) -> None:
    path = directory / name
    body = json.loads(path.read_text(encoding="utf-8"))
    change(body)
    path.write_text(json.dumps(body), encoding="utf-8")


def _odd_account(tmp_path: Path) -> Path:
    """Copy the example account with the oddities the integration's parsers accept."""
    directory = tmp_path / "account"
    shutil.copytree(ACCOUNT_DIR, directory)

    def stations(body: Any) -> None:
        record = body["data"]["records"][0]
        record["stationsId"] = "81234"
        record["installedCapacity"] = "3600"

    def info(body: Any) -> None:
        extra = body["extraData"]
        extra["production"]["day"] = "9,84 kWh"
        extra["production"]["month"] = "--"
        extra["consumption"]["year"] = None
        del extra["grid"]["all1"]
        del extra["battery"]
        body["data"]["status"] = "1"
        body["lastUpdate"] = "2026-07-14 13:39:00 UTC+2:00"

    def devices(body: Any) -> None:
        first, _, meter = body["data"]["records"]
        first["deviceId"] = "640101"
        first["clusterMode"] = "1000"
        del first["onlineState"]
        meter["dataDtos"] = None

    def battery(body: Any) -> None:
        data = body["data"]
        data["soc"] = "66%"
        data["socKwh"] = "--"
        data["batteryPower"] = None
        data["items"][0]["kwh"] = "1.24kWh"
        data["items"][1] = {"soc": "63"}

    def settings(body: Any) -> None:
        body["data"]["min_soc"] = "10"
        body["data"]["mode"]["ctr_mode"] = "0"

    _edit(directory, "stations_page_1.json", stations)
    _edit(directory, "station_info_81234.json", info)
    _edit(directory, "device_page_81234.json", devices)
    _edit(directory, "battery_links_IZT24A000101.json", battery)
    _edit(directory, "battery_cmd_IZT24A000101.json", settings)
    _edit(directory, "meter_base_info_640103.json", lambda body: body.clear())
    _edit(directory, "component_81234.json", lambda body: body.update(pvData=None))
    _edit(directory, "device_wifi_IZT24A000102.json", lambda body: body.clear())
    return directory


def test_loads_strings_placeholders_nulls_and_missing_keys(tmp_path: Path) -> None:
    """Every odd value reads as the integration reads it, else as a default."""
    account = load_account(_odd_account(tmp_path))
    station = account.station(81234)
    assert station is not None
    master, slave, meter = station.devices

    assert station.installed_capacity == 3600
    assert station.status == 1
    assert station.counters["production", "day"] == 9.84
    assert station.counters["production", "month"] == 0
    assert station.counters["consumption", "year"] == 0
    assert station.counters["grid_export", "all"] == 0
    assert station.counters["battery_charge", "day"] == 0
    assert (master.device_id, master.cluster_mode, master.online) == (
        640101,
        1000,
        True,
    )
    assert master.strings == []
    assert master.battery is not None
    assert (master.battery.soc, master.battery.power) == (66, 0)
    assert master.battery.capacity_kwh == 2.0
    assert master.battery.links[0].capacity_kwh == 2.0
    assert master.battery.links[1].serial == "IZT24A000101-link2"
    assert master.battery.min_soc == 10
    assert master.battery.settings.ctr_mode == 0
    assert slave.wifi is None
    assert meter.meter is not None
    assert (meter.meter.is_control, meter.meter.feed_threshold) == (False, -300)
    assert meter.meter.voltage == 230.0


async def test_an_odd_account_is_served(
    tmp_path: Path, make_harness: HarnessFactory
) -> None:
    """The odd account answers the station info like any other."""
    harness = await make_harness(load_account(_odd_account(tmp_path)))

    body = await harness.get_json("/api/v3/powerStations/info/81234")

    assert body["data"]["installedCapacity"] == 3600
    assert body["extraData"]["production"]["day"] == 9.84


def test_unusable_fixtures_are_refused(tmp_path: Path) -> None:
    """No station page, a station without id or without its info: a clear error."""
    with pytest.raises(FixtureError, match="stations_page_1.json"):
        build_account({})
    with pytest.raises(FixtureError, match="no numeric id"):
        build_account({"stations_page_1.json": {"data": {"records": [{}]}}})
    with pytest.raises(FixtureError, match="station_info_7.json"):
        build_account(
            {"stations_page_1.json": {"data": {"records": [{"stationsId": 7}]}}}
        )
    with pytest.raises(FixtureError, match="no station"):
        build_account({"stations_page_1.json": {"data": {"records": []}}})
    with pytest.raises(FixtureError, match="not a directory"):
        load_account(tmp_path / "missing")
    (tmp_path / "stations_page_1.json").write_text("{", encoding="utf-8")
    with pytest.raises(FixtureError, match="not JSON"):
        load_account(tmp_path)


def test_a_missing_or_odd_last_update_dates_the_snapshot_at_the_start() -> None:
    """Without a usable `lastUpdate`, the snapshot is the start instant's."""
    start = datetime(2026, 12, 7, 12, tzinfo=PARIS)
    files = export_files(read_export(EXPORT))
    files["station_info_900001.json"]["lastUpdate"] = "--"

    account = build_account(files, start=start)

    assert account.time == start
    assert parse_last_update(None) is None
    assert parse_last_update("2026-07-14 13:39:00 UTC-05:30") == datetime.fromisoformat(
        "2026-07-14T13:39:00-05:30"
    )


def test_an_export_replays_the_station() -> None:
    """The export of station 81234 serves its devices and counters, ids made numbers."""
    account = load_export(EXPORT)
    (station,) = account.stations
    original = load_account(ACCOUNT_DIR).station(81234)
    assert original is not None

    assert station.station_id == 900001
    assert [(d.type_code, d.serial) for d in station.devices] == [
        ("battery", "ANON0001"),
        ("battery", "ANON0004"),
        ("meter", "ANON0006"),
    ]
    assert station.counters == original.counters
    assert account.time == datetime.fromisoformat("2026-07-14T13:39:00+02:00")
    meter = station.devices[2].meter
    assert meter is not None
    assert (meter.is_control, meter.feed_threshold) == (True, -600)
    master = station.devices[0].battery
    assert master is not None
    assert [link.serial for link in master.links] == ["ANON0002", "ANON0003"]


async def test_an_export_is_served_and_logged_into(
    tmp_path: Path, make_harness: HarnessFactory
) -> None:
    """A replayed export answers the integration's reads; YAML exports load too."""
    yaml = pytest.importorskip("yaml")
    dump = read_export(EXPORT)
    # As Home Assistant's websocket API wraps a response, with one read that failed.
    dump["reads"]["firmware"]["answer"] = {"export_error": "IzypowerConnectionError"}
    path = tmp_path / "dump.yaml"
    path.write_text(yaml.safe_dump({"response": dump}), encoding="utf-8")
    harness = await make_harness(load_export(path))

    stations = await harness.get_json("/api/powerStations/page?page=1&limit=10")
    battery = await harness.get_json("/izy/v2/battery/ANON0001")

    assert [r["stationsId"] for r in stations["data"]["records"]] == [900001]
    assert battery["data"]["soc"] == 66


def test_a_december_replay_of_an_export(tmp_path: Path) -> None:
    """`--export FILE --start ...`: the owner's station on today's date and season."""
    args = build_parser().parse_args(
        ["--export", str(EXPORT), "--start", "2026-12-07T04:45:00+01:00"]
    )

    account = _account(args, datetime.fromisoformat(args.start))

    (station,) = account.stations
    assert station.counters["production", "day"] == 0
    assert 0 < station.counters["production", "month"] < 6 * 8


def test_not_an_export(tmp_path: Path) -> None:
    """A file that is no export_data response is refused with its reason."""
    path = tmp_path / "dump.json"
    for content, reason in (
        ("[1]", "does not hold"),
        ("{}", "not an export_data"),
        ("key: [unclosed", "neither JSON nor YAML"),
    ):
        path.write_text(content, encoding="utf-8")
        with pytest.raises(FixtureError, match=reason):
            load_export(path)


def test_device_reads_beyond_the_device_list_are_ignored() -> None:
    """A device read without its device in the list has nowhere to go."""
    dump = read_export(EXPORT)
    dump["reads"]["device_9_wifi"] = dump["reads"]["device_1_wifi"]
    dump["reads"]["device_1_unknown"] = dump["reads"]["device_1_wifi"]
    del dump["reads"]["station_list"]

    files = export_files(dump)

    assert files["stations_page_1.json"]["data"]["records"] == [{"stationsId": 900001}]
    assert sum(name.startswith("device_wifi_") for name in files) == 3
