"""Repair issues: only situations the user can act on.

The account has no power station any more: the cloud's station list came back empty
while the device registry still holds stations of this entry. The user either removed
the stations in the app (then this entry is useless) or has an account problem to
look at; either way, it is worth more than silently stale devices. The issue goes away
when a station is listed again (or the entry is removed).
"""

from collections.abc import Mapping

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, issue_registry as ir

from .api import Station
from .const import DOMAIN
from .identifiers import STATION_PREFIX


def no_station_issue_id(entry_id: str) -> str:
    """Return the issue id of one entry's "no power station" repair."""
    return f"no_station_{entry_id}"


def check_station_list(
    hass: HomeAssistant, entry: ConfigEntry, stations: Mapping[int, Station]
) -> None:
    """Raise or clear the "no power station" issue after a station list arrived."""
    issue_id = no_station_issue_id(entry.entry_id)
    if stations:
        ir.async_delete_issue(hass, DOMAIN, issue_id)
        return
    had_stations = any(
        domain == DOMAIN and identifier.startswith(STATION_PREFIX)
        for device in dr.async_entries_for_config_entry(
            dr.async_get(hass), entry.entry_id
        )
        for domain, identifier in device.identifiers
    )
    if had_stations:
        ir.async_create_issue(
            hass,
            DOMAIN,
            issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="no_station",
            translation_placeholders={"account": entry.title},
        )
