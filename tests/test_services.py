"""The `export_data` action: every raw answer of one station, without personal data."""

import json
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, SupportsResponse
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.izypower_cloud.anonymize import Anonymizer
from custom_components.izypower_cloud.const import DOMAIN
from custom_components.izypower_cloud.services import SERVICE_EXPORT_DATA

from .cloud_mock import (
    STATION_IDS,
    TITAN_MASTER_SN,
    Endpoint,
    MockCloud,
    fixture_secrets,
    load_fixture,
    setup_integration,
)
from .conftest import ACCOUNT_DIR

pytest_plugins = ["tests.cloud_mock"]


def _identifying_values() -> set[str]:
    """Return the serials, ids, names, addresses, email, token, SSIDs and IPs."""
    values = fixture_secrets()
    for record in load_fixture("stations_page_1.json")["data"]["records"]:
        values.update({str(record["stationsId"]), record["stationName"]})
    for station_id in STATION_IDS:
        for record in load_fixture(f"device_page_{station_id}.json")["data"]["records"]:
            values.update({str(record["deviceId"]), record["deviceName"]})
    return values


async def _export(hass: HomeAssistant, device_id: str) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN,
        SERVICE_EXPORT_DATA,
        {"device_id": device_id},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    return dict(response)


def _station_device(hass: HomeAssistant, station_id: int) -> str:
    (device,) = dr.async_get(hass).async_get_devices(
        identifiers={(DOMAIN, f"station_{station_id}")}
    )
    return device.id


async def test_export_holds_no_identifying_value(
    hass: HomeAssistant, mock_cloud: MockCloud, mock_config_entry: MockConfigEntry
) -> None:
    """Every read of the station is there, and no serial, id, name or secret."""
    await setup_integration(hass, mock_config_entry)
    mock_cloud.reset_counts()

    export = await _export(hass, _station_device(hass, 81234))

    text = json.dumps(export, ensure_ascii=False)
    leaked = {value for value in _identifying_values() if value in text}
    assert not leaked
    reads = export["reads"]
    # Station list, info, 4 reports, PV strings, devices, firmware, layout power;
    # meter: base info, Wi-Fi, channels; each Titan: Wi-Fi, battery page, settings.
    assert len(reads) == 10 + 3 + 2 * 3
    assert sum(mock_cloud.counts().values()) == len(reads)
    assert export["station"] == "<id-1>"
    # The answers are the cloud's, unparsed: the rates keep their "%".
    assert reads["report_day"]["answer"]["cover_rate"] == "85.11%"
    battery = reads["device_1_battery"]["answer"]["data"]
    assert battery["socTemp"] == 27.4
    # The same serial gets the same placeholder in every answer.
    assert battery["items"][0]["sn"].startswith("<serial-")
    # The path names its arguments, never a raw "{}" (issue 25).
    assert reads["device_1_battery"]["endpoint"] == "/izy/v2/battery/{sn}"
    assert reads["report_day"]["endpoint"] == "/api/report/v2/powerStations/data/{id}"
    assert not [read for read in reads.values() if "{}" in read["endpoint"]]
    # Pages of newer cloud versions are exported even when no entity reads them.
    channels = reads["device_3_meter_channels"]
    assert channels["endpoint"] == "/izy/v2/meter/{sn}"
    assert channels["answer"]["data"]["items"][1]["power"] == 2233


async def test_export_of_micro_inverters_and_failed_read(
    hass: HomeAssistant, mock_cloud: MockCloud, mock_config_entry: MockConfigEntry
) -> None:
    """A read that fails is named by its error class; the others are still there."""
    await setup_integration(hass, mock_config_entry)
    mock_cloud.fail(Endpoint.LAYOUT_POWER, 81235, status=500)

    export = await _export(hass, _station_device(hass, 81235))

    reads = export["reads"]
    assert reads["layout_power"]["answer"] == {
        "export_error": "IzypowerConnectionError"
    }
    assert "device_1_temperature" in reads
    text = json.dumps(export, ensure_ascii=False)
    assert not {value for value in _identifying_values() if value in text}


async def test_export_refuses_other_devices(
    hass: HomeAssistant, mock_cloud: MockCloud, mock_config_entry: MockConfigEntry
) -> None:
    """Only a station of a loaded account can be exported."""
    await setup_integration(hass, mock_config_entry)
    (titan,) = dr.async_get(hass).async_get_devices(
        identifiers={(DOMAIN, "device_640101")}
    )
    for device_id in (titan.id, "no-such-device"):
        with pytest.raises(ServiceValidationError) as err:
            await _export(hass, device_id)
        assert err.value.translation_key == "export_not_a_station"

    station = _station_device(hass, 81234)
    mock_cloud.remove_station(81234)
    coordinator = mock_config_entry.runtime_data.coordinator
    coordinator.data = type(coordinator.data)(
        stations={81235: coordinator.data.stations[81235]}
    )
    with pytest.raises(ServiceValidationError) as err:
        await _export(hass, station)
    assert err.value.translation_key == "export_station_unknown"

    await hass.config_entries.async_unload(mock_config_entry.entry_id)
    assert mock_config_entry.state is ConfigEntryState.NOT_LOADED
    with pytest.raises(ServiceValidationError) as err:
        await _export(hass, station)
    assert err.value.translation_key == "export_entry_not_loaded"


def test_anonymizer_rules() -> None:
    """Known values go everywhere, personal keys always, the rest stays."""
    anonymizer = Anonymizer()
    anonymizer.know("serial", TITAN_MASTER_SN)
    anonymizer.know("name", "")
    anonymizer.know("name", None)
    anonymizer.know("id", True)
    anonymizer.know("id", 42)
    anonymizer.know("id", 640101)
    answer = {
        "msg": f"unit {TITAN_MASTER_SN} offline",
        "nickName": "Camille",
        "ssid": "",
        "count": 42,
        "short": "42",
        "deviceId": 42,
        "parent": 640101,
        "flag": True,
        "nothing": None,
        "list": [TITAN_MASTER_SN, 1.5],
        "power": 812,
    }
    assert anonymizer.anonymize(answer) == {
        "msg": "unit <serial-1> offline",
        "nickName": "<name-1>",
        "ssid": "",
        # Too short to be replaced outside a personal key: a count, not an id.
        "count": 42,
        # A text under a key not on the allow-list: replaced all the same.
        "short": "<id-1>",
        "deviceId": "<id-1>",
        "parent": "<id-2>",
        "flag": True,
        "nothing": None,
        "list": ["<serial-1>", 1.5],
        "power": 812,
    }


async def test_export_without_wifi_nor_last_update(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """Without Wi-Fi details nor a measurement time, the export still works.

    The day asked for is then the local date; what the key-based rules catch is
    replaced even when the snapshot never named it.
    """
    del mock_cloud.payload(Endpoint.STATION_INFO, 81235)["lastUpdate"]
    del mock_cloud.payload(Endpoint.STATION_INFO, 81235)["data"]["lastUpdate"]
    mock_cloud.fail(Endpoint.WIFI)
    await setup_integration(hass, mock_config_entry)
    mock_cloud.restore(Endpoint.WIFI)

    export = await _export(hass, _station_device(hass, 81235))

    assert export["reads"]["report_day"]["params"]["searchTime"] == "2026-07-14"
    text = json.dumps(export, ensure_ascii=False)
    assert not {value for value in _identifying_values() if value in text}


def _unknown_fields() -> dict[str, Any]:
    """Return an answer's worth of personal values under keys nobody knows."""
    path = ACCOUNT_DIR.parent / "anonymize" / "unknown_personal_fields.json"
    fields: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return fields


# Personal values under keys the cloud may add one day (none of them known).
UNKNOWN_PERSONAL_VALUES = (
    "jeanne.martin@installateur-exemple.fr",
    "+33 6 12 34 56 78",
    "01.23.45.67.89",
    "Solaire Exemple SARL",
    "Jeanne Martin",
    "48.85661",
    "45.7640",
    "Exempleville-sur-Loire",
    "Camille Exemple",
    "paillasson",
    "10.0.0.17",
    "famille Exemple",
    "+33698765432",
)


def test_unknown_fields_are_replaced_by_their_kind() -> None:
    """Only allow-listed keys keep their text; the rest gets a placeholder."""
    fields = _unknown_fields()
    anonymous = Anonymizer().anonymize(fields)

    text = json.dumps(anonymous, ensure_ascii=False)
    assert not [value for value in UNKNOWN_PERSONAL_VALUES if value in text]
    assert isinstance(anonymous, dict)
    installer = anonymous["installer"]
    assert installer["contactMail"] == "<email-1>"
    assert installer["tel"] == "<phone-1>"
    assert installer["fixe"] == "<phone-2>"
    assert installer["companyName"].startswith("<text-")
    assert anonymous["gps"] == "<gps-1>"
    assert anonymous["geo"]["coords"] == "<gps-2>"
    assert anonymous["router"] == "<ip-1>"
    assert anonymous["tags"][1] == "<phone-3>"
    # What is known to carry no personal data stays as the cloud sent it.
    assert anonymous["msg"] == "success"
    assert anonymous["cover_rate"] == "85.11%"
    assert anonymous["softwareVersion"] == "V3.2.1"
    assert (anonymous["panels"], anonymous["tilt"]) == (12, 35.5)


async def test_export_replaces_fields_it_does_not_know(
    hass: HomeAssistant, mock_cloud: MockCloud, mock_config_entry: MockConfigEntry
) -> None:
    """Fields the cloud adds to an answer never reach the export as they are."""
    extra = _unknown_fields()
    info = mock_cloud.payload(Endpoint.STATION_INFO, 81234)
    info["data"].update(extra)
    await setup_integration(hass, mock_config_entry)

    export = await _export(hass, _station_device(hass, 81234))

    text = json.dumps(export, ensure_ascii=False)
    assert not [value for value in UNKNOWN_PERSONAL_VALUES if value in text]
    answer = export["reads"]["station_info"]["answer"]
    # The device kinds' names are the cloud's words, not personal.
    assert {item["name"] for item in answer["deviceTypes"]} >= {"Smart meter"}
    assert answer["data"]["lastUpdate"] == "2026-07-14 13:39:00 UTC+02:00"


async def test_every_action_is_registered_without_an_entry(hass: HomeAssistant) -> None:
    """`async_setup_services` registers the four actions, with their responses."""
    assert await async_setup_component(hass, DOMAIN, {})

    assert {
        name: hass.services.supports_response(DOMAIN, name)
        for name in hass.services.async_services_for_domain(DOMAIN)
    } == {
        "set_battery_mode": SupportsResponse.NONE,
        "clear_battery_mode": SupportsResponse.NONE,
        "export_data": SupportsResponse.ONLY,
        "import_history": SupportsResponse.OPTIONAL,
    }
