"""Energy statistics with Home Assistant's real recorder, against the simulator.

The issue's acceptance test: import 60 past days, run two days forward through a
5-hour outage across midnight and the autumn daylight-saving change, then compare every
station's, series' and day's statistics with the simulator's own daily totals.
"""

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from homeassistant.components.recorder.statistics import list_statistic_ids
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.recorder import get_instance
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.izypower_cloud.const import DOMAIN
from custom_components.izypower_cloud.history.statistics import (
    STATISTIC_SERIES,
    statistic_id,
)
from tests.energy_dashboard import save_prefs_command

from .conftest import (
    FIXTURE_IDS,
    FIXTURE_SERIES,
    HOUR_STEP,
    HOURLY,
    CloudFactory,
    SimulatedCloud,
    import_history,
    report_totals,
    statistic_rows,
)

PARIS = ZoneInfo("Europe/Paris")
# Saturday 10:00; the clocks go back on Sunday 25 October at 03:00.
START = datetime(2026, 10, 24, 10, 0, tzinfo=PARIS)
STATIONS = (81234, 81235)
FIRST_OF_MONTH = datetime(2026, 11, 1, 9, 0, tzinfo=PARIS)
# The 2nd of a month: setup imports one earlier day of it (a quicker setup).
SECOND_OF_MONTH = datetime(2026, 10, 2, 10, 0, tzinfo=PARIS)
# 81235 has no battery: no battery statistics.
IDS = FIXTURE_IDS

pytestmark = pytest.mark.usefixtures("loop_debug_off")


@pytest.fixture
async def cloud(start_cloud: CloudFactory) -> SimulatedCloud:
    """Start the simulator at START, Home Assistant with a recorder on its clock."""
    return await start_cloud(START)


@pytest.fixture
async def cloud_on_the_second(start_cloud: CloudFactory) -> SimulatedCloud:
    """Start on the 2nd of a month: setup imports the 1st only."""
    return await start_cloud(SECOND_OF_MONTH)


@pytest.fixture
async def cloud_on_the_first(start_cloud: CloudFactory) -> SimulatedCloud:
    """Start on the 1st of a month: setup imports no earlier day (a quicker setup)."""
    return await start_cloud(FIRST_OF_MONTH)


async def _rows(hass: HomeAssistant, period: str, types: set[Any]) -> dict[str, Any]:
    return await statistic_rows(hass, IDS, period, types)


async def _import(hass: HomeAssistant, entry_id: str, start: date) -> dict[str, Any]:
    return await import_history(hass, config_entry_id=entry_id, start=start.isoformat())


async def test_sixty_days_then_two_days_forward(
    hass: HomeAssistant, cloud: SimulatedCloud
) -> None:
    """Every day's change equals the cloud's day total; sums never decrease."""
    entry = await cloud.set_up(HOURLY)

    # First setup imported the current month in the background.
    daily = await _rows(hass, "day", {"change"})
    # 1..23 October imported, the 24th written live.
    assert len(daily[statistic_id(81234, STATISTIC_SERIES[0])]) == 24

    first = START.date() - timedelta(days=60)
    response = await _import(hass, entry.entry_id, first)
    assert response["stations"]["81234"]["imported"] == 37  # 25 Aug .. 30 Sep
    assert response["stations"]["81234"]["already_present"] == 23
    assert "37" in response["message"]

    # Saturday 10:00 -> 23:00: refreshes every hour, as every test that runs through
    # days (the rules do not depend on the period; 15-minute refreshes write
    # statistics in test_blueprint_runs.py and test_energy_dashboard_fields.py).
    await cloud.advance_by(timedelta(hours=13), HOUR_STEP)
    # Home Assistant is down 23:00 -> 03:00 (after the clocks went back: 5 hours).
    assert await hass.config_entries.async_unload(entry.entry_id)
    cloud.jump(timedelta(hours=5))
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    # Until Monday 10:00.
    await cloud.advance_by(timedelta(hours=31), HOUR_STEP)

    daily = await _rows(hass, "day", {"change"})
    checked = 0
    for station_id in STATIONS:
        for day_offset in range(60 + 2):
            day = first + timedelta(days=day_offset)
            truth = report_totals(cloud, station_id, day.isoformat())
            for series in FIXTURE_SERIES[station_id]:
                rows = daily[statistic_id(station_id, series)]
                change = {
                    datetime.fromtimestamp(row["start"], PARIS).date(): row["change"]
                    for row in rows
                }
                assert change[day] == pytest.approx(truth[series], abs=0.01), (
                    station_id,
                    series,
                    day,
                )
                checked += 1
    assert checked == 62 * (6 + 1)

    hourly = await _rows(hass, "hour", {"sum", "state"})
    for stat_id, rows in hourly.items():
        sums = [row["sum"] for row in rows]
        assert sums == sorted(sums), stat_id
        starts = [row["start"] for row in rows]
        # One row per hour, no gap, from the first imported day on.
        assert all(b - a == 3600 for a, b in zip(starts, starts[1:], strict=False))

    # Re-running the import changes no row.
    again = await _import(hass, entry.entry_id, first)
    assert again["stations"]["81234"]["imported"] == 0
    assert await _rows(hass, "hour", {"sum", "state"}) == hourly

    metadata = await get_instance(hass).async_add_executor_job(
        list_statistic_ids, hass, None
    )
    # These and no other: no battery, grid or consumption statistics of the station
    # without a battery or a meter.
    listed = {item["statistic_id"] for item in metadata}
    assert {stat_id for stat_id in listed if stat_id.startswith(f"{DOMAIN}:")} == IDS


async def test_cloud_failures_and_days_without_data(
    hass: HomeAssistant, cloud_on_the_second: SimulatedCloud
) -> None:
    """Days without data are skipped; unanswered days are failed, then importable."""
    cloud = cloud_on_the_second
    entry = await cloud.set_up(HOURLY)
    station = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, "station_81234"), entry.entry_id
    )
    assert station is not None

    # Before the station existed (the simulator has nothing before late 2022).
    response = await hass.services.async_call(
        DOMAIN,
        "import_history",
        {"device_id": station.id, "start": "2015-01-01", "end": "2015-01-03"},
        blocking=True,
        return_response=True,
    )
    assert response == {
        "message": response["message"],
        "stations": {
            "81234": {
                "imported": 0,
                "already_present": 0,
                "skipped": ["2015-01-01", "2015-01-02", "2015-01-03"],
                "failed": [],
                "incomplete": {},
            }
        },
    }

    # The cloud stops answering reports: the import reports the days as failed, and
    # the day that ends meanwhile stays open until its report comes.
    cloud.simulator.faults.config.failing_endpoints = ["report"]
    failed = await _import(hass, entry.entry_id, date(2026, 9, 1))
    assert failed["stations"]["81235"]["failed"][:2] == ["2026-09-01", "2026-09-02"]
    await cloud.advance_by(timedelta(hours=15), HOUR_STEP)
    cloud.simulator.faults.config.failing_endpoints = []
    await cloud.advance_by(HOUR_STEP, HOUR_STEP)
    again = await _import(hass, entry.entry_id, date(2026, 9, 1))
    assert again["stations"]["81235"]["imported"] == 30

    daily = await _rows(hass, "day", {"change"})
    for station_id in STATIONS:
        truth = report_totals(cloud, station_id, SECOND_OF_MONTH.date().isoformat())
        for series in FIXTURE_SERIES[station_id]:
            change = {
                datetime.fromtimestamp(row["start"], PARIS).date(): row["change"]
                for row in daily[statistic_id(station_id, series)]
            }
            assert change[SECOND_OF_MONTH.date()] == pytest.approx(
                truth[series], abs=0.01
            )


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"start": "2026-11-01"}, "invalid_range"),
        ({"start": "1990-01-01"}, "range_too_long"),
        ({"start": "2026-10-10", "end": "2026-10-01"}, "reversed_range"),
    ],
)
async def test_import_range_checked(
    hass: HomeAssistant,
    cloud_on_the_first: SimulatedCloud,
    data: dict[str, str],
    key: str,
) -> None:
    """The range must end before the station's current day and stay reasonable."""
    entry = await cloud_on_the_first.set_up()
    with pytest.raises(ServiceValidationError) as caught:
        await hass.services.async_call(
            DOMAIN,
            "import_history",
            {"config_entry_id": entry.entry_id, **data},
            blocking=True,
        )
    assert caught.value.translation_key == key


async def test_import_target_checked(
    hass: HomeAssistant, cloud_on_the_first: SimulatedCloud
) -> None:
    """Only a station device of a loaded entry, or a loaded entry, is a target."""
    entry = await cloud_on_the_first.set_up()
    registry = dr.async_get(hass)
    titan = next(
        device
        for device in dr.async_entries_for_config_entry(registry, entry.entry_id)
        if device.via_device_id is not None
    )
    for target, key in (
        ({"device_id": titan.id}, "not_a_station"),
        ({"device_id": "unknown"}, "not_a_station"),
        ({"config_entry_id": "unknown"}, "entry_not_loaded"),
    ):
        with pytest.raises(ServiceValidationError) as caught:
            await hass.services.async_call(
                DOMAIN,
                "import_history",
                {**target, "start": "2026-10-01"},
                blocking=True,
            )
        assert caught.value.translation_key == key


async def test_first_day_of_a_month_imports_nothing(
    hass: HomeAssistant, start_cloud: CloudFactory
) -> None:
    """Set up on the 1st, there is no earlier day of the month to import."""
    await (await start_cloud(FIRST_OF_MONTH)).set_up()
    daily = await _rows(hass, "day", {"change"})
    assert len(daily[statistic_id(81234, STATISTIC_SERIES[0])]) == 1


async def test_energy_dashboard_accepts_the_statistics(
    hass: HomeAssistant,
    cloud: SimulatedCloud,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """After setup the month's statistics exist; the Energy dashboard takes them."""
    await cloud.set_up()
    assert await async_setup_component(hass, "energy", {})
    daily = await _rows(hass, "day", {"change"})
    assert all(len(daily[stat_id]) == 24 for stat_id in IDS)

    client = await hass_ws_client(hass)
    await client.send_json_auto_id(save_prefs_command(81234))
    saved = await client.receive_json()
    assert saved["success"], saved
    await client.send_json_auto_id({"type": "energy/validate"})
    validation = await client.receive_json()
    assert validation["success"], validation
    assert validation["result"]["energy_sources"] == [[], [], []]
