"""Actions of the integration.

`izypower_cloud.export_data` answers (response only) with every read endpoint's raw
answer for one power station, anonymised (anonymize.py): what a user attaches to a
bug report about data the integration does not understand. Each action registers in
its own function, called from `async_setup`.
"""

from datetime import date
from typing import cast

from homeassistant.const import CONF_DEVICE_ID, CONF_USERNAME
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
import homeassistant.util.dt as dt_util
from homeassistant.util.json import JsonValueType
import probatio

from .action_targets import action_target
from .anonymize import Anonymizer
from .api import IzypowerError, station_reads
from .const import DOMAIN
from .data import StationData
from .runtime import IzypowerConfigEntry

SERVICE_EXPORT_DATA = "export_data"
EXPORT_DATA_SCHEMA = probatio.Schema({probatio.Required(CONF_DEVICE_ID): cv.string})


def async_setup_export_data(hass: HomeAssistant) -> None:
    """Register `izypower_cloud.export_data`."""

    async def export_data(call: ServiceCall) -> ServiceResponse:
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
                "params": cast(
                    "JsonValueType", anonymizer.anonymize(dict(read.params))
                ),
                "answer": cast("JsonValueType", anonymizer.anonymize(body)),
            }
        return {
            "station": str(anonymizer.anonymize(station_id, "id")),
            "reads": answers,
        }

    hass.services.async_register(
        DOMAIN,
        SERVICE_EXPORT_DATA,
        export_data,
        schema=EXPORT_DATA_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )


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
