"""Fault injection: what a flaky cloud does to clients, switchable at run time."""

import asyncio
from collections.abc import Awaitable, Callable, Collection, Mapping
import contextlib
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
import random
from typing import Any

from aiohttp import web

from .model import Number, Station
from .render import CODE_SERVER_ERROR, error

GLITCH_MODES = ("dip", "zero", "null")
DIP_FACTOR = 0.9
HTML_ERROR_BODY = (
    "<html><head><title>502 Bad Gateway</title></head>"
    "<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
)
MALFORMED_JSON_BODY = '{"code":0,"msg":"success","data":{"records":[{"stationsId":'


class FaultConfigError(ValueError):
    """A fault setting has the wrong type or an out-of-range value."""


@dataclass(slots=True)
class FaultConfig:
    """Every fault knob; all off by default."""

    latency_ms: float = 0.0
    error_rate: float = 0.0
    html_error_rate: float = 0.0
    hang_rate: float = 0.0
    hang_seconds: float = 600.0
    malformed_json_rate: float = 0.0
    force_401: int = 0
    failing_endpoints: list[str] = field(default_factory=list)
    # Endpoints whose every request hangs (for `hang_seconds`), the others answer.
    hanging_endpoints: list[str] = field(default_factory=list)
    counter_glitch: str | None = None
    counter_glitch_periods: list[str] = field(default_factory=lambda: ["day"])
    midnight_lag_s: float = 0.0
    # Simulated seconds before an accepted write shows (0: at once; the CLI default is 60).
    write_lag_s: float = 0.0
    # Writes answer success but change nothing (a setting the device never applied).
    writes_never_apply: bool = False

    def as_json(self) -> dict[str, Any]:
        """JSON view."""
        return asdict(self)

    def update(self, changes: Mapping[str, Any], endpoints: Collection[str]) -> None:
        """Apply a partial update, validating everything before changing anything."""
        if not isinstance(changes, Mapping):
            raise FaultConfigError("expected a JSON object")
        known = {f.name for f in fields(self)}
        unknown = set(changes) - known
        if unknown:
            raise FaultConfigError(f"unknown fault settings: {sorted(unknown)}")
        validated = {
            name: _validate(name, value, endpoints) for name, value in changes.items()
        }
        for name, value in validated.items():
            setattr(self, name, value)


def _number(
    name: str, value: Any, *, low: float = 0.0, high: float | None = None
) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FaultConfigError(f"{name} must be a number")
    if value < low or (high is not None and value > high):
        raise FaultConfigError(f"{name} out of range")
    return float(value)


def _validate(name: str, value: Any, endpoints: Collection[str]) -> Any:
    if name in {"error_rate", "html_error_rate", "hang_rate", "malformed_json_rate"}:
        return _number(name, value, high=1.0)
    if name in {"latency_ms", "hang_seconds", "midnight_lag_s", "write_lag_s"}:
        return _number(name, value)
    if name == "writes_never_apply":
        if not isinstance(value, bool):
            raise FaultConfigError("writes_never_apply must be true or false")
        return value
    if name == "force_401":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise FaultConfigError("force_401 must be a non-negative integer")
        return value
    if name in {"failing_endpoints", "hanging_endpoints"}:
        if not isinstance(value, list) or not all(v in endpoints for v in value):
            raise FaultConfigError(f"{name} must list names among {sorted(endpoints)}")
        return list(value)
    if name == "counter_glitch":
        if value is not None and value not in GLITCH_MODES:
            raise FaultConfigError(
                f"counter_glitch must be null or one of {GLITCH_MODES}"
            )
        return value
    # counter_glitch_periods
    if not isinstance(value, list) or not all(
        v in {"day", "month", "year", "all"} for v in value
    ):
        raise FaultConfigError("counter_glitch_periods must list day/month/year/all")
    return list(value)


def displayed_counters(
    station: Station, now: datetime, config: FaultConfig
) -> dict[tuple[str, str], Number | None]:
    """Counters as the (possibly glitching) cloud shows them."""
    shown: dict[tuple[str, str], Number | None] = dict(station.counters)
    lag_over = (
        station.rollover_at is None
        or (now - station.rollover_at).total_seconds() >= config.midnight_lag_s
    )
    if not lag_over:
        # The cloud has not noticed the new day yet: yesterday's totals are still shown.
        shown.update(station.rollover_previous)
    if config.counter_glitch is not None:
        for key, value in shown.items():
            if key[1] not in config.counter_glitch_periods:
                continue
            if config.counter_glitch == "dip":
                shown[key] = None if value is None else value * DIP_FACTOR
            elif config.counter_glitch == "zero":
                shown[key] = 0
            else:
                shown[key] = None
    return shown


class FaultInjector:
    """Applies a FaultConfig to API requests (never to admin requests)."""

    def __init__(
        self,
        config: FaultConfig,
        *,
        seed: int | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """Draw random faults from a seeded generator so runs are reproducible."""
        self.config = config
        self._rng = random.Random(seed)
        self._sleep = sleep
        self._release = asyncio.Event()

    def release_hanging(self) -> None:
        """Let every hanging request go (on shutdown or when faults change)."""
        self._release.set()
        self._release = asyncio.Event()

    def _draw(self, rate: float) -> bool:
        return rate > 0 and self._rng.random() < rate

    async def _hang(self) -> None:
        release = self._release
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(release.wait(), self.config.hang_seconds)

    async def handle(
        self,
        request: web.Request,
        endpoint: str,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    ) -> web.StreamResponse:
        """Run `handler` through the configured faults."""
        config = self.config
        if config.latency_ms > 0:
            await self._sleep(config.latency_ms / 1000)
        if endpoint in config.hanging_endpoints or self._draw(config.hang_rate):
            await self._hang()
        if endpoint in config.failing_endpoints or self._draw(config.error_rate):
            return web.json_response(
                error(CODE_SERVER_ERROR, "Internal server error"), status=500
            )
        if self._draw(config.html_error_rate):
            return web.Response(
                text=HTML_ERROR_BODY, status=502, content_type="text/html"
            )
        if config.force_401 > 0 and endpoint != "login":
            config.force_401 -= 1
            return web.json_response(
                error(401, "Token expired, please log in again"), status=401
            )
        response = await handler(request)
        if self._draw(config.malformed_json_rate) and isinstance(
            response, web.Response
        ):
            return web.Response(
                text=MALFORMED_JSON_BODY,
                status=response.status,
                content_type="application/json",
            )
        return response
