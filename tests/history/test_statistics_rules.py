"""The statistics rules with the real recorder: writer, importer, paused series.

The hour grid, spreading, merging and cursors alone: tests/test_statistics_grid.py.
"""

import dataclasses
from datetime import UTC, date, datetime, timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant

from custom_components.izypower_cloud.api import (
    EnergyReport,
    EnergySeries,
    IzypowerConnectionError,
    Period,
    Station,
    StationInfo,
)
from custom_components.izypower_cloud.data import IzypowerData, StationData
from custom_components.izypower_cloud.history.hourly import HourlyStatistics
from custom_components.izypower_cloud.history.importer import HistoryImporter
from custom_components.izypower_cloud.history.statistics import (
    FAR_PAST,
    HOUR,
    STATISTIC_SERIES,
    async_read_rows,
    statistic_id,
)


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
