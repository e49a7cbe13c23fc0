"""A fake Izypower Cloud for Home Assistant tests, built on aioresponses.

It serves the synthetic account of tests/fixtures/account/ at the real URLs (see the
fixture README for file -> call), for as many requests as a test makes, and lets a test
change the cloud while it runs: replace a payload, make an endpoint fail, add or remove
a device or a station, add latency, and count the requests each endpoint received.

Use it from a test module with::

    pytest_plugins = ["tests.cloud_mock"]

which provides the fixtures `mock_cloud`, `mock_config_entry` and `cloud_clock`
(clock frozen at the fixtures' snapshot moment, Home Assistant in Europe/Paris).

PYTEST_DONT_REWRITE: test modules import this module before pytest registers it as a
plugin, and it has no assertions to rewrite.
"""

import asyncio
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
import copy
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
import json
from pathlib import Path
import re
from typing import Any
from unittest.mock import patch

from aioresponses import CallbackResult, aioresponses
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import (
    CONF_PASSWORD,
    CONF_USERNAME,
    STATE_UNAVAILABLE,
    Platform,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from yarl import URL

from custom_components.izypower_cloud.api import wire as client_module
from custom_components.izypower_cloud.const import CONF_REFRESH_PERIOD, DOMAIN
from custom_components.izypower_cloud.identifiers import station_identifier

from .conftest import ACCOUNT_DIR

BASE_URL = "https://application.izypowercloud.fr/photo_voltaic"
USERNAME = "camille.exemple@example.org"
PASSWORD = "Tilleuls-2026!"
# The fixtures' snapshot moment (README: 2026-07-14 13:42 Europe/Paris, UTC+02:00).
SNAPSHOT_TIME = "2026-07-14T13:42:00+02:00"
TIME_ZONE = "Europe/Paris"

STATION_IDS = (81234, 81235)
TITAN_MASTER_SN = "IZT24A000101"
TITAN_SLAVE_SN = "IZT24A000102"
METER_SN = "IZM24M000301"
MICRO_SNS = ("IZV08B000501", "IZV08B000502")
# The stations' sensor entity ids start with their names (Home Assistant's slugs).
TILLEULS = "sensor.maison_des_tilleuls"
VERGER = "sensor.atelier_du_verger"


class Endpoint(StrEnum):
    """Every call of the cloud the mock knows, named after what it returns."""

    LOGIN = "login"
    STATIONS = "stations"
    STATION_INFO = "station_info"
    REPORT = "report"
    COMPONENT = "component"
    DEVICE_PAGE = "device_page"
    WIFI = "wifi"
    BATTERY = "battery"
    BATTERY_CMD = "battery_cmd"
    TEMPERATURE = "temperature"
    UPGRADE = "upgrade"
    METER_BASE_INFO = "meter_base_info"
    LAYOUT_POWER = "layout_power"
    METER_CHANNELS = "meter_channels"
    EV_CHARGER = "ev_charger"
    METER_CONTROL_WRITE = "meter_control_write"
    BATTERY_WRITE = "battery_write"
    # An EV charger's settings reads (its `cmd` read is BATTERY_CMD) and writes.
    EV_DERATE = "ev_derate"
    EV_OPTIONS = "ev_options"
    EV_PRIORITY = "ev_priority"
    EV_WRITE = "ev_write"


# Key of one resource of an endpoint: station id, serial, device id, (station id,
# timeType) for reports, (action, serial) for battery writes, page number for the
# station list, None for login.
type Key = int | str | tuple[int | str, str] | None


@dataclass(frozen=True, slots=True)
class Request:
    """One request the mock received."""

    method: str
    endpoint: Endpoint
    key: Key
    url: URL
    json: Any
    headers: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class _Route:
    method: str
    pattern: re.Pattern[str]
    endpoint: Endpoint


_ROUTES = (
    _Route("POST", re.compile(r"/api/login"), Endpoint.LOGIN),
    _Route("GET", re.compile(r"/api/powerStations/page"), Endpoint.STATIONS),
    _Route(
        "GET", re.compile(r"/api/v3/powerStations/info/(\d+)"), Endpoint.STATION_INFO
    ),
    _Route(
        "GET", re.compile(r"/api/report/v2/powerStations/data/(\d+)"), Endpoint.REPORT
    ),
    _Route("GET", re.compile(r"/api/component/(\d+)"), Endpoint.COMPONENT),
    _Route("GET", re.compile(r"/api/device/page"), Endpoint.DEVICE_PAGE),
    _Route("GET", re.compile(r"/api/v3/device/wifi/([^/]+)"), Endpoint.WIFI),
    _Route("GET", re.compile(r"/izy/v2/battery/([^/]+)"), Endpoint.BATTERY),
    _Route("GET", re.compile(r"/api/v2/device/cmd/([^/]+)"), Endpoint.BATTERY_CMD),
    _Route("GET", re.compile(r"/api/report/device/data/([^/]+)"), Endpoint.TEMPERATURE),
    _Route("GET", re.compile(r"/api/v3/device/upgrade/(\d+)"), Endpoint.UPGRADE),
    _Route(
        "GET", re.compile(r"/api/v2/device/baseInfo/(\d+)"), Endpoint.METER_BASE_INFO
    ),
    _Route("GET", re.compile(r"/api/report/layoutPower/(\d+)"), Endpoint.LAYOUT_POWER),
    _Route("GET", re.compile(r"/izy/v2/meter/([^/]+)"), Endpoint.METER_CHANNELS),
    _Route("GET", re.compile(r"/izy/v2/ev/([^/]+)"), Endpoint.EV_CHARGER),
    _Route(
        "GET", re.compile(r"/api/v2/device/ev/powerDerate/([^/]+)"), Endpoint.EV_DERATE
    ),
    _Route(
        "GET",
        re.compile(r"/api/v2/device/ev/intelligentValue/V2/([^/]+)"),
        Endpoint.EV_OPTIONS,
    ),
    _Route(
        "GET", re.compile(r"/api/v2/device/ev/priority/V2/(\d+)"), Endpoint.EV_PRIORITY
    ),
    _Route(
        "POST",
        re.compile(r"/api/v2/device/ev/([A-Za-z]+(?:/V2)?)/([^/]+)"),
        Endpoint.EV_WRITE,
    ),
    _Route(
        "POST",
        re.compile(r"/api/v2/device/meter/control/([^/]+)"),
        Endpoint.METER_CONTROL_WRITE,
    ),
    _Route(
        "POST",
        re.compile(r"/api/v2/device/yz/battery/([A-Za-z_]+)/([^/]+)"),
        Endpoint.BATTERY_WRITE,
    ),
)

# File name prefix of each endpoint's fixtures (README "File -> call").
_FILE_PREFIXES = {
    "station_info_": Endpoint.STATION_INFO,
    "component_": Endpoint.COMPONENT,
    "device_page_": Endpoint.DEVICE_PAGE,
    "device_wifi_": Endpoint.WIFI,
    "battery_links_": Endpoint.BATTERY,
    "battery_cmd_": Endpoint.BATTERY_CMD,
    "device_temp_": Endpoint.TEMPERATURE,
    "device_upgrade_": Endpoint.UPGRADE,
    "meter_base_info_": Endpoint.METER_BASE_INFO,
    "layout_power_": Endpoint.LAYOUT_POWER,
    "meter_channels_": Endpoint.METER_CHANNELS,
    "ev_charger_": Endpoint.EV_CHARGER,
    "ev_derate_": Endpoint.EV_DERATE,
    "ev_options_": Endpoint.EV_OPTIONS,
    "ev_priority_": Endpoint.EV_PRIORITY,
}
_INT_KEYED = {
    Endpoint.STATION_INFO,
    Endpoint.COMPONENT,
    Endpoint.DEVICE_PAGE,
    Endpoint.UPGRADE,
    Endpoint.METER_BASE_INFO,
    Endpoint.LAYOUT_POWER,
    Endpoint.EV_PRIORITY,
}


def load_fixture(name: str, directory: Path = ACCOUNT_DIR) -> Any:
    """Return the decoded JSON of one fixture file of the account."""
    return json.loads((directory / name).read_text(encoding="utf-8"))


def station_payloads(directory: Path) -> dict[tuple[Endpoint, Key], Any]:
    """Return the payload of every file of a fixture directory, by resource.

    The files are named as in tests/fixtures/account/README.md ("File -> call"); the
    EV charger's reads as `ev_charger_{sn}`, `ev_derate_{sn}`, `ev_options_{sn}` and
    `ev_priority_{id}` (tests/fixtures/ev_station/README.md).
    """
    payloads: dict[tuple[Endpoint, Key], Any] = {}
    for path in sorted(directory.glob("*.json")):
        stem = path.stem
        if stem.startswith("report_"):
            _, station_id, time_type = stem.split("_")
            payloads[(Endpoint.REPORT, (int(station_id), time_type))] = load_fixture(
                path.name, directory
            )
            continue
        for prefix, endpoint in _FILE_PREFIXES.items():
            if stem.startswith(prefix):
                raw_key = stem.removeprefix(prefix)
                key: Key = int(raw_key) if endpoint in _INT_KEYED else raw_key
                payloads[(endpoint, key)] = load_fixture(path.name, directory)
                break
    return payloads


def fixture_secrets() -> set[str]:
    """Every value of the fixture account that identifies a person, place or unit."""
    secrets = {USERNAME, PASSWORD, load_fixture("login_ok.json")["data"]["token"]}
    for record in load_fixture("stations_page_1.json")["data"]["records"]:
        secrets.add(record["address"])
    for station_id in (81234, 81235):
        page = load_fixture(f"device_page_{station_id}.json")
        for record in page["data"]["records"]:
            secrets.add(record["sn"])
            wifi = load_fixture(f"device_wifi_{record['sn']}.json")
            payload = wifi.get("data") or wifi
            secrets.update({payload["wifi"], payload["ip"]})
    for serial in ("IZT24A000101", "IZT24A000102"):
        links = load_fixture(f"battery_links_{serial}.json")
        secrets.update(item["sn"] for item in links["data"]["items"])
    return secrets


def _error_body(message: str) -> dict[str, Any]:
    return {"code": 500, "msg": message, "data": None}


@dataclass(slots=True)
class _Failure:
    status: int
    exception: BaseException | None
    body: Any


class MockCloud:
    """Serve the fixture account over mocked HTTP, changeable by the test."""

    def __init__(self) -> None:
        """Load every fixture of the account."""
        self.payloads: dict[tuple[Endpoint, Key], Any] = {}
        self.failures: dict[tuple[Endpoint, Key], _Failure] = {}
        self.requests: list[Request] = []
        # Seconds added to every request (for timing measurements).
        self.latency = 0.0
        self._load_account()

    def _load_account(self) -> None:
        self.payloads[(Endpoint.LOGIN, None)] = load_fixture("login_ok.json")
        self.payloads[(Endpoint.STATIONS, 1)] = load_fixture("stations_page_1.json")
        self.payloads.update(station_payloads(ACCOUNT_DIR))

    def add_fixture_station(self, directory: Path) -> None:
        """Add the one station whose fixture files are in `directory` to the account."""
        (record,) = load_fixture("stations_page_1.json", directory)["data"]["records"]
        self.add_station(record, extra_payloads=station_payloads(directory))

    # ----- counting -------------------------------------------------------------------

    def count(self, endpoint: Endpoint | None = None, key: Key = None) -> int:
        """Count the requests received, in total, for one endpoint, or for one of its resources."""
        return sum(
            1
            for request in self.requests
            if (endpoint is None or request.endpoint is endpoint)
            and (key is None or request.key == key)
        )

    def counts(self) -> Counter[Endpoint]:
        """Count the requests received per endpoint."""
        return Counter(request.endpoint for request in self.requests)

    def reset_counts(self) -> None:
        """Forget the requests received so far."""
        self.requests.clear()

    # ----- changing the cloud ---------------------------------------------------------

    def set_payload(self, endpoint: Endpoint, key: Key, payload: Any) -> None:
        """Serve `payload` (a JSON body) for one resource from now on."""
        self.payloads[(endpoint, key)] = payload

    def payload(self, endpoint: Endpoint, key: Key) -> Any:
        """Return the body currently served for one resource (mutable in place)."""
        return self.payloads[(endpoint, key)]

    def fail(
        self,
        endpoint: Endpoint,
        key: Key = None,
        *,
        status: int = 500,
        exception: BaseException | None = None,
        body: Any = None,
    ) -> None:
        """Make an endpoint (every resource when `key` is None) fail from now on.

        With `exception` the request raises it (e.g. `aiohttp.ClientConnectionError()`
        or `TimeoutError()`); otherwise it answers `status` with `body` (an error
        envelope by default).
        """
        self.failures[(endpoint, key)] = _Failure(
            status, exception, _error_body("error") if body is None else body
        )

    def restore(self, endpoint: Endpoint | None = None, key: Key = None) -> None:
        """Undo `fail` for one resource, one endpoint, or everything."""
        if endpoint is None:
            self.failures.clear()
            return
        self.failures.pop((endpoint, key), None)
        if key is None:
            for failing in [k for k in self.failures if k[0] is endpoint]:
                del self.failures[failing]

    def reject_login(self) -> None:
        """Answer every login as the cloud does for a wrong password."""
        self.set_payload(
            Endpoint.LOGIN, None, load_fixture("login_bad_credentials.json")
        )

    def accept_login(self) -> None:
        """Answer logins with a valid token again."""
        self.set_payload(Endpoint.LOGIN, None, load_fixture("login_ok.json"))

    def add_device(
        self,
        station_id: int,
        record: dict[str, Any],
        extra_payloads: dict[tuple[Endpoint, Key], Any] | None = None,
    ) -> None:
        """Add a device record to a station's device list (and its own payloads)."""
        page = self.payloads[(Endpoint.DEVICE_PAGE, station_id)]["data"]
        page["records"].append(record)
        page["total"] = len(page["records"])
        self.payloads.update(extra_payloads or {})

    def remove_device(self, station_id: int, device_id: int) -> None:
        """Remove a device record from a station's device list."""
        page = self.payloads[(Endpoint.DEVICE_PAGE, station_id)]["data"]
        page["records"] = [r for r in page["records"] if r["deviceId"] != device_id]
        page["total"] = len(page["records"])

    def device_record(self, station_id: int, device_id: int) -> dict[str, Any]:
        """Return the record of one device in its station's device list (mutable in place)."""
        page = self.payloads[(Endpoint.DEVICE_PAGE, station_id)]["data"]
        return next(r for r in page["records"] if r["deviceId"] == device_id)

    def add_station(
        self,
        record: dict[str, Any],
        *,
        copy_from: int | None = None,
        extra_payloads: dict[tuple[Endpoint, Key], Any] | None = None,
    ) -> None:
        """Add a station to the account.

        `copy_from` clones another station's info, reports, PV strings, device list and
        firmware list for the new station (its devices keep their ids and serials, so
        normally pass an empty device list in `extra_payloads` or edit it afterwards).
        """
        station_id = int(record["stationsId"])
        stations = self.payloads[(Endpoint.STATIONS, 1)]["data"]
        stations["records"].append(record)
        stations["total"] = len(stations["records"])
        if copy_from is not None:
            for (endpoint, key), payload in list(self.payloads.items()):
                if key == copy_from:
                    self.payloads[(endpoint, station_id)] = copy.deepcopy(payload)
                elif isinstance(key, tuple) and key[0] == copy_from:
                    self.payloads[(endpoint, (station_id, key[1]))] = copy.deepcopy(
                        payload
                    )
        self.payloads.update(extra_payloads or {})

    def remove_station(self, station_id: int) -> None:
        """Remove a station from the account's station list."""
        stations = self.payloads[(Endpoint.STATIONS, 1)]["data"]
        stations["records"] = [
            r for r in stations["records"] if r["stationsId"] != station_id
        ]
        stations["total"] = len(stations["records"])

    # ----- serving --------------------------------------------------------------------

    def _route(self, method: str, url: URL) -> tuple[Endpoint, Key] | None:
        path = url.path.removeprefix(URL(BASE_URL).path)
        for route in _ROUTES:
            if route.method != method or not (match := route.pattern.fullmatch(path)):
                continue
            endpoint = route.endpoint
            if endpoint is Endpoint.LOGIN:
                return endpoint, None
            if endpoint is Endpoint.STATIONS:
                return endpoint, int(url.query.get("page", "1"))
            if endpoint is Endpoint.DEVICE_PAGE:
                page = int(url.query.get("page", "1"))
                station_id = int(url.query.get("powerId", "0"))
                return endpoint, station_id if page == 1 else (station_id, str(page))
            if endpoint is Endpoint.REPORT:
                return endpoint, (int(match[1]), url.query.get("timeType", ""))
            if endpoint in (Endpoint.BATTERY_WRITE, Endpoint.EV_WRITE):
                return endpoint, (match[1], match[2])
            if endpoint in _INT_KEYED:
                return endpoint, int(match[1])
            return endpoint, match[1]
        return None

    def _find_failure(self, endpoint: Endpoint, key: Key) -> _Failure | None:
        return self.failures.get((endpoint, key)) or self.failures.get((endpoint, None))

    def _body(self, endpoint: Endpoint, key: Key) -> Any:
        if endpoint in (
            Endpoint.METER_CONTROL_WRITE,
            Endpoint.BATTERY_WRITE,
            Endpoint.EV_WRITE,
        ):
            return self.payloads.get((endpoint, key)) or load_fixture(
                "writes/generic_ack.response.json"
            )
        if (endpoint, key) in self.payloads:
            return copy.deepcopy(self.payloads[(endpoint, key)])
        if endpoint in (Endpoint.STATIONS, Endpoint.DEVICE_PAGE) and key is not None:
            # Pages after the last one come back empty.
            first_key = 1 if endpoint is Endpoint.STATIONS else key[0]  # type: ignore[index]
            first = self.payloads.get((endpoint, first_key))
            if first is not None:
                empty = copy.deepcopy(first)
                empty["data"]["records"] = []
                return empty
        return None

    async def handle(self, url: URL, **kwargs: Any) -> CallbackResult:
        """Answer one request (aioresponses callback)."""
        method = str(kwargs.get("method", "GET")).upper()
        if self.latency:
            await asyncio.sleep(self.latency)
        routed = self._route(method, url)
        if routed is None:
            return CallbackResult(status=404, payload=_error_body("no such path"))
        endpoint, key = routed
        self.requests.append(
            Request(
                method,
                endpoint,
                key,
                url,
                kwargs.get("json"),
                dict(kwargs.get("headers") or {}),
            )
        )
        status, body = self._answer(endpoint, key)
        if isinstance(body, str):
            return CallbackResult(status=status, body=body, content_type="text/html")
        return CallbackResult(status=status, payload=body)

    def answer(self, method: str, url: URL) -> tuple[int, Any]:
        """Return the status and body of one request, without HTTP nor counting.

        Raises the exception of a failure set with `fail`, as the request would.
        """
        routed = self._route(method, url)
        if routed is None:
            return 404, _error_body("no such path")
        return self._answer(*routed)

    def _answer(self, endpoint: Endpoint, key: Key) -> tuple[int, Any]:
        if failure := self._find_failure(endpoint, key):
            if failure.exception is not None:
                raise failure.exception
            return failure.status, failure.body
        body = self._body(endpoint, key)
        if body is None:
            # The real cloud answers 500 for an id it does not know (API doc §5).
            return 500, _error_body("unknown id")
        return 200, body

    def install(self, mocker: aioresponses) -> None:
        """Route every request to the cloud's host through this mock."""
        pattern = re.compile(rf"^{re.escape(BASE_URL)}/.*$")
        for method in ("GET", "POST"):
            mocker.add(
                pattern,
                method=method,
                callback=self._callback(method),
                repeat=True,
            )

    def _callback(self, method: str) -> Any:
        async def callback(url: URL, **kwargs: Any) -> CallbackResult:
            return await self.handle(url, method=method, **kwargs)

        return callback


@pytest.fixture
def mock_cloud(monkeypatch: pytest.MonkeyPatch) -> Iterator[MockCloud]:
    """Serve the fixture account at the real cloud URLs for the whole test.

    The client's retries do not wait: a test cloud has no outage to sit out.
    """
    monkeypatch.setattr(client_module, "BACKOFF_BASE", 0.0)
    monkeypatch.setattr(client_module, "BACKOFF_JITTER", 0.0)
    cloud = MockCloud()
    # Home Assistant's own test HTTP server (hass_client) stays reachable.
    with aioresponses(passthrough=["http://127.0.0.1"]) as mocker:
        cloud.install(mocker)
        yield cloud


@pytest.fixture
def mock_config_entry() -> MockConfigEntry:
    """Return a config entry of the fixture account (not yet added to Home Assistant)."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=USERNAME,
        unique_id=USERNAME,
        data={CONF_USERNAME: USERNAME, CONF_PASSWORD: PASSWORD},
        options={CONF_REFRESH_PERIOD: 3},
    )


@pytest.fixture
async def cloud_clock(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> FrozenDateTimeFactory:
    """Freeze the clock at the fixtures' snapshot moment, Home Assistant in Paris."""
    await hass.config.async_set_time_zone(TIME_ZONE)
    freezer.move_to(SNAPSHOT_TIME)
    return freezer


async def setup_integration(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Add `entry` to Home Assistant and set it up."""
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def advance_time(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta
) -> None:
    """Move the frozen clock and let every refresh that became due finish."""
    freezer.tick(delta)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


def report_at(cloud: MockCloud, when: datetime) -> None:
    """Date every station's reading `when`: stations that keep reporting.

    The fixtures' reading is from 13:39; a test that moves the clock further than
    freshness.py's limit and still expects live powers lets the stations report.
    """
    stamp = when.strftime("%Y-%m-%d %H:%M:%S UTC%:z")
    for station_id in STATION_IDS:
        info = cloud.payload(Endpoint.STATION_INFO, station_id)
        info["lastUpdate"] = info["data"]["lastUpdate"] = stamp


def only_platforms(*platforms: Platform) -> Callable[[], Iterator[None]]:
    """Build an autouse fixture that makes the integration load only `platforms`.

    Assign it in a test module: ``load_sensors_only = only_platforms(Platform.SENSOR)``.
    """

    @pytest.fixture(autouse=True)
    def load_only() -> Iterator[None]:
        with patch("custom_components.izypower_cloud.PLATFORMS", list(platforms)):
            yield

    return load_only


def station_keys(entity_registry: er.EntityRegistry, station_id: int) -> set[str]:
    """Return the keys of the entities a station has in the registry."""
    prefix = f"{station_identifier(station_id)[1]}_"
    return {
        entry.unique_id.removeprefix(prefix)
        for entry in entity_registry.entities.values()
        if entry.unique_id.startswith(prefix)
    }


def entity_state(hass: HomeAssistant, entity_id: str) -> str:
    """Return the state of an entity that must exist."""
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state.state


def assert_states(hass: HomeAssistant, expected: Mapping[str, str]) -> None:
    """Check the state of each entity (entity id -> state)."""
    # This module is not assertion-rewritten: say what differs.
    wrong = {
        entity_id: state
        for entity_id, state in (
            (entity_id, entity_state(hass, entity_id)) for entity_id in expected
        )
        if state != expected[entity_id]
    }
    assert not wrong, f"unexpected states (expected {dict(expected)}): {wrong}"


def assert_unavailable(hass: HomeAssistant, entity_ids: Iterable[str]) -> None:
    """Check that every one of the entities is unavailable."""
    assert_states(hass, dict.fromkeys(entity_ids, STATE_UNAVAILABLE))
