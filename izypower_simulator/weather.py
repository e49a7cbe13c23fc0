"""Each day's weather and household load: the same for the live hours and past reports.

Deterministic per station and day, so a day keeps its character across restarts and in
the report of any past date (`season.py`).
"""

from datetime import date
from functools import cache
import math

from .model import Station

# The day's weather (`day_sky`): 0.4..1.0 of the passing-cloud curve, mean 0.7.
DAY_SKY_LOW, DAY_SKY_SPAN = 0.4, 0.6
# Household load: +-15 % over the year, highest in mid-January.
WINTER_LOAD = 0.15


def day_noise(station: Station, day: date, salt: float = 0.0) -> float:
    """Deterministic pseudo-random number in [0, 1) per station and day."""
    return _noise(station.station_id, day.toordinal(), salt)


@cache
def _noise(station_id: int, ordinal: int, salt: float) -> float:
    value = math.sin(station_id * 12.9898 + ordinal * 78.233 + salt) * 43758.5
    return value - math.floor(value)


def day_sky(station: Station, day: date) -> float:
    """Return the day's weather: 0.4 (overcast) to 1 (clear), live and in reports."""
    return DAY_SKY_LOW + DAY_SKY_SPAN * day_noise(station, day)


def day_load(station: Station, day: date) -> float:
    """Return the day's load relative to the mean: more in winter, +-15 % day to day."""
    return _day_load(station.station_id, day)


@cache
def _day_load(station_id: int, day: date) -> float:
    winter = 1 + WINTER_LOAD * math.cos(
        2 * math.pi * (day.timetuple().tm_yday - 15) / 365
    )
    return winter * (0.85 + 0.3 * _noise(station_id, day.toordinal(), 1.0))
