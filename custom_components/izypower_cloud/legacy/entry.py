"""Adopt a config entry of the community integration (same domain) as one of ours.

Its entries have no unique id and keep the refresh period in their data (docs/design.md
§3, "Coming from the community integration"). The account becomes the unique id, the
refresh period an option in our range, and its default title our masked e-mail; the
credentials stay. When the account already has an entry of ours, the old entry is left
as it is, does not load, and a repair tells the user to delete it.
"""

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_USERNAME
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from custom_components.izypower_cloud.const import (
    CONF_REFRESH_PERIOD,
    DOMAIN,
    LOGGER,
    MAX_REFRESH_PERIOD,
    MIN_REFRESH_PERIOD,
)
from custom_components.izypower_cloud.identifiers import entry_title

from .ids import (
    LEGACY_REFRESH_PERIOD,
    LEGACY_TITLE,
    is_legacy_entry,
    legacy_refresh_period,
)


def duplicate_issue_id(entry_id: str) -> str:
    """Return the issue id of the repair of an old entry whose account has ours."""
    return f"legacy_entry_duplicate_{entry_id}"


@callback
def async_adopt_legacy_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Make an entry of the community integration ours; False when it cannot be.

    Any other entry is left alone (True).
    """
    if not is_legacy_entry(entry.version, entry.unique_id, entry.data):
        return True
    username: str = entry.data[CONF_USERNAME]
    account = username.strip().lower()
    other = hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, account)
    if other is not None:
        LOGGER.warning(
            "The entry %s of the community integration was not adopted: its account "
            "already has the entry %s",
            entry.title,
            other.title,
        )
        ir.async_create_issue(
            hass,
            DOMAIN,
            duplicate_issue_id(entry.entry_id),
            is_fixable=False,
            is_persistent=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key="legacy_entry_duplicate",
            translation_placeholders={"entry": entry.title, "other": other.title},
        )
        return False
    options = {
        key: value
        for key, value in entry.options.items()
        if key != LEGACY_REFRESH_PERIOD
    }
    period = legacy_refresh_period(
        entry.data, entry.options, (MIN_REFRESH_PERIOD, MAX_REFRESH_PERIOD)
    )
    if period is not None:
        options[CONF_REFRESH_PERIOD] = period
    hass.config_entries.async_update_entry(
        entry,
        unique_id=account,
        title=entry_title(username) if entry.title == LEGACY_TITLE else entry.title,
        data={
            key: value
            for key, value in entry.data.items()
            if key != LEGACY_REFRESH_PERIOD
        },
        options=options,
    )
    return True
