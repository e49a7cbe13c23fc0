"""What a day of a station gives at its time of year: the days the simulator did not live.

The physics make the live hours (the sun of the date and hour at the station's place).
The days before the start, which the report endpoint serves and a client imports, come
from the same sun: a day's production is the station's clear-sky energy of that date
(its strings' peaks, `physics`' sun and mean passing clouds) times the day's weather
(`weather.day_sky`, which the live hours get too), so a December day of a 3.6 kWp
station gives a few kWh and a July day several times more. Each day is a sum of three
balanced components, so it keeps production = consumption + export + charge - import
- discharge:

* solar: per kWh produced, a share exported, a share charged, the rest consumed;
* battery: per kWh discharged, one consumed (a share of the day's charge comes back);
* grid: per kWh imported, one consumed (what the household needs beyond the other two).

The shares (`Ratios`) come from the station's lifetime counters, so a replayed account
keeps its own habits. `split` spreads a period's totals over its days by the three
components' weights; `rebase_counters` gives a snapshot moved to another date the
day, month and year counters of that date.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from . import physics, weather
from .model import SERIES, Number, Station

# Mean of physics' passing-cloud factor (0.75 + 0.25 x a wave of mean 0.5).
MEAN_WEATHER = 0.875
# Integration step of a day's clear-sky energy (hours).
_STEP_H = 0.5
# Without counters to learn from: 30 % of the sun exported, 20 % charged (with a
# battery), 90 % of the charge coming back.
_DEFAULT_EXPORT, _DEFAULT_CHARGE, _DEFAULT_RETURN = 0.3, 0.2, 0.9
_REFERENCE_YEAR = 2026


@dataclass(frozen=True, slots=True)
class Ratios:
    """How a station uses its sun: export and charge shares, the charge's return."""

    metered: bool
    export: float
    charge: float
    returned: float

    @classmethod
    def learn(
        cls, station: Station, counters: Mapping[tuple[str, str], Number]
    ) -> Ratios:
        """Read the shares from the lifetime counters (defaults where they are empty)."""
        metered = station.meter is not None
        total = {s: max(0.0, float(counters.get((s, "all"), 0))) for s in SERIES}
        production = total["production"]
        has_battery = bool(station.batteries)
        if not metered:
            return cls(False, 0.0, 0.0, 0.0)
        if production <= 0:
            charge = _DEFAULT_CHARGE if has_battery else 0.0
            return cls(True, _DEFAULT_EXPORT, charge, _DEFAULT_RETURN)
        export = total["grid_export"] / production
        charge = total["battery_charge"] / production
        if export + charge > 1:
            export, charge = export / (export + charge), charge / (export + charge)
        charged = total["battery_charge"]
        returned = (
            min(1.0, total["battery_discharge"] / charged) if charged > 0 else 0.0
        )
        return cls(True, export, charge, returned)


class DayModel:
    """The three component weights (kWh) of every day of one station."""

    def __init__(self, station: Station, ratios: Ratios) -> None:
        """Tabulate the station's clear-sky energy per day of the year."""
        self.station = station
        self.ratios = ratios
        peaks: dict[float, float] = {}
        for device in station.devices:
            for string in device.strings:
                if device.online:
                    shift = string.solar_shift_h
                    peaks[shift] = peaks.get(shift, 0.0) + string.peak_w
        self._clear_kwh = [
            _clear_sky_kwh(station, peaks, day_of_year) for day_of_year in range(367)
        ]
        self._load_kwh = (
            station.consumption_base_w * _mean_profile(station) * 24 / 1000
            if ratios.metered
            else 0.0
        )

    def solar(self, day: date) -> float:
        """Production of `day` (kWh): clear sky times the day's weather, as lived."""
        clear = self._clear_kwh[day.timetuple().tm_yday]
        return clear * weather.day_sky(self.station, day)

    def weights(self, day: date) -> tuple[float, float, float]:
        """Solar production, battery discharge and grid import of `day` (kWh)."""
        ratios = self.ratios
        solar = self.solar(day)
        discharge = ratios.returned * ratios.charge * solar
        load = self._load_kwh * weather.day_load(self.station, day)
        self_used = (1 - ratios.export - ratios.charge) * solar
        return solar, discharge, max(0.0, load - self_used - discharge)

    def expected(self, day: date) -> dict[str, float]:
        """Every series of `day` (kWh), balanced."""
        solar, discharge, imported = self.weights(day)
        parts = _components(self.ratios, solar, discharge, imported)
        return {series: sum(part[series] for part in parts) for series in SERIES}


def _components(
    ratios: Ratios, solar: float, discharge: float, imported: float
) -> list[dict[str, float]]:
    """Return the three balanced components of a day with these weights."""
    empty = dict.fromkeys(SERIES, 0.0)
    if not ratios.metered:
        return [{**empty, "production": solar}]
    return [
        {
            **empty,
            "production": solar,
            "grid_export": ratios.export * solar,
            "battery_charge": ratios.charge * solar,
            "consumption": (1 - ratios.export - ratios.charge) * solar,
        },
        {**empty, "battery_discharge": discharge, "consumption": discharge},
        {**empty, "grid_import": imported, "consumption": imported},
    ]


def _clear_sky_kwh(
    station: Station, peaks: Mapping[float, float], day_of_year: int
) -> float:
    """Energy of the strings on a day of the year under the mean weather (kWh)."""
    midnight = datetime(_REFERENCE_YEAR, 1, 1, tzinfo=UTC) + timedelta(
        days=max(day_of_year, 1) - 1
    )
    total = 0.0
    for step in range(int(24 / _STEP_H)):
        when = midnight + timedelta(hours=(step + 0.5) * _STEP_H)
        if physics.sun_sin(when, station) <= 0:
            continue
        for shift, peak in peaks.items():
            total += peak * max(0.0, physics.sun_sin(when, station, shift))
    return total * _STEP_H * MEAN_WEATHER / 1000


def _mean_profile(station: Station) -> float:
    """Mean of the household's daily load curve, without the day's own factor."""
    day = date(_REFERENCE_YEAR, 1, 1)
    midnight = datetime.combine(day, datetime.min.time(), station.time_zone)
    samples = [
        physics.consumption_profile(station, midnight + timedelta(minutes=15 * k))
        for k in range(96)
    ]
    return sum(samples) / len(samples) / weather.day_load(station, day)


def split(
    model: DayModel, days: Sequence[date], totals: Mapping[str, float]
) -> dict[date, dict[str, float]]:
    """Spread a period's totals over its days, each component by its own weights.

    The days add up to `totals` exactly; each day is balanced when the totals are.
    """
    consumption = totals["consumption"]
    solar_used = min(
        max(
            0.0,
            totals["production"] - totals["grid_export"] - totals["battery_charge"],
        ),
        consumption,
    )
    discharge_used = min(totals["battery_discharge"], consumption - solar_used)
    parts = [
        {
            "production": totals["production"],
            "grid_export": totals["grid_export"],
            "battery_charge": totals["battery_charge"],
            "consumption": solar_used,
        },
        {
            "battery_discharge": totals["battery_discharge"],
            "consumption": discharge_used,
        },
        {
            "grid_import": totals["grid_import"],
            "consumption": consumption - solar_used - discharge_used,
        },
    ]
    weights = {day: model.weights(day) for day in days}
    sums = [sum(w[k] for w in weights.values()) for k in range(3)]
    result: dict[date, dict[str, float]] = {}
    for day, day_weights in weights.items():
        values = dict.fromkeys(SERIES, 0.0)
        for k, part in enumerate(parts):
            # A component with no weight in the period (no sun at all) spreads evenly.
            fraction = day_weights[k] / sums[k] if sums[k] > 0 else 1 / len(days)
            for series, total in part.items():
                values[series] += total * fraction
        result[day] = values
    return result


def rebase_counters(station: Station, snapshot: datetime, start: datetime) -> None:
    """Give a loaded snapshot the counters of the date it is moved to.

    The household's mean load becomes the snapshot year's daily average (one
    afternoon's power is no measure of a day); the lifetime counters before the
    snapshot's year are kept; this year's days before today are the model's; today
    runs through the physics from local midnight to `start` (no sun at night, the
    morning's sun in the morning).
    """
    counters = station.counters
    _calibrate_load(station, snapshot)
    model = DayModel(station, Ratios.learn(station, counters))
    today = start.astimezone(station.time_zone).date()
    month_start, year_start = today.replace(day=1), today.replace(month=1, day=1)
    before_year = {
        s: max(0.0, float(counters[s, "all"]) - float(counters[s, "year"]))
        for s in SERIES
    }
    sums = {"month": dict.fromkeys(SERIES, 0.0), "year": dict.fromkeys(SERIES, 0.0)}
    for offset in range((today - year_start).days):
        day = year_start + timedelta(days=offset)
        values = model.expected(day)
        for series in SERIES:
            sums["year"][series] += values[series]
            if day >= month_start:
                sums["month"][series] += values[series]
    for series in SERIES:
        counters[series, "day"] = 0.0
        counters[series, "month"] = sums["month"][series]
        counters[series, "year"] = sums["year"][series]
        counters[series, "all"] = before_year[series] + sums["year"][series]
    midnight = datetime.combine(today, datetime.min.time(), station.time_zone)
    station.ct_rows.clear()
    for device in station.devices:
        device.temperatures.clear()
    physics.run_station(station, midnight.astimezone(UTC), start.astimezone(UTC))


def _calibrate_load(station: Station, snapshot: datetime) -> None:
    """Set the load curve's base from the consumption counted this year, if any."""
    local = snapshot.astimezone(station.time_zone).date()
    days = (local - local.replace(month=1, day=1)).days + 1
    consumed = float(station.counters["consumption", "year"])
    if consumed > 0:
        daily_kwh = consumed / days
        station.consumption_base_w = daily_kwh * 1000 / 24 / _mean_profile(station)
