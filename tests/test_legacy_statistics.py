"""The carry-over rules of the community integration's statistics, on their own."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest

from custom_components.izypower_cloud.api import EnergyReport, EnergySeries
from custom_components.izypower_cloud.history.hourly import HourlyStatistics, _Cursor
from custom_components.izypower_cloud.history.statistics import HOUR, EvSeries, Row
from custom_components.izypower_cloud.legacy.statistics import (
    LEGACY_EV_SUFFIX,
    Carry,
    LegacyStatisticsError,
    legacy_statistic_ids,
    rewrite_ids,
    splice,
)

T0 = datetime(2026, 10, 18, 22, tzinfo=UTC)


def _rows(first: int, sums: list[float], states: list[float]) -> list[Row]:
    return [
        Row(T0 + (first + n) * HOUR, one, state)
        for n, (one, state) in enumerate(zip(sums, states, strict=True))
    ]


def test_legacy_ids_by_station_and_suffix_whatever_the_slug() -> None:
    """A renamed station's slug does not matter; other stations and ours are not taken."""
    known = {
        "izypower_cloud:81234_ancienne_maison_production_stats",
        "izypower_cloud:81234_ancienne_maison_reseau_import_stats",
        "izypower_cloud:81234_maison_des_tilleuls_reseau_export_stats",
        "izypower_cloud:81234_maison_batterie_charge_stats",
        "izypower_cloud:81234_maison_batterie_decharge_stats",
        f"izypower_cloud:81234_maison_{LEGACY_EV_SUFFIX}",
        # Another station whose id starts with the same digits.
        "izypower_cloud:812345_maison_production_stats",
        # Ours, and a statistic with no slug at all.
        "izypower_cloud:station_81234_production",
        "izypower_cloud:81234__production_stats",
        "sensor.izypower_cloud_81234_production_stats",
    }
    assert legacy_statistic_ids(known, 81234) == {
        EnergySeries.PRODUCTION: "izypower_cloud:81234_ancienne_maison_production_stats",
        EnergySeries.GRID_IMPORT: (
            "izypower_cloud:81234_ancienne_maison_reseau_import_stats"
        ),
        EnergySeries.GRID_EXPORT: (
            "izypower_cloud:81234_maison_des_tilleuls_reseau_export_stats"
        ),
        EnergySeries.BATTERY_CHARGE: "izypower_cloud:81234_maison_batterie_charge_stats",
        EnergySeries.BATTERY_DISCHARGE: (
            "izypower_cloud:81234_maison_batterie_decharge_stats"
        ),
        # The EV charger's continues ours (`ev`) too.
        EvSeries.EV: f"izypower_cloud:81234_maison_{LEGACY_EV_SUFFIX}",
    }
    assert legacy_statistic_ids(known, 81235) == {}


def test_two_legacy_ids_for_one_series_are_an_error() -> None:
    """Two statistics of one station and suffix cannot be told apart."""
    known = {
        "izypower_cloud:81234_maison_production_stats",
        "izypower_cloud:81234_atelier_production_stats",
    }
    with pytest.raises(LegacyStatisticsError, match="several statistics"):
        legacy_statistic_ids(known, 81234)


def test_splice_without_ours_takes_every_row() -> None:
    """Ours does not exist: every old row, sums as they are."""
    old = _rows(0, [0.0, 1.0, 2.0], [1.0, 2.0, 3.0])
    assert splice(old, []) == (old, 0.0)


def test_splice_keeps_old_rows_before_ours_and_raises_ours() -> None:
    """Old rows before our first row, ours raised to continue from the last of them."""
    old = _rows(0, [0.0, 1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0, 5.0])
    # Ours starts at the old third row (a day start: state = its own hour's energy).
    ours = _rows(2, [0.5, 1.5, 2.0], [0.5, 1.5, 2.0])
    rows, shift = splice(old, ours)
    assert shift == 1.0
    assert [(row.start, row.sum) for row in rows] == [
        (T0, 0.0),
        (T0 + HOUR, 1.0),
        (T0 + 2 * HOUR, 1.5),
        (T0 + 3 * HOUR, 2.5),
        (T0 + 4 * HOUR, 3.0),
    ]
    # Every hour's energy once: the old rows' up to ours, then ours.
    changes = [b.sum - a.sum for a, b in zip(rows, rows[1:], strict=False)]
    assert changes == [1.0, 0.5, 1.0, 0.5]
    carry = Carry(1, EnergySeries.PRODUCTION, "old", "new", ours, rows, shift)
    assert carry.carried == 2


def test_splice_drops_old_rows_from_our_first_row_on() -> None:
    """Old rows all at or after our first row: nothing to carry, ours unchanged."""
    ours = _rows(0, [1.0, 2.0], [1.0, 2.0])
    old = _rows(1, [5.0, 6.0], [1.0, 2.0])
    assert splice(old, ours) == ([], 0.0)
    # Joining exactly at ours: kept rows, ours untouched.
    old = _rows(-1, [4.0], [0.5])
    rows, shift = splice(old, _rows(0, [4.5], [0.5]))
    assert (rows, shift) == (old, 0.0)
    carry = Carry(1, EnergySeries.PRODUCTION, "old", "new", ours, rows, shift)
    assert carry.carried == 1


def test_rewrite_ids_in_energy_preferences() -> None:
    """Only the renamed ids change, wherever they are in the preferences."""
    prefs = {
        "energy_sources": [
            {"type": "grid", "stat_energy_from": "a:1", "stat_cost": None},
            {"type": "solar", "stat_energy_from": "sensor.other"},
        ],
        "device_consumption": [{"stat_consumption": "a:2", "included_in_stat": "a:1"}],
        "cost_adjustment_day": 0,
    }
    assert rewrite_ids(prefs, {"a:1": "b:1"}) == {
        "energy_sources": [
            {"type": "grid", "stat_energy_from": "b:1", "stat_cost": None},
            {"type": "solar", "stat_energy_from": "sensor.other"},
        ],
        "device_consumption": [{"stat_consumption": "a:2", "included_in_stat": "b:1"}],
        "cost_adjustment_day": 0,
    }


async def test_hourly_writer_continues_carried_rows(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """The first open day is the carried rows' last day, each series where it ends."""
    freezer.move_to(datetime(2026, 11, 2, 13, 5, tzinfo=UTC))
    paris = ZoneInfo("Europe/Paris")
    first_days: list[tuple[int, date]] = []

    async def fetch(station_id: int, day: date) -> EnergyReport:
        raise AssertionError  # pragma: no cover

    hourly = HourlyStatistics(
        hass, "entry", fetch, lambda station, day: first_days.append((station, day))
    )
    last = {
        # The beta's row of 13:00-14:00 Paris today: 7 kWh so far today.
        EnergySeries.PRODUCTION: Row(datetime(2026, 11, 2, 12, tzinfo=UTC), 30.0, 7.0),
        # A series whose last row is yesterday's: today starts at its sum.
        EnergySeries.GRID_IMPORT: Row(datetime(2026, 11, 1, 20, tzinfo=UTC), 5.0, 2.0),
    }
    assert hourly.continue_rows(1, paris, last) == date(2026, 11, 2)
    assert first_days == [(1, date(2026, 11, 2))]
    cursors = hourly._days[1].cursors
    today = datetime(2026, 11, 1, 23, tzinfo=UTC)
    assert cursors == {
        EnergySeries.PRODUCTION: _Cursor(23.0, today + 14 * HOUR, 7.0, 7.0),
        EnergySeries.GRID_IMPORT: _Cursor(5.0, today, 0.0, 0.0),
    }
    # Not twice, not without rows, not from rows older than yesterday.
    assert hourly.continue_rows(1, paris, last) is None
    assert hourly.continue_rows(2, paris, {}) is None
    old = Row(datetime(2026, 10, 31, 12, tzinfo=UTC), 1.0, 1.0)
    assert hourly.continue_rows(3, paris, {EnergySeries.PRODUCTION: old}) is None
    assert first_days == [(1, date(2026, 11, 2))]
