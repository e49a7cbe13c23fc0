"""Numbers and words in Home Assistant's language, for messages and repairs.

Home Assistant puts a message's placeholders in as given: a number (thousands
separator, decimal mark) and an option's word must already be in the message's
language (`hass.config.language`, the language Home Assistant renders it in).
Messages name things as the user sees them: an action's fields by the names of its
form, modes and states by the words of the entities' states.
"""

import math

from homeassistant.core import HomeAssistant
from homeassistant.helpers.translation import (
    async_get_cached_translations,
    async_get_translations,
)

from .const import DOMAIN

# French groups thousands with a narrow no-break space.
_FRENCH_GROUP = "\u202f"


def format_number(value: float, language: str) -> str:
    """Return `value` as written in `language` (English unless French)."""
    if not math.isfinite(value):
        return f"{value:g}"
    text = f"{value:,.6f}".rstrip("0").rstrip(".")
    if language.split("-", maxsplit=1)[0] == "fr":
        return text.replace(",", _FRENCH_GROUP).replace(".", ",")
    return text


def number(hass: HomeAssistant, value: float) -> str:
    """Return `value` as written in Home Assistant's language."""
    return format_number(value, hass.config.language)


def entity_word(hass: HomeAssistant, key: str, fallback: str) -> str:
    """Return one of our entity translations (`sensor.<key>.state.<state>`).

    Loaded with the platforms, in Home Assistant's language; `fallback` otherwise.
    """
    found = async_get_cached_translations(hass, hass.config.language, "entity", DOMAIN)
    return found.get(f"component.{DOMAIN}.entity.{key}", fallback)


async def async_form_words(hass: HomeAssistant, service: str) -> dict[str, str]:
    """Return the names of an action's fields as its form shows them, by field key."""
    found = await async_get_translations(
        hass, hass.config.language, "services", {DOMAIN}
    )
    prefix = f"component.{DOMAIN}.services.{service}.fields."
    return {
        key.removeprefix(prefix).removesuffix(".name"): name
        for key, name in found.items()
        if key.startswith(prefix) and key.endswith(".name")
    }
