"""The simulator's EV charger endpoints: settings reads, writes and the priority."""

from collections.abc import Callable
from typing import Any

from aiohttp import web

from . import controls, ev, ev_writes, render
from .model import Device, Station
from .route_helpers import (
    Handler,
    answer,
    bad_request,
    device_of,
    json_object,
    not_found,
    station_of,
    submit,
)
from .simulator import Simulator, synced_simulator


def _charger(request: web.Request) -> tuple[Simulator, Station, Device]:
    simulator = synced_simulator(request)
    station, device = device_of(simulator, request.match_info["sn"], kind="evse")
    if device.ev is None:
        raise not_found()
    return simulator, station, device


def ev_read(render_data: Callable[[Device], Any]) -> Handler:
    """GET /api/v2/device/ev/<read>/{sn}: one of an EV charger's settings reads."""

    async def handler(request: web.Request) -> web.Response:
        _, _, device = _charger(request)
        return answer(render.success(data=render_data(device)))

    return handler


def ev_setting(parse: ev_writes.Parser) -> Handler:
    """POST /api/v2/device/ev/<control>/{sn}: an EV charger's setting (ev.py)."""

    async def handler(request: web.Request) -> web.Response:
        simulator, station, device = _charger(request)
        body = await json_object(request)
        try:
            changes = parse(
                station, ev_writes.requested(simulator.account, device), body
            )
        except controls.InvalidWrite:
            raise bad_request() from None
        submit(simulator, device, changes)
        return answer(render.success(data=None))

    return handler


async def ev_priority(request: web.Request) -> web.Response:
    """GET or POST /api/v2/device/ev/priority/V2/{stationsId}: the station's priority."""
    simulator = synced_simulator(request)
    found = ev.chargers(station_of(request, simulator))
    if not found:
        raise not_found()
    if request.method == "GET":
        return answer(render.success(data={"value": ev.station_priority(found)}))
    try:
        changes = ev_writes.priority(await json_object(request))
    except controls.InvalidWrite:
        raise bad_request() from None
    for charger in found:
        submit(simulator, charger, changes)
    return answer(render.success(data=None))


_EV = "/api/v2/device/ev/"
# Name -> (method, path, handler) of an EV charger's reads and writes.
EV_ENDPOINTS: dict[str, tuple[str, str, Handler]] = {
    "ev_state": ("POST", _EV + "state/{sn}", ev_setting(ev_writes.state)),
    "ev_mode": ("POST", _EV + "mode/{sn}", ev_setting(ev_writes.mode)),
    "ev_charge_power": (
        "POST",
        _EV + "chargePower/{sn}",
        ev_setting(ev_writes.charge_power),
    ),
    "ev_derate": ("GET", _EV + "powerDerate/{sn}", ev_read(ev.derate)),
    "ev_derate_write": (
        "POST",
        _EV + "powerDerate/{sn}",
        ev_setting(ev_writes.power_derate),
    ),
    "ev_options": ("GET", _EV + "intelligentValue/V2/{sn}", ev_read(ev.options)),
    "ev_options_write": (
        "POST",
        _EV + "intelligentValue/V2/{sn}",
        ev_setting(ev_writes.intelligent_value),
    ),
    "ev_priority": ("GET", _EV + "priority/V2/{station_id}", ev_priority),
    "ev_priority_write": ("POST", _EV + "priority/V2/{station_id}", ev_priority),
}
