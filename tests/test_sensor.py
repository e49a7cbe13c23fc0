"""Tests of the Izypower Cloud sensors against the fake cloud."""

import copy
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import homeassistant.util.dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.izypower_cloud.const import DOMAIN, SLOW_REFRESH_INTERVAL
from custom_components.izypower_cloud.identifiers import station_identifier

from .cloud_mock import (
    MICRO_SNS,
    TILLEULS,
    TITAN_MASTER_SN,
    TITAN_SLAVE_SN,
    VERGER,
    Endpoint,
    MockCloud,
    advance_time,
    assert_states,
    assert_unavailable,
    entity_state,
    only_platforms,
    report_at,
    setup_integration,
)

pytest_plugins = ["tests.cloud_mock"]

pytestmark = pytest.mark.usefixtures("cloud_clock")

MASTER = "sensor.titan_maitre"
SLAVE = "sensor.titan_esclave"


load_sensors_only = only_platforms(Platform.SENSOR)


async def _refresh(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Run one fast refresh now."""
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()


async def _slow_refresh(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Let the clock reach the next slow refresh (Wi-Fi, month/year reports, ...)."""
    await advance_time(hass, freezer, SLOW_REFRESH_INTERVAL)


async def test_disabled_by_default(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
) -> None:
    """Noisy and rarely used sensors start disabled; everything else is enabled."""
    await setup_integration(hass, mock_config_entry)

    disabled = {
        entry.unique_id
        for entry in er.async_entries_for_config_entry(
            entity_registry, mock_config_entry.entry_id
        )
        if entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    }
    rates = (
        "cover_rate",
        "battery_charge_rate",
        "self_sufficiency_rate",
        "grid_export_rate",
        "battery_discharge_rate",
        "consumption_from_pv_rate",
        "grid_import_rate",
    )
    # Station 81235 has micro-inverters only: no battery nor meter entities at all,
    # so none of the rates (each a share of the battery's, the grid's or consumption).
    expected = {
        "station_81234_battery_pv_power",
        "station_81234_last_update",
        "station_81235_last_update",
    }
    expected.update(
        f"station_81234_{rate}_{period}"
        for rate in rates
        for period in ("month", "year")
    )
    for device in (640101, 640102, 640103, 640201, 640202):
        expected.update(
            f"device_{device}_{key}" for key in ("wifi_rssi", "wifi_ssid", "ip_address")
        )
    for device in (640101, 640102):
        expected.update(
            {f"device_{device}_charging_time", f"device_{device}_discharging_time"}
        )
    # The meter's channels: read only while one of them is enabled (on demand).
    expected.update(
        f"device_640103_channel_{number}_{reading}"
        for number in (1, 2, 3)
        for reading in ("power", "apparent_power", "current", "voltage", "mode")
    )
    assert disabled == expected
    assert hass.states.get(f"{TILLEULS}_coverage_rate_this_month") is None
    assert entity_state(hass, f"{TILLEULS}_coverage_rate_today") == "85.11"


def _strip_station_info(body: dict[str, Any]) -> dict[str, Any]:
    """Drop every live figure and counter from a station info."""
    for key in (
        "power",
        "grid_power",
        "consumption",
        "battery_power",
        "battery_pv_power",
        "battery_soc",
        "extraData",
    ):
        del body[key]
    return body


def _zero_station_info(body: dict[str, Any]) -> dict[str, Any]:
    """Set every live figure and counter of a station info to a real 0."""
    for key in ("power", "grid_power", "consumption", "battery_power", "battery_soc"):
        body[key] = 0
    for category in body["extraData"].values():
        for key in category:
            category[key] = 0
    return body


# Last update is disabled by default (it would fill the Activity feed).
@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize(
    ("change", "expected"),
    [(_strip_station_info, STATE_UNKNOWN), (_zero_station_info, "0.0")],
    ids=["missing", "zero"],
)
async def test_missing_is_unknown_zero_is_zero(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    change: Any,
    expected: str,
) -> None:
    """A figure the cloud did not send is unknown; a real 0 stays 0."""
    info = mock_cloud.payload(Endpoint.STATION_INFO, 81234)
    mock_cloud.set_payload(Endpoint.STATION_INFO, 81234, change(copy.deepcopy(info)))
    battery = mock_cloud.payload(Endpoint.BATTERY, TITAN_MASTER_SN)
    if expected == STATE_UNKNOWN:
        battery["data"] = {"items": battery["data"]["items"]}
    else:
        for key in ("soc", "socKwh", "batteryPower", "pvPower"):
            battery["data"][key] = 0
    await setup_integration(hass, mock_config_entry)

    for name in (
        "solar_power",
        "grid_power",
        "consumption_power",
        "battery_power",
        "battery_level",
        "solar_production_since_installation",
        "grid_import_today",
        "consumption_from_solar_since_installation",
    ):
        assert entity_state(hass, f"{TILLEULS}_{name}") == expected, name
    for name in (
        "battery_level",
        "battery_stored_energy",
        "battery_power",
        "direct_solar_power",
    ):
        assert entity_state(hass, f"{MASTER}_{name}") == expected, name
    assert entity_state(hass, f"{MASTER}_battery_state") == (
        STATE_UNKNOWN if expected == STATE_UNKNOWN else "standby"
    )
    # Neither station info nor the rest of the account is affected.
    assert entity_state(hass, f"{TILLEULS}_last_update") == "2026-07-14T11:39:00+00:00"
    assert entity_state(hass, f"{TILLEULS}_coverage_rate_today") == "85.11"
    assert entity_state(hass, f"{VERGER}_solar_power") == "1165.0"
    assert entity_state(hass, f"{SLAVE}_battery_level") == "65.0"


# Last update is disabled by default (it would fill the Activity feed).
@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize(
    ("last_update", "expected"),
    [
        ("2026-07-14 13:39:00 UTC+02:00", "2026-07-14T11:39:00+00:00"),
        ("2026-07-14 08:39:00 UTC-03:00", "2026-07-14T11:39:00+00:00"),
        ("2026-07-14 11:39:00 UTC+00:00", "2026-07-14T11:39:00+00:00"),
        # Without an offset the moment is ambiguous: unknown, not a guess.
        ("2026-07-14 13:39:00", STATE_UNKNOWN),
        ("yesterday", STATE_UNKNOWN),
    ],
)
async def test_last_update_offset(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    last_update: str,
    expected: str,
) -> None:
    """The cloud's own UTC offset decides the moment, not Home Assistant's zone."""
    info = mock_cloud.payload(Endpoint.STATION_INFO, 81234)
    info["lastUpdate"] = info["data"]["lastUpdate"] = last_update
    await setup_integration(hass, mock_config_entry)

    assert entity_state(hass, f"{TILLEULS}_last_update") == expected


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        ("85.11%", "85.11"),
        (85.11, "85.11"),
        ("85,11 %", "85.11"),
        ("0.00%", "0.0"),
        ("--", STATE_UNKNOWN),
        ("NaN%", STATE_UNKNOWN),
        (None, STATE_UNKNOWN),
    ],
)
async def test_rate_parsing(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    sent: object,
    expected: str,
) -> None:
    """Rates arrive as "NN.NN%" strings, numbers or French decimals."""
    mock_cloud.payload(Endpoint.REPORT, (81234, "day"))["cover_rate"] = sent
    await setup_integration(hass, mock_config_entry)

    assert entity_state(hass, f"{TILLEULS}_coverage_rate_today") == expected
    assert entity_state(hass, f"{TILLEULS}_self_consumption_rate_today") == "94.11"


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_partial_failure(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """A failing call only makes the entities it feeds unavailable.

    A slow call that failed after a success keeps showing its last good result, so
    the slow calls here fail from the start.
    """
    mock_cloud.fail(Endpoint.REPORT, (81234, "all"), status=404)
    mock_cloud.fail(Endpoint.WIFI, TITAN_MASTER_SN, status=404)
    await setup_integration(hass, mock_config_entry)

    mock_cloud.fail(Endpoint.STATION_INFO, 81235, status=404)
    mock_cloud.fail(Endpoint.COMPONENT, 81235, status=404)
    mock_cloud.fail(Endpoint.DEVICE_PAGE, 81234, status=404)
    mock_cloud.fail(Endpoint.BATTERY, TITAN_MASTER_SN, status=404)
    mock_cloud.fail(Endpoint.WIFI, TITAN_SLAVE_SN, status=404)
    # The stations keep reporting (the live powers stay fresh, freshness.py).
    report_at(mock_cloud, dt_util.now() + SLOW_REFRESH_INTERVAL)
    await _slow_refresh(hass, cloud_clock)

    unavailable = [
        # Station info of the Verger: its live figures and counters.
        f"{VERGER}_solar_power",
        f"{VERGER}_last_update",
        f"{VERGER}_solar_production_since_installation",
        # The lifetime report of the Tilleuls.
        f"{TILLEULS}_coverage_rate_since_installation",
        # PV strings of the Verger.
        "sensor.micro_onduleur_est_pv1_power",
        # The device list of the Tilleuls: what its records carry.
        f"{MASTER}_cluster_role",
        f"{MASTER}_cluster_battery_level",
        "sensor.compteur_linky_grid_voltage",
        "sensor.compteur_linky_meter_grid_import_since_installation",
        # Wi-Fi of the master.
        f"{MASTER}_wi_fi_signal",
        # Battery page of the master, and the Link modules it lists.
        f"{MASTER}_battery_level",
        f"{MASTER}_battery_state",
        "sensor.link_izl24l000701_battery_level",
        "sensor.link_izl24l000702_battery_stored_energy",
    ]
    still_there = {
        f"{VERGER}_installed_capacity": "1640.0",
        f"{TILLEULS}_solar_power": "2233.0",
        f"{TILLEULS}_coverage_rate_today": "85.11",
        f"{TILLEULS}_solar_production_since_installation": "14021.7",
        "sensor.micro_onduleur_est_temperature": "41.3",
        "sensor.micro_onduleur_est_wi_fi_signal": "-66.0",
        f"{MASTER}_pv1_power": "612.4",
        # Its Wi-Fi call failed, but after a success.
        f"{SLAVE}_wi_fi_signal": "-63.0",
        f"{SLAVE}_battery_level": "65.0",
        "sensor.link_izl24l000703_battery_level": "64.0",
    }
    assert_unavailable(hass, unavailable)
    assert_states(hass, still_there)

    mock_cloud.restore()
    report_at(mock_cloud, dt_util.now() + SLOW_REFRESH_INTERVAL)
    await _slow_refresh(hass, cloud_clock)
    for entity_id in unavailable:
        assert entity_state(hass, entity_id) != STATE_UNAVAILABLE, entity_id


async def test_offline_micro_inverter_temperature_is_unknown(
    hass: HomeAssistant, mock_cloud: MockCloud, mock_config_entry: MockConfigEntry
) -> None:
    """An offline unit's last temperature of the day is not shown as current."""
    await setup_integration(hass, mock_config_entry)
    assert entity_state(hass, "sensor.micro_onduleur_est_temperature") == "41.3"

    mock_cloud.device_record(81235, 640201)["onlineState"] = 0
    await _refresh(hass, mock_config_entry)

    assert entity_state(hass, "sensor.micro_onduleur_est_temperature") == STATE_UNKNOWN
    assert entity_state(hass, "sensor.micro_onduleur_ouest_temperature") == "39.8"


async def test_failed_temperature_is_unavailable(
    hass: HomeAssistant, mock_cloud: MockCloud, mock_config_entry: MockConfigEntry
) -> None:
    """A failed temperature call makes that unit's temperature unavailable, not unknown.

    Temperatures are read on the slow cadence: a failure without an earlier reading
    (here from the first refresh on) is what leaves nothing to show.
    """
    mock_cloud.fail(Endpoint.TEMPERATURE, MICRO_SNS[0], status=404)
    await setup_integration(hass, mock_config_entry)
    assert_states(
        hass,
        {
            "sensor.micro_onduleur_est_temperature": STATE_UNAVAILABLE,
            "sensor.micro_onduleur_ouest_temperature": "39.8",
        },
    )

    mock_cloud.restore()
    await _refresh(hass, mock_config_entry)
    assert entity_state(hass, "sensor.micro_onduleur_est_temperature") == "41.3"


async def test_new_equipment_without_reload(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
) -> None:
    """New equipment, Link modules and PV inputs get entities at the next refresh."""
    await setup_integration(hass, mock_config_entry)
    new_micro = "IZV08B000503"
    assert (
        entity_registry.async_get_entity_id(
            "sensor", DOMAIN, "device_640203_temperature"
        )
        is None
    )

    mock_cloud.add_device(
        81235,
        {
            "deviceId": 640203,
            "deviceName": None,
            "deviceType": "vm",
            "sn": new_micro,
            "onlineState": 1,
            "softwareVersion": "V3.2.1",
            "clusterMode": 0,
            "connectInfoJson": {},
            "dataDtos": [],
        },
        {
            (Endpoint.TEMPERATURE, new_micro): mock_cloud.payload(
                Endpoint.TEMPERATURE, MICRO_SNS[0]
            ),
            (Endpoint.WIFI, new_micro): mock_cloud.payload(Endpoint.WIFI, MICRO_SNS[0]),
        },
    )
    mock_cloud.payload(Endpoint.COMPONENT, 81235)["pvData"].append(
        {"sn": new_micro, "pv": "pv1", "pvPower": 150.5}
    )
    mock_cloud.payload(Endpoint.COMPONENT, 81234)["pvData"].append(
        {"sn": TITAN_MASTER_SN, "pv": "PV3", "pvPower": 0}
    )
    mock_cloud.payload(Endpoint.BATTERY, TITAN_SLAVE_SN)["data"]["items"].append(
        {"sn": "IZL24L000704", "soc": 70, "kwh": 1.4}
    )
    await _refresh(hass, mock_config_entry)

    # A device without a name is named after its localised type and serial.
    entry_id = mock_config_entry.entry_id
    device = device_registry.async_get_device_by_identifier(
        (DOMAIN, "device_640203"), entry_id
    )
    assert device is not None
    assert device.name == "Micro-inverter IZV08B000503"
    assert device.model == "Micro-inverter"
    assert device.model_id is None
    station = device_registry.async_get_device_by_identifier(
        station_identifier(81235), entry_id
    )
    assert station is not None
    assert device.via_device_id == station.id
    assert (
        entity_state(hass, "sensor.micro_inverter_izv08b000503_temperature") == "41.3"
    )
    assert entity_state(hass, "sensor.micro_inverter_izv08b000503_pv1_power") == "150.5"
    assert entity_state(hass, f"{MASTER}_pv3_power") == "0.0"
    link = device_registry.async_get_device_by_identifier(
        (DOMAIN, "link_IZL24L000704"), entry_id
    )
    assert link is not None
    assert link.name == "Link IZL24L000704"
    assert entity_state(hass, "sensor.link_izl24l000704_battery_level") == "70.0"

    # Another refresh adds nothing twice.
    count = len(entity_registry.entities)
    await _refresh(hass, mock_config_entry)
    assert len(entity_registry.entities) == count


async def test_duplicate_station_names(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
) -> None:
    """Two stations with one name get their id appended, so users can tell them apart."""
    twin = 81236
    mock_cloud.add_station(
        {"stationsId": twin, "stationName": "Maison des Tilleuls"},
        copy_from=81235,
    )
    mock_cloud.payload(Endpoint.DEVICE_PAGE, twin)["data"]["records"] = []
    await setup_integration(hass, mock_config_entry)

    names = {
        station_id: device.name
        for station_id in (81234, 81235, twin)
        if (
            device := device_registry.async_get_device_by_identifier(
                station_identifier(station_id), mock_config_entry.entry_id
            )
        )
    }
    assert names == {
        81234: "Maison des Tilleuls (81234)",
        81235: "Atelier du Verger",
        twin: "Maison des Tilleuls (81236)",
    }
    assert (
        entity_state(hass, "sensor.maison_des_tilleuls_81236_solar_power") == "1165.0"
    )
    # Without an installed capacity in the station info, the station list's is used.
    assert entity_state(
        hass, "sensor.maison_des_tilleuls_81236_installed_capacity"
    ) == ("1640.0")
