"""Tests of the coordinator: cadences, partial failures, dynamic and stale devices."""

from collections import Counter
from collections.abc import Callable
import copy
from datetime import timedelta
from typing import Any

import aiohttp
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.izypower_cloud.api import EnergySeries, Period
from custom_components.izypower_cloud.const import SLOW_REFRESH_INTERVAL
from custom_components.izypower_cloud.coordinator import (
    SLOW_RESULT_MAX_AGE,
    IzypowerCoordinator,
)
from custom_components.izypower_cloud.data import Feed, IzypowerData
from custom_components.izypower_cloud.identifiers import (
    device_identifier,
    link_identifier,
    station_identifier,
)
from custom_components.izypower_cloud.stale_devices import STALE_AFTER

from .cloud_mock import (
    METER_SN,
    MICRO_SNS,
    TITAN_MASTER_SN,
    TITAN_SLAVE_SN,
    Endpoint,
    MockCloud,
    advance_time,
    load_fixture,
    setup_integration,
)

pytest_plugins = ["tests.cloud_mock"]

STEP = timedelta(minutes=3, seconds=1)

FAST_COUNTS = Counter(
    {
        Endpoint.STATION_INFO: 2,
        Endpoint.REPORT: 2,
        Endpoint.COMPONENT: 2,
        Endpoint.DEVICE_PAGE: 2,
        Endpoint.BATTERY: 2,
        # The CT clamps of the one station with a meter.
        Endpoint.LAYOUT_POWER: 1,
    }
)
# The day reports and the CT clamps are renewed by the cloud every 5 minutes: a refresh
# 3 minutes after the last read leaves them out (issue 25).
CLOUD_SAMPLES = Counter({Endpoint.REPORT: 2, Endpoint.LAYOUT_POWER: 1})
BETWEEN_SAMPLES_COUNTS = FAST_COUNTS - CLOUD_SAMPLES
SLOW_EXTRA_COUNTS = Counter(
    {
        Endpoint.STATIONS: 1,
        Endpoint.REPORT: 6,
        Endpoint.UPGRADE: 2,
        Endpoint.WIFI: 5,
        # The controls' current values: the Titans' settings, the meter's base info.
        Endpoint.BATTERY_CMD: 2,
        Endpoint.METER_BASE_INFO: 1,
        # The micro-inverters' temperatures change slowly (issue 25).
        Endpoint.TEMPERATURE: 2,
    }
)

NEW_MICRO_RECORD: dict[str, Any] = {
    "deviceId": 640203,
    "deviceName": "Micro-onduleur Nord",
    "deviceType": "vm",
    "sn": "IZV08B000503",
    "onlineState": 1,
    "softwareVersion": "V3.2.1",
    "clusterMode": 0,
    "connectInfoJson": {},
    "dataDtos": [],
}


async def _next_refresh(
    hass: HomeAssistant,
    cloud: MockCloud,
    clock: FrozenDateTimeFactory,
    delta: timedelta = STEP,
) -> Counter[Endpoint]:
    """Forget the requests so far, let `delta` pass; return the requests per endpoint."""
    cloud.reset_counts()
    await advance_time(hass, clock, delta)
    return cloud.counts()


@pytest.fixture
async def coordinator(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    cloud_clock: FrozenDateTimeFactory,
) -> IzypowerCoordinator:
    """Return the coordinator of a loaded entry, request counters reset."""
    await setup_integration(hass, mock_config_entry)
    mock_cloud.reset_counts()
    coordinator: IzypowerCoordinator = mock_config_entry.runtime_data.coordinator
    return coordinator


def _data(coordinator: IzypowerCoordinator) -> IzypowerData:
    return coordinator.data


async def _slow_refresh(hass: HomeAssistant, coordinator: IzypowerCoordinator) -> None:
    """Ask for a slow refresh, as a write does, and wait for it."""
    await coordinator.async_request_slow_refresh()
    await hass.async_block_till_done()
    # Past the request debouncer's cooldown, so the next request runs at once.
    coordinator._debounced_refresh.async_cancel()


def _registered(registry: dr.DeviceRegistry, identifier: tuple[str, str]) -> bool:
    return bool(registry.async_get_devices(identifiers={identifier}))


def _device_entry(
    registry: dr.DeviceRegistry, identifier: tuple[str, str]
) -> dr.DeviceEntry:
    (device_entry,) = registry.async_get_devices(identifiers={identifier})
    return device_entry


# ----------------------------------------------------------------------- cadences


async def test_steady_refresh_fetches_only_fast_data(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    coordinator: IzypowerCoordinator,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """Between slow refreshes, only what changes every few minutes is fetched."""
    before = _data(coordinator)
    await advance_time(hass, cloud_clock, STEP)
    assert mock_cloud.counts() == BETWEEN_SAMPLES_COUNTS
    # Carried over meanwhile.
    assert _data(coordinator).stations[81234].reports.keys() == set(Period)
    assert await _next_refresh(hass, mock_cloud, cloud_clock) == FAST_COUNTS
    assert {r.key for r in mock_cloud.requests if r.endpoint is Endpoint.REPORT} == {
        (81234, "day"),
        (81235, "day"),
    }
    after = _data(coordinator)
    assert after is not before
    # Slow results are carried over.
    assert after.stations[81234].reports.keys() == set(Period)
    assert after.stations[81234].firmware_update is True
    master = after.stations[81234].devices[640101]
    assert master.wifi is not None and master.wifi.rssi == -58
    assert after.stations[81234].devices[640102].firmware_update is True


async def test_slow_data_again_after_interval(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    coordinator: IzypowerCoordinator,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """Every SLOW_REFRESH_INTERVAL the slow data is fetched again, once."""
    refreshes = int(SLOW_REFRESH_INTERVAL / timedelta(minutes=3))
    for _ in range(refreshes - 1):
        await advance_time(hass, cloud_clock, timedelta(minutes=3))
    assert mock_cloud.count(Endpoint.STATIONS) == 0
    # The cloud's samples at 6, 12, 18 and 24 minutes.
    samples = (refreshes - 1) // 2
    assert mock_cloud.counts() == Counter(
        {
            endpoint: BETWEEN_SAMPLES_COUNTS[endpoint] * (refreshes - 1)
            + CLOUD_SAMPLES[endpoint] * samples
            for endpoint in FAST_COUNTS
        }
    )

    assert (
        await _next_refresh(hass, mock_cloud, cloud_clock, timedelta(minutes=3))
        == FAST_COUNTS + SLOW_EXTRA_COUNTS
    )

    assert (
        await _next_refresh(hass, mock_cloud, cloud_clock, timedelta(minutes=3))
        == BETWEEN_SAMPLES_COUNTS
    )


async def test_slow_refresh_on_demand(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    coordinator: IzypowerCoordinator,
) -> None:
    """A write asks for fresh settings: slow data comes with the next refresh."""
    mock_cloud.payload(Endpoint.WIFI, TITAN_MASTER_SN)["rssi"] = -70
    await _slow_refresh(hass, coordinator)

    assert mock_cloud.counts() == FAST_COUNTS + SLOW_EXTRA_COUNTS
    wifi = _data(coordinator).stations[81234].devices[640101].wifi
    assert wifi is not None and wifi.rssi == -70


async def test_new_device_gets_its_slow_calls_in_the_same_refresh(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    coordinator: IzypowerCoordinator,
    cloud_clock: FrozenDateTimeFactory,
    device_registry: dr.DeviceRegistry,
) -> None:
    """A new device comes with its Wi-Fi and firmware flag, without a slow refresh."""
    serial = NEW_MICRO_RECORD["sn"]
    wifi = load_fixture(f"device_wifi_{MICRO_SNS[0]}.json")
    mock_cloud.add_device(
        81235,
        copy.deepcopy(NEW_MICRO_RECORD),
        {
            (Endpoint.WIFI, serial): wifi,
            (Endpoint.TEMPERATURE, serial): load_fixture(
                f"device_temp_{MICRO_SNS[0]}.json"
            ),
        },
    )
    mock_cloud.payload(Endpoint.UPGRADE, 81235)["data"].append(
        {"sn": serial, "needUpgrade": True}
    )

    await advance_time(hass, cloud_clock, STEP)
    station = _data(coordinator).stations[81235]
    new = station.devices[640203]
    assert new.temperature == 41.3
    assert new.wifi is not None and new.wifi.rssi == -66
    assert new.firmware_update is True
    assert station.firmware_update is True
    # Only the new device's slow calls and its station's firmware list were added.
    assert mock_cloud.counts() == BETWEEN_SAMPLES_COUNTS + Counter(
        {Endpoint.WIFI: 1, Endpoint.UPGRADE: 1, Endpoint.TEMPERATURE: 1}
    )
    assert mock_cloud.count(Endpoint.UPGRADE, 81235) == 1
    # The entity platforms picked it up: it is in the device registry.
    assert _registered(device_registry, device_identifier(640203))

    # Back to the fast cadence afterwards (the cloud's samples due again).
    assert await _next_refresh(hass, mock_cloud, cloud_clock) == FAST_COUNTS


async def test_new_station_appears_at_slow_refresh(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    coordinator: IzypowerCoordinator,
) -> None:
    """A station added to the account shows up with the next station list."""
    mock_cloud.add_station(
        {
            "stationsId": 81236,
            "stationName": "Cabane",
            "installedCapacity": 400,
            "address": "Nowhere",
        },
        copy_from=81235,
        extra_payloads={
            (Endpoint.DEVICE_PAGE, 81236): {
                "code": 0,
                "data": {"records": [copy.deepcopy(NEW_MICRO_RECORD)], "total": 1},
            },
            (Endpoint.WIFI, NEW_MICRO_RECORD["sn"]): load_fixture(
                f"device_wifi_{MICRO_SNS[0]}.json"
            ),
        },
    )
    await _slow_refresh(hass, coordinator)
    station = _data(coordinator).stations[81236]
    assert station.info is not None
    assert station.firmware_update is False
    # Its device came with the slow refresh: Wi-Fi already there, no extra slow one.
    assert station.devices[640203].wifi is not None
    mock_cloud.reset_counts()
    await coordinator.async_refresh()
    assert mock_cloud.count(Endpoint.STATIONS) == 0


async def test_removed_station_leaves_the_snapshot(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    coordinator: IzypowerCoordinator,
) -> None:
    """A station gone from the account is gone from the next slow snapshot."""
    mock_cloud.remove_station(81235)
    await _slow_refresh(hass, coordinator)
    assert set(_data(coordinator).stations) == {81234}
    assert mock_cloud.count(Endpoint.STATION_INFO, 81235) == 0


# ------------------------------------------------------------- partial failures


def _check_station_info(data: IzypowerData) -> None:
    assert data.stations[81234].info is None
    assert data.stations[81234].failed == {Feed.STATION_INFO}
    assert data.stations[81234].energy == {}
    assert data.stations[81235].info is not None
    assert data.stations[81235].energy[(EnergySeries.PRODUCTION, Period.DAY)] == 4.86
    # Everything else of the failing station is still there.
    assert data.stations[81234].devices[640101].battery is not None


def _check_day_report(data: IzypowerData) -> None:
    assert Period.DAY not in data.stations[81234].reports
    assert data.stations[81234].failed == {Feed.DAY_REPORT}
    assert Period.MONTH in data.stations[81234].reports
    assert Period.DAY in data.stations[81235].reports


def _check_month_report(data: IzypowerData) -> None:
    assert set(data.stations[81234].reports) == {Period.DAY, Period.YEAR, Period.TOTAL}
    assert data.stations[81234].failed == {Feed.MONTH_REPORT}
    assert set(data.stations[81235].reports) == set(Period)


def _check_pv_strings(data: IzypowerData) -> None:
    assert data.stations[81234].devices[640101].pv_strings is None
    assert data.stations[81234].failed == {Feed.PV_STRINGS}
    assert data.stations[81235].devices[640201].pv_strings == {
        "PV1": 301.2,
        "PV2": 295.7,
    }


def _check_device_list(data: IzypowerData) -> None:
    assert data.stations[81234].devices == {}
    assert data.stations[81234].failed == {Feed.DEVICE_LIST}
    assert data.stations[81234].info is not None
    assert len(data.stations[81235].devices) == 2


def _check_wifi(data: IzypowerData) -> None:
    devices = data.stations[81234].devices
    assert devices[640101].wifi is None
    assert devices[640101].failed == {Feed.WIFI}
    assert devices[640102].wifi is not None
    assert devices[640102].failed == frozenset()
    assert devices[640101].battery is not None


def _check_battery_page(data: IzypowerData) -> None:
    devices = data.stations[81234].devices
    assert devices[640101].battery is None
    assert devices[640101].failed == {Feed.BATTERY}
    assert devices[640102].battery is not None
    assert devices[640101].wifi is not None


def _check_temperature(data: IzypowerData) -> None:
    devices = data.stations[81235].devices
    assert devices[640201].temperature is None
    assert devices[640201].failed == {Feed.TEMPERATURE}
    assert devices[640202].temperature == 39.8
    assert Feed.TEMPERATURE not in devices[640202].failed


def _check_firmware(data: IzypowerData) -> None:
    assert data.stations[81234].firmware_update is None
    assert data.stations[81234].failed == {Feed.FIRMWARE}
    assert data.stations[81234].devices[640102].firmware_update is None
    assert data.stations[81235].firmware_update is False
    assert data.stations[81235].devices[640201].firmware_update is False


@pytest.mark.parametrize(
    "case",
    [
        (Endpoint.STATION_INFO, 81234, _check_station_info),
        (Endpoint.REPORT, (81234, "day"), _check_day_report),
        (Endpoint.REPORT, (81234, "month"), _check_month_report),
        (Endpoint.COMPONENT, 81234, _check_pv_strings),
        (Endpoint.DEVICE_PAGE, 81234, _check_device_list),
        (Endpoint.WIFI, TITAN_MASTER_SN, _check_wifi),
        (Endpoint.BATTERY, TITAN_MASTER_SN, _check_battery_page),
        (Endpoint.TEMPERATURE, MICRO_SNS[0], _check_temperature),
        (Endpoint.UPGRADE, 81234, _check_firmware),
    ],
    ids=lambda case: f"{case[0]}-{case[1]}",
)
@pytest.mark.parametrize(
    "failure",
    [
        pytest.param({"status": 404}, id="404"),
        pytest.param({"status": 503, "body": "<html>busy</html>"}, id="503-html"),
        pytest.param({"exception": aiohttp.ClientConnectionError()}, id="connection"),
    ],
)
@pytest.mark.usefixtures("cloud_clock")
async def test_one_failing_call_only_blanks_what_it_feeds(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    case: tuple[Endpoint, Any, Callable[[IzypowerData], None]],
    failure: dict[str, Any],
) -> None:
    """Each kind of call can fail alone: its field is None, the rest is intact."""
    endpoint, key, check = case
    mock_cloud.fail(endpoint, key, **failure)
    await setup_integration(hass, mock_config_entry)

    coordinator: IzypowerCoordinator = mock_config_entry.runtime_data.coordinator
    assert coordinator.last_update_success
    check(coordinator.data)


async def test_failing_call_is_logged_once_per_streak(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    coordinator: IzypowerCoordinator,
    cloud_clock: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A call that keeps failing is reported when it starts and when it recovers."""
    mock_cloud.fail(Endpoint.BATTERY, TITAN_SLAVE_SN, status=404)
    for _ in range(3):
        await advance_time(hass, cloud_clock, STEP)
    assert _data(coordinator).stations[81234].devices[640102].battery is None
    unavailable = [
        r
        for r in caplog.records
        if "battery page of device 640102 unavailable" in r.message
    ]
    assert len(unavailable) == 1
    # Our own messages name devices by id, never by serial.
    ours = [r for r in caplog.records if r.name == "custom_components.izypower_cloud"]
    assert not [r for r in ours if TITAN_SLAVE_SN in r.getMessage()]

    mock_cloud.restore(Endpoint.BATTERY)
    await advance_time(hass, cloud_clock, STEP)
    assert _data(coordinator).stations[81234].devices[640102].battery is not None
    assert "battery page of device 640102 available again" in caplog.text


async def test_device_list_failure_keeps_known_devices_unlisted(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    coordinator: IzypowerCoordinator,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """Known devices stay, marked unlisted, and their own calls still run."""
    mock_cloud.fail(Endpoint.DEVICE_PAGE, 81234, status=404)
    await advance_time(hass, cloud_clock, STEP)

    devices = _data(coordinator).stations[81234].devices
    assert set(devices) == {640101, 640102, 640103}
    assert Feed.DEVICE_LIST in _data(coordinator).stations[81234].failed
    assert devices[640101].battery is not None
    assert devices[640101].wifi is not None
    assert Feed.DEVICE_LIST not in _data(coordinator).stations[81235].failed

    mock_cloud.restore()
    await advance_time(hass, cloud_clock, STEP)
    assert Feed.DEVICE_LIST not in _data(coordinator).stations[81234].failed


async def test_offline_micro_inverter_has_no_temperature_call(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    coordinator: IzypowerCoordinator,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """An offline micro-inverter's temperature is unknown without asking."""
    mock_cloud.device_record(81235, 640201)["onlineState"] = 0
    await _slow_refresh(hass, coordinator)

    assert mock_cloud.count(Endpoint.TEMPERATURE, MICRO_SNS[0]) == 0
    assert mock_cloud.count(Endpoint.TEMPERATURE, MICRO_SNS[1]) == 1
    devices = _data(coordinator).stations[81235].devices
    assert devices[640201].temperature is None
    # Not asked is not failed: the entity shows unknown, not unavailable.
    assert Feed.TEMPERATURE not in devices[640201].failed
    assert devices[640202].temperature == 39.8


async def test_temperature_failure_ends_with_the_next_answer(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    coordinator: IzypowerCoordinator,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """Temperatures are slow: a failing read shows the last one and is retried.

    Without a recent reading (the unit was offline meanwhile) it is failed until the
    next answer.
    """
    mock_cloud.fail(Endpoint.TEMPERATURE, MICRO_SNS[0], status=404)
    await _slow_refresh(hass, coordinator)
    device = _data(coordinator).stations[81235].devices[640201]
    assert Feed.TEMPERATURE not in device.failed
    assert device.temperature == 41.3
    counts = await _next_refresh(hass, mock_cloud, cloud_clock)
    assert counts[Endpoint.TEMPERATURE] == 1

    # Offline while the call is still failing: not asked, so not failed.
    mock_cloud.device_record(81235, 640201)["onlineState"] = 0
    await advance_time(hass, cloud_clock, STEP)
    device = _data(coordinator).stations[81235].devices[640201]
    assert Feed.TEMPERATURE not in device.failed
    assert device.temperature is None

    # Back online: asked at once, failed without a recent reading.
    mock_cloud.device_record(81235, 640201)["onlineState"] = 1
    await advance_time(hass, cloud_clock, STEP)
    assert Feed.TEMPERATURE in _data(coordinator).stations[81235].devices[640201].failed

    mock_cloud.restore()
    await advance_time(hass, cloud_clock, STEP)
    device = _data(coordinator).stations[81235].devices[640201]
    assert Feed.TEMPERATURE not in device.failed
    assert device.temperature == 41.3


async def test_temperature_asked_again_until_the_day_has_a_sample(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    coordinator: IzypowerCoordinator,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """No sample yet today (just after midnight): unknown, and asked at each refresh.

    Once the cloud sends one, the temperature is back on the slow cadence.
    """
    payload = mock_cloud.payload(Endpoint.TEMPERATURE, MICRO_SNS[0])
    samples = payload["data"]
    payload["data"] = []
    await _slow_refresh(hass, coordinator)
    device = _data(coordinator).stations[81235].devices[640201]
    assert device.temperature is None
    assert Feed.TEMPERATURE not in device.failed

    counts = await _next_refresh(hass, mock_cloud, cloud_clock)
    assert counts[Endpoint.TEMPERATURE] == 1

    payload["data"] = samples
    await advance_time(hass, cloud_clock, STEP)
    assert _data(coordinator).stations[81235].devices[640201].temperature == 41.3
    counts = await _next_refresh(hass, mock_cloud, cloud_clock)
    assert counts[Endpoint.TEMPERATURE] == 0


async def test_temperature_without_a_token_is_a_failed_temperature(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    coordinator: IzypowerCoordinator,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """A temperature call that no login could make is failed (unavailable), not unknown.

    Its token is refused and the login fails: the call is counted as not made, like
    the other calls without a token, and its feed as failed (no recent reading: the
    unit was offline at the refresh before).
    """
    mock_cloud.device_record(81235, 640201)["onlineState"] = 0
    await advance_time(hass, cloud_clock, STEP)
    mock_cloud.device_record(81235, 640201)["onlineState"] = 1
    mock_cloud.fail(Endpoint.TEMPERATURE, MICRO_SNS[0], status=401)
    mock_cloud.fail(Endpoint.LOGIN, status=500)
    await advance_time(hass, cloud_clock, STEP)
    devices = _data(coordinator).stations[81235].devices
    assert Feed.TEMPERATURE in devices[640201].failed


async def test_all_station_infos_failing_fails_the_refresh_then_recovers(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    coordinator: IzypowerCoordinator,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """No station answering is an outage; the next good refresh recovers."""
    good = _data(coordinator)
    mock_cloud.fail(Endpoint.STATION_INFO, status=500)
    await advance_time(hass, cloud_clock, STEP)

    assert not coordinator.last_update_success
    assert coordinator.last_exception is not None
    assert getattr(coordinator.last_exception, "translation_key", None) == (
        "no_station_answered"
    )
    assert _data(coordinator) is good

    mock_cloud.restore()
    await advance_time(hass, cloud_clock, STEP)
    assert coordinator.last_update_success
    assert _data(coordinator).stations[81234].info is not None


async def test_failed_refresh_keeps_slow_data_due(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    coordinator: IzypowerCoordinator,
) -> None:
    """A requested slow refresh that fails is done at the next attempt."""
    mock_cloud.fail(Endpoint.STATION_INFO, status=404)
    await _slow_refresh(hass, coordinator)
    assert not coordinator.last_update_success

    mock_cloud.restore()
    mock_cloud.reset_counts()
    await coordinator.async_refresh()
    assert coordinator.last_update_success
    assert mock_cloud.count(Endpoint.STATIONS) == 1


async def test_failed_slow_call_is_retried_at_the_next_refresh(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    coordinator: IzypowerCoordinator,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """A slow call that fails is asked again once per refresh, its last result kept."""
    mock_cloud.fail(Endpoint.WIFI, TITAN_MASTER_SN, status=404)
    mock_cloud.fail(Endpoint.UPGRADE, 81234, status=404)
    await _slow_refresh(hass, coordinator)
    station = _data(coordinator).stations[81234]
    # The last good answers stand in meanwhile.
    wifi = station.devices[640101].wifi
    assert wifi is not None and wifi.rssi == -58
    assert station.firmware_update is True

    for fast in (BETWEEN_SAMPLES_COUNTS, FAST_COUNTS):
        assert await _next_refresh(hass, mock_cloud, cloud_clock) == fast + Counter(
            {Endpoint.WIFI: 1, Endpoint.UPGRADE: 1}
        )
        assert mock_cloud.count(Endpoint.WIFI, TITAN_MASTER_SN) == 1
        assert mock_cloud.count(Endpoint.UPGRADE, 81234) == 1

    mock_cloud.restore()
    mock_cloud.payload(Endpoint.WIFI, TITAN_MASTER_SN)["rssi"] = -70
    await advance_time(hass, cloud_clock, STEP)
    wifi = _data(coordinator).stations[81234].devices[640101].wifi
    assert wifi is not None and wifi.rssi == -70

    # Answered: back to the slow cadence.
    assert await _next_refresh(hass, mock_cloud, cloud_clock) == FAST_COUNTS


async def test_slow_call_failing_from_the_start_is_retried(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """Without a last good result, the entities wait one refresh, not 30 minutes."""
    mock_cloud.fail(Endpoint.WIFI, TITAN_MASTER_SN, status=404)
    mock_cloud.fail(Endpoint.REPORT, (81234, "year"), status=404)
    await setup_integration(hass, mock_config_entry)
    coordinator: IzypowerCoordinator = mock_config_entry.runtime_data.coordinator
    station = _data(coordinator).stations[81234]
    assert station.devices[640101].wifi is None
    assert Period.YEAR not in station.reports

    mock_cloud.restore()
    await advance_time(hass, cloud_clock, STEP)
    station = _data(coordinator).stations[81234]
    assert station.devices[640101].wifi is not None
    assert Period.YEAR in station.reports


async def test_last_good_slow_result_expires(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    coordinator: IzypowerCoordinator,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """A slow call failing for long blanks its entities in the end."""
    mock_cloud.fail(Endpoint.WIFI, TITAN_MASTER_SN, status=404)
    cloud_clock.tick(SLOW_RESULT_MAX_AGE - timedelta(seconds=1))
    await coordinator.async_refresh()
    assert _data(coordinator).stations[81234].devices[640101].wifi is not None
    cloud_clock.tick(timedelta(seconds=2))
    await coordinator.async_refresh()
    assert _data(coordinator).stations[81234].devices[640101].wifi is None
    assert _data(coordinator).stations[81234].devices[640102].wifi is not None


async def test_failed_station_list_is_retried_at_the_next_refresh(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    coordinator: IzypowerCoordinator,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """The previous list stays in use, and the list is asked again next time."""
    mock_cloud.fail(Endpoint.STATIONS, status=500)
    await _slow_refresh(hass, coordinator)
    mock_cloud.restore()
    mock_cloud.remove_station(81235)
    assert (await _next_refresh(hass, mock_cloud, cloud_clock))[Endpoint.STATIONS] == 1
    assert set(_data(coordinator).stations) == {81234}


async def test_station_list_failure_keeps_the_previous_list(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    coordinator: IzypowerCoordinator,
) -> None:
    """Once known, the station list failing on a slow refresh is not an outage."""
    mock_cloud.fail(Endpoint.STATIONS, status=500)
    await _slow_refresh(hass, coordinator)

    assert coordinator.last_update_success
    assert set(_data(coordinator).stations) == {81234, 81235}
    assert mock_cloud.count(Endpoint.WIFI) == 5


async def test_auth_failure_during_refresh_starts_reauth(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    coordinator: IzypowerCoordinator,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """A token refused and a new login refused: ask the user for the password."""
    mock_cloud.fail(Endpoint.BATTERY, status=401)
    mock_cloud.reject_login()
    await advance_time(hass, cloud_clock, STEP)

    assert not coordinator.last_update_success
    assert getattr(coordinator.last_exception, "translation_key", None) == "auth_failed"
    flows = list(mock_config_entry.async_get_active_flows(hass, {SOURCE_REAUTH}))
    assert len(flows) == 1
    # Concurrent calls share one refused login.
    assert mock_cloud.count(Endpoint.LOGIN) == 1

    # A later refresh (a manual update, say) does not send the refused password
    # again, nor anything else: the client waits for the reauthentication.
    sent = mock_cloud.count()
    await coordinator.async_refresh()
    assert getattr(coordinator.last_exception, "translation_key", None) == "auth_failed"
    assert mock_cloud.count() == sent
    assert mock_cloud.count(Endpoint.LOGIN) == 1


async def test_auth_failure_on_station_list(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    coordinator: IzypowerCoordinator,
) -> None:
    """The station list (called on its own) maps a refused login the same way."""
    mock_cloud.fail(Endpoint.STATIONS, status=401)
    mock_cloud.reject_login()
    await _slow_refresh(hass, coordinator)
    assert getattr(coordinator.last_exception, "translation_key", None) == "auth_failed"


async def test_unexpected_error_is_not_swallowed(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    coordinator: IzypowerCoordinator,
) -> None:
    """A bug (not a cloud failure) fails the refresh visibly."""
    mock_cloud.fail(Endpoint.BATTERY, exception=RuntimeError("bug"))
    await coordinator.async_refresh()
    assert not coordinator.last_update_success
    assert isinstance(coordinator.last_exception, ExceptionGroup)


# ------------------------------------------------------------------ dates, energy


async def test_station_local_date_drives_report_dates(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """Dates follow the station's UTC offset once known, not Home Assistant's zone."""
    await hass.config.async_set_time_zone("UTC")
    # 23:30 UTC on the 14th is already the 15th at the station (UTC+02:00).
    cloud_clock.move_to("2026-07-14T23:30:00+00:00")
    await setup_integration(hass, mock_config_entry)
    day_requests = [r for r in mock_cloud.requests if r.key == (81234, "day")]
    assert day_requests[-1].url.query["searchTime"] == "2026-07-14"

    mock_cloud.reset_counts()
    await mock_config_entry.runtime_data.coordinator.async_refresh()
    searched = {
        r.url.query["searchTime"]
        for r in mock_cloud.requests
        if r.endpoint in (Endpoint.REPORT, Endpoint.COMPONENT, Endpoint.TEMPERATURE)
    }
    assert searched == {"2026-07-15"}


async def test_energy_guard_holds_a_dip(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    coordinator: IzypowerCoordinator,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """A counter dipping mid-day keeps its last good value in the snapshot."""
    info = mock_cloud.payload(Endpoint.STATION_INFO, 81234)
    info["extraData"]["production"]["day"] = 0
    info["extraData"]["production"]["all"] = None
    await advance_time(hass, cloud_clock, STEP)

    station = _data(coordinator).stations[81234]
    assert station.energy[(EnergySeries.PRODUCTION, Period.DAY)] == 9.84
    assert station.energy[(EnergySeries.PRODUCTION, Period.TOTAL)] == 14021.7
    assert station.info is not None
    assert station.info.energy[(EnergySeries.PRODUCTION, Period.DAY)] == 0


async def test_missing_last_update_dates_values_in_the_station_zone(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """No `lastUpdate`: values are dated by the station's clock, not Home Assistant's.

    At 20:00 at the station (UTC+02:00) it is already tomorrow in Tokyo: dated there,
    a dip would pass for the day's reset.
    """
    await hass.config.async_set_time_zone("Asia/Tokyo")
    cloud_clock.move_to("2026-07-14T20:00:00+02:00")
    await setup_integration(hass, mock_config_entry)
    info = mock_cloud.payload(Endpoint.STATION_INFO, 81234)
    info["lastUpdate"] = None
    info["data"]["lastUpdate"] = None
    info["extraData"]["production"]["day"] = 9.5
    await advance_time(hass, cloud_clock, STEP)
    station = _data(mock_config_entry.runtime_data.coordinator).stations[81234]
    assert station.energy[(EnergySeries.PRODUCTION, Period.DAY)] == 9.84


async def test_last_update_in_the_future_is_ignored(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    coordinator: IzypowerCoordinator,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """A `lastUpdate` two days ahead neither resets counters nor freezes them."""
    info = mock_cloud.payload(Endpoint.STATION_INFO, 81234)
    info["lastUpdate"] = info["data"]["lastUpdate"] = "2026-07-16 08:00:00 UTC+02:00"
    info["extraData"]["production"]["day"] = 0.5
    await advance_time(hass, cloud_clock, STEP)
    energy = _data(coordinator).stations[81234].energy
    assert energy[(EnergySeries.PRODUCTION, Period.DAY)] == 9.84

    info["lastUpdate"] = info["data"]["lastUpdate"] = "2026-07-14 13:45:00 UTC+02:00"
    info["extraData"]["production"]["day"] = 9.9
    await advance_time(hass, cloud_clock, STEP)
    energy = _data(coordinator).stations[81234].energy
    assert energy[(EnergySeries.PRODUCTION, Period.DAY)] == 9.9


async def test_consumption_from_pv_comes_from_guarded_counters(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    coordinator: IzypowerCoordinator,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """Every series and period is published; a glitching input leaves it alone."""
    cfpv = EnergySeries.CONSUMPTION_FROM_PV
    energy = _data(coordinator).stations[81234].energy
    assert set(energy) == {
        (series, period) for series in EnergySeries for period in Period
    }
    # README table of station 81234: consumption - discharge - import.
    expected = {
        Period.DAY: 4.91,
        Period.MONTH: 76.2,
        Period.YEAR: 1166.7,
        Period.TOTAL: 5170.3,
    }
    for period, value in expected.items():
        assert energy[(cfpv, period)] == pytest.approx(value)

    mock_cloud.payload(Endpoint.STATION_INFO, 81234)["extraData"]["grid"]["all2"] = 0
    await advance_time(hass, cloud_clock, STEP)
    energy = _data(coordinator).stations[81234].energy
    assert energy[(EnergySeries.GRID_IMPORT, Period.TOTAL)] == 2455.0
    assert energy[(cfpv, Period.TOTAL)] == pytest.approx(5170.3)


async def test_meter_lifetime_counters_are_guarded(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    coordinator: IzypowerCoordinator,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """The meter's own import/export totals never dip or spike either."""
    readings = mock_cloud.device_record(81234, 640103)["dataDtos"]
    values = {item["key"]: item for item in readings}
    # Sent (import, export), then kept: a dip and a spike ignored, then a step taken.
    for sent, kept in (
        (("0kWh", "99999kWh"), (2455.0, 4871.2)),
        (("2455.1kWh", "4871.3kWh"), (2455.1, 4871.3)),
    ):
        values["energy_p_all"]["value"], values["energy_n_all"]["value"] = sent
        await advance_time(hass, cloud_clock, STEP)
        meter = _data(coordinator).stations[81234].devices[640103].device
        assert meter.meter_import_total == kept[0]
        assert meter.meter_export_total == kept[1]


# ------------------------------------------------------------------ stale devices


async def test_stale_devices_leave_after_two_slow_refreshes(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    *,
    mock_config_entry: MockConfigEntry,
    coordinator: IzypowerCoordinator,
    cloud_clock: FrozenDateTimeFactory,
    device_registry: dr.DeviceRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Station, equipment and Link modules gone long enough leave the registry.

    Two slow refreshes in a row are not enough when they come back to back (on
    demand): the first miss must also be `STALE_AFTER` old.
    """
    entry_id = mock_config_entry.entry_id
    ids = {
        "meter": device_identifier(640103),
        "link": link_identifier("IZL24L000703"),
        "station": station_identifier(81235),
        "micro": device_identifier(640201),
    }
    for identifier in ids.values():
        device_registry.async_get_or_create(
            config_entry_id=entry_id, identifiers={identifier}
        )
    meter = _device_entry(device_registry, ids["meter"])
    device_registry.async_update_device(meter.id, name_by_user="Compteur garage")
    mock_cloud.remove_device(81234, 640103)
    mock_cloud.payload(Endpoint.BATTERY, TITAN_SLAVE_SN)["data"]["items"] = []
    mock_cloud.remove_station(81235)

    await _slow_refresh(hass, coordinator)
    await _slow_refresh(hass, coordinator)
    for identifier in ids.values():
        assert _registered(device_registry, identifier)

    cloud_clock.tick(STALE_AFTER)
    await _slow_refresh(hass, coordinator)
    for identifier in ids.values():
        assert not _registered(device_registry, identifier)
    # Devices still in the cloud stay.
    assert _registered(device_registry, device_identifier(640101))
    assert _registered(device_registry, link_identifier("IZL24L000701"))
    # Logged by the name the user knows, never "None" for an unnamed device.
    assert "Removing Compteur garage: gone from the Izypower Cloud" in caplog.text
    assert "Removing None" not in caplog.text


async def test_device_back_after_one_miss_stays(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    coordinator: IzypowerCoordinator,
    cloud_clock: FrozenDateTimeFactory,
    device_registry: dr.DeviceRegistry,
) -> None:
    """Misses must be consecutive."""
    record = mock_cloud.device_record(81234, 640103)
    mock_cloud.remove_device(81234, 640103)
    await _slow_refresh(hass, coordinator)
    mock_cloud.add_device(81234, record)
    await _slow_refresh(hass, coordinator)
    mock_cloud.remove_device(81234, 640103)
    cloud_clock.tick(STALE_AFTER)
    await _slow_refresh(hass, coordinator)
    assert _registered(device_registry, device_identifier(640103))


async def test_failed_listing_is_no_evidence_of_removal(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    coordinator: IzypowerCoordinator,
    cloud_clock: FrozenDateTimeFactory,
    device_registry: dr.DeviceRegistry,
) -> None:
    """A device list or battery page that fails keeps what it would have listed."""
    mock_cloud.fail(Endpoint.DEVICE_PAGE, 81235, status=404)
    mock_cloud.fail(Endpoint.BATTERY, TITAN_MASTER_SN, status=404)
    for _ in range(3):
        cloud_clock.tick(STALE_AFTER)
        await _slow_refresh(hass, coordinator)
    for identifier in (
        device_identifier(640201),
        link_identifier("IZL24L000701"),
        link_identifier("IZL24L000702"),
    ):
        assert _registered(device_registry, identifier)


@pytest.mark.parametrize(
    ("failing", "protected"),
    [
        pytest.param(
            (Endpoint.DEVICE_PAGE, 81234),
            (
                device_identifier(640101),
                device_identifier(640103),
                link_identifier("IZL24L000701"),
                link_identifier("IZL24L000703"),
            ),
            id="device-list",
        ),
        pytest.param(
            (Endpoint.BATTERY, TITAN_MASTER_SN),
            (link_identifier("IZL24L000701"), link_identifier("IZL24L000702")),
            id="battery-page",
        ),
    ],
)
async def test_failed_listing_after_a_restart_removes_nothing(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    *,
    mock_config_entry: MockConfigEntry,
    coordinator: IzypowerCoordinator,
    cloud_clock: FrozenDateTimeFactory,
    device_registry: dr.DeviceRegistry,
    failing: tuple[Endpoint, Any],
    protected: tuple[tuple[str, str], ...],
) -> None:
    """With no earlier answer to fall back on, the registry's children are kept.

    After a restart the coordinator has no previous device list or battery page: a
    listing failing then must still not count its children missing, nor let the user
    delete them by hand.
    """
    mock_cloud.fail(*failing, status=404)
    await hass.config_entries.async_reload(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    restarted: IzypowerCoordinator = mock_config_entry.runtime_data.coordinator
    assert restarted is not coordinator

    for _ in range(3):
        cloud_clock.tick(STALE_AFTER)
        await _slow_refresh(hass, restarted)
    for identifier in protected:
        assert restarted.may_still_exist(_device_entry(device_registry, identifier))


async def test_meter_and_titans_listed(
    coordinator: IzypowerCoordinator, device_registry: dr.DeviceRegistry
) -> None:
    """Sanity check of the fixture account as the coordinator sees it."""
    station = _data(coordinator).stations[81234]
    assert {d.device.serial for d in station.devices.values()} == {
        TITAN_MASTER_SN,
        TITAN_SLAVE_SN,
        METER_SN,
    }
    for identifier in (
        station_identifier(81234),
        device_identifier(640101),
        link_identifier("IZL24L000701"),
    ):
        assert coordinator.may_still_exist(_device_entry(device_registry, identifier))


async def test_devices_without_serial_get_only_id_based_calls(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    coordinator: IzypowerCoordinator,
) -> None:
    """Serial-based calls are skipped for a device the cloud lists without serial."""
    master = mock_cloud.device_record(81234, 640101)
    del master["sn"]
    meter = mock_cloud.device_record(81234, 640103)
    del meter["sn"]
    await _slow_refresh(hass, coordinator)

    devices = _data(coordinator).stations[81234].devices
    assert devices[640101].battery is None
    assert devices[640101].wifi is None
    assert devices[640101].firmware_update is None
    # Not asked is not failed; without a serial, a Titan lists no Link module.
    assert devices[640101].failed == {Feed.BATTERY}
    assert devices[640103].failed == frozenset()
    assert mock_cloud.count(Endpoint.BATTERY, TITAN_MASTER_SN) == 0
    assert mock_cloud.count(Endpoint.WIFI, METER_SN) == 0
