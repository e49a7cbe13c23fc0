"""Days of stations whose midnight is not the zone's: no energy is booked twice.

A station at +02:00 all year, seen from New York, is given Helsinki's zone (the
offset matches in winter), whose midnight comes an hour early on the day clocks go
forward; a half-hour offset's day starts at the whole UTC hour before. Readings in
between still carry the previous day's whole counter, which its report already
booked when the day closed.
"""

import dataclasses
from datetime import UTC, date, datetime, timedelta, timezone

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest

from custom_components.izypower_cloud.api import (
    EnergyReport,
    EnergySeries,
    Period,
    Station,
    StationInfo,
)
from custom_components.izypower_cloud.data import IzypowerData, StationData
from custom_components.izypower_cloud.history.hourly import HourlyStatistics
from custom_components.izypower_cloud.history.statistics import (
    FAR_PAST,
    async_read_rows,
    statistic_id,
)

PRODUCTION = EnergySeries.PRODUCTION


def _snapshot(at: datetime, value: float) -> IzypowerData:
    return IzypowerData(
        stations={
            1: StationData(
                station=Station(1, "T", None, None),
                info=dataclasses.replace(StationInfo.from_json({}), last_update=at),
                energy={(series, Period.DAY): value for series in EnergySeries},
            )
        }
    )


type Case = tuple[
    str, timedelta, dict[date, float], list[tuple[tuple[int, ...], float]]
]


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(
            (
                "America/New_York",
                timedelta(hours=2),
                {date(2026, 3, 29): 20.0, date(2026, 3, 30): 12.0},
                [
                    ((2026, 3, 29, 0, 30), 0.1),
                    ((2026, 3, 29, 12, 0), 10.0),
                    # Still Sunday at the station, after Helsinki's midnight.
                    ((2026, 3, 29, 23, 30), 20.0),
                    ((2026, 3, 30, 0, 30), 0.2),
                    ((2026, 3, 30, 14, 0), 10.0),
                    ((2026, 3, 31, 0, 30), 0.1),
                ],
            ),
            id="fixed offset on an EU change day",
        ),
        pytest.param(
            (
                "Europe/Paris",
                timedelta(hours=5, minutes=30),
                {date(2026, 3, 2): 20.0, date(2026, 3, 3): 12.0},
                [
                    ((2026, 3, 2, 0, 45), 0.1),
                    # 18:15 UTC: after the whole hour the day's end is floored to.
                    ((2026, 3, 2, 23, 45), 20.0),
                    ((2026, 3, 3, 0, 15), 0.0),
                    ((2026, 3, 3, 14, 0), 10.0),
                    ((2026, 3, 4, 0, 45), 0.1),
                ],
            ),
            id="half-hour offset",
        ),
    ],
)
async def test_no_day_counted_twice(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    case: Case,
) -> None:
    """The sum is the days' reports plus the last day so far (it was 40.1 for 32.1)."""
    home_zone, offset, totals, readings = case
    await hass.config.async_set_time_zone(home_zone)
    zone = timezone(offset)

    async def day_report(_station_id: int, day: date) -> EnergyReport:
        return EnergyReport(
            period=Period.DAY, rates={}, energy=dict.fromkeys(EnergySeries, totals[day])
        )

    writer = HourlyStatistics(hass, "entry", day_report, lambda *_: None)
    for parts, value in readings:
        at = datetime(*parts, tzinfo=zone)
        freezer.move_to(at.astimezone(UTC) + timedelta(minutes=1))
        await writer.async_process(_snapshot(at, value))
    sid = statistic_id(1, PRODUCTION)
    rows = (await async_read_rows(hass, {sid}, FAR_PAST))[sid]
    assert rows[-1].sum == pytest.approx(sum(totals.values()) + readings[-1][1])
