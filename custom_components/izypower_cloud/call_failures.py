"""The failure streaks of a config entry's cloud calls: each logged once.

A failing call is logged when it starts failing and when it recovers; in between,
only at debug level. Calls failed for want of a token the cloud accepts share one
streak, `LOGIN_STREAK`.
"""

from .api import IzypowerError, IzypowerLoginUnavailableError
from .const import LOGGER

# The failure streak of every call failed for want of a token the cloud accepts.
LOGIN_STREAK = "cloud login"


class FailureStreaks:
    """The calls currently failing, so that each failure streak is logged once."""

    def __init__(self) -> None:
        """Start with no call failing."""
        self._failing: set[str] = set()

    def failed(self, what: str, err: IzypowerError, *, stopped: bool) -> None:
        """Log that call `what` failed (`stopped`: its refresh failed already)."""
        streak = what
        if isinstance(err, IzypowerLoginUnavailableError):
            # Every call needing a token fails for this one cause: one streak.
            streak = LOGIN_STREAK
        if stopped:
            # The refresh failed already; its one error says why.
            LOGGER.debug("%s not made: %s", what, err)
        elif streak in self._failing:
            LOGGER.debug("%s still failing: %s", what, err)
        else:
            self._failing.add(streak)
            LOGGER.info("%s unavailable: %s", streak, err)

    def answered(self, what: str) -> None:
        """End the streaks that an answer to `what` ends (it also means a token)."""
        for ended in sorted(self._failing & {what, LOGIN_STREAK}):
            self._failing.discard(ended)
            LOGGER.info("%s available again", ended)
