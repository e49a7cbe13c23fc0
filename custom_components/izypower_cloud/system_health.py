"""Home Assistant's system health page: how the integration talks to the cloud.

Everything here is about the connection, never the account's secrets: the token's
expiry is shown, the token is not. Times are local, to the second. With several accounts, figures are added up and the
earliest expiry and latest refresh are shown.
"""

from datetime import datetime
from typing import Any

from homeassistant.components import system_health
from homeassistant.core import HomeAssistant, callback
import homeassistant.util.dt as dt_util

from .api import DEFAULT_BASE_URL
from .const import CONF_API_URL, DOMAIN
from .runtime import IzypowerConfigEntry


@callback
def async_register(
    hass: HomeAssistant, register: system_health.SystemHealthRegistration
) -> None:
    """Register the system health callback."""
    register.async_register_info(system_health_info)


async def system_health_info(hass: HomeAssistant) -> dict[str, Any]:
    """Describe the loaded accounts' link to the cloud."""
    entries: list[IzypowerConfigEntry] = hass.config_entries.async_loaded_entries(
        DOMAIN
    )
    if not entries:
        return {}
    coordinators = [entry.runtime_data.coordinator for entry in entries]
    refreshes = [c.last_success for c in coordinators if c.last_success is not None]
    expiries = [
        expiry
        for c in coordinators
        if (expiry := c.client.token_valid_until) is not None
    ]
    stations = [
        station for c in coordinators if c.data for station in c.data.stations.values()
    ]
    return {
        "can_reach_server": system_health.async_check_can_reach_url(
            hass, entries[0].data.get(CONF_API_URL, DEFAULT_BASE_URL)
        ),
        "last_refresh": _local(max(refreshes)) if refreshes else None,
        "requests_last_hour": sum(c.client.requests_last_hour for c in coordinators),
        "token_valid_until": (
            _local(dt_util.utc_from_timestamp(min(expiries))) if expiries else None
        ),
        "stations": len(stations),
        # Equipment and battery Link modules: the sub-devices of the stations.
        "devices": sum(
            len(station.devices)
            + sum(len(d.battery.links) for d in station.devices.values() if d.battery)
            for station in stations
        ),
    }


def _local(moment: datetime) -> str:
    """Return a moment in Home Assistant's time zone, to the second, with its zone.

    The page is read by people: `2026-07-14 13:42:00 CEST`, not a UTC ISO timestamp
    with microseconds.
    """
    return dt_util.as_local(moment).strftime("%Y-%m-%d %H:%M:%S %Z")
