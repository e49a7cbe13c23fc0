"""Simulated time, decoupled from the wall clock so tests can freeze or accelerate it.

Two readings (izypower_simulator/README.md, "Simulated time"):

* `now()`, the calendar: the instant the cloud's answers are dated with (`lastUpdate`,
  today's report, the day counters' rollover at local midnight). It never runs faster
  than the wall clock, because a client such as Home Assistant compares it with its own
  clock and rightly ignores data from the future.
* `sky_now()`, the physics: the instant the sun, the household load and the batteries
  follow. At `time_scale` > 1 it runs that much faster than the calendar, so a day of
  energy passes in 24 minutes at 60, while the data stay dated in real time. The
  distance between the two is the *sky lead*.

At `time_scale` <= 1 (0 freezes) both readings are the same and run at that speed.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
import time


class SimClock:
    """Calendar = start + min(time_scale, 1) x elapsed wall time + manual jumps.

    The sky lead grows by (time_scale - 1) x elapsed wall time when time_scale > 1.
    Token expiry uses the wall clock (`wall_time`) because clients compare the JWT `exp`
    with their own real clock.
    """

    def __init__(
        self,
        start: datetime | None = None,
        *,
        time_scale: float = 1.0,
        sky_lead: timedelta = timedelta(0),
        wall: Callable[[], float] = time.time,
    ) -> None:
        """Start the clock; `start` must be timezone-aware (defaults to the real now)."""
        if start is not None and start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        _check_scale(time_scale)
        self._wall = wall
        self._wall_origin = wall()
        self._sim_origin = (start or datetime.fromtimestamp(wall(), UTC)).astimezone(
            UTC
        )
        self._lead_origin = sky_lead
        self._time_scale = float(time_scale)

    @property
    def time_scale(self) -> float:
        """Physics seconds per wall second (0 = frozen)."""
        return self._time_scale

    @property
    def _calendar_rate(self) -> float:
        return min(self._time_scale, 1.0)

    @property
    def _lead_rate(self) -> float:
        return max(self._time_scale - 1.0, 0.0)

    def wall_time(self) -> float:
        """Real seconds since the Unix epoch (used for token expiry)."""
        return self._wall()

    def now(self) -> datetime:
        """Return the calendar instant the cloud's data are dated with (aware, UTC)."""
        elapsed = (self._wall() - self._wall_origin) * self._calendar_rate
        return self._sim_origin + timedelta(seconds=elapsed)

    def sky_lead_at(self, instant: datetime) -> timedelta:
        """Return how far the physics are ahead of the calendar at calendar `instant`.

        Only instants since the last change of speed are meaningful (the simulator
        asks for the last cloud refresh, never further back than that).
        """
        if self._lead_rate == 0:
            return self._lead_origin
        # The calendar runs at wall speed whenever the lead grows.
        elapsed = max((instant - self._sim_origin).total_seconds(), 0.0)
        return self._lead_origin + timedelta(seconds=elapsed * self._lead_rate)

    def sky_now(self) -> datetime:
        """Return the physics instant (the sun's, the household's, the batteries')."""
        now = self.now()
        return now + self.sky_lead_at(now)

    def advance(self, seconds: float) -> None:
        """Jump forward; simulated time never runs backwards (energy already counted)."""
        if seconds < 0:
            raise ValueError("the simulated clock cannot go backwards")
        # Both instants jump: the lead is what the physics gained, a jump adds none.
        self._rebase()
        self._sim_origin += timedelta(seconds=seconds)

    def set_time(self, when: datetime) -> None:
        """Jump to `when` (aware, not before the current calendar instant)."""
        if when.tzinfo is None:
            raise ValueError("time must be timezone-aware")
        delta = (when - self.now()).total_seconds()
        self.advance(delta)

    def set_time_scale(self, time_scale: float) -> None:
        """Change the speed from now on without moving either current instant."""
        _check_scale(time_scale)
        self._rebase()
        self._time_scale = float(time_scale)

    def _rebase(self) -> None:
        """Restart both readings' linear laws from the current instant."""
        now = self.now()
        self._lead_origin = self.sky_lead_at(now)
        self._sim_origin = now
        self._wall_origin = self._wall()


def _check_scale(time_scale: float) -> None:
    if time_scale < 0:
        raise ValueError("time_scale must be >= 0")
