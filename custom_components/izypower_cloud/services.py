"""Actions of the integration: `async_setup_services` registers every one.

Called once from `async_setup` (not per entry), so automations that call an action
validate even while no entry is loaded; the target is checked when the action runs.
The handlers live with their subject: `set_battery_mode` and `clear_battery_mode` in
battery_mode.py, `import_history` in history/action.py, `export_data` here.

`izypower_cloud.export_data` answers (response only) with every read endpoint's raw
answer for one power station, anonymised (anonymize.py): what a user attaches to a
bug report about data the integration does not understand.
"""

from datetime import date
from typing import cast

from homeassistant.const import CONF_DEVICE_ID, CONF_USERNAME
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
import homeassistant.util.dt as dt_util
from homeassistant.util.json import JsonValueType
import probatio

from .action_targets import action_target
from .anonymize import Anonymizer
from .api import IzypowerError, station_reads
from .battery_mode import (
    CLEAR_SCHEMA as CLEAR_BATTERY_MODE_SCHEMA,
    SCHEMA as SET_BATTERY_MODE_SCHEMA,
    SERVICE_CLEAR_BATTERY_MODE,
    SERVICE_SET_BATTERY_MODE,
    async_clear_battery_mode,
    async_set_battery_mode,
)
from .const import DOMAIN
from .data import StationData
from .history.action import (
    IMPORT_HISTORY_SCHEMA,
    SERVICE_IMPORT_HISTORY,
    async_import_history,
)
from .runtime import IzypowerConfigEntry

SERVICE_EXPORT_DATA = "export_data"
EXPORT_DATA_SCHEMA = probatio.Schema({probatio.Required(CONF_DEVICE_ID): cv.string})


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register every action of the integration."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_SET_BATTERY_MODE,
        async_set_battery_mode,
        schema=SET_BATTERY_MODE_SCHEMA,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_CLEAR_BATTERY_MODE,
        async_clear_battery_mode,
        schema=CLEAR_BATTERY_MODE_SCHEMA,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_EXPORT_DATA,
        async_export_data,
        schema=EXPORT_DATA_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_IMPORT_HISTORY,
        async_import_history,
        schema=IMPORT_HISTORY_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )


async def async_export_data(call: ServiceCall) -> ServiceResponse:
    """Answer with the station's raw reads, anonymised."""
    hass = call.hass
    entry, station_id = _station_of(hass, call.data[CONF_DEVICE_ID])
    coordinator = entry.runtime_data.coordinator
    station = coordinator.data.stations.get(station_id)
    if station is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="export_station_unknown"
        )
    anonymizer = _anonymizer(entry, station)
    answers: dict[str, JsonValueType] = {}
    devices = [item.device for item in station.devices.values()]
    for read in station_reads(station_id, devices, _station_day(station)):
        try:
            body = await coordinator.client.get_raw(read)
        except IzypowerError as err:
            # The class only: messages name endpoints, never values, but an
            # export is pasted in public.
            body = {"export_error": type(err).__name__}
        answers[read.name] = {
            "endpoint": read.endpoint,
            "params": cast("JsonValueType", anonymizer.anonymize(dict(read.params))),
            "answer": cast("JsonValueType", anonymizer.anonymize(body)),
        }
    return {
        "station": str(anonymizer.anonymize(station_id, "id")),
        "reads": answers,
    }


def _station_of(hass: HomeAssistant, device_id: str) -> tuple[IzypowerConfigEntry, int]:
    """Return the loaded entry and the station id of a station device."""
    target = action_target(hass, device_id)
    if target is None or target.station_id is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="export_not_a_station",
            translation_placeholders={"device": device_id},
        )
    if target.entry is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="export_entry_not_loaded"
        )
    return target.entry, target.station_id


def _anonymizer(entry: IzypowerConfigEntry, station: StationData) -> Anonymizer:
    """Know every personal value of the account that the snapshot holds."""
    anonymizer = Anonymizer()
    anonymizer.know("email", entry.data[CONF_USERNAME])
    anonymizer.know("id", station.station.station_id)
    anonymizer.know("name", station.station.name)
    anonymizer.know("address", station.station.address)
    for item in station.devices.values():
        anonymizer.know("id", item.device.device_id)
        anonymizer.know("serial", item.device.serial)
        anonymizer.know("name", item.device.name)
        if item.wifi is not None:
            anonymizer.know("ssid", item.wifi.ssid)
            anonymizer.know("ip", item.wifi.ip_address)
        for link in item.battery.links if item.battery else ():
            anonymizer.know("serial", link.serial)
    return anonymizer


def _station_day(station: StationData) -> date:
    """Return the station's date: that of its last measurement, else ours."""
    if station.info is not None and station.info.last_update is not None:
        return station.info.last_update.date()
    return dt_util.now().date()
