"""Past reports: the days, months and years before the simulator started.

A loaded or generated account starts with counters that already hold months or years of
energy (the fixture's lifetime production is about four years' worth). The cloud answers
the report of any past day, month or year (API §7.3), so the simulator must too, and its
answers must add up to those counters:

* the days of the current month before the start day share `month - day`,
* the days of the current year before the current month share `year - month`,
* the days before the current year share `all - year`, back to the station's first day,
  estimated from the current year's daily average (the year before, without one); the
  report of a day before that is all zeros, like any period without data.

Each day's share follows the station's sun on that date and a deterministic weather
factor (`season.py`: its solar, battery and grid components, each with its own weights),
so a December day gives a December day's energy and every synthesised day keeps the
energy balance production = consumption + export + charge - import - discharge. Days the simulator
lived through itself are archived by the physics at each rollover (`Station.history`)
and take precedence; a past month or year that was not archived is the sum of its days.
A segment with no day to hold its remainder (the start moved to the first day of a
month, say) gives that remainder to the next, earlier segment.
"""

from collections.abc import Iterator
from datetime import date, datetime, timedelta

from . import season
from .model import SERIES, Account, Number, Station

# The oldest first day the estimate may produce.
MAX_PAST_DAYS = 20 * 366


def _days(first: date, end: date) -> Iterator[date]:
    """Every day from `first` up to, not including, `end`."""
    for offset in range((end - first).days):
        yield first + timedelta(days=offset)


class _StationPast:
    """Synthesised daily totals of one station before the simulator's start day."""

    def __init__(
        self, station: Station, start: date, counters: dict[tuple[str, str], Number]
    ) -> None:
        month_start = start.replace(day=1)
        year_start = start.replace(month=1, day=1)
        remainders = {
            period: {
                series: max(0.0, float(counters[series, period])) for series in SERIES
            }
            for period in ("day", "month", "year", "all")
        }
        # Innermost segment first: (first day, end, remainder per series).
        segments = [
            (month_start, start, "month", "day"),
            (year_start, month_start, "year", "month"),
            (None, year_start, "all", "year"),
        ]
        self.days: dict[date, dict[str, float]] = {}
        model = season.DayModel(station, season.Ratios.learn(station, counters))
        carry = dict.fromkeys(SERIES, 0.0)
        for first, end, outer, inner in segments:
            share = {
                series: remainders[outer][series]
                - remainders[inner][series]
                + carry[series]
                for series in SERIES
            }
            if first is None:
                first = _first_day(counters, start, year_start, share)
            days = list(_days(first, end))
            if not days:
                carry = share
                continue
            carry = dict.fromkeys(SERIES, 0.0)
            self.days.update(season.split(model, days, share))
        self.first_day = min(self.days, default=start)


def _first_day(
    counters: dict[tuple[str, str], Number],
    start: date,
    year_start: date,
    share: dict[str, float],
) -> date:
    """Estimate when the station began from the current year's daily average.

    Without production before this year, the station began this year; without any
    this year to average, the earlier energy is spread over the year before.
    """
    elapsed = (start - year_start).days + 1
    year = float(counters["production", "year"])
    if share["production"] <= 0:
        return year_start
    if year <= 0:
        return year_start.replace(year=year_start.year - 1)
    days = round(share["production"] / (year / elapsed))
    return year_start - timedelta(days=min(max(days, 1), MAX_PAST_DAYS))


class PastReports:
    """Report totals of past periods, consistent with the counters at the start."""

    def __init__(self, account: Account) -> None:
        """Remember the start day and counters; each station is synthesised when asked."""
        self._seeds = {
            station.station_id: (
                account.time.astimezone(station.time_zone).date(),
                dict(station.counters),
            )
            for station in account.stations
        }
        self._past: dict[int, _StationPast] = {}

    def first_day(self, station: Station) -> date:
        """Return the first day the station has data for."""
        return self._station(station).first_day

    def totals(self, station: Station, period: str, key: str) -> dict[str, Number]:
        """Totals of a closed day, month or year (key as in `searchTime`); 0 without data."""
        archived = station.history.get((period, key))
        if archived is not None:
            return {series: archived.get(series, 0) for series in SERIES}
        past = self._station(station)
        if period == "day":
            days = [date.fromisoformat(key)]
        elif period == "month":
            first = datetime.strptime(key, "%Y-%m").date()
            days = list(_days(first, (first + timedelta(days=31)).replace(day=1)))
        else:
            first = date(int(key), 1, 1)
            days = list(_days(first, first.replace(year=first.year + 1)))
        values = dict.fromkeys(SERIES, 0.0)
        for day in days:
            day_values = station.history.get(("day", day.isoformat())) or past.days.get(
                day, {}
            )
            for series in SERIES:
                values[series] += float(day_values.get(series, 0))
        return dict(values)

    def _station(self, station: Station) -> _StationPast:
        past = self._past.get(station.station_id)
        if past is None:
            start, counters = self._seeds[station.station_id]
            past = self._past[station.station_id] = _StationPast(
                station, start, counters
            )
        return past
