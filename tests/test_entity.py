"""Tests of what every entity shares: tables, translations, targets, device info, discovery."""

from dataclasses import dataclass, replace
import json
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from custom_components.izypower_cloud import (
    binary_sensor,
    capacity_sensors,
    equipment_sensors,
    hold_sensors,
    on_demand_sensors,
    sensor,
)
from custom_components.izypower_cloud.api import (
    BatteryPage,
    ClusterMode,
    Device,
    DeviceType,
    LinkModule,
    Station,
)
from custom_components.izypower_cloud.const import (
    DOMAIN,
    MANUFACTURER,
    SLOW_REFRESH_INTERVAL,
)
from custom_components.izypower_cloud.data import (
    DeviceData,
    Feed,
    IzypowerData,
    StationData,
)
from custom_components.izypower_cloud.devices import (
    build_device_info,
    station_device_name,
)
from custom_components.izypower_cloud.entity import (
    IzypowerEntityDescription,
    source_available,
    unique_id,
)
from custom_components.izypower_cloud.identifiers import (
    device_identifier,
    station_identifier,
)
from custom_components.izypower_cloud.targets import (
    EquipmentTarget,
    LinkTarget,
    StationTarget,
    Target,
)

from .cloud_mock import (
    Endpoint,
    MockCloud,
    advance_time,
    assert_states,
    assert_unavailable,
    entity_state,
    setup_integration,
)

pytest_plugins = ["tests.cloud_mock"]

INTEGRATION_DIR = Path(__file__).parent.parent / "custom_components" / DOMAIN
STRINGS = json.loads((INTEGRATION_DIR / "strings.json").read_text(encoding="utf-8"))
ICONS = json.loads((INTEGRATION_DIR / "icons.json").read_text(encoding="utf-8"))

SENSOR_DESCRIPTIONS: list[IzypowerEntityDescription[Any, Any]] = [
    *sensor.STATION_SENSORS,
    *sensor.EQUIPMENT_SENSORS,
    *sensor.LINK_SENSORS,
    *on_demand_sensors.ON_DEMAND_SENSORS,
    *capacity_sensors.STATION_CAPACITY_SENSORS,
    *capacity_sensors.TITAN_CAPACITY_SENSORS,
    *hold_sensors.HOLD_SENSORS,
    equipment_sensors.pv_string_power("PV1"),
    equipment_sensors.ct_power("CT2"),
]
BINARY_DESCRIPTIONS: list[IzypowerEntityDescription[Any, Any]] = [
    *binary_sensor.STATION_BINARY_SENSORS,
    *binary_sensor.EQUIPMENT_BINARY_SENSORS,
]
PLATFORMS = {"sensor": SENSOR_DESCRIPTIONS, "binary_sensor": BINARY_DESCRIPTIONS}


# ----- tables and translations ----------------------------------------------------------


@pytest.mark.parametrize("platform", PLATFORMS)
def test_every_translation_key_is_translated(platform: str) -> None:
    """Each entity has a name in strings.json, and strings.json has no orphan."""
    descriptions = PLATFORMS[platform]
    names = STRINGS["entity"][platform]
    keys = {description.translation_key for description in descriptions}
    assert None not in keys
    assert keys == set(names)
    for description in descriptions:
        if description.translation_placeholders is None:
            # The contract: translation key = table key (docs/design.md §3).
            assert description.translation_key == description.key
        name = names[description.translation_key]["name"]
        for placeholder in description.translation_placeholders or {}:
            assert f"{{{placeholder}}}" in name, description.key


def test_enum_states_are_translated_and_have_icons() -> None:
    """Every option of an enum sensor has a translated state and a state icon."""
    enums = [
        description
        for description in SENSOR_DESCRIPTIONS
        if isinstance(description, sensor.IzypowerSensorEntityDescription)
        and description.device_class is SensorDeviceClass.ENUM
    ]
    assert {description.key for description in enums} == {
        "cluster_mode",
        "battery_state",
        "battery_mode_hold",
        "channel_1_mode",
        "channel_2_mode",
        "channel_3_mode",
    }
    for description in enums:
        assert description.options
        key = description.translation_key
        assert key is not None
        states = STRINGS["entity"]["sensor"][key]["state"]
        assert set(states) == set(description.options)
        assert set(ICONS["entity"]["sensor"][key]["state"]) == set(description.options)


def test_icons_only_for_known_keys() -> None:
    """icons.json names only translation keys that exist."""
    for platform, icons in ICONS["entity"].items():
        assert set(icons) <= set(STRINGS["entity"][platform]), platform
        for icon in icons.values():
            assert icon["default"].startswith("mdi:")


def test_link_device_name_is_translated() -> None:
    """The Link module device name comes from the `device` section."""
    assert STRINGS["device"]["link_module"]["name"] == "Link {serial}"


def test_unique_keys_per_target_kind() -> None:
    """Two descriptions of one kind of target never share a key (unique ids)."""
    for table in (
        sensor.STATION_SENSORS,
        sensor.EQUIPMENT_SENSORS,
        sensor.LINK_SENSORS,
        binary_sensor.STATION_BINARY_SENSORS,
        binary_sensor.EQUIPMENT_BINARY_SENSORS,
    ):
        keys = [description.key for description in table]
        assert len(keys) == len(set(keys))
    # 8 live, 28 counters, 28 rates, 9 EV (power, 4 counters, 4 rates).
    assert len(sensor.STATION_SENSORS) == 8 + 28 + 28 + 9


# ----- hand-built snapshots ------------------------------------------------------------


def _device(**changes: Any) -> Device:
    device = Device(
        device_id=640101,
        serial="IZT24A000101",
        name="Titan",
        type_code="battery",
        device_type=DeviceType.BATTERY,
        online=True,
        cluster_mode=ClusterMode.NONE,
        software_version="V1",
        average_soc=None,
        grid_voltage=None,
        grid_frequency=None,
        meter_import_total=None,
        meter_export_total=None,
        has_average_soc=False,
    )
    return replace(device, **changes)


def _battery(links: tuple[LinkModule, ...] = ()) -> BatteryPage:
    return BatteryPage(
        soc=None,
        energy=None,
        average_soc=None,
        average_energy=None,
        power=None,
        consumption_need_power=None,
        solar_surplus_power=None,
        direct_solar_power=None,
        backup_outlet_power=None,
        charge_from_grid_power=None,
        charge_from_pv_power=None,
        charging_time=None,
        discharge_from_battery_power=None,
        discharge_from_pv_power=None,
        discharging_time=None,
        online=None,
        links=links,
    )


def _account(*devices: DeviceData, names: tuple[str, ...] = ("Home",)) -> IzypowerData:
    stations = {
        81234 + index: StationData(
            station=Station(
                station_id=81234 + index,
                name=name,
                installed_capacity=None,
                address=None,
            ),
            devices={device.device.device_id: device for device in devices}
            if index == 0
            else {},
        )
        for index, name in enumerate(names)
    }
    return IzypowerData(stations=stations)


def _available(
    description: IzypowerEntityDescription[Any, Any],
    source: object,
    station: StationData,
) -> bool:
    return source_available(description.feed, source, station)


def _value(description_key: str, device: DeviceData) -> Any:
    description = next(d for d in sensor.EQUIPMENT_SENSORS if d.key == description_key)
    return description.value_fn(device)


def test_unique_ids() -> None:
    """Unique ids are the device identifier value plus the key."""
    titan = EquipmentTarget(81234, 640101)
    assert unique_id(StationTarget(81234), sensor.STATION_SENSORS[0]) == (
        "station_81234_pv_power"
    )
    assert unique_id(titan, equipment_sensors.pv_string_power("PV1")) == (
        "device_640101_pv_string_power_PV1"
    )
    assert unique_id(LinkTarget(titan, "IZL24L000701"), sensor.LINK_SENSORS[0]) == (
        "link_IZL24L000701_battery_soc"
    )


def test_tables_select_targets_and_generate_descriptions() -> None:
    """A table serves one kind of target, its fixed descriptions then generated ones."""
    titan = DeviceData(device=_device(), pv_strings={"PV1": 1.0, "PV2": None})
    equipment = next(
        table for table in sensor.TABLES if table.target is EquipmentTarget
    )
    keys = [description.key for description in equipment.candidates(titan)]
    assert keys[: len(sensor.EQUIPMENT_SENSORS)] == [
        description.key for description in sensor.EQUIPMENT_SENSORS
    ]
    assert keys[len(sensor.EQUIPMENT_SENSORS) :] == [
        "pv_string_power_PV1",
        "pv_string_power_PV2",
    ]
    # No PV-string answer this cycle: nothing generated (existing entities stay).
    failed = replace(titan, pv_strings=None)
    assert len(list(equipment.candidates(failed))) == len(sensor.EQUIPMENT_SENSORS)
    assert [table.target for table in sensor.TABLES] == [
        StationTarget,
        EquipmentTarget,
        EquipmentTarget,
        LinkTarget,
        StationTarget,
        EquipmentTarget,
    ]
    assert [table.target for table in binary_sensor.TABLES] == [
        StationTarget,
        EquipmentTarget,
    ]
    assert all(table.generated is None for table in binary_sensor.TABLES)


def test_target_sources() -> None:
    """A target whose part of the snapshot is gone resolves to None."""
    link = LinkModule(serial="IZL1", soc=50.0, energy=1.0)
    with_page = DeviceData(device=_device(), battery=_battery((link,)))
    titan = EquipmentTarget(81234, 640101)
    data = _account(with_page)

    assert LinkTarget(titan, "IZL1").source(data) == link
    assert LinkTarget(titan, "IZL2").source(data) is None
    assert (
        LinkTarget(titan, "IZL1").source(_account(replace(with_page, battery=None)))
        is None
    )
    assert EquipmentTarget(81234, 1).source(data) is None
    assert EquipmentTarget(1, 640101).source(data) is None
    assert LinkTarget(EquipmentTarget(1, 640101), "IZL1").source(data) is None
    assert StationTarget(1).source(data) is None
    assert StationTarget(81234).parent is None
    assert titan.parent == StationTarget(81234)


def test_station_names() -> None:
    """Only stations sharing a name get their id appended."""
    data = _account(names=("Home", "Home", "Barn"))
    assert [
        station_device_name(data, station) for station in data.stations.values()
    ] == ["Home (81234)", "Home (81235)", "Barn"]


def test_device_info_fallbacks() -> None:
    """Equipment without name, serial or type labels still gets a usable device."""
    anonymous = DeviceData(
        device=_device(name=None, serial=None, software_version=None),
    )
    info = build_device_info(
        _account(anonymous), EquipmentTarget(81234, 640101), via_device_id=None
    )
    # A translated name (the registry resolves it), a fixed English model.
    assert info == {
        "identifiers": {(DOMAIN, "device_640101")},
        "translation_key": "titan",
        "translation_placeholders": {"serial": "640101"},
        "manufacturer": MANUFACTURER,
        "model": "Titan",
        "model_id": None,
        "serial_number": None,
        "sw_version": None,
    }
    unknown = replace(
        anonymous.device, device_type=DeviceType.UNKNOWN, type_code="heatpump"
    )
    unknown_info = build_device_info(
        _account(replace(anonymous, device=unknown)),
        EquipmentTarget(81234, 640101),
        via_device_id=None,
    )
    assert unknown_info["model"] == "Equipment"
    assert unknown_info["model_id"] == "heatpump"
    assert unknown_info["translation_key"] == "equipment"
    link_info = build_device_info(
        _account(anonymous),
        LinkTarget(EquipmentTarget(81234, 640101), "IZL1"),
        via_device_id="parent",
    )
    assert link_info["via_device_id"] == "parent"
    assert link_info["translation_placeholders"] == {"serial": "IZL1"}


def test_device_info_rejects_unknown_targets() -> None:
    """A new kind of target must be described on purpose."""

    @dataclass(frozen=True, slots=True)
    class Unknown(Target[None]):
        @property
        def identifier(self) -> tuple[str, str]:
            return (DOMAIN, "unknown")

        def source(self, data: IzypowerData) -> None:
            return None

        def station(self, data: IzypowerData) -> None:
            return None

    with pytest.raises(NotImplementedError):
        build_device_info(IzypowerData(), Unknown(), via_device_id=None)


def test_equipment_value_functions() -> None:
    """Values come from parsed models, unknown where the cloud sent nothing."""
    micro = DeviceData(
        device=_device(device_type=DeviceType.MICRO_INVERTER, type_code="vm"),
        temperature=40.5,
    )
    assert _value("temperature", micro) == 40.5
    offline = replace(micro, device=replace(micro.device, online=False))
    assert _value("temperature", offline) is None
    # Online state unknown: the fetched temperature is still the best information.
    unknown = replace(micro, device=replace(micro.device, online=None))
    assert _value("temperature", unknown) == 40.5

    cluster = next(d for d in sensor.EQUIPMENT_SENSORS if d.key == "cluster_mode")
    assert not cluster.exists_fn(micro)
    assert _value("cluster_mode", micro) is None
    master = replace(
        micro, device=replace(micro.device, cluster_mode=ClusterMode.MASTER)
    )
    assert cluster.exists_fn(master)
    assert _value("cluster_mode", master) == "master"

    # The battery page of a unit that has none yet reads unknown, not 0.
    titan = DeviceData(device=_device())
    assert _value("battery_state", titan) is None
    assert _value("battery_power", titan) is None
    assert _value("wifi_rssi", titan) is None
    pv = equipment_sensors.pv_string_power("PV1")
    assert pv.value_fn(titan) is None
    # The PV-string list is the station's: when it failed, no input is known.
    home = _account(titan).stations[81234]
    assert _available(pv, titan, home)
    assert not _available(pv, titan, replace(home, failed=frozenset({Feed.PV_STRINGS})))
    assert pv.value_fn(replace(titan, pv_strings={"PV2": 10.0})) is None
    assert pv.value_fn(replace(titan, pv_strings={"PV1": 0.0})) == 0.0


def test_station_value_functions() -> None:
    """Station figures need the station info; the capacity falls back to the list."""
    # What a refresh whose station info and day report failed publishes.
    station = replace(
        _account().stations[81234],
        failed=frozenset({Feed.STATION_INFO, Feed.DAY_REPORT}),
    )
    live = next(d for d in sensor.STATION_SENSORS if d.key == "pv_power")
    capacity = next(d for d in sensor.STATION_SENSORS if d.key == "installed_capacity")
    rate = next(d for d in sensor.STATION_SENSORS if d.key == "cover_rate_day")
    energy = next(d for d in sensor.STATION_SENSORS if d.key == "production_total")
    assert live.value_fn(station) is None
    assert not _available(live, station, station)
    assert capacity.value_fn(station) is None
    assert _available(capacity, station, station)
    assert not _available(rate, station, station)
    assert not _available(energy, station, station)
    listed = replace(
        station,
        station=replace(station.station, installed_capacity=3000.0),
        firmware_update=None,
        failed=frozenset({Feed.FIRMWARE}),
    )
    assert capacity.value_fn(listed) == 3000.0
    firmware = binary_sensor.STATION_BINARY_SENSORS[0]
    assert not _available(firmware, listed, listed)
    # A unit's flag comes from its station's list: unavailable when the list failed.
    unit_firmware = next(
        d for d in binary_sensor.EQUIPMENT_BINARY_SENSORS if d.key == "firmware_update"
    )
    unit = DeviceData(device=_device())
    assert not _available(unit_firmware, unit, listed)
    worked = replace(listed, firmware_update=False, failed=frozenset())
    assert _available(unit_firmware, unit, worked)
    # A device's own failed call only makes the entities reading it unavailable.
    no_page = replace(unit, failed=frozenset({Feed.BATTERY}))
    soc = next(d for d in sensor.EQUIPMENT_SENSORS if d.key == "battery_soc")
    assert not _available(soc, no_page, worked)
    assert _available(unit_firmware, no_page, worked)
    # Gone from the snapshot: unavailable whatever the feed.
    assert not _available(capacity, None, station)
    assert not _available(unit_firmware, unit, None)
    # Read while unavailable (no report this cycle), a rate is unknown, not an error.
    assert rate.value_fn(station) is None


def test_calls_addressed_by_serial_need_one() -> None:
    """Without a serial, Wi-Fi, battery, temperature and firmware entities never exist."""
    keys = {"wifi_rssi", "wifi_ssid", "ip_address", "battery_soc", "temperature"}
    by_key = {d.key: d for d in sensor.EQUIPMENT_SENSORS if d.key in keys}
    by_key["firmware_update"] = next(
        d for d in binary_sensor.EQUIPMENT_BINARY_SENSORS if d.key == "firmware_update"
    )
    titan = DeviceData(device=_device())
    micro = replace(
        titan,
        device=replace(
            titan.device, device_type=DeviceType.MICRO_INVERTER, type_code="vm"
        ),
    )
    for key, description in by_key.items():
        device = micro if key == "temperature" else titan
        assert description.exists_fn(device), key
        no_serial = replace(device, device=replace(device.device, serial=None))
        assert not description.exists_fn(no_serial), key


# ----- in Home Assistant ---------------------------------------------------------------


@pytest.mark.usefixtures("cloud_clock")
async def test_deleted_entity_comes_back_with_its_device(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
) -> None:
    """An entity removed from the registry is created again while its device exists."""
    await setup_integration(hass, mock_config_entry)
    entity_id = "sensor.titan_maitre_battery_level"
    assert hass.states.get(entity_id) is not None

    entity_registry.async_remove(entity_id)
    await hass.async_block_till_done()
    assert hass.states.get(entity_id) is None

    await mock_config_entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    assert entity_state(hass, entity_id) == "66.0"


async def test_failed_refresh_makes_everything_unavailable(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """When the whole refresh fails, every entity follows the coordinator."""
    await setup_integration(hass, mock_config_entry)

    mock_cloud.fail(Endpoint.STATION_INFO, status=404)
    await mock_config_entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()

    assert_unavailable(
        hass,
        (
            "sensor.maison_des_tilleuls_installed_capacity",
            "sensor.link_izl24l000701_battery_level",
            "binary_sensor.titan_maitre_online",
        ),
    )


async def test_station_gone_makes_its_entities_unavailable(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """A station the account no longer lists is unavailable, the others are not."""
    await setup_integration(hass, mock_config_entry)

    mock_cloud.remove_station(81235)
    await advance_time(hass, cloud_clock, SLOW_REFRESH_INTERVAL)

    assert_states(
        hass,
        {
            "sensor.atelier_du_verger_installed_capacity": STATE_UNAVAILABLE,
            "sensor.maison_des_tilleuls_installed_capacity": "3600.0",
        },
    )


async def test_devices(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    snapshot: SnapshotAssertion,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
) -> None:
    """Every device of the fixture account with its name, model and parent."""
    await setup_integration(hass, mock_config_entry)
    devices = dr.async_entries_for_config_entry(
        device_registry, mock_config_entry.entry_id
    )
    names = {device.id: device.name for device in devices}
    described = {
        device.name: {
            "model": device.model,
            "model_id": device.model_id,
            "serial_number": device.serial_number,
            "sw_version": device.sw_version,
            "manufacturer": device.manufacturer,
            "via": names.get(device.via_device_id or ""),
        }
        for device in devices
    }
    assert described == snapshot


def _device_entry(
    registry: dr.DeviceRegistry, entry: MockConfigEntry, identifier: tuple[str, str]
) -> dr.DeviceEntry:
    device = registry.async_get_device_by_identifier(identifier, entry.entry_id)
    assert device is not None, identifier
    return device


@pytest.mark.usefixtures("cloud_clock")
async def test_devices_follow_the_cloud(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """Firmware versions, names and same-name suffixes reach the registry."""
    await setup_integration(hass, mock_config_entry)
    master = device_identifier(640101)
    tilleuls = station_identifier(81234)
    assert _device_entry(device_registry, mock_config_entry, master).sw_version == (
        "V1.3.08"
    )

    # A firmware upgrade shows at the next refresh.
    mock_cloud.device_record(81234, 640101)["softwareVersion"] = "V1.4.00"
    await mock_config_entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    assert _device_entry(device_registry, mock_config_entry, master).sw_version == (
        "V1.4.00"
    )

    # A name given in the app, and a station renamed, show after the station list.
    mock_cloud.device_record(81234, 640101)["deviceName"] = "Titan garage"
    stations = mock_cloud.payload(Endpoint.STATIONS, 1)["data"]["records"]
    next(r for r in stations if r["stationsId"] == 81235)["stationName"] = "Grange"
    # A second station named like the first: both get their id appended.
    mock_cloud.add_station(
        {"stationsId": 81236, "stationName": "Maison des Tilleuls"}, copy_from=81235
    )
    mock_cloud.payload(Endpoint.DEVICE_PAGE, 81236)["data"]["records"] = []
    await advance_time(hass, cloud_clock, SLOW_REFRESH_INTERVAL)

    assert _device_entry(device_registry, mock_config_entry, master).name == (
        "Titan garage"
    )
    names = {
        station_id: _device_entry(
            device_registry, mock_config_entry, station_identifier(station_id)
        ).name
        for station_id in (81234, 81235, 81236)
    }
    assert names == {
        81234: "Maison des Tilleuls (81234)",
        81235: "Grange",
        81236: "Maison des Tilleuls (81236)",
    }

    # The twin goes away: the first station gets its plain name back.
    mock_cloud.remove_station(81236)
    await advance_time(hass, cloud_clock, SLOW_REFRESH_INTERVAL)
    assert _device_entry(device_registry, mock_config_entry, tilleuls).name == (
        "Maison des Tilleuls"
    )


@pytest.mark.usefixtures("cloud_clock")
async def test_unnamed_equipment_speaks_home_assistant_language(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
) -> None:
    """An unnamed unit is named in Home Assistant's language; its model never changes."""
    hass.config.language = "fr"
    record = mock_cloud.device_record(81235, 640201)
    del record["deviceName"]
    # The station info's localised labels do not matter, nor whether it answered.
    mock_cloud.fail(Endpoint.STATION_INFO, 81235, status=404)
    await setup_integration(hass, mock_config_entry)

    micro = _device_entry(device_registry, mock_config_entry, device_identifier(640201))
    assert micro.name == "Micro-onduleur IZV08B000501"
    assert micro.model == "Micro-inverter"
    # The model in words, without the cloud's code beside it (issue 25).
    assert micro.model_id is None


@pytest.mark.usefixtures("cloud_clock")
async def test_equipment_without_serial(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
) -> None:
    """A unit without serial gets only the entities its calls can ever feed."""
    for device_id in (640101, 640201):
        del mock_cloud.device_record(
            81234 if device_id == 640101 else 81235, device_id
        )["sn"]
    await setup_integration(hass, mock_config_entry)

    keys = {
        entry.unique_id.split("_", 2)[2]
        for entry in er.async_entries_for_config_entry(
            entity_registry, mock_config_entry.entry_id
        )
        if entry.unique_id.startswith(("device_640101_", "device_640201_"))
    }
    assert keys == {"online", "cluster_mode", "average_soc"}


@pytest.mark.usefixtures("cloud_clock")
async def test_cloud_code_beside_the_model_is_cleared(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
) -> None:
    """A device registered by an earlier version ("Titan (battery)") loses the code."""
    mock_config_entry.add_to_hass(hass)
    device_registry.async_get_or_create(
        config_entry_id=mock_config_entry.entry_id,
        identifiers={device_identifier(640101)},
        model="Titan",
        model_id="battery",
    )
    await setup_integration(hass, mock_config_entry)
    titan = _device_entry(device_registry, mock_config_entry, device_identifier(640101))
    assert (titan.model, titan.model_id) == ("Titan", None)
