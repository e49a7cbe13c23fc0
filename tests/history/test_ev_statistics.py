"""The EV charger's statistic (`ev`): its rules, its hourly rows, past days, carry-over."""

import dataclasses
from datetime import UTC, date, datetime

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.energy.data import async_get_manager
from homeassistant.components.recorder.models import (
    StatisticData,
    StatisticMeanType,
    StatisticMetaData,
)
from homeassistant.components.recorder.statistics import async_add_external_statistics
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.izypower_cloud.api import (
    EnergyReport,
    EnergySeries,
    Period,
    Station,
    StationInfo,
)
from custom_components.izypower_cloud.const import DOMAIN
from custom_components.izypower_cloud.data import IzypowerData, StationData
from custom_components.izypower_cloud.history.hourly import HourlyStatistics, _OpenDay
from custom_components.izypower_cloud.history.importer import HistoryImporter
from custom_components.izypower_cloud.history.statistics import (
    FAR_PAST,
    HOUR,
    STATISTIC_SERIES,
    EvSeries,
    async_metadata,
    async_own_statistic_ids,
    async_read_rows,
    day_energy,
    parse_series,
    report_total,
    station_series,
    statistic_id,
)
from custom_components.izypower_cloud.legacy.statistics import (
    LEGACY_EV_SUFFIX,
    LegacyStation,
    async_carry_over,
)

EV = EvSeries.EV
PRODUCTION = EnergySeries.PRODUCTION


def _station(
    at: datetime | None, production: float, ev: float | None, *, has_ev: bool
) -> StationData:
    info = StationInfo.from_json({})
    return StationData(
        station=Station(1, "Garage", None, None),
        info=None if at is None else dataclasses.replace(info, last_update=at),
        energy={(PRODUCTION, Period.DAY): production},
        has_ev=has_ev,
        ev_energy={Period.DAY: ev} if has_ev else {},
    )


def _report(production: float | None, ev: float | None) -> EnergyReport:
    return EnergyReport(
        period=Period.DAY, rates={}, ev_energy=ev, energy={PRODUCTION: production}
    )


def test_ev_series_only_with_an_ev_charger() -> None:
    """`ev` is the last series, a station has it only once it has shown a charger."""
    assert STATISTIC_SERIES[-1] is EV
    assert statistic_id(81234, EV) == "izypower_cloud:station_81234_ev"
    assert station_series(_station(None, 0, None, has_ev=False)) == (PRODUCTION,)
    assert station_series(_station(None, 0, 1.0, has_ev=True)) == (PRODUCTION, EV)
    assert EV not in station_series(None)


def test_ev_values_come_from_the_ev_counters() -> None:
    """The day counter is the guarded `ev_energy`, the total the report's `ev`."""
    station = _station(None, 4.0, 1.5, has_ev=True)
    assert day_energy(station, EV) == 1.5
    assert day_energy(station, PRODUCTION) == 4.0
    assert day_energy(_station(None, 4.0, None, has_ev=False), EV) is None
    assert report_total(_report(3.0, 2.5), EV) == 2.5
    assert report_total(_report(3.0, None), EV) is None
    assert report_total(_report(3.0, 2.5), PRODUCTION) == 3.0
    assert parse_series("ev") is EV
    assert parse_series("production") is PRODUCTION
    with pytest.raises(ValueError, match="nope"):
        parse_series("nope")


def test_open_day_keeps_its_ev_cursor() -> None:
    """The stored open day reads its `ev` cursor back."""
    stored = {
        "day": "2026-03-02",
        "end": "2026-03-03T00:00:00+00:00",
        "cursors": {
            "ev": {
                "base": 1.0,
                "at": "2026-03-02T10:00:00+00:00",
                "value": 2.0,
                "hour_value": 2.0,
            }
        },
    }
    day = _OpenDay.from_dict(stored)
    assert set(day.cursors) == {EV}
    assert day.as_dict() == stored


async def test_ev_rows_going_forward_and_past_days(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Hourly rows from the EV day counter, closed on the report; past days imported.

    A station without a charger gets no `ev` statistic.
    """
    freezer.move_to(datetime(2026, 3, 2, 12, tzinfo=UTC))
    totals = {date(2026, 3, 1): 6.0, date(2026, 3, 2): 4.0}

    async def fetch(station_id: int, day: date) -> EnergyReport:
        return _report(10.0, totals.get(day))

    writer = HourlyStatistics(hass, "entry", fetch, lambda *_: None)
    at = datetime(2026, 3, 2, 10, tzinfo=UTC)
    for hours, ev in ((0, 1.0), (2, 3.0)):
        station = _station(at + hours * HOUR, 5.0, ev, has_ev=True)
        await writer.async_process(IzypowerData(stations={1: station}))
    ev_id = statistic_id(1, EV)
    rows = await async_read_rows(hass, {ev_id}, FAR_PAST)
    # From midnight to 10:00 one kWh, then two over 10:00-12:00.
    assert [round(row.sum, 3) for row in rows[ev_id]][-3:] == [1.0, 2.0, 3.0]
    # The next day's first reading closes the 2nd on its report's `ev`: 4 kWh.
    freezer.move_to(datetime(2026, 3, 3, 1, tzinfo=UTC))
    station = _station(datetime(2026, 3, 3, 0, 30, tzinfo=UTC), 0.0, 0.0, has_ev=True)
    await writer.async_process(IzypowerData(stations={1: station}))
    rows = await async_read_rows(hass, {ev_id}, FAR_PAST)
    day_end = [
        row for row in rows[ev_id] if row.start == datetime(2026, 3, 2, 23, tzinfo=UTC)
    ]
    assert day_end[0].sum == pytest.approx(4.0)

    # The 1st imported from its report's `ev`: later sums raised by its 6 kWh.
    importer = HistoryImporter(hass, fetch, writer)
    first = date(2026, 3, 1)
    result = await importer.async_import(
        1, "Garage", UTC, first, first, series=(PRODUCTION, EV)
    )
    assert result.imported == [first]
    rows = await async_read_rows(hass, {ev_id}, FAR_PAST)
    assert rows[ev_id][0].start == datetime(2026, 3, 1, tzinfo=UTC)
    assert rows[ev_id][23].sum == pytest.approx(6.0)
    assert rows[ev_id][-1].sum - rows[ev_id][23].sum == pytest.approx(4.0)
    # A day with only an EV total still has data.
    totals[date(2026, 2, 28)] = 1.0

    async def ev_only(station_id: int, day: date) -> EnergyReport:
        return _report(None, totals.get(day))

    only = HistoryImporter(hass, ev_only, writer)
    day = date(2026, 2, 28)
    result = await only.async_import(1, "Garage", UTC, day, day, series=(EV,))
    assert result.imported == [day]

    # A station without a charger: production only.
    freezer.move_to(datetime(2026, 3, 3, 2, tzinfo=UTC))
    plain = _station(datetime(2026, 3, 3, 1, tzinfo=UTC), 1.0, None, has_ev=False)
    plain = dataclasses.replace(plain, station=Station(2, "B", None, None))
    await writer.async_process(IzypowerData(stations={2: plain}))
    known = await async_own_statistic_ids(hass)
    assert statistic_id(2, PRODUCTION) in known
    assert statistic_id(2, EV) not in known
    metadata = await async_metadata(hass, 1, "Garage")
    assert (
        metadata[EV]["name"] == "Garage EV charging since installation (hourly history)"
    )


async def test_beta_ev_statistic_carried_into_ours(hass: HomeAssistant) -> None:
    """The beta's `borne_recharge_stats` becomes ours `ev`; the dashboard follows.

    A station without a charger keeps the beta's EV statistic as it was.
    """
    beta = {
        station_id: f"{DOMAIN}:{station_id}_garage_{LEGACY_EV_SUFFIX}"
        for station_id in (1, 2)
    }
    first = datetime(2026, 3, 1, tzinfo=UTC)
    rows = [
        StatisticData(start=first + n * HOUR, state=0.5 * (n + 1), sum=0.5 * n)
        for n in range(6)
    ]
    for stat_id in beta.values():
        async_add_external_statistics(
            hass,
            StatisticMetaData(
                has_sum=True,
                mean_type=StatisticMeanType.NONE,
                name="Borne",
                source=DOMAIN,
                statistic_id=stat_id,
                unit_class="energy",
                unit_of_measurement="kWh",
            ),
            rows,
        )
    await async_wait_recording_done(hass)
    manager = await async_get_manager(hass)
    device = [{"stat_consumption": beta[1], "name": "EV"}]
    await manager.async_update({"device_consumption": device})  # type: ignore[typeddict-item]

    async def fetch(station_id: int, day: date) -> EnergyReport:
        raise AssertionError

    hourly = HourlyStatistics(hass, "entry", fetch, lambda *_: None)
    stations = {
        1: LegacyStation("Garage", (PRODUCTION, EV), UTC),
        2: LegacyStation("Atelier", (PRODUCTION,), UTC),
    }
    carries = await async_carry_over(hass, "entry", stations, hourly)

    assert [(c.old_id, c.new_id) for c in carries] == [(beta[1], statistic_id(1, EV))]
    known = await async_own_statistic_ids(hass)
    assert beta[1] not in known
    assert beta[2] in known
    ours = await async_read_rows(hass, {statistic_id(1, EV)}, FAR_PAST)
    assert [row.sum for row in ours[statistic_id(1, EV)]] == [0.5 * n for n in range(6)]
    assert manager.data is not None
    assert manager.data["device_consumption"][0]["stat_consumption"] == (
        statistic_id(1, EV)
    )
