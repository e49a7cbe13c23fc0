"""Carry the community integration's hourly statistics into ours (docs/design.md §10).

The community integration's 1.0.11 beta (same domain) wrote one external statistic per
station and series, `izypower_cloud:<stationsId>_<slug of the station name>_<suffix>`,
with rows of the same meaning as ours (`sum` running, `state` the station-local day's
energy up to the row's end). Its users have them on their Energy dashboard. At the
energy history's setup, before the hourly writer's first rows, each one found (by
station id and suffix: the slug follows renames) is carried into ours:

* ours does not exist yet: every row is copied into ours (our metadata), the beta's is
  deleted. Home Assistant's recorder renames only statistics of its own source, so a
  copy is the one way to move an external statistic.
* both exist: the beta's rows before our first row are copied in front of ours with
  their own sums, ours (and the hourly writer's running sums) raised by the difference
  at the junction, so nothing is counted twice and sums neither dip nor jump; the
  beta's rows from our first row on are dropped (ours covers that time).
* Energy preferences that name a carried statistic name ours instead.

Everything is read and planned first; the rows are written, read back and checked
before anything is deleted or the Energy preferences are changed. A failure leaves the
beta's statistics and the preferences as they were (a statistic created by the copy is
deleted again), logs one warning and raises a repair. The beta's EV charger statistic
is carried into ours (`ev`) like the others, for a station with an EV charger; the
beta's statistics of a series the station has not got (no battery, no charger) stay.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any, Final, cast

from homeassistant.components.energy.data import (
    EnergyManager,
    EnergyPreferencesUpdate,
    async_get_manager,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from sqlalchemy.exc import SQLAlchemyError

from custom_components.izypower_cloud.api import EnergySeries
from custom_components.izypower_cloud.const import DOMAIN, LOGGER
from custom_components.izypower_cloud.history.hourly import HourlyStatistics
from custom_components.izypower_cloud.history.statistics import (
    DECIMALS,
    FAR_PAST,
    EvSeries,
    Row,
    StatisticSeries,
    async_metadata,
    async_own_statistic_ids,
    async_read_rows,
    clear_statistics,
    statistic_id,
    write_rows,
)

# The beta's EV charger statistic (newest beta: the day report's `ev`, as ours).
LEGACY_EV_SUFFIX: Final = "borne_recharge_stats"
# The beta's statistic suffixes and the series of ours each one continues.
LEGACY_SUFFIXES: Final[Mapping[str, StatisticSeries]] = {
    "reseau_import_stats": EnergySeries.GRID_IMPORT,
    "reseau_export_stats": EnergySeries.GRID_EXPORT,
    "production_stats": EnergySeries.PRODUCTION,
    "batterie_charge_stats": EnergySeries.BATTERY_CHARGE,
    "batterie_decharge_stats": EnergySeries.BATTERY_DISCHARGE,
    LEGACY_EV_SUFFIX: EvSeries.EV,
}


@dataclass(frozen=True, slots=True)
class LegacyStation:
    """What the carry-over needs of a station of ours."""

    name: str
    # The series it has statistics of (history/statistics.py `station_series`).
    series: Sequence[StatisticSeries]
    zone: tzinfo


type LegacyStations = Mapping[int, LegacyStation]


class LegacyStatisticsError(Exception):
    """The beta's statistics cannot be carried over as they are."""


def legacy_issue_id(entry_id: str) -> str:
    """Return the issue id of one entry's "statistics not carried over" repair."""
    return f"legacy_statistics_{entry_id}"


def legacy_statistic_ids(
    known: Iterable[str], station_id: int
) -> dict[StatisticSeries, str]:
    """Return the beta's statistics of a station, by the series of ours they continue.

    Found by station id and suffix, whatever the slug between them. Two for the same
    series (never written so by the beta) cannot be told apart: an error.
    """
    prefix = f"{DOMAIN}:{station_id}_"
    found: dict[StatisticSeries, list[str]] = {}
    for stat_id in sorted(known):
        rest = stat_id.removeprefix(prefix)
        for suffix, series in LEGACY_SUFFIXES.items():
            # A slug, then the suffix (the beta's slug is never empty).
            if (
                rest != stat_id
                and rest.endswith(f"_{suffix}")
                and len(rest) > len(suffix) + 1
            ):
                found.setdefault(series, []).append(stat_id)
    for series, ids in found.items():
        if len(ids) > 1:
            msg = f"several statistics of station {station_id} for {series}: {ids}"
            raise LegacyStatisticsError(msg)
    return {series: ids[0] for series, ids in found.items()}


def splice(old: Sequence[Row], new: Sequence[Row]) -> tuple[list[Row], float]:
    """Return the rows to write into ours, and how much our rows are raised.

    The old rows before our first row keep their sums; ours are raised so that our
    first day starts where the old rows end (without rows of ours: every old row).
    """
    if not new:
        return list(old), 0.0
    kept = [row for row in old if row.start < new[0].start]
    if not kept:
        return [], 0.0
    shift = kept[-1].sum - (new[0].sum - new[0].state)
    raised = (
        [Row(row.start, row.sum + shift, row.state) for row in new] if shift else []
    )
    return kept + raised, shift


@dataclass(frozen=True, slots=True)
class Carry:
    """One beta statistic carried into one of ours."""

    station_id: int
    series: StatisticSeries
    old_id: str
    new_id: str
    # Ours before the carry-over (empty: it did not exist).
    original: list[Row]
    rows: list[Row]
    shift: float

    @property
    def carried(self) -> int:
        """Return how many of the beta's rows are carried."""
        return len(self.rows) - (len(self.original) if self.shift else 0)


def rewrite_ids(value: Any, renamed: Mapping[str, str]) -> Any:
    """Return a copy of Energy preferences with every renamed statistic id replaced."""
    if isinstance(value, dict):
        return {key: rewrite_ids(item, renamed) for key, item in value.items()}
    if isinstance(value, list):
        return [rewrite_ids(item, renamed) for item in value]
    if isinstance(value, str):
        return renamed.get(value, value)
    return value


async def async_carry_over(
    hass: HomeAssistant,
    entry_id: str,
    stations: LegacyStations,
    hourly: HourlyStatistics,
) -> list[Carry]:
    """Carry the beta's statistics of these stations into ours; return what moved.

    Under the hourly writer's lock, so no row of ours is written meanwhile.
    """
    try:
        async with hourly.lock:
            carries = await _async_plan(hass, stations)
            if carries:
                await _async_apply(hass, stations, carries, hourly)
    except (LegacyStatisticsError, HomeAssistantError, SQLAlchemyError) as err:
        LOGGER.warning(
            "Statistics of the community integration not carried over, "
            "left as they were: %s",
            err,
        )
        ir.async_create_issue(
            hass,
            DOMAIN,
            legacy_issue_id(entry_id),
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="legacy_statistics_failed",
            translation_placeholders={"error": str(err)},
        )
        return []
    ir.async_delete_issue(hass, DOMAIN, legacy_issue_id(entry_id))
    for carry in carries:
        LOGGER.info(
            "Statistic %s carried into %s: %s rows, ours raised by %s kWh",
            carry.old_id,
            carry.new_id,
            carry.carried,
            carry.shift,
        )
    return carries


async def _async_plan(hass: HomeAssistant, stations: LegacyStations) -> list[Carry]:
    """Read what is there and plan each carry, changing nothing."""
    known = await async_own_statistic_ids(hass)
    pairs: list[tuple[int, StatisticSeries, str, str]] = []
    for station_id, station in stations.items():
        for one, old_id in legacy_statistic_ids(known, station_id).items():
            if one in station.series:
                pairs.append((station_id, one, old_id, statistic_id(station_id, one)))
    if not pairs:
        return []
    ids = {old for *_, old, _ in pairs} | {new for *_, new in pairs}
    found = await async_read_rows(hass, ids, FAR_PAST)
    carries: list[Carry] = []
    for station_id, one, old_id, new_id in pairs:
        rows, shift = splice(found[old_id], found[new_id])
        carries.append(
            Carry(station_id, one, old_id, new_id, found[new_id], rows, shift)
        )
    return carries


async def _async_apply(
    hass: HomeAssistant,
    stations: LegacyStations,
    carries: list[Carry],
    hourly: HourlyStatistics,
) -> None:
    """Write, check, point the Energy dashboard at ours, then delete the beta's.

    A failure before the deletion undoes the writes. The caller holds the hourly
    writer's lock (its running sums are raised).
    """
    for carry in carries:
        name = stations[carry.station_id].name
        metadata = await async_metadata(hass, carry.station_id, name)
        write_rows(hass, metadata[carry.series], carry.rows)
    try:
        await _async_check(hass, carries)
        await _async_rewrite_energy_prefs(hass, {c.old_id: c.new_id for c in carries})
    except LegacyStatisticsError, HomeAssistantError, SQLAlchemyError:
        await _async_revert(hass, stations, carries)
        raise
    for carry in carries:
        hourly.raise_sums(carry.station_id, {carry.series: carry.shift})
    for station_id, station in stations.items():
        mine = [c for c in carries if c.station_id == station_id]
        if mine and not any(c.original for c in mine):
            last = {c.series: c.rows[-1] for c in mine if c.rows}
            hourly.continue_rows(station_id, station.zone, last)
    await hourly.async_store()
    clear_statistics(hass, sorted({c.old_id for c in carries}))


async def _async_check(hass: HomeAssistant, carries: list[Carry]) -> None:
    """Read ours back: every row written must be there, with its sum."""
    written = await async_read_rows(hass, {c.new_id for c in carries}, FAR_PAST)
    missing = [c.new_id for c in carries if not _holds(written[c.new_id], c.rows)]
    if missing:
        msg = f"rows not written to {missing}"
        raise LegacyStatisticsError(msg)


def _holds(found: Sequence[Row], rows: Sequence[Row]) -> bool:
    """Tell whether the statistic read back holds every row written."""
    sums = {row.start: round(row.sum, DECIMALS) for row in found}
    return all(sums.get(row.start) == round(row.sum, DECIMALS) for row in rows)


async def _async_revert(
    hass: HomeAssistant, stations: LegacyStations, carries: list[Carry]
) -> None:
    """Undo the writes: delete the statistics the copy created, lower ours again."""
    clear_statistics(hass, sorted({c.new_id for c in carries if not c.original}))
    for carry in carries:
        if carry.original and carry.shift:
            name = stations[carry.station_id].name
            metadata = await async_metadata(hass, carry.station_id, name)
            write_rows(hass, metadata[carry.series], carry.original)


async def _async_rewrite_energy_prefs(
    hass: HomeAssistant, renamed: Mapping[str, str]
) -> None:
    """Point the Energy preferences that name a carried statistic at ours."""
    manager = await async_get_manager(hass)
    data = manager.data or EnergyManager.default_preferences()
    current = {
        "energy_sources": data["energy_sources"],
        "device_consumption": data["device_consumption"],
    }
    if (update := rewrite_ids(current, renamed)) != current:
        await manager.async_update(cast("EnergyPreferencesUpdate", update))
