"""The guarded counters add up to the truth, whatever glitches the cloud sends.

Each test generates the true counters of a station (in hundredths of a kWh, the cloud's
resolution, so that the truth is exact), injects the glitches the cloud is known for
into what the guard receives, and compares what the guard publishes with the truth.
"""

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import partial
import random
from typing import Literal

import pytest

from custom_components.izypower_cloud.api import EnergySeries, Period
from custom_components.izypower_cloud.energy_guard import EnergyGuard, EnergyKey

CEST = timezone(timedelta(hours=2))
STATION = "station_81234"
CFPV = EnergySeries.CONSUMPTION_FROM_PV
CLOUD_SERIES = tuple(series for series in EnergySeries if series is not CFPV)
INPUTS = (
    EnergySeries.CONSUMPTION,
    EnergySeries.BATTERY_DISCHARGE,
    EnergySeries.GRID_IMPORT,
)
# Where each counter starts, in hundredths (the day counters start at 0 at midnight).
START = {
    Period.DAY: 0,
    Period.MONTH: 30_000,
    Period.YEAR: 200_000,
    Period.TOTAL: 900_000,
}
# A spike is far above what 100 kW could produce in 15 minutes.
SPIKE = 500.0

type Counters = dict[EnergyKey, float | None]
type Kind = Literal["dip", "zero", "null", "missing", "spike"]
KINDS: tuple[Kind, ...] = ("dip", "zero", "null", "missing", "spike")


@dataclass(frozen=True, slots=True)
class Reading:
    """The true counters of one refresh."""

    when: datetime
    counters: dict[EnergyKey, float]


def true_readings(
    start: datetime, end: datetime, step: timedelta, *, battery: bool, seed: int = 0
) -> list[Reading]:
    """Generate true counters every `step`; consumption = solar + discharge + import."""
    rng = random.Random(seed)
    scale = step // timedelta(minutes=3)
    # Consumption starts at three times the others: consumption from solar starts at
    # START, not below 0.
    counts = {
        (series, period): START[period]
        * (3 if series is EnergySeries.CONSUMPTION else 1)
        for series in CLOUD_SERIES
        for period in Period
    }
    readings: list[Reading] = []
    previous = start
    when = start
    while when <= end:
        for series, period in counts:
            if _period_begins(period, previous, when):
                counts[(series, period)] = 0
        sun = 8 <= when.hour < 20
        solar_used = rng.randint(0, 3 * scale) if sun else 0
        exported = rng.randint(0, 2 * scale) if sun else 0
        charged = rng.randint(0, 2 * scale) if sun and battery else 0
        discharged = rng.randint(0, 2 * scale) if battery and not sun else 0
        imported = rng.randint(0, 2 * scale)
        rise = {
            EnergySeries.PRODUCTION: solar_used + exported + charged,
            EnergySeries.GRID_EXPORT: exported,
            EnergySeries.BATTERY_CHARGE: charged,
            EnergySeries.BATTERY_DISCHARGE: discharged,
            EnergySeries.GRID_IMPORT: imported,
            EnergySeries.CONSUMPTION: solar_used + discharged + imported,
        }
        for series, period in counts:
            counts[(series, period)] += rise[series]
        readings.append(
            Reading(when, {key: count / 100 for key, count in counts.items()})
        )
        previous = when
        when += step
    return readings


def _period_begins(period: Period, previous: datetime, when: datetime) -> bool:
    if period is Period.DAY:
        return when.date() != previous.date()
    if period is Period.MONTH:
        return when.month != previous.month
    if period is Period.YEAR:
        return when.year != previous.year
    return False


def true_consumption_from_pv(
    counters: dict[EnergyKey, float], period: Period, *, battery: bool
) -> float:
    """Consumption - discharge - import of the true readings, at two decimals."""
    discharge = counters[(EnergySeries.BATTERY_DISCHARGE, period)] if battery else 0
    return round(
        counters[(EnergySeries.CONSUMPTION, period)]
        - discharge
        - counters[(EnergySeries.GRID_IMPORT, period)],
        2,
    )


def with_truth(reading: Reading, *, battery: bool) -> dict[EnergyKey, float]:
    """Return every counter the guard publishes, consumption from solar included."""
    return reading.counters | {
        (CFPV, period): true_consumption_from_pv(
            reading.counters, period, battery=battery
        )
        for period in Period
    }


def glitch(counters: Counters, kind: Kind, series: EnergySeries) -> Counters:
    """Return the counters with every period of `series` glitched the way `kind` says."""
    glitched = dict(counters)
    for period in Period:
        key = (series, period)
        value = counters[key]
        assert value is not None
        if kind == "missing":
            del glitched[key]
        else:
            glitched[key] = {
                "dip": round(value / 2, 2),
                "zero": 0.0,
                "null": None,
                "spike": value + SPIKE,
            }[kind]
    return glitched


def lag(counters: Counters, finals: Counters, series: EnergySeries) -> Counters:
    """Return the counters with `series` still showing the periods that just ended."""
    return counters | {key: value for key, value in finals.items() if key[0] is series}


def finals_before(readings: list[Reading], index: int) -> Counters:
    """Return the counters of the last reading that a rollover at `index` ended."""
    ended = readings[index - 1]
    return {
        key: value
        for key, value in ended.counters.items()
        if _period_begins(key[1], ended.when, readings[index].when)
    }


def cloud_without_battery(counters: Counters) -> Counters:
    """Drop the battery counters: a station without battery has none in the cloud."""
    return {
        key: value
        for key, value in counters.items()
        if key[0] not in {EnergySeries.BATTERY_CHARGE, EnergySeries.BATTERY_DISCHARGE}
    }


STEPS = [timedelta(minutes=3), timedelta(minutes=15)]
GLITCH_AT = time(7, 30)
# How long each kind is held: a longer hold must not book more.
HOLD = {"dip": 3, "zero": 2, "null": 2, "missing": 2, "spike": 1}


def _inputs(battery: bool) -> list[EnergySeries]:
    return [s for s in INPUTS if battery or s is not EnergySeries.BATTERY_DISCHARGE]


@pytest.mark.parametrize("step", STEPS, ids=["3min", "15min"])
@pytest.mark.parametrize(
    ("battery", "series"),
    [(True, series) for series in _inputs(True)]
    + [(False, series) for series in _inputs(False)],
)
@pytest.mark.parametrize("kind", [*KINDS, "midnight lag"])
def test_consumption_from_pv_never_books_a_held_input(
    step: timedelta, battery: bool, series: EnergySeries, kind: str
) -> None:
    """While an input is held it keeps its value; otherwise it equals the truth.

    The readings cross the end of July: a midnight lag delays both the day and the
    month counters' rollover.
    """
    readings = true_readings(
        datetime(2026, 7, 31, 22, tzinfo=CEST),
        datetime(2026, 8, 1, 10, tzinfo=CEST),
        step,
        battery=battery,
    )
    guard = EnergyGuard(min_elapsed=step)
    glitched_left = 0
    finals: Counters = {}
    for index, reading in enumerate(readings):
        raw: Counters = dict(reading.counters)
        if not battery:
            raw = cloud_without_battery(raw)
        held: set[Period] = set()
        if kind == "midnight lag":
            if index and (ended := finals_before(readings, index)):
                finals = ended
            if reading.when.date() == date(2026, 8, 1) and reading.when.hour == 0:
                raw = lag(raw, finals, series)
                held = {Period.DAY, Period.MONTH}
        elif reading.when.time() == GLITCH_AT or glitched_left:
            glitched_left = (glitched_left or HOLD[kind]) - 1
            raw = glitch(raw, kind, series)  # type: ignore[arg-type]
            held = set(Period)
        energy = guard.station_energy(STATION, raw, reading.when, has_battery=battery)
        for period in Period:
            published = energy[(CFPV, period)]
            truth = true_consumption_from_pv(reading.counters, period, battery=battery)
            if period in held:
                # Kept (or unknown after a rollover): never energy that did not happen.
                assert published is None or published <= truth
            else:
                assert published == truth, (reading.when, period)
    assert held == set()


def recorded(values: list[tuple[datetime, float | None]]) -> dict[date, float]:
    """Energy per day as Home Assistant's statistics count a total_increasing sensor.

    Unknown states are skipped; a decrease is a new meter cycle starting from 0.
    """
    per_day: dict[date, float] = defaultdict(float)
    last: float | None = None
    for when, value in values:
        if value is None:
            continue
        if last is not None:
            per_day[when.date()] += value if value < last else value - last
        last = value
    return per_day


def glitched_week(
    readings: list[Reading], rng: random.Random, *, battery: bool
) -> Iterator[Counters]:
    """Yield what the cloud sends: each day one glitch of every kind, and a midnight lag.

    Glitches fall between 01:00 and 21:00: a value held at the last refresh of a day
    is only accepted the next day, which moves that refresh's energy to the next day
    (nothing is lost over the week, and the true reading itself is never seen).
    """
    schedule: dict[int, list[Callable[[Counters], Counters]]] = defaultdict(list)
    steps_per_hour = timedelta(hours=1) // (readings[1].when - readings[0].when)
    series_pool = [
        s
        for s in CLOUD_SERIES
        if battery
        or s not in {EnergySeries.BATTERY_CHARGE, EnergySeries.BATTERY_DISCHARGE}
    ]
    for index, reading in enumerate(readings):
        if index and (finals := finals_before(readings, index)):
            lagging = rng.choice(series_pool)
            for offset in range(rng.randint(1, steps_per_hour // 2 + 1)):
                schedule[index + offset].append(
                    partial(lag, finals=finals, series=lagging)
                )
        if reading.when.time() == time(0, 0):
            for kind in KINDS:
                start = index + rng.randrange(steps_per_hour, 21 * steps_per_hour)
                target = rng.choice(series_pool)
                for offset in range(1 if kind == "spike" else rng.randint(1, 4)):
                    schedule[start + offset].append(
                        partial(glitch, kind=kind, series=target)
                    )
    for index, reading in enumerate(readings):
        counters: Counters = dict(reading.counters)
        if not battery:
            counters = cloud_without_battery(counters)
        for damage in schedule[index]:
            counters = damage(counters)
        yield counters


@pytest.mark.parametrize("step", STEPS, ids=["3min", "15min"])
@pytest.mark.parametrize("battery", [True, False], ids=["battery", "no_battery"])
def test_week_of_glitches_adds_up_to_the_truth(step: timedelta, battery: bool) -> None:
    """Every guarded counter, per day and over the week, records the true energy.

    And no counter is ever ahead of the truth: energy is booked late, never early.
    """
    readings = true_readings(
        datetime(2026, 7, 28, 0, tzinfo=CEST),
        datetime(2026, 8, 4, 0, tzinfo=CEST) - step,
        step,
        battery=battery,
        seed=11,
    )
    guard = EnergyGuard(min_elapsed=step)
    published: dict[EnergyKey, list[tuple[datetime, float | None]]] = defaultdict(list)
    truth: dict[EnergyKey, list[tuple[datetime, float | None]]] = defaultdict(list)
    rng = random.Random(step.seconds)
    glitches = 0
    for reading, raw in zip(
        readings, glitched_week(readings, rng, battery=battery), strict=True
    ):
        glitches += sum(
            raw.get(key) != value for key, value in reading.counters.items()
        )
        energy = guard.station_energy(STATION, raw, reading.when, has_battery=battery)
        for key, value in with_truth(reading, battery=battery).items():
            if key in energy:
                published[key].append((reading.when, energy[key]))
                truth[key].append((reading.when, value))
                # Never ahead of the truth, not even for one refresh.
                assert (energy[key] or 0) <= value, (reading.when, key)
    assert set(published) == {
        (series, period)
        for series in EnergySeries
        if battery
        or series not in {EnergySeries.BATTERY_CHARGE, EnergySeries.BATTERY_DISCHARGE}
        for period in Period
    }
    for key, values in published.items():
        got, expected = recorded(values), recorded(truth[key])
        assert set(got) == set(expected), key
        for day, energy_that_day in expected.items():
            assert got[day] == pytest.approx(energy_that_day, abs=0.01), (key, day)
        assert sum(got.values()) == pytest.approx(sum(expected.values()), abs=0.01), key
    # The guard really had glitches to filter: what it received was often not the truth.
    assert glitches > 100
