"""How old a station's reading is: stale live powers, and the "station offline?" repair.

The cloud dates each station's reading (`lastUpdate`, station info) and renews it about
every 3 minutes. A station that stops reporting (power cut, Wi-Fi, a unit offline) keeps
being served with its last reading: the cloud answers, the values do not move. So:

- A reading's age is judged when a refresh fetched it (`StationData.read_at` −
  `lastUpdate`); re-reads between refreshes keep it, so it never depends on when an
  entity's state happens to be written.
- Past `STALE_AFTER` (five missed cloud cycles) the station's data is *stale*: the live
  powers (descriptions with `live=True`) become unavailable through the one
  availability rule (`entity.source_available`); counters and levels keep their value
  (a counter's last value is still true), and the station's *Stale data* binary sensor
  turns on.
- Past `OFFLINE_AFTER`, while refreshes succeed, a repair issue per station
  (`station_offline_<id>`) says the station may be offline; it is deleted at the first
  refresh that shows a reading younger than that, when the station is gone, and when
  the entry unloads. Not for a station without battery whose devices are all listed
  offline (micro-inverters asleep at night).
"""

from datetime import datetime, timedelta

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .api import StationInfo
from .const import DOMAIN
from .data import Feed, StationData
from .runtime import IzypowerConfigEntry

# The cloud renews a reading about every 3 minutes: five missed cycles.
STALE_AFTER = timedelta(minutes=15)
OFFLINE_AFTER = timedelta(hours=1)


def reading_age(info: StationInfo | None, now: datetime | None) -> timedelta | None:
    """Return how old the station's reading is at `now`; None without a date."""
    if info is None or info.last_update is None or now is None:
        return None
    # A reading dated ahead of our clock (a skewed cloud clock) is fresh, not negative.
    return max(now - info.last_update, timedelta(0))


def station_reading_age(station: StationData) -> timedelta | None:
    """Return how old the station's reading was when the refresh fetched it."""
    return reading_age(station.info, station.read_at)


def is_stale(station: StationData) -> bool | None:
    """Tell whether the reading is older than `STALE_AFTER`; None when unknown."""
    if (age := station_reading_age(station)) is None:
        return None
    return age > STALE_AFTER


def _asleep(station: StationData) -> bool:
    """Tell whether a station without battery lists every device offline.

    Micro-inverters are powered by their panels: at night they are all offline and
    whether the cloud still renews the station's reading then is unknown. A repair
    every night would be noise; their *Online* sensors already tell.
    """
    return (
        not station.has_battery
        and bool(station.devices)
        and all(device.device.online is False for device in station.devices.values())
    )


def offline_issue_id(station_id: int) -> str:
    """Return the issue id of one station's "stopped reporting" repair."""
    return f"station_offline_{station_id}"


def _check_station(hass: HomeAssistant, station: StationData) -> None:
    """Raise or clear one station's issue from a refresh that read its info."""
    age = station_reading_age(station)
    if Feed.STATION_INFO in station.failed or age is None or _asleep(station):
        # No evidence either way this refresh.
        return
    station_id = station.station.station_id
    issue_id = offline_issue_id(station_id)
    if age <= OFFLINE_AFTER:
        ir.async_delete_issue(hass, DOMAIN, issue_id)
        return
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key="station_offline",
        translation_placeholders={
            "station": station.station.name or str(station_id),
            "hours": str(int(age / timedelta(hours=1))),
        },
    )


@callback
def async_setup_freshness(hass: HomeAssistant, entry: IzypowerConfigEntry) -> None:
    """Check every station's reading after each successful refresh."""
    coordinator = entry.runtime_data.coordinator
    raised: set[int] = set()

    @callback
    def check() -> None:
        if not coordinator.last_update_success:
            # The cloud does not answer: that is not a station going offline.
            return
        stations = coordinator.data.stations
        for station_id in raised - set(stations):
            ir.async_delete_issue(hass, DOMAIN, offline_issue_id(station_id))
        raised.intersection_update(stations)
        for station_id, station in stations.items():
            raised.add(station_id)
            _check_station(hass, station)

    @callback
    def clear() -> None:
        for station_id in raised:
            ir.async_delete_issue(hass, DOMAIN, offline_issue_id(station_id))

    check()
    entry.async_on_unload(coordinator.async_add_listener(check))
    entry.async_on_unload(clear)
