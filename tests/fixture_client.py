"""The Izypower client patched (autospec) for platform tests, reading the fixtures.

Home Assistant's platinum integrations test a platform with their library's client
patched where the integration constructs it and only that platform set up: no HTTP,
no request counting. Here every read method of the patched client answers what the
real client would parse from the fixture files, through its own envelopes and parsers
(`FixtureReader`: the real `IzypowerClient` with its request path answered by a
`MockCloud`, which loads tests/fixtures/; one data source with the HTTP-fake tests).
Writes are autospec'd `AsyncMock`s: assert their arguments.

Use it from a test module with::

    pytest_plugins = ["tests.cloud_mock", "tests.fixture_client"]

which adds the fixtures `fixture_cloud` (the fixture account plus the simulator's EV
station, changeable as in the HTTP-fake tests) and `mock_izypower_client`.

PYTEST_DONT_REWRITE: imported by test modules before pytest registers it as a plugin.
"""

from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, nullcontext
from typing import override
from unittest.mock import MagicMock, NonCallableMagicMock, patch

import aiohttp
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from yarl import URL

from custom_components.izypower_cloud.api import CallRound, IzypowerClient
from custom_components.izypower_cloud.api.wire import IN_DATA, Call, Envelope, decode
from custom_components.izypower_cloud.const import DOMAIN
from custom_components.izypower_cloud.identifiers import STATION_PREFIX

from .cloud_mock import BASE_URL, PASSWORD, USERNAME, MockCloud, setup_integration
from .conftest import FIXTURES_DIR

EV_STATION_DIR = FIXTURES_DIR / "ev_station"
EV_STATION_ID = 90001
# Where the integration constructs its client (config_flow.py has its own).
CLIENT_PATH = "custom_components.izypower_cloud.IzypowerClient"
# The read methods answered from the fixtures; every other method is a plain AsyncMock.
READS = (
    "get_stations",
    "get_station_info",
    "get_energy_report",
    "get_pv_strings",
    "get_devices",
    "get_wifi",
    "get_battery",
    "get_temperature",
    "get_firmware_updates",
    "get_meter_control",
    "get_battery_settings",
    "get_ev_settings",
    "get_ct_powers",
    "get_meter_channels",
    "get_ev_charger",
    "get_raw",
)


class FixtureReader(IzypowerClient):
    """The real client, its one request path answered by a `MockCloud` (no HTTP)."""

    def __init__(self, cloud: MockCloud) -> None:
        """Read `cloud`'s payloads; the session is never used."""
        super().__init__(MagicMock(spec=aiohttp.ClientSession), USERNAME, PASSWORD)
        self._cloud = cloud

    @override
    async def _request(
        self,
        method: str,
        template: str,
        *path_args: object,
        params: Mapping[str, str | int] | None = None,
        body: Mapping[str, object] | None = None,
        envelope: Envelope | None = IN_DATA,
        retry: bool = True,
    ) -> object:
        """Decode the cloud's answer to the call as `IzypowerClient._request` does."""
        call = Call.build(method, template, path_args, params, body, retry=retry)
        url = URL(BASE_URL + call.path).with_query(dict(params or {}))
        status, answer = self._cloud.answer(method, url)
        return decode(status, answer, call.endpoint, envelope)


def _refresh_round(*, retries: int) -> AbstractContextManager[CallRound]:
    return nullcontext(CallRound(retries))


@pytest.fixture
def fixture_cloud() -> MockCloud:
    """Return the fixture account with the simulator's EV station (fixtures/ev_station).

    Not installed on HTTP: the patched client reads it. Change its payloads before the
    setup as with `mock_cloud`.
    """
    cloud = MockCloud()
    cloud.add_fixture_station(EV_STATION_DIR)
    return cloud


@pytest.fixture
def mock_izypower_client(fixture_cloud: MockCloud) -> Iterator[NonCallableMagicMock]:
    """Patch the client the integration constructs; its reads answer `fixture_cloud`.

    A test that wants another answer sets the read's `side_effect` (a value, an
    exception, or a function).
    """
    with patch(CLIENT_PATH, autospec=True) as client_class:
        client: NonCallableMagicMock = client_class.return_value
        reader = FixtureReader(fixture_cloud)
        for name in READS:
            getattr(client, name).side_effect = getattr(reader, name)
        client.refresh_round.side_effect = _refresh_round
        client.request_count = 0
        client.requests_last_hour = 0
        client.token_valid_until = None
        yield client


async def setup_and_read_on_demand(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Set `entry` up, then refresh once: pages read on demand are read too.

    Those pages (the meter's channels, the EV charger's settings) are read from the
    refresh after the one that created their entities enabled. Load one platform with
    `cloud_mock.only_platforms`.
    """
    await setup_integration(hass, entry)
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()


def entities_per_station(hass: HomeAssistant) -> Counter[int]:
    """Count the entities of each station: its own and its devices' (by station id)."""
    devices = dr.async_get(hass)
    counts: Counter[int] = Counter()
    for entity in er.async_get(hass).entities.values():
        device = devices.async_get(entity.device_id or "")
        while device is not None and device.via_device_id is not None:
            device = devices.async_get(device.via_device_id)
        assert device is not None, entity.entity_id
        ((_, identifier),) = (i for i in device.identifiers if i[0] == DOMAIN)
        counts[int(identifier.removeprefix(STATION_PREFIX))] += 1
    return counts
