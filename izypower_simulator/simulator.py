"""The simulator's core: account state, clock, tokens, faults and stats together."""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
import math

from aiohttp import web

from . import controls, physics
from .auth import TokenRegistry
from .clock import SimClock
from .faults import FaultConfig, FaultInjector
from .history import PastReports
from .model import Account
from .stats import RequestStats

DEFAULT_PASSWORD = "izypower-demo"


@dataclass(slots=True)
class SimulatorConfig:
    """Server settings (the account and the clock are passed separately)."""

    # None: the account's own username (the fixture login's e-mail).
    username: str | None = None
    password: str = DEFAULT_PASSWORD
    token_lifetime_s: float = 3600.0
    # The real cloud refreshes station data about every 3 minutes (API §1);
    # 0 makes every request see the current simulated instant.
    refresh_interval_s: float = 180.0
    # Larger `limit` values are clamped, like paging backends usually do.
    max_page_size: int = 100
    faults: FaultConfig = field(default_factory=FaultConfig)
    # Seed of the random fault draws (None: unpredictable).
    seed: int | None = None


class Simulator:
    """Everything the request handlers share."""

    def __init__(
        self,
        account: Account,
        clock: SimClock,
        config: SimulatorConfig,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """Wire the parts together."""
        self.account = account
        self.clock = clock
        self.config = config
        self.username = config.username or account.username
        self.password = config.password
        self.tokens = TokenRegistry(clock.wall_time, config.token_lifetime_s)
        self.faults = FaultInjector(config.faults, seed=config.seed, sleep=sleep)
        self.stats = RequestStats()
        # Taken before any clock jump: the past is what the starting counters hold.
        self.past = PastReports(account)

    def state_instant(self, now: datetime) -> datetime:
        """Instant of the last cloud refresh at or before `now`."""
        interval = self.config.refresh_interval_s
        if interval <= 0:
            return now
        slot = math.floor(now.timestamp() / interval) * interval
        return datetime.fromtimestamp(slot, UTC)

    def sync(self) -> datetime:
        """Bring the live state up to the simulated now; returns that now."""
        now = self.clock.now()
        target = self.state_instant(now)
        controls.apply_due_writes(self.account, now, target)
        physics.advance_account(self.account, target, self.clock.sky_lead_at(target))
        return now


SIMULATOR_KEY = web.AppKey("izypower_simulator", Simulator)


def synced_simulator(request: web.Request) -> Simulator:
    """Return the request's simulator with its live state brought up to the simulated now."""
    simulator = request.app[SIMULATOR_KEY]
    simulator.sync()
    return simulator
