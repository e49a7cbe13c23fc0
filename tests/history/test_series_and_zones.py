"""Which statistics a station gets, and on whose clock, with the real recorder.

A station without a battery gets no battery statistics (not rows of zeros), one that
gains a battery gets them from that day on, and the zero battery statistics earlier
versions wrote are deleted. A station whose time zone is not Home Assistant's keeps its
own days across a daylight-saving change.
"""

from datetime import date, datetime, timedelta
import importlib
from typing import Any
from zoneinfo import ZoneInfo

from homeassistant.components.recorder.statistics import list_statistic_ids
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance
import pytest
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.izypower_cloud.api import EnergySeries
from custom_components.izypower_cloud.const import DOMAIN
from custom_components.izypower_cloud.history import hourly
from custom_components.izypower_cloud.history.statistics import (
    BATTERY_SERIES,
    statistic_id,
)
from izypower_simulator import Layout, generate_account

from .conftest import (
    FIXTURE_IDS,
    FIXTURE_SERIES,
    HOUR_STEP,
    HOURLY,
    NO_EV,
    CloudFactory,
    import_history,
    report_totals,
    statistic_rows,
)

PARIS = ZoneInfo("Europe/Paris")
UTC_HOUR = 3600
BATTERY = (EnergySeries.BATTERY_CHARGE, EnergySeries.BATTERY_DISCHARGE)
# The generated micro-inverter stations have a meter, no battery.
WITHOUT_BATTERY = tuple(s for s in NO_EV if s not in BATTERY_SERIES)

pytestmark = pytest.mark.usefixtures("loop_debug_off")


def _ids(station_ids: list[int], series: tuple[EnergySeries, ...]) -> set[str]:
    return {statistic_id(s, one) for s in station_ids for one in series}


async def _listed(hass: HomeAssistant) -> set[str]:
    """Return the ids of every statistic of ours the recorder knows."""
    await async_wait_recording_done(hass)
    found = await get_instance(hass).async_add_executor_job(
        list_statistic_ids, hass, None
    )
    return {
        item["statistic_id"]
        for item in found
        if item["statistic_id"].startswith(f"{DOMAIN}:")
    }


async def _hourly(hass: HomeAssistant, ids: set[str]) -> dict[str, Any]:
    return await statistic_rows(hass, ids, "hour", {"sum", "state"})


def _station_day_change(rows: list[dict[str, Any]], day: date, zone: ZoneInfo) -> float:
    """Return a station-local day's energy: the sums at its two midnights.

    Before the first row the sum is 0 (a statistic's first period counts from 0).
    """
    start = datetime.combine(day, datetime.min.time(), zone).timestamp()
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), zone)
    ends = {row["start"] + UTC_HOUR: row["sum"] for row in rows}
    before = [ends[at] for at in ends if at <= start]
    return float(ends[end.timestamp()] - (before[-1] if before else 0.0))


def _assert_rising(hourly_rows: dict[str, Any], *, whole: bool = True) -> None:
    """Every statistic: sums never fall; `whole`: one row per hour without a gap."""
    for stat_id, rows in hourly_rows.items():
        sums = [row["sum"] for row in rows]
        assert sums == sorted(sums), stat_id
        starts = [row["start"] for row in rows]
        gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
        assert not whole or set(gaps) == {UTC_HOUR}, stat_id


async def test_no_battery_statistics_without_a_battery(
    hass: HomeAssistant, start_cloud: CloudFactory
) -> None:
    """Live rows, the first month's import and the action write no battery series."""
    start = datetime(2026, 10, 14, 10, 0, tzinfo=PARIS)
    account = generate_account(2, 2, start=start, seed=21, layout=Layout.MICRO)
    cloud = await start_cloud(start, account=account)
    stations = [station.station_id for station in account.stations]
    entry = await cloud.set_up(HOURLY)
    # The generated account has no data this year before its start: last December.
    response = await import_history(
        hass, config_entry_id=entry.entry_id, start="2025-12-01", end="2025-12-31"
    )
    assert response["stations"][str(stations[0])]["imported"] == 31
    await cloud.advance_by(timedelta(hours=16), HOUR_STEP)

    others = WITHOUT_BATTERY
    assert await _listed(hass) == _ids(stations, others)
    rows = await _hourly(hass, _ids(stations, others))
    _assert_rising(rows, whole=False)
    for station_id in stations:
        truth = report_totals(cloud, station_id, "2026-10-14")
        for series in others:
            change = _station_day_change(
                rows[statistic_id(station_id, series)], date(2026, 10, 14), PARIS
            )
            assert change == pytest.approx(truth[series], abs=0.01)


async def test_zero_battery_statistics_of_earlier_versions_are_deleted(
    hass: HomeAssistant, start_cloud: CloudFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A battery-less station's all-zero battery series go; the others continue."""
    start = datetime(2026, 10, 14, 20, 0, tzinfo=PARIS)
    account = generate_account(1, 2, start=start, seed=22, layout=Layout.MICRO)
    cloud = await start_cloud(start, account=account)
    (station_id,) = (station.station_id for station in account.stations)
    # Earlier versions wrote every series of every station: battery ones as zeros
    # (here once the 14th closed).
    with monkeypatch.context() as patch:
        history_module = importlib.import_module(
            "custom_components.izypower_cloud.history.entry"
        )
        for module in (hourly, history_module):
            patch.setattr(module, "station_series", lambda _: NO_EV)
        entry = await cloud.set_up(HOURLY)
        await cloud.advance_by(timedelta(hours=6), HOUR_STEP)
        assert await hass.config_entries.async_unload(entry.entry_id)
    everything = _ids([station_id], NO_EV)
    assert await _listed(hass) == everything
    before = await _hourly(hass, everything)

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    await cloud.advance_by(timedelta(hours=2), HOUR_STEP)

    others = everything - _ids([station_id], BATTERY)
    assert await _listed(hass) == others
    after = await _hourly(hass, others)
    _assert_rising(after)
    for stat_id in others:
        # The rows written before the upgrade stay as they were.
        assert after[stat_id][: len(before[stat_id]) - 1] == before[stat_id][:-1]
    truth = report_totals(cloud, station_id, "2026-10-14")
    for series in EnergySeries.PRODUCTION, EnergySeries.CONSUMPTION:
        change = _station_day_change(
            after[statistic_id(station_id, series)], date(2026, 10, 14), PARIS
        )
        assert change == pytest.approx(truth[series], abs=0.01)


async def test_battery_statistics_start_with_the_battery(
    hass: HomeAssistant, start_cloud: CloudFactory
) -> None:
    """A Titan installed on day 2: its series start that day; an import fills day 1."""
    start = datetime(2026, 10, 13, 10, 0, tzinfo=PARIS)
    account = generate_account(
        1,
        3,
        start=start,
        seed=23,
        layout=Layout.LATE_BATTERY,
        battery_after=timedelta(hours=26),
    )
    cloud = await start_cloud(start, account=account)
    (station_id,) = (station.station_id for station in account.stations)
    battery = _ids([station_id], BATTERY)
    everything = _ids([station_id], NO_EV)
    entry = await cloud.set_up(HOURLY)
    # Past the 13th's midnight: still no battery.
    await cloud.advance_by(timedelta(hours=15), HOUR_STEP)
    assert await _listed(hass) == everything - battery

    # Past the installation at noon, then past midnight: the 14th is closed.
    await cloud.advance_by(timedelta(hours=24), HOUR_STEP)
    assert await _listed(hass) == everything
    rows = await _hourly(hass, battery)
    truth = report_totals(cloud, station_id, "2026-10-14")
    assert truth["battery_charge"] > 0
    for series in BATTERY:
        stat_rows = rows[statistic_id(station_id, series)]
        # From the 14th's midnight on, as the day's counter counts from there.
        assert stat_rows[0]["start"] == datetime(2026, 10, 14, tzinfo=PARIS).timestamp()
        change = _station_day_change(stat_rows, date(2026, 10, 14), PARIS)
        assert change == pytest.approx(truth[series], abs=0.01)
    others = await _hourly(hass, everything - battery)

    # The 13th lacks only its battery rows: they are imported, nothing else changes.
    response = await import_history(
        hass, config_entry_id=entry.entry_id, start="2026-10-13"
    )
    assert response["stations"][str(station_id)]["imported"] == 1
    assert response["stations"][str(station_id)]["already_present"] == 1
    rows = await _hourly(hass, everything)
    _assert_rising(rows)
    first = datetime(2026, 10, 13, tzinfo=PARIS).timestamp()
    assert {stat_rows[0]["start"] for stat_rows in rows.values()} == {first}
    assert {key: rows[key] for key in others} == others
    for series in BATTERY:
        stat_rows = rows[statistic_id(station_id, series)]
        for day in date(2026, 10, 13), date(2026, 10, 14):
            truth = report_totals(cloud, station_id, day.isoformat())
            change = _station_day_change(stat_rows, day, PARIS)
            assert change == pytest.approx(truth[series], abs=0.01)
    again = await import_history(
        hass, config_entry_id=entry.entry_id, start="2026-10-13"
    )
    assert again["stations"][str(station_id)]["already_present"] == 2


async def test_station_days_across_daylight_saving_in_another_zone(
    hass: HomeAssistant, start_cloud: CloudFactory
) -> None:
    """Home Assistant in Réunion, stations in Paris: their 25-hour day stays whole."""
    start = datetime(2026, 10, 24, 20, 0, tzinfo=PARIS)
    cloud = await start_cloud(start)
    await hass.config.async_set_time_zone("Indian/Reunion")
    await cloud.set_up(HOURLY)
    # Saturday 20:00 -> Monday 02:00, through the clocks going back on Sunday.
    await cloud.advance_by(timedelta(hours=31), HOUR_STEP)

    rows = await _hourly(hass, FIXTURE_IDS)
    _assert_rising(rows)
    for station_id, station_series in FIXTURE_SERIES.items():
        for day in date(2026, 10, 1), date(2026, 10, 24), date(2026, 10, 25):
            truth = report_totals(cloud, station_id, day.isoformat())
            for series in station_series:
                change = _station_day_change(
                    rows[statistic_id(station_id, series)], day, PARIS
                )
                assert change == pytest.approx(truth[series], abs=0.01), (
                    station_id,
                    series,
                    day,
                )
