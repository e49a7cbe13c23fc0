"""The hour grid and the day splitting on their own: plain functions, no recorder.

How a station-local day maps onto UTC hours (23 to 25 of them, half-hour zones),
whose clock a station is on, how a day's total is spread over its hours, how imported
days are merged into existing rows and how energy between two readings is booked.
The same rules through Home Assistant's real recorder: tests/history.
"""

from datetime import UTC, date, datetime, timedelta, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest

from custom_components.izypower_cloud.api import Station
from custom_components.izypower_cloud.data import IzypowerData, StationData
from custom_components.izypower_cloud.history.entry import EnergyHistory
from custom_components.izypower_cloud.history.hourly import _Cursor
from custom_components.izypower_cloud.history.importer import merge_rows
from custom_components.izypower_cloud.history.statistics import (
    HOUR,
    Row,
    day_hours,
    spread_day,
    station_zone,
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


async def test_zone_without_a_reading(hass: HomeAssistant) -> None:
    """A station without `lastUpdate` (or unknown) is on Home Assistant's clock."""
    await hass.config.async_set_time_zone("Europe/Paris")
    coordinator = SimpleNamespace(
        data=IzypowerData(
            stations={1: StationData(station=Station(1, "Test", None, None), info=None)}
        ),
        hass=hass,
    )
    history = EnergyHistory(coordinator, None, None)  # type: ignore[arg-type]
    assert history.station_zone(1) is dt_util.get_default_time_zone()
    assert history.station_zone(2) is dt_util.get_default_time_zone()
    assert history.station_name(2) == "2"
