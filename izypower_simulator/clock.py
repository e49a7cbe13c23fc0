"""Simulated time, decoupled from the wall clock so tests can freeze or accelerate it."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
import time


class SimClock:
    """Simulated instant = start + time_scale x elapsed wall time + manual jumps.

    Token expiry uses the wall clock (`wall_time`) because clients compare the JWT `exp`
    with their own real clock; everything physical uses the simulated `now`.
    """

    def __init__(
        self,
        start: datetime | None = None,
        *,
        time_scale: float = 1.0,
        wall: Callable[[], float] = time.time,
    ) -> None:
        """Start the clock; `start` must be timezone-aware (defaults to the real now)."""
        if start is not None and start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        if time_scale < 0:
            raise ValueError("time_scale must be >= 0")
        self._wall = wall
        self._wall_origin = wall()
        self._sim_origin = (start or datetime.fromtimestamp(wall(), UTC)).astimezone(
            UTC
        )
        self._time_scale = float(time_scale)

    @property
    def time_scale(self) -> float:
        """Simulated seconds per wall second (0 = frozen)."""
        return self._time_scale

    def wall_time(self) -> float:
        """Real seconds since the Unix epoch (used for token expiry)."""
        return self._wall()

    def now(self) -> datetime:
        """Return the current simulated instant (aware, UTC)."""
        elapsed = (self._wall() - self._wall_origin) * self._time_scale
        return self._sim_origin + timedelta(seconds=elapsed)

    def advance(self, seconds: float) -> None:
        """Jump forward; simulated time never runs backwards (energy already counted)."""
        if seconds < 0:
            raise ValueError("the simulated clock cannot go backwards")
        self._sim_origin += timedelta(seconds=seconds)

    def set_time(self, when: datetime) -> None:
        """Jump to `when` (aware, not before the current simulated instant)."""
        if when.tzinfo is None:
            raise ValueError("time must be timezone-aware")
        delta = (when - self.now()).total_seconds()
        self.advance(delta)

    def set_time_scale(self, time_scale: float) -> None:
        """Change the speed from now on without moving the current instant."""
        if time_scale < 0:
            raise ValueError("time_scale must be >= 0")
        self._sim_origin = self.now()
        self._wall_origin = self._wall()
        self._time_scale = float(time_scale)
