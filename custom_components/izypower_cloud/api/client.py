"""Asynchronous client of the Izypower Cloud HTTP API: the endpoint methods.

Every call goes through :meth:`IzypowerClient._request`, which asks
:class:`~.auth.Authenticator` for the access token (renewed before expiry, and once
after a 401), sends through :class:`~.wire.Wire` (timeout, retries, decoding) and
extracts the payload with :func:`~.wire.decode`. Endpoint methods only name their
path and envelope and hand the payload to a model; paged lists go through
:func:`~.paging.read_all_pages`. How logins fail and are remembered is described in
:mod:`.auth`.
"""

import asyncio
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from http import HTTPStatus
import logging
import time
from typing import override

import aiohttp

from .auth import Authenticator
from .enums import Period
from .equipment import (
    BatteryPage,
    BatterySettings,
    Device,
    MeterControl,
    WifiInfo,
    parse_latest_temperature,
    parse_upgrade_flags,
)
from .ev import EvSettings
from .exceptions import IzypowerConnectionError, IzypowerTokenRefusedError
from .models import CtPower, EnergyReport, PvString, Station, StationInfo
from .paging import PAGE_SIZE, read_all_pages
from .raw import RawRead, report_params
from .readings import EvChargerPower, MeterChannel
from .wire import (
    DEFAULT_BASE_URL,
    DEFAULT_REQUEST_TIMEOUT,
    IN_DATA,
    Call,
    CallRound,
    Envelope,
    Wire,
    decode,
)
from .writes import EV_PATH, SettingWrites

_LOGGER = logging.getLogger(__name__)

_STATION_INFO = Envelope(
    in_data=False,
    top_level_keys=("power", "grid_power", "consumption", "extraData", "lastUpdate"),
)
_REPORT = Envelope(
    in_data=False,
    top_level_keys=(
        "energy",
        "total_consumption",
        "cover_rate",
        "storage_in_rate",
        "energy_self_rate",
        "meter_energy_n_rate",
        "storage_out_rate",
        "consumption_rate",
        "meter_energy_p_rate",
    ),
)
_COMPONENT = Envelope(in_data=False, top_level_keys=("pvData",))
# Clients disagree on Wi-Fi: the original reads the top level, the Jeedom port falls
# back to `data`. Accept both.
_WIFI = Envelope(in_data=True, top_level_keys=("rssi", "wifi", "ip"))


class IzypowerClient(SettingWrites):
    """Client of one Izypower Cloud account.

    The ``aiohttp.ClientSession`` is injected and never closed here. ``sleep`` and
    ``clock`` are injectable so that tests run backoff and token expiry instantly.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        username: str,
        password: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        language: str = "en",
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Create a client; nothing is sent before the first call.

        Raises ``ValueError`` when ``base_url`` is unusable (see
        :func:`~.base_url.normalize_base_url`), a programming or configuration error
        that no retry would fix.
        """
        # The cloud only knows French and English; everything else gets English.
        self._language = "fr" if language.strip().lower().startswith("fr") else "en"
        self._wire = Wire(
            session,
            base_url,
            language=self._language,
            request_timeout=request_timeout,
            sleep=sleep,
            clock=clock,
        )
        self._auth = Authenticator(self._wire, username, password, clock)

    @property
    def request_count(self) -> int:
        """HTTP requests actually sent, logins and retries included."""
        return self._wire.request_count

    @property
    def requests_last_hour(self) -> int:
        """HTTP requests sent in the last hour (sliding), logins and retries included."""
        return self._wire.recent_requests()

    @property
    def token_valid_until(self) -> float | None:
        """When the token held expires (epoch seconds); ``None`` without a token."""
        return self._auth.token_expiry

    @override
    def __repr__(self) -> str:
        """Describe the client without credentials or token."""
        return (
            f"{type(self).__name__}(language={self._language!r}, "
            f"logged_in={self._auth.logged_in}, requests={self.request_count})"
        )

    @override
    async def _write(self, template: str, serial: str, body: dict[str, object]) -> None:
        """Send one setting write; an error envelope in the answer is a refusal."""
        await self._request("POST", template, serial, body=body, envelope=None)

    async def _request(
        self,
        method: str,
        template: str,
        *path_args: object,
        params: Mapping[str, str | int] | None = None,
        body: Mapping[str, object] | None = None,
        envelope: Envelope | None = IN_DATA,
        retry: bool = True,
    ) -> object:
        """Send one API call and return its payload.

        ``template`` is the path with ``{}`` placeholders for ``path_args``; messages
        of raised exceptions quote the template, not the serials. ``envelope`` says
        where the payload is; ``None`` is for writes and raw reads: the whole decoded
        body (see :func:`~.wire.decode`). ``retry=False`` sends a transient failure
        back at once instead of retrying it.
        """
        call = Call.build(method, template, path_args, params, body, retry=retry)
        if (limits := self._wire.round) is not None and limits.circuit_open:
            # Checked before the token: a login refused this way is no login failure.
            raise IzypowerConnectionError(
                f"{call.endpoint} not sent: the Izypower Cloud already failed "
                "the calls this round depends on"
            )
        token = await self._auth.token()
        status, decoded = await self._wire.send(call, token)
        if status == HTTPStatus.UNAUTHORIZED:
            if not self._auth.refused(token):
                raise _fresh_token_refused(call)
            # An expired or revoked token: log in again once and repeat the call once.
            _LOGGER.debug("Token refused on %s, logging in again", call.endpoint)
            token = await self._auth.token(rejected=token)
            status, decoded = await self._wire.send(call, token)
            if status == HTTPStatus.UNAUTHORIZED and not self._auth.refused(token):
                raise _fresh_token_refused(call)
        if status != HTTPStatus.UNAUTHORIZED:
            self._auth.accepted(token)
        return decode(status, decoded, call.endpoint, envelope)

    async def _read_all_pages[T](
        self,
        template: str,
        params: Mapping[str, str | int],
        *,
        parse: Callable[[object], T | None],
        key: Callable[[T], int],
    ) -> list[T]:
        """Read every page of the list at ``template`` (see :mod:`.paging`)."""

        async def fetch_page(page: int) -> object:
            return await self._request(
                "GET", template, params={**params, "page": page, "limit": PAGE_SIZE}
            )

        return await read_all_pages(fetch_page, template, parse, key)

    @contextmanager
    def refresh_round(self, *, retries: int) -> Iterator[CallRound]:
        """Bound every call made inside the block, all together (see :mod:`.wire`).

        At most ``retries`` retries are made in total, whatever the number of calls;
        ``open_circuit()`` on the yielded :class:`CallRound` makes every later call of
        the block raise :class:`IzypowerConnectionError` without a request. Both end
        with the block. Blocks must not overlap (one refresh at a time).
        """
        self._wire.round = limits = CallRound(retries)
        try:
            yield limits
        finally:
            self._wire.round = None

    # ---------------------------------------------------------------- endpoints

    async def get_raw(self, read: RawRead) -> object:
        """Return the whole decoded body of one read, unparsed (data export).

        Same request path as every endpoint; an error envelope raises like a refused
        write would.
        """
        return await self._request(
            "GET", read.template, *read.path_args, params=read.params, envelope=None
        )

    async def login(self) -> None:
        """Log in now, even if a valid token is held (validates credentials).

        This is the only way out of a refused login: it forgets the refusal and sends
        the credentials again. Raises :class:`IzypowerAuthenticationError` at once
        (no retry) when they are refused again.
        """
        await self._auth.login()

    async def get_stations(self) -> list[Station]:
        """Return every power station of the account (all pages)."""
        return await self._read_all_pages(
            "/api/powerStations/page",
            {},
            parse=Station.from_json,
            key=lambda station: station.station_id,
        )

    async def request_fast_data(self, station_id: int) -> None:
        """Ask the cloud for faster readings of a station for a while (docs/api.md).

        No body; HTTP 200 or 204. Sent once, never retried: a live-data session that
        fails stops rather than insisting.
        """
        await self._request(
            "POST",
            "/api/v3/powerStations/fastData/{}",
            station_id,
            envelope=None,
            retry=False,
        )

    async def get_station_info(self, station_id: int) -> StationInfo:
        """Return live powers, energy counters and type labels of a station."""
        body = await self._request(
            "GET",
            "/api/v3/powerStations/info/{}",
            station_id,
            envelope=_STATION_INFO,
        )
        return StationInfo.from_json(body)

    async def get_energy_report(
        self, station_id: int, period: Period, day: date
    ) -> EnergyReport:
        """Return the rates of the ``period`` containing ``day``."""
        body = await self._request(
            "GET",
            "/api/report/v2/powerStations/data/{}",
            station_id,
            params=report_params(period, day),
            envelope=_REPORT,
        )
        return EnergyReport.from_json(body, period)

    async def get_pv_strings(self, station_id: int, day: date) -> list[PvString]:
        """Return the live power of every PV input of the station."""
        body = await self._request(
            "GET",
            "/api/component/{}",
            station_id,
            params={"searchTime": day.isoformat()},
            envelope=_COMPONENT,
        )
        return PvString.list_from_json(body)

    async def get_devices(self, station_id: int) -> list[Device]:
        """Return every device of a station (all pages)."""
        return await self._read_all_pages(
            "/api/device/page",
            {"powerId": station_id, "deviceType": "all"},
            parse=Device.from_json,
            key=lambda device: device.device_id,
        )

    async def get_wifi(self, serial: str) -> WifiInfo:
        """Return the Wi-Fi link of a device."""
        payload = await self._request(
            "GET", "/api/v3/device/wifi/{}", serial, envelope=_WIFI
        )
        return WifiInfo.from_json(payload)

    async def get_battery(self, serial: str) -> BatteryPage:
        """Return the battery page of a Titan unit, with its Link modules."""
        return BatteryPage.from_json(
            await self._request("GET", "/izy/v2/battery/{}", serial)
        )

    async def get_temperature(self, serial: str, day: date) -> float | None:
        """Return the latest temperature (°C) of a micro-inverter on ``day``."""
        payload = await self._request(
            "GET",
            "/api/report/device/data/{}",
            serial,
            params={
                "searchTime": day.isoformat(),
                "timeType": "day",
                "dataFlag": "temp",
            },
        )
        return parse_latest_temperature(payload)

    async def get_firmware_updates(self, station_id: int) -> dict[str, bool]:
        """Return serial -> firmware update available, for the station's devices."""
        return parse_upgrade_flags(
            await self._request("GET", "/api/v3/device/upgrade/{}", station_id)
        )

    async def get_meter_control(self, device_id: int) -> MeterControl:
        """Return the export limitation of a smart meter (keyed by device id)."""
        return MeterControl.from_json(
            await self._request("GET", "/api/v2/device/baseInfo/{}", device_id)
        )

    async def get_battery_settings(self, serial: str) -> BatterySettings:
        """Return the settings of a Titan unit (every control's current value)."""
        return BatterySettings.from_json(
            await self._request("GET", "/api/v2/device/cmd/{}", serial)
        )

    async def get_ev_settings(self, serial: str, station_id: int) -> EvSettings:
        """Return an EV charger's settings: four reads, its station's priority last."""
        settings = EvSettings.from_json(
            await self._request("GET", "/api/v2/device/cmd/{}", serial)
        ).with_power_derate(
            await self._request("GET", EV_PATH + "powerDerate/{}", serial)
        )
        settings = settings.with_options(
            await self._request("GET", EV_PATH + "intelligentValue/V2/{}", serial)
        )
        return settings.with_priority(
            await self._request("GET", EV_PATH + "priority/V2/{}", station_id),
            station_id,
        )

    async def get_ct_powers(self, station_id: int, day: date) -> list[CtPower]:
        """Return the latest current-clamp powers of the station's meters on ``day``."""
        payload = await self._request(
            "GET",
            "/api/report/layoutPower/{}",
            station_id,
            params={"searchTime": day.isoformat(), "isV2": "true"},
        )
        return CtPower.list_from_json(payload)

    # The two pages below are live readings of newer cloud versions, read at every
    # refresh while wanted. Not retried: a cloud without them (or failing them) would
    # otherwise cost three requests a refresh and take the retries other calls of the
    # refresh share (wire.CallRound); a missed reading is back at the next refresh.

    async def get_meter_channels(self, serial: str) -> list[MeterChannel]:
        """Return the three channels of a smart meter (newer cloud versions)."""
        return MeterChannel.list_from_json(
            await self._request("GET", "/izy/v2/meter/{}", serial, retry=False)
        )

    async def get_ev_charger(self, serial: str) -> EvChargerPower:
        """Return an EV charger's AC input and charging power (newer cloud versions)."""
        return EvChargerPower.from_json(
            await self._request("GET", "/izy/v2/ev/{}", serial, retry=False)
        )


def _fresh_token_refused(call: Call) -> IzypowerTokenRefusedError:
    """Return the error of a call refused with a token fresh from its login."""
    return IzypowerTokenRefusedError(
        f"{call.endpoint} answered HTTP 401 to a token fresh from its login",
        status=HTTPStatus.UNAUTHORIZED,
    )
