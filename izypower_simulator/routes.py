"""The cloud API surface (reads 1-11, 14, 16, writes 12, 13, 15 of API §6, Titan settings).

The EV charger endpoints are in ev_routes.py; what handlers share in route_helpers.py.
"""

from datetime import datetime

from aiohttp import web

from . import controls, ev, physics, render
from .ev_routes import EV_ENDPOINTS
from .faults import displayed_counters
from .model import SERIES, Number
from .route_helpers import (
    Handler,
    answer,
    bad_request,
    device_of,
    json_object,
    not_found,
    page_params,
    path_int,
    query,
    query_int,
    search_day,
    station_of,
    strict_int,
    submit,
)
from .simulator import synced_simulator

BASE_PATH = "/photo_voltaic"
TOKEN_HEADER = "x-tts-access-token"
MIN_SOC_RANGE = (5, 100)
MAX_FEED_THRESHOLD_W = 36000

# --- reads ---------------------------------------------------------------------------


async def login(request: web.Request) -> web.Response:
    """1. POST /api/login."""
    simulator = synced_simulator(request)
    body = await json_object(request)
    username, password = body.get("username"), body.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        raise bad_request()
    account = simulator.account
    if (
        username.strip().lower() != simulator.username.lower()
        or password != simulator.password
    ):
        lang = render.language(request.headers.get("Accept-Language"))
        text = (
            account.bad_credentials_msg
            if lang == "en"
            else render.message("bad_credentials", lang)
        )
        return answer(render.error(account.bad_credentials_code, text))
    return answer(
        render.login(account, simulator.tokens.issue(account.user_id, account.username))
    )


async def stations_page(request: web.Request) -> web.Response:
    """2. GET /api/powerStations/page."""
    simulator = synced_simulator(request)
    page, limit = page_params(request, simulator)
    return answer(render.stations_page(simulator.account, page, limit))


async def station_info(request: web.Request) -> web.Response:
    """3. GET /api/v3/powerStations/info/{stationsId}."""
    simulator = synced_simulator(request)
    station = station_of(request, simulator)
    counters = displayed_counters(
        station, simulator.clock.now(), simulator.faults.config
    )
    lang = render.language(request.headers.get("Accept-Language"))
    return answer(render.station_info(simulator.account, station, counters, lang))


_SEARCH_FORMATS = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y", "all": "%Y-%m-%d"}


def _is_period(text: str, fmt: str) -> bool:
    """Round trip: rejects impossible dates and non-padded forms alike."""
    try:
        return datetime.strptime(text, fmt).strftime(fmt) == text
    except ValueError:
        return False


async def report(request: web.Request) -> web.Response:
    """4. GET /api/report/v2/powerStations/data/{stationsId}."""
    simulator = synced_simulator(request)
    station = station_of(request, simulator)
    time_type = query(request, "timeType", "day|month|year|all")
    query(request, "dataFlag", "energy")
    search = query(request, "searchTime", r"[\d-]{4,10}")
    if not _is_period(search, _SEARCH_FORMATS[time_type]):
        raise bad_request()
    current = physics.period_keys(simulator.account.time, station.time_zone)
    shown = displayed_counters(station, simulator.clock.now(), simulator.faults.config)
    values: dict[str, Number | None]
    if time_type == "all":
        values = {series: shown[series, "all"] for series in SERIES}
    elif search == current[time_type]:
        values = {series: shown[series, time_type] for series in SERIES}
    else:
        values = dict(simulator.past.totals(station, time_type, search))
    return answer(render.report(values, station.ev_share))


async def component(request: web.Request) -> web.Response:
    """5. GET /api/component/{stationsId}."""
    simulator = synced_simulator(request)
    station = station_of(request, simulator)
    search_day(request)
    return answer(render.component(station))


async def device_page(request: web.Request) -> web.Response:
    """6. GET /api/device/page."""
    simulator = synced_simulator(request)
    station = simulator.account.station(query_int(request, "powerId"))
    query(request, "deviceType", r"all|vm|battery|meter|evse")
    page, limit = page_params(request, simulator)
    if station is None:
        raise not_found()
    counters = displayed_counters(
        station, simulator.clock.now(), simulator.faults.config
    )
    device_type = request.query["deviceType"]
    return answer(render.device_page(station, page, limit, counters, device_type))


async def wifi(request: web.Request) -> web.Response:
    """7. GET /api/v3/device/wifi/{sn}."""
    _, device = device_of(synced_simulator(request), request.match_info["sn"])
    body = render.wifi(device)
    if body is None:
        raise not_found()
    return answer(body)


async def battery_page(request: web.Request) -> web.Response:
    """8. GET /izy/v2/battery/{sn}."""
    station, device = device_of(
        synced_simulator(request), request.match_info["sn"], kind="battery"
    )
    return answer(render.battery_page(station, device))


async def meter_channels(request: web.Request) -> web.Response:
    """25. GET /izy/v2/meter/{sn} (newer cloud versions): a meter's three channels."""
    station, device = device_of(
        synced_simulator(request), request.match_info["sn"], kind="meter"
    )
    return answer(render.meter_channels(station, device))


async def ev_charger(request: web.Request) -> web.Response:
    """26. GET /izy/v2/ev/{sn} (newer cloud versions): an EV charger's powers."""
    station, device = device_of(
        synced_simulator(request), request.match_info["sn"], kind="evse"
    )
    return answer(render.ev_charger(station, device))


async def temperature(request: web.Request) -> web.Response:
    """9. GET /api/report/device/data/{sn} (dataFlag=temp)."""
    _, device = device_of(synced_simulator(request), request.match_info["sn"])
    day = search_day(request)
    query(request, "timeType", "day")
    query(request, "dataFlag", "temp")
    if device.type_code != "vm":
        return answer(render.success(data=[]))
    return answer(render.temperature(device, day))


async def upgrade(request: web.Request) -> web.Response:
    """10. GET /api/v3/device/upgrade/{stationsId}."""
    simulator = synced_simulator(request)
    return answer(render.upgrade(station_of(request, simulator)))


async def meter_base_info(request: web.Request) -> web.Response:
    """11. GET /api/v2/device/baseInfo/{deviceId}."""
    simulator = synced_simulator(request)
    found = simulator.account.device_by_id(path_int(request, "device_id"))
    if found is None or found[1].meter is None:
        raise not_found()
    return answer(render.meter_base_info(found[1]))


async def battery_cmd(request: web.Request) -> web.Response:
    """14. GET /api/v2/device/cmd/{sn}: a Titan's settings, or an EV charger's."""
    station, device = device_of(synced_simulator(request), request.match_info["sn"])
    if device.ev is not None:
        return answer(render.success(data=ev.cmd(station, device)))
    if device.type_code != "battery":
        raise not_found()
    return answer(render.battery_cmd(station, device))


async def layout_power(request: web.Request) -> web.Response:
    """16. GET /api/report/layoutPower/{stationsId}."""
    simulator = synced_simulator(request)
    station = station_of(request, simulator)
    search_day(request)
    return answer(render.layout_power(station))


# --- writes --------------------------------------------------------------------------


async def fast_data(request: web.Request) -> web.Response:
    """POST /api/v3/powerStations/fastData/{stationsId}, no body ([beta]).

    The simulator already renders every answer from its live state, so its readings
    are as fast as they are asked for; it only acknowledges (and its stats count) the
    request.
    """
    simulator = synced_simulator(request)
    station_of(request, simulator)
    return answer(render.success(data=None))


async def meter_control(request: web.Request) -> web.Response:
    """12. POST /api/v2/device/meter/control/{sn}: `{"isControl": bool, "feedThreshold": int}`."""
    simulator = synced_simulator(request)
    _, device = device_of(simulator, request.match_info["sn"], kind="meter")
    body = await json_object(request)
    is_control = body.get("isControl")
    threshold = strict_int(body.get("feedThreshold"))
    if not isinstance(is_control, bool) or not -MAX_FEED_THRESHOLD_W <= threshold <= 0:
        raise bad_request()
    submit(
        simulator,
        device,
        {"meter.is_control": is_control, "meter.feed_threshold": threshold},
    )
    return answer(render.success(data=None))


async def battery_led(request: web.Request) -> web.Response:
    """13. POST /api/v2/device/yz/battery/led/{sn}: `{"value": 0 | 1}`."""
    simulator = synced_simulator(request)
    _, device = device_of(simulator, request.match_info["sn"], kind="battery")
    value = strict_int((await json_object(request)).get("value"))
    if value not in (0, 1):
        raise bad_request()
    submit(simulator, device, {"battery.leds_on": value == 1})
    return answer(render.success(data=None))


async def battery_min_soc(request: web.Request) -> web.Response:
    """15. POST /api/v2/device/yz/battery/min_soc/{sn}: `{"value": int 5..100}`."""
    simulator = synced_simulator(request)
    _, device = device_of(simulator, request.match_info["sn"], kind="battery")
    value = strict_int((await json_object(request)).get("value"))
    if not MIN_SOC_RANGE[0] <= value <= MIN_SOC_RANGE[1]:
        raise bad_request()
    submit(simulator, device, {"battery.min_soc": value})
    return answer(render.success(data=None))


def battery_setting(parse: controls.Parser) -> Handler:
    """POST /api/v2/device/yz/battery/<control>/{sn}: a Titan setting (API §6 later writes)."""

    async def handler(request: web.Request) -> web.Response:
        simulator = synced_simulator(request)
        station, device = device_of(simulator, request.match_info["sn"], kind="battery")
        body = await json_object(request)
        try:
            changes = parse(
                station,
                device,
                controls.requested_settings(simulator.account, device),
                body,
            )
        except controls.InvalidWrite:
            raise bad_request() from None
        submit(simulator, device, changes)
        return answer(render.success(data=None))

    return handler


# Name -> (path segment after /api/v2/device/yz/battery/, body parser).
BATTERY_SETTINGS: dict[str, tuple[str, controls.Parser]] = {
    "battery_mode": ("mode", controls.control_mode),
    "battery_manual": ("manual_mode_value", controls.manual_mode),
    "battery_power": ("power", controls.max_power),
    "battery_toggle_off_grid": ("toggleOffGrid", controls.toggle_off_grid),
    "battery_off_grid": ("offGrid", controls.off_grid),
    "battery_toggle_full_charge": ("toggleFullChargeDays", controls.toggle_full_charge),
    "battery_full_charge_days": ("fullChargeDays", controls.full_charge_days),
    "battery_full_charge_time": ("fullChargeTime", controls.full_charge_time),
}


# Endpoint name -> (method, path under BASE_PATH, handler). Names appear in stats and
# in the `failing_endpoints` fault.
ENDPOINTS: dict[str, tuple[str, str, Handler]] = (
    {
        "login": ("POST", "/api/login", login),
        "stations": ("GET", "/api/powerStations/page", stations_page),
        "station_info": (
            "GET",
            "/api/v3/powerStations/info/{station_id}",
            station_info,
        ),
        "report": ("GET", "/api/report/v2/powerStations/data/{station_id}", report),
        "component": ("GET", "/api/component/{station_id}", component),
        "devices": ("GET", "/api/device/page", device_page),
        "wifi": ("GET", "/api/v3/device/wifi/{sn}", wifi),
        "battery": ("GET", "/izy/v2/battery/{sn}", battery_page),
        "meter_channels": ("GET", "/izy/v2/meter/{sn}", meter_channels),
        "ev_charger": ("GET", "/izy/v2/ev/{sn}", ev_charger),
        "temperature": ("GET", "/api/report/device/data/{sn}", temperature),
        "upgrade": ("GET", "/api/v3/device/upgrade/{station_id}", upgrade),
        "meter_info": ("GET", "/api/v2/device/baseInfo/{device_id}", meter_base_info),
        "meter_control": ("POST", "/api/v2/device/meter/control/{sn}", meter_control),
        "battery_led": ("POST", "/api/v2/device/yz/battery/led/{sn}", battery_led),
        "battery_cmd": ("GET", "/api/v2/device/cmd/{sn}", battery_cmd),
        "battery_min_soc": (
            "POST",
            "/api/v2/device/yz/battery/min_soc/{sn}",
            battery_min_soc,
        ),
        "layout_power": ("GET", "/api/report/layoutPower/{station_id}", layout_power),
        "fast_data": ("POST", "/api/v3/powerStations/fastData/{station_id}", fast_data),
    }
    | {
        name: (
            "POST",
            f"/api/v2/device/yz/battery/{segment}/{{sn}}",
            battery_setting(parse),
        )
        for name, (segment, parse) in BATTERY_SETTINGS.items()
    }
    | EV_ENDPOINTS
)


def add_routes(app: web.Application) -> None:
    """Register every API endpoint under /photo_voltaic."""
    for name, (method, path, handler) in ENDPOINTS.items():
        app.router.add_route(method, BASE_PATH + path, handler, name=name)
