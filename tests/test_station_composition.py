"""Entities follow what each station really has (issue: station composition).

Station 81235 of the example account has micro-inverters only: no Titan, no meter, and
its info sends the battery, grid and consumption figures as zeros, which is no evidence
of a battery or a meter.
"""

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.izypower_cloud.api import (
    EnergyReport,
    EnergySeries,
    Period,
    StationInfo,
)
from custom_components.izypower_cloud.history.statistics import (
    STATISTIC_SERIES,
    EvSeries,
    station_series,
)
from custom_components.izypower_cloud.identifiers import device_identifier

from .cloud_mock import (
    VERGER,
    Endpoint,
    MockCloud,
    advance_time,
    entity_state,
    setup_integration,
    station_keys,
)

pytest_plugins = ["tests.cloud_mock"]
pytestmark = pytest.mark.usefixtures("cloud_clock")

BATTERY_KEYS = (
    "battery_power",
    "battery_pv_power",
    "battery_soc",
    *(
        f"{series}_{period}"
        for series in ("battery_charge", "battery_discharge")
        for period in ("day", "month", "year", "total")
    ),
    *(
        f"{rate}_{period}"
        for rate in ("battery_charge_rate", "battery_discharge_rate")
        for period in ("day", "month", "year", "total")
    ),
)


def _verger_figures(mock_cloud: MockCloud) -> dict[str, Any]:
    """Give the micro-inverter station consumption and grid import (no battery)."""
    info: dict[str, Any] = mock_cloud.payload(Endpoint.STATION_INFO, 81235)
    info["extraData"]["consumption"] = {
        "day": 6.5,
        "month": 150.25,
        "year": 1100.4,
        "all": 2500.9,
    }
    info["extraData"]["grid"].update(
        {"day2": 2.25, "month2": 60.0, "year2": 400.1, "all2": 900.45}
    )
    return info


async def test_micro_inverter_station_has_no_battery_entities(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
) -> None:
    """No battery entity, and consumption from solar = consumption - grid import."""
    _verger_figures(mock_cloud)
    await setup_integration(hass, mock_config_entry)

    keys = station_keys(entity_registry, 81235)
    assert keys.isdisjoint(BATTERY_KEYS)
    assert {"pv_power", "consumption_total", "consumption_from_pv_total"} <= keys
    # The battery station keeps all of them.
    assert set(BATTERY_KEYS) <= station_keys(entity_registry, 81234)
    for period, expected in (
        ("today", "4.25"),
        ("this_month", "90.25"),
        ("this_year", "700.3"),
        ("since_installation", "1600.45"),
    ):
        assert (
            entity_state(hass, f"{VERGER}_consumption_from_solar_{period}") == expected
        ), period


async def test_battery_entities_appear_when_the_station_reports_a_battery(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """A battery the cloud reports later gets its entities without a reload.

    Once seen it stays: a later reading of zeros does not take the entities away.
    """
    await setup_integration(hass, mock_config_entry)
    assert station_keys(entity_registry, 81235).isdisjoint(BATTERY_KEYS)

    info = mock_cloud.payload(Endpoint.STATION_INFO, 81235)
    info["battery_soc"] = 42
    info["battery_power"] = -300
    await advance_time(hass, cloud_clock, timedelta(minutes=3))
    assert set(BATTERY_KEYS) <= station_keys(entity_registry, 81235)
    assert entity_state(hass, f"{VERGER}_battery_level") == "42.0"

    info["battery_soc"] = info["battery_power"] = 0
    await advance_time(hass, cloud_clock, timedelta(minutes=3))
    assert entity_state(hass, f"{VERGER}_battery_level") == "0.0"


def test_battery_evidence_in_station_figures() -> None:
    """Zeros or nothing are no battery; any battery reading or counter is one."""
    body: dict[str, Any] = {"extraData": {"battery": {"all_in": 0, "all_out": 0}}}
    assert not StationInfo.from_json(body).reports_battery
    assert not StationInfo.from_json({"battery_soc": 0}).reports_battery
    assert not StationInfo.from_json({}).reports_battery
    assert StationInfo.from_json({"battery_power": -5}).reports_battery
    assert StationInfo.from_json({"battery_soc": "12%"}).reports_battery
    body["extraData"]["battery"]["all_out"] = 0.1
    assert StationInfo.from_json(body).reports_battery


async def test_one_battery_class_sensor_per_physical_battery(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
) -> None:
    """The Maintenance view (battery-class sensors) lists each Titan and Link once."""
    await setup_integration(hass, mock_config_entry)

    per_device: dict[str, int] = {}
    for entry in entity_registry.entities.values():
        state = hass.states.get(entry.entity_id)
        if state is None:
            continue
        if state.attributes.get("device_class") == SensorDeviceClass.BATTERY:
            assert entry.device_id is not None
            per_device[entry.device_id] = per_device.get(entry.device_id, 0) + 1

    titan_identifiers = {device_identifier(640101), device_identifier(640102)}
    titans = {
        device.id
        for device in dr.async_entries_for_config_entry(
            device_registry, mock_config_entry.entry_id
        )
        if device.identifiers & titan_identifiers
    }
    assert len(titans) == 2
    links = {
        device.id
        for device in dr.async_entries_for_config_entry(
            device_registry, mock_config_entry.entry_id
        )
        if device.model == "Link"
    }
    assert links
    assert per_device == dict.fromkeys(titans | links, 1)


# What only a station with a smart meter has (issue 25): the grid's and consumption's
# live powers, counters and every rate that is not the battery's.
METER_KEYS = (
    "grid_power",
    "consumption_power",
    *(
        f"{series}_{period}"
        for series in (
            "grid_import",
            "grid_export",
            "consumption",
            "consumption_from_pv",
        )
        for period in ("day", "month", "year", "total")
    ),
    *(
        f"{rate}_{period}"
        for rate in (
            "cover_rate",
            "self_sufficiency_rate",
            "grid_export_rate",
            "consumption_from_pv_rate",
            "grid_import_rate",
        )
        for period in ("day", "month", "year", "total")
    ),
)


async def test_station_without_meter_has_no_grid_or_consumption_entities(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
) -> None:
    """The Verger's zeros (and 100 % self-consumption) are no evidence of a meter."""
    await setup_integration(hass, mock_config_entry)

    assert station_keys(entity_registry, 81235) == {
        "pv_power",
        "last_update",
        "installed_capacity",
        "firmware_update",
        "refresh_now",
        "live_data",
        "stale_data",
        *(f"production_{period}" for period in ("day", "month", "year", "total")),
    }
    # The Tilleuls list a meter: they keep all of them, with real values.
    assert set(METER_KEYS) <= station_keys(entity_registry, 81234)
    assert entity_state(hass, "sensor.maison_des_tilleuls_grid_power") == "-103.0"
    data = mock_config_entry.runtime_data.coordinator.data.stations
    assert station_series(data[81235]) == (EnergySeries.PRODUCTION,)
    # No EV charger at either: no `ev` statistic.
    assert station_series(data[81234]) == STATISTIC_SERIES[:-1]
    assert EvSeries.EV not in station_series(data[81234])
    assert station_series(None) == (EnergySeries.PRODUCTION,)


async def test_meter_entities_appear_when_the_cloud_sends_a_figure(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """A grid figure the cloud sends later brings them without a reload; they stay."""
    await setup_integration(hass, mock_config_entry)
    assert station_keys(entity_registry, 81235).isdisjoint(METER_KEYS)

    info = mock_cloud.payload(Endpoint.STATION_INFO, 81235)
    info["grid_power"] = 250
    await advance_time(hass, cloud_clock, timedelta(minutes=3))
    assert set(METER_KEYS) <= station_keys(entity_registry, 81235)
    assert entity_state(hass, f"{VERGER}_grid_power") == "250.0"

    info["grid_power"] = 0
    await advance_time(hass, cloud_clock, timedelta(minutes=3))
    assert entity_state(hass, f"{VERGER}_grid_power") == "0.0"
    assert set(METER_KEYS) <= station_keys(entity_registry, 81235)


def test_meter_evidence_in_station_figures() -> None:
    """Zeros or nothing are no meter; any grid or consumption figure is one."""
    body: dict[str, Any] = {"extraData": {"grid": {"all1": 0, "all2": 0}}}
    assert not StationInfo.from_json(body).reports_meter
    assert not StationInfo.from_json({"grid_power": 0}).reports_meter
    assert StationInfo.from_json({"consumption": 12}).reports_meter
    body["extraData"]["grid"]["all2"] = 0.5
    assert StationInfo.from_json(body).reports_meter
    report = {"meter_energy_p": 0, "total_consumption": 0, "energy_self_rate": "100%"}
    assert not EnergyReport.from_json(report, Period.DAY).reports_meter
    report["total_consumption"] = 3.2
    assert EnergyReport.from_json(report, Period.DAY).reports_meter


async def test_meter_evidence_in_a_report_alone(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
) -> None:
    """A day report with consumption is evidence enough (the info may lag)."""
    mock_cloud.payload(Endpoint.REPORT, (81235, "day"))["total_consumption"] = 3.2
    await setup_integration(hass, mock_config_entry)
    assert set(METER_KEYS) <= station_keys(entity_registry, 81235)
