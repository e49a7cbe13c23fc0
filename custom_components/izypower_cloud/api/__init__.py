"""Asynchronous client of the Izypower Cloud (Materfrance Izypower range).

Standalone library: it depends on aiohttp only and never imports Home Assistant.
"""

from .client import DEFAULT_BASE_URL, IzypowerClient, normalize_base_url
from .exceptions import (
    IzypowerAuthenticationError,
    IzypowerConnectionError,
    IzypowerError,
    IzypowerResponseError,
)
from .models import (
    BatteryPage,
    BatterySettings,
    BatteryState,
    ClusterMode,
    CtPower,
    Device,
    DeviceType,
    EnergyReport,
    EnergySeries,
    LinkModule,
    MeterControl,
    Period,
    PvString,
    Rate,
    Station,
    StationInfo,
    WifiInfo,
    parse_number,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "BatteryPage",
    "BatterySettings",
    "BatteryState",
    "ClusterMode",
    "CtPower",
    "Device",
    "DeviceType",
    "EnergyReport",
    "EnergySeries",
    "IzypowerAuthenticationError",
    "IzypowerClient",
    "IzypowerConnectionError",
    "IzypowerError",
    "IzypowerResponseError",
    "LinkModule",
    "MeterControl",
    "Period",
    "PvString",
    "Rate",
    "Station",
    "StationInfo",
    "WifiInfo",
    "normalize_base_url",
    "parse_number",
]
