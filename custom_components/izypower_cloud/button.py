"""Buttons: a Titan's LEDs on or off, and each station's *Refresh now*.

The cloud keeps no LED state to show. *Refresh now* is a support tool: it reads the
cloud and writes nothing.
"""

from dataclasses import dataclass
from datetime import timedelta
import math
from typing import Final, override

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    HomeAssistantError,
    ServiceValidationError,
)
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
import homeassistant.util.dt as dt_util

from .const import DOMAIN
from .controls import IzypowerControlDescription, IzypowerControlEntity, serial, titan
from .data import StationData
from .entity import (
    EntityTable,
    EntityTables,
    IzypowerEntity,
    IzypowerEntityDescription,
    async_add_entities_dynamically,
)
from .runtime import IzypowerConfigEntry
from .targets import EquipmentTarget, StationTarget

# One press at a time: the LED buttons are cloud writes, and a refresh is the whole
# account's (the coordinator's debouncer merges what comes in meanwhile).
PARALLEL_UPDATES = 1

# The cloud itself refreshes about every 3 minutes: a refresh less than a minute after
# the last successful one would only cost requests.
REFRESH_NOW_MIN_AGE: Final = timedelta(minutes=1)


@dataclass(frozen=True, kw_only=True)
class IzypowerButtonDescription(
    IzypowerControlDescription[None], ButtonEntityDescription
):
    """A write with nothing to show or confirm."""


BUTTONS: tuple[IzypowerButtonDescription, ...] = (
    IzypowerButtonDescription(
        key="led_on",
        translation_key="led_on",
        exists_fn=titan,
        value_fn=lambda _: None,
        write_fn=lambda client, device, _: client.set_battery_leds(
            serial(device), True
        ),
    ),
    IzypowerButtonDescription(
        key="led_off",
        translation_key="led_off",
        exists_fn=titan,
        value_fn=lambda _: None,
        write_fn=lambda client, device, _: client.set_battery_leds(
            serial(device), False
        ),
    ),
)

TABLES: EntityTables[IzypowerButtonDescription] = (
    EntityTable(EquipmentTarget, BUTTONS),
)


@dataclass(frozen=True, kw_only=True)
class IzypowerRefreshDescription(
    IzypowerEntityDescription[StationData, None], ButtonEntityDescription
):
    """A station's button that reads the cloud (no write, no value)."""


REFRESH_NOW = IzypowerRefreshDescription(
    key="refresh_now",
    translation_key="refresh_now",
    entity_category=EntityCategory.DIAGNOSTIC,
    value_fn=lambda _: None,
)
STATION_TABLES: EntityTables[IzypowerRefreshDescription] = (
    EntityTable(StationTarget, (REFRESH_NOW,)),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: IzypowerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the LED buttons of every Titan and each station's refresh, now and later."""
    async_add_entities_dynamically(entry, async_add_entities, TABLES, IzypowerButton)
    async_add_entities_dynamically(
        entry, async_add_entities, STATION_TABLES, IzypowerRefreshButton
    )


class IzypowerButton(ButtonEntity, IzypowerControlEntity[None]):
    """A write triggered by a press."""

    entity_description: IzypowerButtonDescription

    @override
    async def async_press(self) -> None:
        """Send the write."""
        await self.async_write(None)


class IzypowerRefreshButton(IzypowerEntity[None], ButtonEntity):
    """Refresh the account now (every station: one coordinator reads them all)."""

    entity_description: IzypowerRefreshDescription

    @override
    @property
    def available(self) -> bool:
        """Available while the station is known, also after a failed refresh.

        That is when a user wants to try again; the refresh's own limits still hold.
        """
        return self._target.source(self.coordinator.data) is not None

    @override
    async def async_press(self) -> None:
        """Refresh, unless the last successful one is under a minute old.

        The press waits for the refresh it started, and tells why it failed.
        """
        last = self.coordinator.last_success
        if last is not None:
            age = dt_util.utcnow() - last
            if age < REFRESH_NOW_MIN_AGE:
                raise ServiceValidationError(
                    translation_domain=DOMAIN,
                    translation_key="refresh_too_soon",
                    translation_placeholders={
                        "seconds": str(
                            math.ceil((REFRESH_NOW_MIN_AGE - age).total_seconds())
                        )
                    },
                )
        await self.coordinator.async_refresh()
        if not self.coordinator.last_update_success:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key=(
                    "refresh_auth_failed"
                    if isinstance(
                        self.coordinator.last_exception, ConfigEntryAuthFailed
                    )
                    else "refresh_failed"
                ),
            )
