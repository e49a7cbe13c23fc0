"""The 1.0.11 beta's statistics carried into ours, with Home Assistant's real recorder.

The community integration's beta wrote one row per hour about ten minutes after it:
`state` the station-local day's energy up to the row's end, `sum` running (its first
row a baseline at 0). Here it has written three and a half days when ours is set up.
"""

from collections.abc import Mapping
from datetime import date, datetime, timedelta
import logging
from typing import Any
from zoneinfo import ZoneInfo

from homeassistant.components.energy.data import async_get_manager
from homeassistant.components.energy.validate import async_validate
from homeassistant.components.recorder.models import (
    StatisticData,
    StatisticMeanType,
    StatisticMetaData,
)
from homeassistant.components.recorder.statistics import (
    async_add_external_statistics,
    get_metadata,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.izypower_cloud.api import EnergySeries, Period
from custom_components.izypower_cloud.const import DOMAIN
from custom_components.izypower_cloud.history.statistics import HOUR, statistic_id
from custom_components.izypower_cloud.legacy import statistics as legacy_statistics
from custom_components.izypower_cloud.legacy.statistics import (
    LEGACY_EV_SUFFIX,
    legacy_issue_id,
)
from tests.energy_dashboard import save_prefs_command

from .conftest import CloudFactory, SimulatedCloud, statistic_rows

PARIS = ZoneInfo("Europe/Paris")
# Monday 14:05: the beta wrote its row of 13:00-14:00 five minutes ago. (The 2nd of
# the month: the first setup imports only the 1st.)
START = datetime(2026, 11, 2, 14, 5, tzinfo=PARIS)
BETA_FIRST_DAY = date(2026, 10, 30)
TODAY = dt_util.as_utc(datetime(2026, 11, 2, tzinfo=PARIS))
# Slugs of station names as the beta saw them (81234 was renamed since).
SLUGS = {81234: "ancienne_maison", 81235: "atelier_du_verger"}
# kWh per hour the beta counted, by suffix.
PER_HOUR = {
    "reseau_import_stats": 0.05,
    "reseau_export_stats": 0.03,
    "production_stats": 0.5,
    "batterie_charge_stats": 0.2,
    "batterie_decharge_stats": 0.05,
    LEGACY_EV_SUFFIX: 0.2,
}
OURS = {
    "reseau_import_stats": EnergySeries.GRID_IMPORT,
    "reseau_export_stats": EnergySeries.GRID_EXPORT,
    "production_stats": EnergySeries.PRODUCTION,
    "batterie_charge_stats": EnergySeries.BATTERY_CHARGE,
    "batterie_decharge_stats": EnergySeries.BATTERY_DISCHARGE,
}
ALL_BETA = {
    81234: tuple(PER_HOUR),
    # No battery at 81235, but the beta wrote its battery statistics too.
    81235: ("production_stats", "batterie_charge_stats", "batterie_decharge_stats"),
}


def beta_id(station_id: int, suffix: str) -> str:
    """Return the id the beta gave a station's statistic."""
    return f"{DOMAIN}:{station_id}_{SLUGS[station_id]}_{suffix}"


def hourly_rows(
    per_hour: float, first: datetime, until: datetime, base: float = 0.0
) -> list[Any]:
    """Return hourly rows; the beta's first row is a baseline (sum 0), ours not."""
    rows: list[Any] = []
    start = first
    while start + HOUR <= until:
        state = per_hour * (start.astimezone(PARIS).hour + 1)
        rows.append(
            StatisticData(start=start, state=state, sum=base + per_hour * len(rows))
        )
        start += HOUR
    return rows


async def write_stats(
    hass: HomeAssistant, stats: Mapping[str, list[Any]], name: str = "Stats"
) -> None:
    """Write external statistics of ours or the beta's, as they left them."""
    for stat_id, rows in stats.items():
        metadata = StatisticMetaData(
            has_sum=True,
            mean_type=StatisticMeanType.NONE,
            name=f"Isypower Cloud {name}",
            source=DOMAIN,
            statistic_id=stat_id,
            unit_class="energy",
            unit_of_measurement="kWh",
        )
        async_add_external_statistics(hass, metadata, rows)
    await async_wait_recording_done(hass)


async def write_beta(hass: HomeAssistant, beta: Mapping[int, tuple[str, ...]]) -> None:
    """Write the beta's statistics from its first day to the last full hour."""
    first = dt_util.as_utc(datetime.combine(BETA_FIRST_DAY, datetime.min.time(), PARIS))
    until = dt_util.as_utc(START).replace(minute=0)
    await write_stats(
        hass,
        {
            beta_id(station_id, suffix): hourly_rows(PER_HOUR[suffix], first, until)
            for station_id, suffixes in beta.items()
            for suffix in suffixes
        },
    )


def beta_prefs() -> dict[str, Any]:
    """Return Energy preferences on the beta's statistics, as its README sets them."""
    renamed = {
        statistic_id(81234, series): beta_id(81234, suffix)
        for suffix, series in OURS.items()
    }
    sources = legacy_statistics.rewrite_ids(
        save_prefs_command(81234)["energy_sources"], renamed
    )
    sources += [
        {
            "type": "solar",
            "stat_energy_from": beta_id(81235, "production_stats"),
            "config_entry_solar_forecast": None,
        },
        {
            "type": "battery",
            "stat_energy_from": beta_id(81235, "batterie_decharge_stats"),
            "stat_energy_to": beta_id(81235, "batterie_charge_stats"),
        },
    ]
    return {
        "energy_sources": sources,
        "device_consumption": [
            {"stat_consumption": beta_id(81234, LEGACY_EV_SUFFIX), "name": "EV"}
        ],
    }


def stat_ids(prefs: Mapping[str, Any]) -> list[str]:
    """Return every statistic id the preferences name, in order."""
    return [
        value
        for item in (*prefs["energy_sources"], *prefs["device_consumption"])
        for key, value in item.items()
        if key.startswith("stat_") and value
    ]


async def known_ids(hass: HomeAssistant) -> set[str]:
    """Return the ids of every statistic of the domain."""
    await async_wait_recording_done(hass)
    found = await get_instance(hass).async_add_executor_job(
        lambda: get_metadata(hass, statistic_source=DOMAIN)
    )
    return set(found)


def changes(rows: list[Mapping[str, Any]]) -> list[float]:
    """Return each row's sum minus the one before it."""
    return [round(b["sum"] - a["sum"], 6) for a, b in zip(rows, rows[1:], strict=False)]


def between(rows: list[Mapping[str, Any]], first: datetime, end: datetime) -> list[Any]:
    """Return the rows that start from `first` to before `end`."""
    return [row for row in rows if first.timestamp() <= row["start"] < end.timestamp()]


@pytest.fixture
async def cloud(start_cloud: CloudFactory) -> SimulatedCloud:
    """Start the simulator at START, Home Assistant with a recorder on its clock."""
    return await start_cloud(START)


async def test_beta_statistics_continue_in_ours(
    hass: HomeAssistant, cloud: SimulatedCloud, caplog: pytest.LogCaptureFixture
) -> None:
    """Copied into ours, continued without gap, dip or double count; prefs follow.

    The hours the beta wrote today stay; ours continue from its last row.
    """
    await write_beta(hass, ALL_BETA)
    manager = await async_get_manager(hass)
    await manager.async_update(beta_prefs())  # type: ignore[arg-type]

    entry = await cloud.set_up()

    known = await known_ids(hass)
    carried = {beta_id(81234, suffix) for suffix in OURS} | {
        beta_id(81235, "production_stats")
    }
    assert not carried & known
    # Left as they were: the EV charger's and the battery's of stations without one.
    assert {
        beta_id(81234, LEGACY_EV_SUFFIX),
        beta_id(81235, "batterie_charge_stats"),
        beta_id(81235, "batterie_decharge_stats"),
    } <= known
    ours = {statistic_id(81234, series) for series in OURS.values()}
    ours.add(statistic_id(81235, EnergySeries.PRODUCTION))
    rows = await statistic_rows(hass, ours, "hour", {"sum", "state"})
    beta_start = dt_util.as_utc(
        datetime.combine(BETA_FIRST_DAY, datetime.min.time(), PARIS)
    )
    counters = entry.runtime_data.coordinator.data.stations[81234].energy
    for suffix, series in OURS.items():
        series_rows = rows[statistic_id(81234, series)]
        # Sums never fall; the beta's 86 hours are there, each once, as it wrote them.
        assert min(changes(series_rows)) >= 0
        beta_rows = between(series_rows, beta_start, TODAY + 14 * HOUR)
        assert len(beta_rows) == 86
        assert set(changes(beta_rows)) == {PER_HOUR[suffix]}
        # The hour being written continues the beta's last row with the counter.
        assert series_rows[-1]["start"] == (TODAY + 14 * HOUR).timestamp()
        assert series_rows[-1]["sum"] - beta_rows[-1]["sum"] == pytest.approx(
            counters[series, Period.DAY] - beta_rows[-1]["state"]
        )
    # The Energy dashboard now names ours (and only for what was carried).
    assert manager.data is not None
    expected = stat_ids(beta_prefs())
    renamed = {
        beta_id(81234, suffix): statistic_id(81234, series)
        for suffix, series in OURS.items()
    }
    renamed[beta_id(81235, "production_stats")] = statistic_id(
        81235, EnergySeries.PRODUCTION
    )
    assert stat_ids(manager.data) == [renamed.get(one, one) for one in expected]
    validation = (await async_validate(hass)).as_dict()
    assert validation["energy_sources"] == [[], [], [], [], []]
    assert validation["device_consumption"] == [[]]
    # Ours has our metadata.
    metadata = await get_instance(hass).async_add_executor_job(
        lambda: get_metadata(hass, statistic_ids=ours)
    )
    for _, one in metadata.values():
        assert one["mean_type"] is StatisticMeanType.NONE
        assert one["has_sum"] is True
        assert one["unit_class"] == "energy"
        assert one["name"] is not None
        assert one["name"].startswith(("Maison des Tilleuls ", "Atelier du Verger "))
    assert "not carried over" not in caplog.text

    # A second start changes nothing.
    before = await statistic_rows(hass, ours | known, "hour", {"sum", "state"})
    prefs = manager.data
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert await statistic_rows(hass, ours | known, "hour", {"sum", "state"}) == before
    assert manager.data == prefs
    assert await known_ids(hass) == known


async def test_both_exist_are_spliced(
    hass: HomeAssistant, cloud: SimulatedCloud
) -> None:
    """Ours installed earlier: the beta's rows before ours, ours raised, none twice."""
    await write_beta(hass, {81234: ("production_stats",)})
    # Ours ran from Sunday on (its first row counts from 0) before the beta came back.
    ours_id = statistic_id(81234, EnergySeries.PRODUCTION)
    sunday = TODAY - timedelta(days=1)
    ours = hourly_rows(1.0, sunday, dt_util.as_utc(START).replace(minute=0), 1.0)
    await write_stats(hass, {ours_id: ours}, "ours")

    await cloud.set_up()

    assert beta_id(81234, "production_stats") not in await known_ids(hass)
    rows = (await statistic_rows(hass, {ours_id}, "hour", {"sum", "state"}))[ours_id]
    beta_start = dt_util.as_utc(
        datetime.combine(BETA_FIRST_DAY, datetime.min.time(), PARIS)
    )
    # One row per hour from the beta's first (48 of its rows, 24 of ours), each hour's
    # energy once: the beta's 0.5 kWh an hour, then ours, 1 kWh an hour.
    spliced = between(rows, beta_start, TODAY)
    assert len(spliced) == 72
    assert changes(spliced) == [0.5] * 47 + [1.0] * 24
    assert min(changes(rows)) >= 0


async def test_failure_leaves_everything_then_retries(
    hass: HomeAssistant,
    cloud: SimulatedCloud,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Rows not written: the beta's and the prefs untouched, one warning, a repair."""
    beta = {81234: ("production_stats",), 81235: ("production_stats",)}
    await write_beta(hass, beta)
    # Ours of 81234 existed already (a splice, to be undone too).
    ours_id = statistic_id(81234, EnergySeries.PRODUCTION)
    await write_stats(
        hass,
        {ours_id: hourly_rows(1.0, TODAY, dt_util.as_utc(START).replace(minute=0))},
    )
    manager = await async_get_manager(hass)
    await manager.async_update(beta_prefs())  # type: ignore[arg-type]
    prefs = manager.data
    old_ids = {beta_id(s, "production_stats") for s in beta}
    old_rows = await statistic_rows(hass, old_ids, "hour", {"sum", "state"})
    monkeypatch.setattr(legacy_statistics, "write_rows", lambda *_: None)
    caplog.set_level(logging.WARNING)

    entry = await cloud.set_up()

    assert await statistic_rows(hass, old_ids, "hour", {"sum", "state"}) == old_rows
    assert manager.data == prefs
    assert caplog.text.count("not carried over") == 1
    issue_registry = ir.async_get(hass)
    issue = issue_registry.async_get_issue(DOMAIN, legacy_issue_id(entry.entry_id))
    assert issue is not None
    assert issue.translation_key == "legacy_statistics_failed"

    # The next start carries them (ours now covers their time: nothing to copy).
    monkeypatch.undo()
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert not old_ids & await known_ids(hass)
    assert (
        issue_registry.async_get_issue(DOMAIN, legacy_issue_id(entry.entry_id)) is None
    )
    assert manager.data is not None
    assert beta_id(81234, "production_stats") not in stat_ids(manager.data)


async def test_nothing_to_carry(hass: HomeAssistant, cloud: SimulatedCloud) -> None:
    """No beta statistics: Energy preferences on other statistics stay as they are."""
    manager = await async_get_manager(hass)
    prefs = {
        "energy_sources": [
            {
                "type": "solar",
                "stat_energy_from": "sensor.izypower_cloud_maison_81234_production_total",
                "config_entry_solar_forecast": None,
            }
        ],
        "device_consumption": [],
    }
    await manager.async_update(prefs)  # type: ignore[arg-type]
    before = manager.data

    entry = await cloud.set_up()

    assert manager.data == before
    issue = ir.async_get(hass).async_get_issue(DOMAIN, legacy_issue_id(entry.entry_id))
    assert issue is None
