"""The statistics rules on their own: hour grid, spreading, merging, cursors."""

import dataclasses
from datetime import UTC, date, datetime, timedelta, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest

from custom_components.izypower_cloud.api import (
    EnergyReport,
    EnergySeries,
    IzypowerConnectionError,
    Period,
    Station,
    StationInfo,
)
from custom_components.izypower_cloud.data import IzypowerData, StationData
from custom_components.izypower_cloud.energy_history import EnergyHistory
from custom_components.izypower_cloud.history import HistoryImporter, merge_rows
from custom_components.izypower_cloud.hourly import HourlyStatistics, _Cursor
from custom_components.izypower_cloud.statistics import (
    FAR_PAST,
    HOUR,
    STATISTIC_SERIES,
    Row,
    async_read_rows,
    day_hours,
    spread_day,
    station_zone,
    statistic_id,
)

PARIS = ZoneInfo("Europe/Paris")
DAY = datetime(2026, 3, 2, tzinfo=UTC)


def _hours(start: datetime, count: int) -> list[datetime]:
    return [start + n * HOUR for n in range(count)]


def test_day_hours_follow_the_station_clock() -> None:
    """Days have 23, 24 or 25 hours in Paris; a half-hour zone rounds down."""
    assert len(day_hours(date(2026, 3, 29), PARIS)) == 23
    assert len(day_hours(date(2026, 10, 25), PARIS)) == 25
    assert day_hours(date(2026, 10, 26), PARIS)[0] == datetime(
        2026, 10, 25, 23, tzinfo=UTC
    )
    india = timezone(timedelta(hours=5, minutes=30))
    assert day_hours(date(2026, 1, 2), india)[0] == datetime(2026, 1, 1, 18, tzinfo=UTC)


def test_station_zone() -> None:
    """Home Assistant's zone when it has the station's offset, else the offset itself."""
    # Home Assistant's zone (the tests' default) when it has the offset.
    home = dt_util.get_default_time_zone()
    offset = datetime(2026, 1, 1, tzinfo=home).utcoffset()
    assert offset is not None
    moment = datetime(2026, 1, 1, tzinfo=timezone(offset))
    assert station_zone(None, moment) is home  # type: ignore[arg-type]
    plus_four = timezone(timedelta(hours=4))
    assert station_zone(None, datetime(2026, 1, 1, tzinfo=plus_four)) == plus_four  # type: ignore[arg-type]


def test_station_zone_prefers_european_summer_time() -> None:
    """An offset some EU zone has at that moment: that zone, which knows its DST days."""
    plus_one, plus_two = timezone(timedelta(hours=1)), timezone(timedelta(hours=2))
    for moment, key in (
        (datetime(2026, 1, 1, tzinfo=plus_one), "Europe/Paris"),
        (datetime(2026, 7, 1, tzinfo=plus_two), "Europe/Paris"),
        (datetime(2026, 1, 1, tzinfo=plus_two), "Europe/Helsinki"),
        (datetime(2026, 7, 1, tzinfo=plus_one), "Europe/Lisbon"),
    ):
        zone = station_zone(None, moment)  # type: ignore[arg-type]
        assert zone == ZoneInfo(key), moment
        # The days then have the zone's length: 25 hours when the clocks go back.
        assert len(day_hours(date(2026, 10, 25), zone)) == 25
    # No EU zone is at +03:00 in January (Moscow, Nairobi): the offset itself.
    plus_three = timezone(timedelta(hours=3))
    assert station_zone(None, datetime(2026, 1, 1, tzinfo=plus_three)) == plus_three  # type: ignore[arg-type]
    # A naive time (never parsed so) is on Home Assistant's clock.
    assert station_zone(None, datetime(2026, 1, 1)) is dt_util.get_default_time_zone()  # type: ignore[arg-type]


def test_spread_day_ends_on_the_total() -> None:
    """A day's total is spread evenly; its last row is exactly base + total."""
    rows = spread_day(_hours(DAY, 3), 0.3, 1.0)
    assert [row.sum for row in rows] == pytest.approx([1.1, 1.2, 1.3])
    assert rows[-1].sum == 1.3
    assert rows[-1].state == 0.3


def test_merge_inserts_before_and_between() -> None:
    """New days raise every later row; earlier rows stay; no blocks, no rows."""
    existing = spread_day(_hours(DAY + timedelta(days=2), 2), 2.0, 0.0)
    assert merge_rows(existing, []) == []
    first = (_hours(DAY, 2), 4.0)
    merged = merge_rows(existing, [first])
    assert [row.sum for row in merged] == [2.0, 4.0, 5.0, 6.0]
    # Then a day between the imported one and the existing ones.
    rows = sorted(merged, key=lambda row: row.start)
    between = (_hours(DAY + timedelta(days=1), 2), 1.0)
    assert [
        row.sum for row in sorted(merge_rows(rows, [between]), key=lambda r: r.start)
    ] == [
        4.5,
        5.0,
        6.0,
        7.0,
    ]


def test_cursor_spreads_between_readings() -> None:
    """Energy between two readings goes to the hours in between, by time."""
    cursor = _Cursor(base=10.0, at=DAY, value=0.0, hour_value=0.0)
    rows = cursor.advance(DAY + timedelta(hours=2, minutes=30), 5.0)
    assert [row.start for row in rows] == _hours(DAY, 3)
    assert [row.sum for row in rows] == pytest.approx([12.0, 14.0, 15.0])
    assert cursor.hour_value == pytest.approx(4.0)
    # A lower reading (a glitch the guard let through) books nothing.
    rows = cursor.advance(DAY + timedelta(hours=3), 4.0)
    assert rows == [Row(DAY + 2 * HOUR, 15.0, 5.0)]


def _station_data(
    last_update: datetime | None, day_energy: float, *, has_battery: bool = False
) -> IzypowerData:
    return IzypowerData(
        stations={
            1: StationData(
                station=Station(1, "Test", None, None),
                info=None
                if last_update is None
                else dataclasses.replace(
                    StationInfo.from_json({}), last_update=last_update
                ),
                energy={(series, Period.DAY): day_energy for series in EnergySeries},
                has_battery=has_battery,
            )
        }
    )


async def test_writer_skips_undated_readings_and_waits_for_reports(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """No `lastUpdate` (or one in the future): skipped; no report: the day stays open."""
    freezer.move_to(datetime(2026, 3, 2, 12, tzinfo=UTC))
    reports: list[date] = []

    async def fetch(station_id: int, day: date) -> EnergyReport:
        reports.append(day)
        raise IzypowerConnectionError("down")

    first_days: list[date] = []
    writer = HourlyStatistics(
        hass, "entry", fetch, lambda _, day: first_days.append(day)
    )
    writer.raise_sums(1, {EnergySeries.PRODUCTION: 1.0})  # nothing open yet
    await writer.async_process(_station_data(None, 1.0))
    await writer.async_process(_station_data(datetime(2026, 3, 2, 14, tzinfo=UTC), 1.0))
    assert writer.open_day(1) is None
    await writer.async_process(_station_data(datetime(2026, 3, 2, 11, tzinfo=UTC), 1.0))
    assert writer.open_day(1) == date(2026, 3, 2)
    assert first_days == [date(2026, 3, 2)]
    freezer.move_to(datetime(2026, 3, 3, 12, tzinfo=UTC))
    for _ in range(2):
        await writer.async_process(
            _station_data(datetime(2026, 3, 3, 11, tzinfo=UTC), 1.0)
        )
    assert writer.open_day(1) == date(2026, 3, 2)
    assert reports == [date(2026, 3, 2)] * 2


async def test_importer_leaves_out_missing_series(hass: HomeAssistant) -> None:
    """A series without a total that day gets no row and makes the day incomplete.

    An import once the cloud has the total completes the day; nothing is written
    twice.
    """
    consumption: list[float | None] = [None]

    async def fetch(station_id: int, day: date) -> EnergyReport:
        return EnergyReport(
            period=Period.DAY,
            rates={},
            energy={
                EnergySeries.PRODUCTION: 3.0,
                EnergySeries.CONSUMPTION: consumption[0],
            },
        )

    writer = HourlyStatistics(hass, "entry", fetch, lambda *_: None)
    importer = HistoryImporter(hass, fetch, writer)
    series = (EnergySeries.PRODUCTION, EnergySeries.CONSUMPTION)
    day = date(2026, 3, 1)
    result = await importer.async_import(1, "Test", UTC, day, day, series=series)
    assert result.imported == [day]
    assert result.incomplete == {day: [EnergySeries.CONSUMPTION]}
    again = await importer.async_import(1, "Test", UTC, day, day, series=series)
    # Consumption has no row that day, so the day is not "present": its report is
    # read again, and still nothing is written twice.
    assert again.imported == []
    assert again.incomplete == {day: [EnergySeries.CONSUMPTION]}

    consumption[0] = 2.0
    completed = await importer.async_import(1, "Test", UTC, day, day, series=series)
    assert completed.imported == [day]
    assert completed.incomplete == {}
    last = await importer.async_import(1, "Test", UTC, day, day, series=series)
    assert last.present == [day]


async def test_zone_without_a_reading(hass: HomeAssistant) -> None:
    """A station without `lastUpdate` (or unknown) is on Home Assistant's clock."""
    await hass.config.async_set_time_zone("Europe/Paris")
    coordinator = SimpleNamespace(
        data=IzypowerData(stations=_station_data(None, 0.0).stations), hass=hass
    )
    history = EnergyHistory(coordinator, None, None)  # type: ignore[arg-type]
    assert history.station_zone(1) is dt_util.get_default_time_zone()
    assert history.station_zone(2) is dt_util.get_default_time_zone()
    assert history.station_name(2) == "2"


async def test_battery_unseen_for_a_while_keeps_its_energy(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """A battery not shown: its booked day is kept, then its series pauses, not lost."""
    freezer.move_to(datetime(2026, 3, 2, 12, tzinfo=UTC))

    async def fetch(station_id: int, day: date) -> EnergyReport:
        return EnergyReport(
            period=Period.DAY,
            rates={},
            energy=dict.fromkeys(STATISTIC_SERIES, 5.0),
        )

    writer = HourlyStatistics(hass, "entry", fetch, lambda *_: None)
    charge = EnergySeries.BATTERY_CHARGE
    charge_id = statistic_id(1, charge)
    at = datetime(2026, 3, 2, 11, tzinfo=UTC)
    await writer.async_process(_station_data(at, 1.0, has_battery=True))
    # Not shown, but holding the day's energy: still written.
    await writer.async_process(_station_data(at + HOUR, 2.0))
    rows = await async_read_rows(hass, {charge_id}, FAR_PAST)
    assert rows[charge_id][-1].sum == 2.0
    # The next day, still not shown: the day closes with its report, then the
    # series pauses; its rows (not all zeros) stay.
    freezer.move_to(datetime(2026, 3, 3, 12, tzinfo=UTC))
    await writer.async_process(_station_data(at + timedelta(days=1), 1.0))
    assert charge not in writer._days[1].cursors
    rows = await async_read_rows(hass, {charge_id}, FAR_PAST)
    assert rows[charge_id][-1].sum == 5.0
    # Shown again: the series goes on from the sum before the day, over the whole day.
    later = at + timedelta(days=1, hours=1)
    await writer.async_process(_station_data(later, 3.0, has_battery=True))
    rows = await async_read_rows(hass, {charge_id}, FAR_PAST)
    day = [row for row in rows[charge_id] if row.sum > 5.0]
    assert day[-1].sum == 8.0
    assert len(day) == len(rows[charge_id]) - 24
