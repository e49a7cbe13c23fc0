"""Admin endpoints under /_simulator (a prefix the real API does not use).

GET  /_simulator                 summary (account size, clock, base URL path)
GET  /_simulator/faults          current FaultConfig
POST /_simulator/faults          partial update of FaultConfig, returns it
DELETE /_simulator/faults        every fault off
GET  /_simulator/stats           request counts
POST /_simulator/stats/reset     counts back to 0
GET  /_simulator/state[?station=ID]  live values, settings, LED states
POST /_simulator/state           overrides (see `post_state`)
GET  /_simulator/clock           simulated time
POST /_simulator/clock           {"advance_seconds": s} | {"now": iso} | {"time_scale": x}
"""

from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

from aiohttp import web

from . import controls, physics, render
from .faults import FaultConfig, FaultConfigError
from .model import SERIES, Device, Station
from .routes import BASE_PATH, ENDPOINTS
from .simulator import SIMULATOR_KEY, Simulator, synced_simulator

ADMIN_PREFIX = "/_simulator"


class AdminError(Exception):
    """Invalid admin request (answered with HTTP 400 and {"error": message})."""


def _reply(body: Any, status: int = 200) -> web.Response:
    return web.json_response(body, status=status, dumps=render.dumps)


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise AdminError("body must be JSON") from None
    if not isinstance(body, dict):
        raise AdminError("body must be a JSON object")
    return body


def _clock_view(simulator: Simulator) -> dict[str, Any]:
    return {
        "now": simulator.clock.now().isoformat(),
        "state_time": simulator.account.time.astimezone(UTC).isoformat(),
        # Where the sun and the load stand; ahead of `now` when time_scale > 1.
        "sky_now": simulator.clock.sky_now().isoformat(),
        "time_scale": simulator.clock.time_scale,
        "refresh_interval_s": simulator.config.refresh_interval_s,
    }


def _device_view(station: Station, device: Device) -> dict[str, Any]:
    view: dict[str, Any] = {
        "device_id": device.device_id,
        "serial": device.serial,
        "type": device.type_code,
        "online": device.online,
        "need_upgrade": device.need_upgrade,
        "strings": {s.name: round(s.power, 1) for s in device.strings},
    }
    if device.battery is not None:
        unit = device.battery
        view["battery"] = {
            "soc": round(unit.soc, 2),
            "power": round(unit.power),
            "min_soc": unit.min_soc,
            "leds_on": unit.leds_on,
            "links": {link.serial: round(link.soc, 2) for link in unit.links},
            # What the cloud's `cmd` read shows now (pending writes excluded).
            "settings": render.battery_settings(station, device),
        }
    if device.meter is not None:
        view["meter"] = {
            "is_control": device.meter.is_control,
            "feed_threshold": device.meter.feed_threshold,
            "voltage": round(device.meter.voltage, 1),
            "frequency": round(device.meter.frequency, 2),
        }
    if device.wifi is not None:
        view["rssi"] = device.wifi.rssi
    return view


def _station_view(simulator: Simulator, station: Station) -> dict[str, Any]:
    current = physics.flows(station)
    return {
        "station_id": station.station_id,
        "name": station.name,
        "time_zone": station.time_zone.key,
        "last_update": render.format_last_update(
            simulator.account.time, station.time_zone
        ),
        "status": station.status,
        "pv_power": round(current.pv, 1),
        "consumption": round(current.consumption, 1),
        "grid_power": round(current.grid, 1),
        "battery_power": round(current.battery, 1),
        "pins": dict(station.pins),
        "counters": {
            series: {
                period: round(station.counters[series, period], 4)
                for period in ("day", "month", "year", "all")
            }
            for series in SERIES
        },
        "devices": [_device_view(station, d) for d in station.devices],
    }


async def summary(request: web.Request) -> web.Response:
    """Size of the account and where the API lives."""
    simulator = synced_simulator(request)
    return _reply(
        {
            "base_path": BASE_PATH,
            "username": simulator.username,
            "stations": len(simulator.account.stations),
            "devices": sum(len(s.devices) for s in simulator.account.stations),
            "endpoints": sorted(ENDPOINTS),
            "clock": _clock_view(simulator),
        }
    )


async def get_faults(request: web.Request) -> web.Response:
    """Return the current fault settings."""
    return _reply(request.app[SIMULATOR_KEY].faults.config.as_json())


async def post_faults(request: web.Request) -> web.Response:
    """Change some fault settings."""
    injector = request.app[SIMULATOR_KEY].faults
    try:
        injector.config.update(await _body(request), ENDPOINTS)
    except FaultConfigError as err:
        raise AdminError(str(err)) from None
    injector.release_hanging()
    return _reply(injector.config.as_json())


async def delete_faults(request: web.Request) -> web.Response:
    """Switch every fault off."""
    injector = request.app[SIMULATOR_KEY].faults
    injector.config.update(FaultConfig().as_json(), ENDPOINTS)
    injector.release_hanging()
    return _reply(injector.config.as_json())


async def get_stats(request: web.Request) -> web.Response:
    """Request counts."""
    return _reply(request.app[SIMULATOR_KEY].stats.as_json())


async def reset_stats(request: web.Request) -> web.Response:
    """Set every count back to 0."""
    stats = request.app[SIMULATOR_KEY].stats
    stats.reset()
    return _reply(stats.as_json())


async def get_state(request: web.Request) -> web.Response:
    """Live state (all stations, or `?station=ID`)."""
    simulator = synced_simulator(request)
    stations = simulator.account.stations
    if "station" in request.query:
        wanted = request.query["station"]
        stations = [s for s in stations if str(s.station_id) == wanted]
    return _reply(
        {
            "clock": _clock_view(simulator),
            "active_tokens": simulator.tokens.active,
            "pending_writes": [
                {
                    "due": w.due.astimezone(UTC).isoformat(),
                    "serial": w.serial,
                    "changes": w.changes,
                }
                for w in simulator.account.pending_writes
            ],
            "stations": [_station_view(simulator, s) for s in stations],
        }
    )


def _number(value: Any, name: str, low: float, high: float) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not low <= value <= high
    ):
        raise AdminError(f"{name} must be a number in [{low}, {high}]")
    return float(value)


def _bool(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise AdminError(f"{name} must be true or false")
    return value


def _station_changes(
    simulator: Simulator, key: str, changes: Any
) -> list[Callable[[], None]]:
    station = simulator.account.station(int(key)) if key.isdigit() else None
    if station is None or not isinstance(changes, dict):
        raise AdminError(f"unknown station {key}")
    actions: list[Callable[[], None]] = []
    for name, value in changes.items():
        if name in ("pv_power", "consumption"):
            pinned = None if value is None else _number(value, name, 0, 1e6)
            actions.append(partial(_pin, station, name, pinned))
        elif name == "status":
            actions.append(
                partial(setattr, station, "status", int(_number(value, name, 0, 10)))
            )
        else:
            raise AdminError(f"unknown station setting {name}")
    actions.append(partial(physics.dispatch, station, simulator.account.sky_time))
    return actions


def _pin(station: Station, name: str, value: float | None) -> None:
    if value is None:
        station.pins.pop(name, None)
    else:
        station.pins[name] = value


def _set_pile_soc(device: Device, soc: float) -> None:
    assert device.battery is not None
    device.battery.soc = soc
    for link in device.battery.links:
        link.soc = soc


def _device_changes(
    simulator: Simulator, serial: str, changes: Any
) -> list[Callable[[], None]]:
    found = simulator.account.device_by_serial(serial)
    if found is None or not isinstance(changes, dict):
        raise AdminError(f"unknown device {serial}")
    station, device = found
    actions: list[Callable[[], None]] = []
    for name, value in changes.items():
        if name in ("online", "need_upgrade"):
            actions.append(partial(setattr, device, name, _bool(value, name)))
        elif name == "soc" and device.battery is not None:
            actions.append(partial(_set_pile_soc, device, _number(value, name, 0, 100)))
        elif name == "ignores_mode" and device.battery is not None:
            actions.append(
                partial(setattr, device.battery, "ignores_mode", _bool(value, name))
            )
        elif name == "app_settings" and device.battery is not None:
            actions.append(_app_settings(simulator, device, value))
        elif name == "rssi" and device.wifi is not None:
            actions.append(
                partial(
                    setattr, device.wifi, "rssi", int(_number(value, name, -120, 0))
                )
            )
        else:
            raise AdminError(f"unknown or inapplicable device setting {name}")
    actions.append(partial(physics.dispatch, station, simulator.account.sky_time))
    return actions


def _app_settings(
    simulator: Simulator, device: Device, body: Any
) -> Callable[[], None]:
    """Check a mode change "made in the app" now; return its application."""
    if not isinstance(body, dict):
        raise AdminError("app_settings must be an object")
    account = simulator.account
    try:
        changes = controls.app_changes(account, device, body)
    except controls.InvalidWrite as err:
        raise AdminError(f"app_settings refused: {err}") from err
    return partial(controls.apply_changes, account, device.serial, changes)


def _account_changes(simulator: Simulator, changes: Any) -> list[Callable[[], None]]:
    if not isinstance(changes, dict):
        raise AdminError("account must be an object")
    actions: list[Callable[[], None]] = []
    for name, value in changes.items():
        if name == "password" and isinstance(value, str) and value:
            actions.append(partial(setattr, simulator, "password", value))
        elif name == "revoke_tokens" and value is True:
            actions.append(simulator.tokens.revoke_all)
        else:
            raise AdminError(f"invalid account setting {name}")
    return actions


async def post_state(request: web.Request) -> web.Response:
    """Override live values; everything is validated before anything changes.

    Body: {"stations": {"<id>": {"pv_power": W|null, "consumption": W|null, "status": n}},
           "devices": {"<serial>": {"online": bool, "soc": %, "need_upgrade": bool, "rssi": dBm,
                                    "ignores_mode": bool,
                                    "app_settings": {"ctr_mode": n, "mode": n, "power": W}}},
           "account": {"password": str, "revoke_tokens": true}}
    `pv_power`/`consumption` stay pinned until set to null.
    """
    simulator = synced_simulator(request)
    body = await _body(request)
    unknown = set(body) - {"stations", "devices", "account"}
    if unknown:
        raise AdminError(f"unknown sections {sorted(unknown)}")
    actions: list[Callable[[], None]] = []
    for key, changes in (body.get("stations") or {}).items():
        actions += _station_changes(simulator, key, changes)
    for serial, changes in (body.get("devices") or {}).items():
        actions += _device_changes(simulator, serial, changes)
    if "account" in body:
        actions += _account_changes(simulator, body["account"])
    for action in actions:
        action()
    return await get_state(request)


async def get_clock(request: web.Request) -> web.Response:
    """Return the simulated time."""
    return _reply(_clock_view(synced_simulator(request)))


async def post_clock(request: web.Request) -> web.Response:
    """Jump forward or change the speed of simulated time."""
    simulator = request.app[SIMULATOR_KEY]
    body = await _body(request)
    clock = simulator.clock
    try:
        if "advance_seconds" in body:
            clock.advance(
                _number(body["advance_seconds"], "advance_seconds", 0, 20 * 365 * 86400)
            )
        if "now" in body:
            if not isinstance(body["now"], str):
                raise AdminError("now must be an ISO 8601 string")
            clock.set_time(datetime.fromisoformat(body["now"]))
        if "time_scale" in body:
            clock.set_time_scale(_number(body["time_scale"], "time_scale", 0, 1e6))
    except ValueError as err:
        raise AdminError(str(err)) from None
    return _reply(_clock_view(synced_simulator(request)))


def add_admin_routes(app: web.Application) -> None:
    """Register the admin endpoints."""
    router = app.router
    router.add_get(ADMIN_PREFIX, summary)
    router.add_get(f"{ADMIN_PREFIX}/faults", get_faults)
    router.add_post(f"{ADMIN_PREFIX}/faults", post_faults)
    router.add_delete(f"{ADMIN_PREFIX}/faults", delete_faults)
    router.add_get(f"{ADMIN_PREFIX}/stats", get_stats)
    router.add_post(f"{ADMIN_PREFIX}/stats/reset", reset_stats)
    router.add_get(f"{ADMIN_PREFIX}/state", get_state)
    router.add_post(f"{ADMIN_PREFIX}/state", post_state)
    router.add_get(f"{ADMIN_PREFIX}/clock", get_clock)
    router.add_post(f"{ADMIN_PREFIX}/clock", post_clock)
