"""The Izypower Cloud integration: solar stations, batteries and meters of an account."""

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    issue_registry as ir,
)
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.typing import ConfigType

from .api import DEFAULT_BASE_URL, IzypowerClient
from .const import CONF_API_URL, DOMAIN
from .coordinator import IzypowerCoordinator, energy_guard_store
from .devices import async_setup_devices
from .freshness import async_setup_freshness
from .history.entry import (
    async_remove_energy_history,
    async_setup_energy_history,
    energy_history,
)
from .identifiers import entry_title
from .issues import no_station_issue_id
from .legacy.entry import async_adopt_legacy_entry, duplicate_issue_id
from .legacy.registry import (
    adopted_issue_id,
    async_migrate_registries,
    failed_issue_id,
    retired_issue_id,
)
from .mode_effects import ModeEffects
from .mode_holds import BatteryModeHolds, holds_store
from .runtime import IzypowerConfigEntry, IzypowerRuntimeData
from .services import async_setup_services

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.NUMBER,
    Platform.SELECT,
    Platform.SENSOR,
    Platform.SWITCH,
    Platform.TIME,
]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions: once per Home Assistant, even while no entry is loaded."""
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: IzypowerConfigEntry) -> bool:
    """Connect to the cloud, fetch the whole account once, then create the entities.

    The first refresh raises ConfigEntryAuthFailed (reauthentication) when the login is
    refused and ConfigEntryNotReady (retried later) when the cloud cannot be reached.
    """
    client = IzypowerClient(
        async_get_clientsession(hass),
        entry.data[CONF_USERNAME],
        entry.data[CONF_PASSWORD],
        base_url=entry.data.get(CONF_API_URL, DEFAULT_BASE_URL),
        language="fr" if hass.config.language.startswith("fr") else "en",
    )
    coordinator = IzypowerCoordinator(hass, entry, client)
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = IzypowerRuntimeData(
        coordinator,
        energy_history(hass, entry, coordinator),
        BatteryModeHolds(hass, entry),
    )
    # Before any device or entity of ours: those of the community integration become
    # ours (a no-op once done).
    async_migrate_registries(hass, entry)
    # Devices first, once for all platforms: every entity then finds its device.
    async_setup_devices(entry)
    async_setup_freshness(hass, entry)
    await async_setup_energy_history(hass, entry)
    # No update listener: the options flow reloads the entry itself, and the reauth
    # and reconfigure flows reload it through async_update_reload_and_abort.
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    # After the entities: a stored battery mode hold may end (and write) at once.
    await entry.runtime_data.holds.async_load()
    # Manual modes confirmed by their effect on the battery (mode_effects.py).
    ModeEffects(hass, entry).start()
    return True


async def async_migrate_entry(hass: HomeAssistant, entry: IzypowerConfigEntry) -> bool:
    """Bring an entry of an earlier version up to date.

    1.1 -> 1.2: the title was the e-mail, which Home Assistant quotes in its logs; it
    becomes the masked e-mail, unless the user renamed the entry. 1.2 -> 1.3: an entry
    of the community integration (same domain) becomes one of ours
    (`legacy/entry.py`), unless the account already has one. A later major version (a
    downgrade) cannot be read.
    """
    if entry.version > 1:
        return False
    # First, so that a refused entry is left exactly as it was.
    if entry.minor_version < 3 and not async_adopt_legacy_entry(hass, entry):
        return False
    if entry.minor_version < 2:
        username: str = entry.data[CONF_USERNAME]
        title = entry.title
        if title.strip().lower() == username.strip().lower():
            title = entry_title(username)
        hass.config_entries.async_update_entry(entry, title=title, minor_version=2)
    if entry.minor_version < 3:
        hass.config_entries.async_update_entry(entry, minor_version=3)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: IzypowerConfigEntry) -> bool:
    """Remove the entities; the coordinator stops polling when the entry unloads."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: IzypowerConfigEntry, device_entry: dr.DeviceEntry
) -> bool:
    """Let the user delete a device only once the cloud no longer lists it.

    Without a loaded entry (setup retrying or failed, entry disabled) there is no fresh
    listing to check against and no coordinator to re-create the device: allow it. The
    next successful setup adds back whatever the cloud still lists.
    """
    if entry.state is not ConfigEntryState.LOADED:
        return True
    return not entry.runtime_data.coordinator.may_still_exist(device_entry)


async def async_remove_entry(hass: HomeAssistant, entry: IzypowerConfigEntry) -> None:
    """Delete what the entry left besides itself (the statistics stay).

    That is the energy guard's memory, the open days of its statistics, its battery
    mode holds and its repair issues.
    """
    await energy_guard_store(hass, entry.entry_id).async_remove()
    await async_remove_energy_history(hass, entry.entry_id)
    await holds_store(hass, entry.entry_id).async_remove()
    for issue_id in (
        no_station_issue_id,
        duplicate_issue_id,
        retired_issue_id,
        failed_issue_id,
        adopted_issue_id,
    ):
        ir.async_delete_issue(hass, DOMAIN, issue_id(entry.entry_id))
