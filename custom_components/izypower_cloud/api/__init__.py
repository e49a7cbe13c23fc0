"""Asynchronous client of the Izypower Cloud (Materfrance Izypower range).

Standalone library: it depends on aiohttp only and never imports Home Assistant.

Modules, each with one job: ``client`` (the endpoint methods of
:class:`IzypowerClient` and its per-refresh limits, ``refresh_round``), ``auth``
(login, token, refusal memory, login backoff), ``wire`` (the one request path:
headers, timeout, retries, envelopes), ``paging`` (paged lists), ``writes`` (the
setting writes, on the same request path), ``parsers`` (tolerant
value parsers), ``models`` / ``equipment`` / ``enums`` (typed payloads) and
``exceptions``; ``raw`` lists a station's reads for the unparsed data export.
"""

from .base_url import is_encrypted_or_local, normalize_base_url
from .client import IzypowerClient
from .enums import (
    BackupOutletMode,
    BatteryState,
    ClusterMode,
    ControlMode,
    DeviceType,
    EnergySeries,
    ManualMode,
    Period,
    PowerDirection,
    Rate,
)
from .equipment import (
    BatteryPage,
    BatterySettings,
    Device,
    LinkModule,
    MeterControl,
    WifiInfo,
)
from .ev import EvControlMode, EvSettings
from .exceptions import (
    IzypowerAuthenticationError,
    IzypowerConnectionError,
    IzypowerError,
    IzypowerLoginPausedError,
    IzypowerLoginUnavailableError,
    IzypowerResponseError,
    IzypowerTokenRefusedError,
)
from .models import METER_SERIES, CtPower, EnergyReport, PvString, Station, StationInfo
from .parsers import parse_number
from .raw import RawRead, station_reads
from .readings import ChannelMode, EvChargerPower, MeterChannel
from .wire import DEFAULT_BASE_URL, CallRound

__all__ = [
    "DEFAULT_BASE_URL",
    "METER_SERIES",
    "BackupOutletMode",
    "BatteryPage",
    "BatterySettings",
    "CallRound",
    "BatteryState",
    "ChannelMode",
    "ClusterMode",
    "ControlMode",
    "CtPower",
    "Device",
    "DeviceType",
    "EnergyReport",
    "EnergySeries",
    "EvChargerPower",
    "EvControlMode",
    "EvSettings",
    "IzypowerAuthenticationError",
    "IzypowerClient",
    "IzypowerConnectionError",
    "IzypowerError",
    "IzypowerLoginPausedError",
    "IzypowerLoginUnavailableError",
    "IzypowerResponseError",
    "IzypowerTokenRefusedError",
    "LinkModule",
    "ManualMode",
    "MeterChannel",
    "MeterControl",
    "Period",
    "PowerDirection",
    "PvString",
    "Rate",
    "RawRead",
    "Station",
    "StationInfo",
    "WifiInfo",
    "is_encrypted_or_local",
    "normalize_base_url",
    "parse_number",
    "station_reads",
]
