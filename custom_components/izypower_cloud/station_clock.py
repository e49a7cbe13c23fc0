"""Each station's own clock: when its values were measured, and its current date.

Values are dated by the station's `lastUpdate`, in its own UTC offset, or by the
station's current local time when that is missing or implausibly in the future. The
offset seen in `lastUpdate` is remembered: it decides which day's data to ask for.
"""

from datetime import datetime, timedelta, tzinfo

import homeassistant.util.dt as dt_util

from .api import StationInfo
from .const import LOGGER

# A `lastUpdate` further ahead of our clock than this is a broken clock, not the time
# of a measurement (it would date every later value "earlier" and freeze counters).
MAX_CLOCK_AHEAD = timedelta(hours=1)


class StationClocks:
    """The UTC offset of each station, as last seen in its `lastUpdate`."""

    def __init__(self) -> None:
        """Know no offset yet: Home Assistant's time zone stands in."""
        self._tz: dict[int, tzinfo] = {}

    def now(self, station_id: int) -> datetime:
        """Return the station's local time (HA's time zone until its offset is known)."""
        return dt_util.now(self._tz.get(station_id))

    def measured_at(self, station_id: int, info: StationInfo | None) -> datetime:
        """Return when the cloud measured the station's values, in its local time.

        That is `lastUpdate`, and learns the station's UTC offset from it; without a
        plausible one (missing, or ahead of our clock), the station's current time.
        """
        last_update = None if info is None else info.last_update
        if last_update is None:
            return self.now(station_id)
        if last_update - dt_util.utcnow() > MAX_CLOCK_AHEAD:
            LOGGER.debug(
                "Station %s: lastUpdate %s is in the future; ignored",
                station_id,
                last_update,
            )
            return self.now(station_id)
        self._tz[station_id] = last_update.tzinfo or dt_util.UTC
        return last_update
