"""Sensors of Izypower Cloud stations, equipment and battery Link modules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, TypedDict, Unpack

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    PERCENTAGE,
    SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
    EntityCategory,
    UnitOfElectricPotential,
    UnitOfEnergy,
    UnitOfFrequency,
    UnitOfPower,
    UnitOfTemperature,
    UnitOfTime,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .api import (
    BatteryPage,
    BatteryState,
    ClusterMode,
    Device,
    DeviceType,
    EnergySeries,
    LinkModule,
    Period,
    Rate,
    StationInfo,
    WifiInfo,
)
from .coordinator import IzypowerConfigEntry
from .data import DeviceData, StationData
from .entity import (
    EntityTables,
    IzypowerEntity,
    IzypowerEntityDescription,
    async_add_entities_dynamically,
)

# Read-only: every value comes from the coordinator's snapshot.
PARALLEL_UPDATES = 0

type SensorValue = StateType | datetime


@dataclass(frozen=True, kw_only=True)
class IzypowerSensorEntityDescription[SourceT](
    IzypowerEntityDescription[SourceT, SensorValue], SensorEntityDescription
):
    """A sensor of a station, an equipment or a Link module."""


type StationSensor = IzypowerSensorEntityDescription[StationData]
type EquipmentSensor = IzypowerSensorEntityDescription[DeviceData]
type LinkSensor = IzypowerSensorEntityDescription[LinkModule]


class _Presentation(TypedDict, total=False):
    """The presentation fields shared by sensors of one kind."""

    device_class: SensorDeviceClass
    native_unit_of_measurement: str
    state_class: SensorStateClass
    suggested_display_precision: int
    entity_category: EntityCategory
    entity_registry_enabled_default: bool
    options: list[str]


_POWER = _Presentation(
    device_class=SensorDeviceClass.POWER,
    native_unit_of_measurement=UnitOfPower.WATT,
    state_class=SensorStateClass.MEASUREMENT,
    suggested_display_precision=0,
)
_SOC = _Presentation(
    device_class=SensorDeviceClass.BATTERY,
    native_unit_of_measurement=PERCENTAGE,
    state_class=SensorStateClass.MEASUREMENT,
    suggested_display_precision=0,
)
# Energy held in the battery right now: it goes up and down, so it is never a counter.
_STORED_ENERGY = _Presentation(
    device_class=SensorDeviceClass.ENERGY_STORAGE,
    native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
    state_class=SensorStateClass.MEASUREMENT,
    suggested_display_precision=2,
)
_COUNTER = _Presentation(
    device_class=SensorDeviceClass.ENERGY,
    native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
    state_class=SensorStateClass.TOTAL_INCREASING,
    suggested_display_precision=2,
)
_DURATION = _Presentation(
    device_class=SensorDeviceClass.DURATION,
    native_unit_of_measurement=UnitOfTime.MINUTES,
    suggested_display_precision=0,
    # The cloud's estimate jumps with every change of load; rarely worth recording.
    entity_registry_enabled_default=False,
)


# ----- station ------------------------------------------------------------------------


def _has_info(station: StationData) -> bool:
    return station.info is not None


def _station_live(
    key: str,
    value_fn: Callable[[StationInfo], SensorValue],
    **presentation: Unpack[_Presentation],
) -> StationSensor:
    """Describe a live figure of the station info (unavailable when that call failed)."""
    return IzypowerSensorEntityDescription[StationData](
        key=key,
        translation_key=key,
        value_fn=lambda station: (
            None if station.info is None else value_fn(station.info)
        ),
        available_fn=_has_info,
        **presentation,
    )


def _installed_capacity(station: StationData) -> float | None:
    if station.info is not None and station.info.installed_capacity is not None:
        return station.info.installed_capacity
    return station.station.installed_capacity


def _energy(series: EnergySeries, period: Period) -> StationSensor:
    """Describe a guarded energy counter (never a mid-period dip), in kWh."""
    key = f"{series}_{period}"
    return IzypowerSensorEntityDescription[StationData](
        key=key,
        translation_key=key,
        value_fn=lambda station: station.energy.get((series, period)),
        available_fn=lambda station: (series, period) in station.energy,
        **_COUNTER,
    )


# Month and year percentages move slowly and repeat what the day and lifetime figures
# already tell; they stay one click away for users who want them.
_RATE_PERIODS_ENABLED = frozenset({Period.DAY, Period.TOTAL})


def _rate(rate: Rate, period: Period) -> StationSensor:
    """Describe a percentage the cloud computed for a period (needs its report)."""
    key = f"{rate}_{period}"
    return IzypowerSensorEntityDescription[StationData](
        key=key,
        translation_key=key,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        entity_registry_enabled_default=period in _RATE_PERIODS_ENABLED,
        value_fn=lambda station: station.reports[period].rates.get(rate),
        available_fn=lambda station: period in station.reports,
    )


STATION_SENSORS: tuple[StationSensor, ...] = (
    _station_live("pv_power", lambda info: info.pv_power, **_POWER),
    # Negative while exporting.
    _station_live("grid_power", lambda info: info.grid_power, **_POWER),
    _station_live("consumption_power", lambda info: info.consumption_power, **_POWER),
    # Negative while charging.
    _station_live("battery_power", lambda info: info.battery_power, **_POWER),
    # Equals the PV power on every station seen so far; kept for installations where
    # it differs.
    _station_live(
        "battery_pv_power",
        lambda info: info.battery_pv_power,
        **_POWER | _Presentation(entity_registry_enabled_default=False),
    ),
    _station_live("battery_soc", lambda info: info.battery_soc, **_SOC),
    _station_live(
        "last_update",
        lambda info: info.last_update,
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
    ),
    # The station list also carries the capacity: it stays known when the info fails.
    IzypowerSensorEntityDescription[StationData](
        key="installed_capacity",
        translation_key="installed_capacity",
        device_class=SensorDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.WATT,
        entity_category=EntityCategory.DIAGNOSTIC,
        suggested_display_precision=0,
        value_fn=_installed_capacity,
    ),
    *(_energy(series, period) for series in EnergySeries for period in Period),
    *(_rate(rate, period) for rate in Rate for period in Period),
)


# ----- equipment ----------------------------------------------------------------------


def _is_type(device_type: DeviceType) -> Callable[[DeviceData], bool]:
    return lambda device: device.device.device_type is device_type


def _is_listed(device: DeviceData) -> bool:
    """Whether this cycle's device list, which carries the record's readings, worked."""
    return device.listed


def _wifi(
    key: str,
    value_fn: Callable[[WifiInfo], SensorValue],
    **presentation: Unpack[_Presentation],
) -> EquipmentSensor:
    """Describe a Wi-Fi diagnostic (unavailable when the Wi-Fi call failed)."""
    return IzypowerSensorEntityDescription[DeviceData](
        key=key,
        translation_key=key,
        value_fn=lambda device: None if device.wifi is None else value_fn(device.wifi),
        available_fn=lambda device: device.wifi is not None,
        **_Presentation(entity_category=EntityCategory.DIAGNOSTIC) | presentation,
    )


def _meter(
    key: str,
    value_fn: Callable[[Device], SensorValue],
    **presentation: Unpack[_Presentation],
) -> EquipmentSensor:
    """Describe a smart meter reading from its device record."""
    return IzypowerSensorEntityDescription[DeviceData](
        key=key,
        translation_key=key,
        value_fn=lambda device: value_fn(device.device),
        exists_fn=_is_type(DeviceType.METER),
        available_fn=_is_listed,
        **presentation,
    )


def _battery(
    key: str,
    value_fn: Callable[[BatteryPage], SensorValue],
    **presentation: Unpack[_Presentation],
) -> EquipmentSensor:
    """Describe a figure of a Titan's battery page (unavailable when the page failed)."""
    return IzypowerSensorEntityDescription[DeviceData](
        key=key,
        translation_key=key,
        value_fn=lambda device: (
            None if device.battery is None else value_fn(device.battery)
        ),
        exists_fn=_is_type(DeviceType.BATTERY),
        available_fn=lambda device: device.battery is not None,
        **presentation,
    )


def _cluster_mode(device: DeviceData) -> str | None:
    mode = device.device.cluster_mode
    return None if mode is ClusterMode.NONE else mode.value


def _temperature(device: DeviceData) -> float | None:
    # The cloud keeps returning the day's last point after a unit goes offline;
    # showing it as current would be wrong.
    return None if device.device.online is False else device.temperature


def _battery_state(battery: BatteryPage) -> str | None:
    return None if battery.state is None else battery.state.value


EQUIPMENT_SENSORS: tuple[EquipmentSensor, ...] = (
    _wifi(
        "wifi_rssi",
        lambda wifi: wifi.rssi,
        device_class=SensorDeviceClass.SIGNAL_STRENGTH,
        native_unit_of_measurement=SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
    ),
    _wifi("wifi_ssid", lambda wifi: wifi.ssid, entity_registry_enabled_default=False),
    _wifi(
        "ip_address",
        lambda wifi: wifi.ip_address,
        entity_registry_enabled_default=False,
    ),
    IzypowerSensorEntityDescription[DeviceData](
        key="average_soc",
        translation_key="average_soc",
        value_fn=lambda device: device.device.average_soc,
        exists_fn=lambda device: device.device.has_average_soc,
        available_fn=_is_listed,
        **_SOC,
    ),
    IzypowerSensorEntityDescription[DeviceData](
        key="cluster_mode",
        translation_key="cluster_mode",
        device_class=SensorDeviceClass.ENUM,
        options=[mode.value for mode in ClusterMode if mode is not ClusterMode.NONE],
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=_cluster_mode,
        exists_fn=lambda device: device.device.cluster_mode is not ClusterMode.NONE,
        available_fn=_is_listed,
    ),
    IzypowerSensorEntityDescription[DeviceData](
        key="temperature",
        translation_key="temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        value_fn=_temperature,
        exists_fn=_is_type(DeviceType.MICRO_INVERTER),
    ),
    _meter(
        "grid_voltage",
        lambda meter: meter.grid_voltage,
        device_class=SensorDeviceClass.VOLTAGE,
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
    ),
    _meter(
        "grid_frequency",
        lambda meter: meter.grid_frequency,
        device_class=SensorDeviceClass.FREQUENCY,
        native_unit_of_measurement=UnitOfFrequency.HERTZ,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=2,
    ),
    _meter("meter_import_total", lambda meter: meter.meter_import_total, **_COUNTER),
    _meter("meter_export_total", lambda meter: meter.meter_export_total, **_COUNTER),
    _battery("battery_soc", lambda battery: battery.soc, **_SOC),
    _battery("battery_energy", lambda battery: battery.energy, **_STORED_ENERGY),
    # Negative while charging, like the station's battery power.
    _battery("battery_power", lambda battery: battery.power, **_POWER),
    _battery(
        "battery_state",
        _battery_state,
        device_class=SensorDeviceClass.ENUM,
        options=[state.value for state in BatteryState],
    ),
    _battery(
        "charge_from_grid_power",
        lambda battery: battery.charge_from_grid_power,
        **_POWER,
    ),
    _battery(
        "charge_from_pv_power", lambda battery: battery.charge_from_pv_power, **_POWER
    ),
    _battery(
        "discharge_from_battery_power",
        lambda battery: battery.discharge_from_battery_power,
        **_POWER,
    ),
    _battery(
        "discharge_from_pv_power",
        lambda battery: battery.discharge_from_pv_power,
        **_POWER,
    ),
    _battery("charging_time", lambda battery: battery.charging_time, **_DURATION),
    _battery("discharging_time", lambda battery: battery.discharging_time, **_DURATION),
    _battery(
        "consumption_need_power",
        lambda battery: battery.consumption_need_power,
        **_POWER,
    ),
    _battery(
        "solar_surplus_power", lambda battery: battery.solar_surplus_power, **_POWER
    ),
    _battery(
        "direct_solar_power", lambda battery: battery.direct_solar_power, **_POWER
    ),
    _battery(
        "backup_outlet_power", lambda battery: battery.backup_outlet_power, **_POWER
    ),
)


@cache
def pv_string_power(name: str) -> EquipmentSensor:
    """Live power of one PV input ("PV1", "PV2", ...) of an equipment."""
    return IzypowerSensorEntityDescription[DeviceData](
        key=f"pv_string_power_{name}",
        translation_key="pv_string_power",
        translation_placeholders={"pv_string": name},
        # An input missing from this cycle's list is unknown, not 0 W.
        value_fn=lambda device: (device.pv_strings or {}).get(name),
        available_fn=lambda device: device.pv_strings is not None,
        **_POWER,
    )


# ----- Link modules -------------------------------------------------------------------

LINK_SENSORS: tuple[LinkSensor, ...] = (
    IzypowerSensorEntityDescription[LinkModule](
        key="battery_soc",
        translation_key="battery_soc",
        value_fn=lambda link: link.soc,
        **_SOC,
    ),
    IzypowerSensorEntityDescription[LinkModule](
        key="battery_energy",
        translation_key="battery_energy",
        value_fn=lambda link: link.energy,
        **_STORED_ENERGY,
    ),
)

TABLES = EntityTables[IzypowerSensorEntityDescription[Any]](
    station=STATION_SENSORS,
    equipment=EQUIPMENT_SENSORS,
    link=LINK_SENSORS,
    pv_string=pv_string_power,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: IzypowerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add sensors for every station, equipment and Link module, now and later."""
    async_add_entities_dynamically(entry, async_add_entities, TABLES, IzypowerSensor)


class IzypowerSensor(IzypowerEntity[SensorValue], SensorEntity):
    """A sensor reading one value of the coordinator's snapshot."""

    entity_description: IzypowerSensorEntityDescription[Any]

    @property
    def native_value(self) -> SensorValue:
        """The value, `None` (unknown) when the cloud did not send it."""
        return self.value
