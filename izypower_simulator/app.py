"""aiohttp application factory: routes, admin routes and the request pipeline.

Pipeline of an API request: stats (counts the final status) -> faults -> token check ->
handler (ApiError becomes a localised error envelope). Admin requests skip all of it.
"""

import asyncio
from collections.abc import Awaitable, Callable

from aiohttp import web

from . import render
from .admin import ADMIN_PREFIX, AdminError, add_admin_routes
from .clock import SimClock
from .model import Account
from .route_helpers import ApiError, Handler, answer, error_response
from .routes import TOKEN_HEADER, add_routes
from .simulator import SIMULATOR_KEY, Simulator, SimulatorConfig

# Status recorded for a request whose handler was cancelled (client gone, shutdown).
STATUS_CANCELLED = 499


@web.middleware
async def _pipeline(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith(ADMIN_PREFIX):
        try:
            return await handler(request)
        except AdminError as err:
            return web.json_response(
                {"error": str(err)}, status=400, dumps=render.dumps
            )
    simulator = request.app[SIMULATOR_KEY]
    route = request.match_info.route
    endpoint = (
        route.name
        if request.match_info.http_exception is None and route.name
        else "unknown"
    )
    status = STATUS_CANCELLED
    try:
        response = await simulator.faults.handle(
            request, endpoint, _guarded(simulator, endpoint, handler)
        )
    except web.HTTPException as exc:
        status = exc.status
        raise
    else:
        status = response.status
        return response
    finally:
        simulator.stats.record(
            endpoint, status, app_platform=request.headers.get("app-platform") == "izy"
        )


def _guarded(simulator: Simulator, endpoint: str, handler: Handler) -> Handler:
    async def run(request: web.Request) -> web.StreamResponse:
        if endpoint not in ("login", "unknown") and not simulator.tokens.is_valid(
            request.headers.get(TOKEN_HEADER)
        ):
            lang = render.language(request.headers.get("Accept-Language"))
            return answer(
                render.error(
                    render.CODE_UNAUTHORIZED, render.message("unauthorized", lang)
                ),
                401,
            )
        try:
            return await handler(request)
        except ApiError as err:
            return error_response(request, err)

    return run


def create_app(
    account: Account,
    clock: SimClock | None = None,
    config: SimulatorConfig | None = None,
    *,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> web.Application:
    """Application serving `account` under /photo_voltaic and the admin API under /_simulator.

    Without a clock, simulated time starts at the account's snapshot and runs in real time.
    """
    simulator = Simulator(
        account,
        clock or SimClock(account.time),
        config or SimulatorConfig(),
        sleep=sleep,
    )
    app = web.Application(middlewares=[_pipeline])
    app[SIMULATOR_KEY] = simulator

    async def release_hanging(_: web.Application) -> None:
        simulator.faults.release_hanging()

    app.on_shutdown.append(release_hanging)
    add_routes(app)
    add_admin_routes(app)
    return app
