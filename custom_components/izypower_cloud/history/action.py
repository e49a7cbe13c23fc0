"""The action `izypower_cloud.import_history` (energy history, importer.py).

Registered with the other actions once, in `async_setup` (services.py), not per entry,
so automations that call it validate even while no entry is loaded; the target is
checked when the action runs.
"""

from datetime import date
from typing import Any, Final

from homeassistant.const import ATTR_CONFIG_ENTRY_ID, ATTR_DEVICE_ID
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.translation import async_get_translations
import probatio as vol

from custom_components.izypower_cloud.action_targets import action_target, loaded_entry
from custom_components.izypower_cloud.const import DOMAIN, LOGGER
from custom_components.izypower_cloud.words import number

from .entry import EnergyHistory
from .importer import ImportResult
from .statistics import recorder_ready

SERVICE_IMPORT_HISTORY: Final = "import_history"
ATTR_START: Final = "start"
ATTR_END: Final = "end"
# The longest range one call imports (about twenty years of days).
MAX_IMPORT_DAYS: Final = 20 * 366

IMPORT_HISTORY_SCHEMA: Final = vol.All(
    vol.Schema(
        {
            vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string,
            vol.Optional(ATTR_DEVICE_ID): cv.string,
            vol.Required(ATTR_START): cv.date,
            vol.Optional(ATTR_END): cv.date,
        }
    ),
    cv.has_at_least_one_key(ATTR_CONFIG_ENTRY_ID, ATTR_DEVICE_ID),
)


def _invalid(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders or None,
    )


def _targets(hass: HomeAssistant, call: ServiceCall) -> list[tuple[EnergyHistory, int]]:
    """Return the (entry history, station id) pairs the call is about."""
    if (device_id := call.data.get(ATTR_DEVICE_ID)) is not None:
        target = action_target(hass, device_id)
        if target is None or target.station_id is None or target.entry is None:
            raise _invalid("not_a_station")
        return [(target.entry.runtime_data.history, target.station_id)]
    entry = loaded_entry(hass, call.data[ATTR_CONFIG_ENTRY_ID])
    if entry is None:
        raise _invalid("entry_not_loaded")
    history = entry.runtime_data.history
    return [(history, station_id) for station_id in history.coordinator.data.stations]


def _range(
    call: ServiceCall, history: EnergyHistory, station_id: int
) -> tuple[date, date]:
    """Return the station's days to import; the end never reaches its current day."""
    first: date = call.data[ATTR_START]
    if (end := call.data.get(ATTR_END)) is not None and first > end:
        raise _invalid("reversed_range", start=str(first), end=str(end))
    latest = history.last_importable_day(station_id)
    last: date = min(call.data.get(ATTR_END, latest), latest)
    if first > last:
        raise _invalid("invalid_range", start=str(first), end=str(last))
    if (last - first).days >= MAX_IMPORT_DAYS:
        raise _invalid(
            "range_too_long",
            days=number(call.hass, MAX_IMPORT_DAYS),
        )
    return first, last


async def async_import_history(call: ServiceCall) -> ServiceResponse:
    """Import the energy history of the targeted stations for the dates asked."""
    hass = call.hass
    if not recorder_ready(hass):
        raise _invalid("recorder_not_running")
    targets = _targets(hass, call)
    ranges = [_range(call, history, station_id) for history, station_id in targets]
    translations = await async_get_translations(
        hass, hass.config.language, "exceptions", [DOMAIN]
    )
    template = translations[
        f"component.{DOMAIN}.exceptions.import_history_done.message"
    ]
    stations: dict[str, Any] = {}
    messages: list[str] = []
    incomplete: list[str] = []
    for (history, station_id), (first, last) in zip(targets, ranges, strict=True):
        result = await history.async_import(station_id, first, last)
        stations[str(station_id)] = _result_json(result)
        name = history.station_name(station_id)
        messages.append(_station_message(hass, template, name, result))
        incomplete += (
            f"{name} {day.isoformat()} ({', '.join(missing)})"
            for day, missing in result.incomplete.items()
        )
    message = "\n".join(messages)
    LOGGER.info("%s", message)
    if incomplete:
        LOGGER.warning(
            "Izypower history: the cloud's report lacked some series of %s days, "
            "booked without them (import these days again later to complete them): "
            "%s",
            len(incomplete),
            "; ".join(incomplete),
        )
    return {"message": message, "stations": stations}


def _station_message(
    hass: HomeAssistant, template: str, name: str, result: ImportResult
) -> str:
    """Return one station's line of the answer, counts written as the language does."""
    counts = {
        "imported": result.imported,
        "present": result.present,
        "skipped": result.skipped,
        "failed": result.failed,
        "incomplete": result.incomplete,
    }
    return template.format(
        station=name, **{key: number(hass, len(days)) for key, days in counts.items()}
    )


def _result_json(result: ImportResult) -> dict[str, Any]:
    return {
        "imported": len(result.imported),
        "already_present": len(result.present),
        "skipped": [day.isoformat() for day in result.skipped],
        "failed": [day.isoformat() for day in result.failed],
        # Day -> the series its report lacked (they have no rows that day yet).
        "incomplete": {
            day.isoformat(): [str(one) for one in missing]
            for day, missing in result.incomplete.items()
        },
    }
