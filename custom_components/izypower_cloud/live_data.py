"""Live data on demand (experimental): faster readings of one station for a while.

The cloud has a "fast data" request (docs/api.md §7.15) that the community
integration's beta sent but never offered to users; whether and how much faster the
cloud then refreshes a station is unknown, and so is what it tolerates. So it is:

- opt in: a *Live data* switch per station, disabled by default; turning it on starts
  a session, turning it off stops it, and it turns itself off at the end;
- bounded in time (`LIVE_DURATION`) and in requests (`REQUEST_BUDGET`, every request
  of the session counted: the fast-data requests and the station-info reads);
- meanwhile the station's info is read every `LIVE_INTERVAL` and published as a
  partial update (`IzypowerCoordinator.async_publish_station_info`): its live powers
  and reading date move, its counters stay those of the last refresh; the fast-data
  request is renewed every `RENEW_EVERY`, as the beta did;
- a failed request ends the session (logged once), the regular refreshes go on.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, override

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.core import callback
from homeassistant.helpers.event import async_track_time_interval
import homeassistant.util.dt as dt_util

from .api import IzypowerError
from .const import LOGGER
from .data import Feed, StationData
from .entity import EntityTable, IzypowerEntity, IzypowerEntityDescription
from .helpers import izypower_exception_handler
from .targets import StationTarget

LIVE_DURATION = timedelta(minutes=5)
LIVE_INTERVAL = timedelta(seconds=15)
RENEW_EVERY = timedelta(seconds=90)
# 1 + 3 renewals + 20 reads fill 5 minutes at 15 s; the budget is the hard cap.
REQUEST_BUDGET = 25


@dataclass(frozen=True, kw_only=True)
class LiveDataDescription(
    IzypowerEntityDescription[StationData, bool], SwitchEntityDescription
):
    """The live-data switch of a station."""


LIVE_DATA = LiveDataDescription(
    key="live_data",
    translation_key="live_data",
    # The switch shows the session (`is_on`), not a value of the snapshot.
    value_fn=lambda _: None,
    feed=Feed.STATION_INFO,
    entity_registry_enabled_default=False,
)
LIVE_DATA_TABLES = (EntityTable(StationTarget, (LIVE_DATA,)),)


class LiveDataSwitch(IzypowerEntity[bool], SwitchEntity):
    """On while a live-data session of the station runs; it ends by itself."""

    entity_description: LiveDataDescription

    _started: datetime | None = None
    _renewed: datetime | None = None
    _requests = 0
    _cancel: Callable[[], None] | None = None

    @property
    def _station_id(self) -> int:
        station = self._target.station(self.coordinator.data)
        assert station is not None  # available, so the station is there
        return station.station.station_id

    @override
    @property
    def is_on(self) -> bool:
        """Whether a session runs."""
        return self._cancel is not None

    @override
    async def async_turn_on(self, **kwargs: Any) -> None:
        """Start a session: ask for fast data, then read the station often."""
        if not self.is_on:
            await self._async_start()

    @izypower_exception_handler
    async def _async_start(self) -> None:
        """Send the first fast-data request; errors reach the user translated."""
        self._requests = 1
        await self.coordinator.client.request_fast_data(self._station_id)
        self._started = self._renewed = dt_util.utcnow()
        self._cancel = async_track_time_interval(
            self.hass, self._async_tick, LIVE_INTERVAL, name="izypower live data"
        )
        self.async_write_ha_state()

    @override
    async def async_turn_off(self, **kwargs: Any) -> None:
        """Stop the session now."""
        self._stop()

    @override
    async def async_will_remove_from_hass(self) -> None:
        """Unloading or removing the entity ends its session."""
        self._stop()
        await super().async_will_remove_from_hass()

    @callback
    def _stop(self) -> None:
        if self._cancel is None:
            return
        self._cancel()
        self._cancel = None
        self.async_write_ha_state()

    async def _async_tick(self, now: datetime) -> None:
        """One step of the session: stop, renew, or read the station."""
        assert self._started is not None and self._renewed is not None
        if now - self._started >= LIVE_DURATION or self._requests >= REQUEST_BUDGET:
            LOGGER.debug("Live data of station %s ended", self._station_id)
            self._stop()
            return
        self._requests += 1
        client = self.coordinator.client
        try:
            if now - self._renewed >= RENEW_EVERY:
                self._renewed = now
                await client.request_fast_data(self._station_id)
                return
            info = await client.get_station_info(self._station_id)
        except IzypowerError as err:
            LOGGER.warning("Live data of station %s stopped: %s", self._station_id, err)
            self._stop()
            return
        self.coordinator.async_publish_station_info(self._station_id, info)
