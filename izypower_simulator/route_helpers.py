"""What the simulator's API handlers share: errors, answers, parameters, bodies."""

from collections.abc import Awaitable, Callable
from datetime import date
import re
from typing import Any

from aiohttp import web

from . import controls, render
from .model import Device, Station
from .simulator import Simulator

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ApiError(Exception):
    """Answer with an error envelope (`status` HTTP, `code` in the body)."""

    def __init__(self, status: int, code: int, message_key: str) -> None:
        """Remember what to answer."""
        super().__init__(message_key)
        self.status = status
        self.code = code
        self.message_key = message_key


def not_found() -> ApiError:
    """Unknown station, device or serial: HTTP 200 with an error code."""
    return ApiError(200, render.CODE_NOT_FOUND, "not_found")


def bad_request() -> ApiError:
    """Missing or invalid parameter or body: HTTP 400 with code 400."""
    return ApiError(400, render.CODE_BAD_REQUEST, "bad_request")


def answer(body: dict[str, Any], status: int = 200) -> web.Response:
    """JSON answer."""
    return web.json_response(body, status=status, dumps=render.dumps)


def error_response(request: web.Request, err: ApiError) -> web.Response:
    """Localised error envelope."""
    lang = render.language(request.headers.get("Accept-Language"))
    return answer(
        render.error(err.code, render.message(err.message_key, lang)), err.status
    )


def query(request: web.Request, name: str, pattern: str | None = None) -> str:
    """Return a query parameter (matching `pattern`, if given); else a bad request."""
    value = request.query.get(name)
    if value is None or (pattern is not None and re.fullmatch(pattern, value) is None):
        raise bad_request()
    return value


def query_int(request: web.Request, name: str) -> int:
    """Return a positive integer query parameter; else a bad request."""
    value = query(request, name, r"\d{1,9}")
    if int(value) < 1:
        raise bad_request()
    return int(value)


def search_day(request: web.Request) -> str:
    """Return the `searchTime` query parameter, a valid day; else a bad request."""
    value = query(request, "searchTime", r"\d{4}-\d{2}-\d{2}")
    try:
        date.fromisoformat(value)
    except ValueError:
        raise bad_request() from None
    return value


def path_int(request: web.Request, name: str) -> int:
    """Numeric path id; anything else is what the real cloud answers with HTTP 500."""
    value = request.match_info[name]
    if re.fullmatch(r"\d{1,12}", value) is None:
        raise ApiError(500, render.CODE_SERVER_ERROR, "server_error")
    return int(value)


def station_of(request: web.Request, simulator: Simulator) -> Station:
    """Return the station of the path's `station_id`; else not found."""
    station = simulator.account.station(path_int(request, "station_id"))
    if station is None:
        raise not_found()
    return station


def device_of(
    simulator: Simulator, serial: str, *, kind: str | None = None
) -> tuple[Station, Device]:
    """Return a serial's station and device (of kind `kind`, if given); else not found."""
    found = simulator.account.device_by_serial(serial)
    if found is None or (kind is not None and found[1].type_code != kind):
        raise not_found()
    return found


def page_params(request: web.Request, simulator: Simulator) -> tuple[int, int]:
    """Return the page and page size asked for (the size bounded by the config)."""
    page = query_int(request, "page")
    limit = min(query_int(request, "limit"), simulator.config.max_page_size)
    return page, limit


async def json_object(request: web.Request) -> dict[str, Any]:
    """Return the request's JSON object body; else a bad request."""
    try:
        body = await request.json()
    except ValueError:
        raise bad_request() from None
    if not isinstance(body, dict):
        raise bad_request()
    return body


def strict_int(value: Any) -> int:
    """Return an integer (not a boolean) of a body; else a bad request."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad_request()
    return value


def submit(simulator: Simulator, device: Device, changes: controls.Changes) -> None:
    """Submit a write's changes to a device (controls.py: now, after a lag, or never)."""
    controls.submit(
        simulator.account,
        simulator.faults.config,
        simulator.clock.now(),
        device,
        changes,
    )
