"""Past reports: every past day, month and year adds up to the starting counters."""

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from izypower_simulator.history import PastReports
from izypower_simulator.model import SERIES

from .conftest import Harness, HarnessFactory

PARIS = ZoneInfo("Europe/Paris")
REPORT = (
    "/api/report/v2/powerStations/data/{}?timeType={}&dataFlag=energy&searchTime={}"
)
# Report field of each series.
FIELDS = {
    "production": "energy",
    "consumption": "total_consumption",
    "grid_import": "meter_energy_p",
    "grid_export": "meter_energy_n",
    "battery_charge": "storage_in",
    "battery_discharge": "storage_out",
}


async def _report(harness: Harness, station: int, period: str, key: str) -> Any:
    return await harness.get_json(REPORT.format(station, period, key))


def _days(first: date, end: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((end - first).days)]


async def test_past_periods_add_up_to_the_counters(
    make_harness: HarnessFactory,
) -> None:
    """Days of this month, months of this year and past years sum to the counters."""
    harness = await make_harness()
    station = harness.account.station(81234)
    assert station is not None
    counters = dict(station.counters)
    past = harness.simulator.past
    start = date(2026, 7, 14)
    month_days = [
        past.totals(station, "day", day.isoformat())
        for day in _days(date(2026, 7, 1), start)
    ]
    months = [past.totals(station, "month", f"2026-{m:02d}") for m in range(1, 7)]
    first = past.first_day(station)
    assert date(2022, 1, 1) < first < date(2024, 1, 1)
    years = [past.totals(station, "year", str(y)) for y in range(first.year, 2026)]
    for series in SERIES:
        day = float(counters[series, "day"])
        month = float(counters[series, "month"])
        year = float(counters[series, "year"])
        lifetime = float(counters[series, "all"])
        assert sum(d[series] for d in month_days) == pytest.approx(month - day)
        assert sum(m[series] for m in months) == pytest.approx(year - month)
        assert sum(y[series] for y in years) == pytest.approx(lifetime - year)
    # Each synthesised day keeps the energy balance of the counters.
    for values in month_days:
        assert values["production"] == pytest.approx(
            values["consumption"]
            + values["grid_export"]
            + values["battery_charge"]
            - values["grid_import"]
            - values["battery_discharge"],
            abs=1e-9,
        )
    # Nothing before the first day, nothing after today.
    before = past.totals(station, "day", (first - timedelta(days=1)).isoformat())
    assert set(before.values()) == {0}
    assert past.totals(station, "day", first.isoformat())["production"] > 0
    answered = await _report(harness, 81234, "day", "2026-07-20")
    assert answered["energy"] == 0


async def test_past_reports_served_and_stable(make_harness: HarnessFactory) -> None:
    """The report endpoint serves the past; simulated days are archived on top of it."""
    harness = await make_harness(start=datetime(2026, 7, 14, 23, 0, tzinfo=PARIS))
    past_day = await _report(harness, 81234, "day", "2026-07-10")
    june = await _report(harness, 81234, "month", "2026-06")
    assert past_day["energy"] > 0
    assert june["energy"] > past_day["energy"]
    await harness.advance(26 * 3600)
    # Days lived through are archived, the past did not move.
    assert await _report(harness, 81234, "day", "2026-07-10") == past_day
    assert await _report(harness, 81234, "month", "2026-06") == june
    assert (await _report(harness, 81234, "day", "2026-07-15"))["energy"] > 0


def test_start_on_a_first_of_january(fixture_account: Any) -> None:
    """A segment without days hands its remainder to the next, earlier one."""
    station = fixture_account.stations[0]
    fixture_account.time = datetime(2026, 1, 1, 12, tzinfo=PARIS)
    past = PastReports(fixture_account)
    december = past.totals(station, "month", "2025-12")
    last_years = sum(
        past.totals(station, "year", str(year))["production"]
        for year in range(past.first_day(station).year, 2026)
    )
    assert december["production"] > 0
    assert last_years == pytest.approx(
        float(station.counters["production", "all"])
        - float(station.counters["production", "day"])
    )


def test_station_without_production_this_year(fixture_account: Any) -> None:
    """Without this year's production to estimate from, the past is the year before."""
    station = fixture_account.stations[0]
    for series in SERIES:
        for period in ("day", "month", "year"):
            station.counters[series, period] = 0
    past = PastReports(fixture_account)
    assert past.first_day(station) == date(2025, 1, 1)
    assert past.totals(station, "year", "2025")["production"] == pytest.approx(
        float(station.counters["production", "all"])
    )
    assert set(past.totals(station, "day", "2026-01-01").values()) == {0}


def test_station_that_began_this_year(fixture_account: Any) -> None:
    """Without production before this year, nothing is served before 1 January."""
    station = fixture_account.stations[0]
    for series in SERIES:
        station.counters[series, "all"] = station.counters[series, "year"]
    past = PastReports(fixture_account)
    assert past.first_day(station) == date(2026, 1, 1)
    assert set(past.totals(station, "year", "2025").values()) == {0}
