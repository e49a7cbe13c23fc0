"""Sensors of Izypower Cloud stations, equipment and battery Link modules."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, TypedDict, Unpack, override

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
    EnergyReport,
    EnergySeries,
    LinkModule,
    Period,
    Rate,
    StationInfo,
    WifiInfo,
)
from .coordinator import IzypowerConfigEntry
from .data import REPORT_FEEDS, DeviceData, Feed, StationData
from .entity import (
    EntityTable,
    EntityTables,
    IzypowerEntity,
    IzypowerEntityDescription,
    always,
    async_add_entities_dynamically,
    has_serial,
)
from .targets import EquipmentTarget, LinkTarget, StationTarget

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


@dataclass(frozen=True, slots=True)
class _Part[SourceT, PartT]:
    """A part of a target's snapshot that one call (`feed`) fills.

    Its sensors read a value from the part and are unavailable while the call failed.
    """

    get: Callable[[SourceT], PartT | None]
    feed: Feed
    exists_fn: Callable[[SourceT], bool] = always
    presentation: _Presentation = field(default_factory=_Presentation)

    def sensor(
        self,
        key: str,
        value_fn: Callable[[PartT], SensorValue],
        *,
        exists_fn: Callable[[SourceT], bool] | None = None,
        **presentation: Unpack[_Presentation],
    ) -> IzypowerSensorEntityDescription[SourceT]:
        """Describe the sensor `key` showing `value_fn` of this part."""
        get = self.get
        return IzypowerSensorEntityDescription[SourceT](
            key=key,
            translation_key=key,
            value_fn=lambda source: (
                None if (part := get(source)) is None else value_fn(part)
            ),
            exists_fn=self.exists_fn if exists_fn is None else exists_fn,
            feed=self.feed,
            **self.presentation | presentation,
        )


# ----- station ------------------------------------------------------------------------

_STATION_INFO = _Part[StationData, StationInfo](
    lambda station: station.info, Feed.STATION_INFO
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
        # Guarded from the station info's counters.
        feed=Feed.STATION_INFO,
        **_COUNTER,
    )


# Month and year percentages move slowly and repeat what the day and lifetime figures
# already tell; they stay one click away for users who want them.
_RATE_PERIODS_ENABLED = frozenset({Period.DAY, Period.TOTAL})


def _rate(rate: Rate, period: Period) -> StationSensor:
    """Describe a percentage the cloud computed for a period (needs its report)."""
    report = _Part[StationData, EnergyReport](
        lambda station: station.reports.get(period), REPORT_FEEDS[period]
    )
    return report.sensor(
        f"{rate}_{period}",
        lambda report: report.rates.get(rate),
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        entity_registry_enabled_default=period in _RATE_PERIODS_ENABLED,
    )


STATION_SENSORS: tuple[StationSensor, ...] = (
    _STATION_INFO.sensor("pv_power", lambda info: info.pv_power, **_POWER),
    # Negative while exporting.
    _STATION_INFO.sensor("grid_power", lambda info: info.grid_power, **_POWER),
    _STATION_INFO.sensor(
        "consumption_power", lambda info: info.consumption_power, **_POWER
    ),
    # Negative while charging.
    _STATION_INFO.sensor("battery_power", lambda info: info.battery_power, **_POWER),
    # Equals the PV power on every station seen so far; kept for installations where
    # it differs.
    _STATION_INFO.sensor(
        "battery_pv_power",
        lambda info: info.battery_pv_power,
        **_POWER | _Presentation(entity_registry_enabled_default=False),
    ),
    _STATION_INFO.sensor("battery_soc", lambda info: info.battery_soc, **_SOC),
    _STATION_INFO.sensor(
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


def _is_titan(device: DeviceData) -> bool:
    return device.device.device_type is DeviceType.BATTERY and has_serial(device)


def _record(device: DeviceData) -> Device:
    return device.device


# The readings of the device list's record (stale when the list failed).
_RECORD = _Part[DeviceData, Device](_record, Feed.DEVICE_LIST)
_METER_RECORD = _Part[DeviceData, Device](
    _record, Feed.DEVICE_LIST, exists_fn=_is_type(DeviceType.METER)
)
_WIFI = _Part[DeviceData, WifiInfo](
    lambda device: device.wifi,
    Feed.WIFI,
    exists_fn=has_serial,
    presentation=_Presentation(entity_category=EntityCategory.DIAGNOSTIC),
)
_BATTERY_PAGE = _Part[DeviceData, BatteryPage](
    lambda device: device.battery, Feed.BATTERY, exists_fn=_is_titan
)


def _cluster_mode(record: Device) -> str | None:
    mode = record.cluster_mode
    return None if mode is ClusterMode.NONE else mode.value


def _temperature(device: DeviceData) -> float | None:
    # The cloud keeps returning the day's last point after a unit goes offline;
    # showing it as current would be wrong.
    return None if device.device.online is False else device.temperature


def _battery_state(battery: BatteryPage) -> str | None:
    return None if battery.state is None else battery.state.value


EQUIPMENT_SENSORS: tuple[EquipmentSensor, ...] = (
    # Noisy (it moves with every reading) and only useful when diagnosing a link.
    _WIFI.sensor(
        "wifi_rssi",
        lambda wifi: wifi.rssi,
        device_class=SensorDeviceClass.SIGNAL_STRENGTH,
        native_unit_of_measurement=SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        entity_registry_enabled_default=False,
    ),
    _WIFI.sensor(
        "wifi_ssid", lambda wifi: wifi.ssid, entity_registry_enabled_default=False
    ),
    _WIFI.sensor(
        "ip_address",
        lambda wifi: wifi.ip_address,
        entity_registry_enabled_default=False,
    ),
    _RECORD.sensor(
        "average_soc",
        lambda record: record.average_soc,
        exists_fn=lambda device: device.device.has_average_soc,
        **_SOC,
    ),
    _RECORD.sensor(
        "cluster_mode",
        _cluster_mode,
        exists_fn=lambda device: device.device.cluster_mode is not ClusterMode.NONE,
        device_class=SensorDeviceClass.ENUM,
        options=[mode.value for mode in ClusterMode if mode is not ClusterMode.NONE],
        entity_category=EntityCategory.DIAGNOSTIC,
    ),
    IzypowerSensorEntityDescription[DeviceData](
        key="temperature",
        translation_key="temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        value_fn=_temperature,
        exists_fn=lambda device: (
            device.device.device_type is DeviceType.MICRO_INVERTER
            and has_serial(device)
        ),
        feed=Feed.TEMPERATURE,
    ),
    _METER_RECORD.sensor(
        "grid_voltage",
        lambda meter: meter.grid_voltage,
        device_class=SensorDeviceClass.VOLTAGE,
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
    ),
    _METER_RECORD.sensor(
        "grid_frequency",
        lambda meter: meter.grid_frequency,
        device_class=SensorDeviceClass.FREQUENCY,
        native_unit_of_measurement=UnitOfFrequency.HERTZ,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=2,
    ),
    _METER_RECORD.sensor(
        "meter_import_total", lambda meter: meter.meter_import_total, **_COUNTER
    ),
    _METER_RECORD.sensor(
        "meter_export_total", lambda meter: meter.meter_export_total, **_COUNTER
    ),
    _BATTERY_PAGE.sensor("battery_soc", lambda battery: battery.soc, **_SOC),
    _BATTERY_PAGE.sensor(
        "battery_energy", lambda battery: battery.energy, **_STORED_ENERGY
    ),
    # Negative while charging, like the station's battery power.
    _BATTERY_PAGE.sensor("battery_power", lambda battery: battery.power, **_POWER),
    _BATTERY_PAGE.sensor(
        "battery_state",
        _battery_state,
        device_class=SensorDeviceClass.ENUM,
        options=[state.value for state in BatteryState],
    ),
    _BATTERY_PAGE.sensor(
        "charge_from_grid_power",
        lambda battery: battery.charge_from_grid_power,
        **_POWER,
    ),
    _BATTERY_PAGE.sensor(
        "charge_from_pv_power", lambda battery: battery.charge_from_pv_power, **_POWER
    ),
    _BATTERY_PAGE.sensor(
        "discharge_from_battery_power",
        lambda battery: battery.discharge_from_battery_power,
        **_POWER,
    ),
    _BATTERY_PAGE.sensor(
        "discharge_from_pv_power",
        lambda battery: battery.discharge_from_pv_power,
        **_POWER,
    ),
    _BATTERY_PAGE.sensor(
        "charging_time", lambda battery: battery.charging_time, **_DURATION
    ),
    _BATTERY_PAGE.sensor(
        "discharging_time", lambda battery: battery.discharging_time, **_DURATION
    ),
    _BATTERY_PAGE.sensor(
        "consumption_need_power",
        lambda battery: battery.consumption_need_power,
        **_POWER,
    ),
    _BATTERY_PAGE.sensor(
        "solar_surplus_power", lambda battery: battery.solar_surplus_power, **_POWER
    ),
    _BATTERY_PAGE.sensor(
        "direct_solar_power", lambda battery: battery.direct_solar_power, **_POWER
    ),
    _BATTERY_PAGE.sensor(
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
        # The PV-string list is the station's.
        feed=Feed.PV_STRINGS,
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


def pv_string_sensors(device: DeviceData) -> Iterator[EquipmentSensor]:
    """One power sensor per PV input the equipment reported (none if the call failed)."""
    return map(pv_string_power, device.pv_strings or ())


TABLES: EntityTables[IzypowerSensorEntityDescription[Any]] = (
    EntityTable(StationTarget, STATION_SENSORS),
    EntityTable(EquipmentTarget, EQUIPMENT_SENSORS, generated=pv_string_sensors),
    EntityTable(LinkTarget, LINK_SENSORS),
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

    @override
    @property
    def native_value(self) -> SensorValue:
        """The value, `None` (unknown) when the cloud did not send it."""
        return self.value
