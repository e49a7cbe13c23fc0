"""Sensors of equipment (Titan, micro-inverter, meter) and of battery Link modules."""

from collections.abc import Callable, Iterator, Mapping
from functools import cache
from operator import attrgetter

from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.const import (
    SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
    EntityCategory,
    UnitOfElectricPotential,
    UnitOfFrequency,
    UnitOfTemperature,
)

from .api import (
    BatteryPage,
    BatteryState,
    ClusterMode,
    Device,
    DeviceType,
    LinkModule,
    WifiInfo,
)
from .data import DeviceData, Feed
from .entity import has_serial
from .sensor_description import (
    AGGREGATE_SOC,
    COUNTER,
    DURATION,
    POWER,
    SOC,
    STORED_ENERGY,
    EquipmentSensor,
    LinkSensor,
    Part,
    Presentation,
    itself,
    measurement,
)

# ----- equipment ----------------------------------------------------------------------


def _is_type(device_type: DeviceType) -> Callable[[DeviceData], bool]:
    return lambda device: device.device.device_type is device_type


def _is_titan(device: DeviceData) -> bool:
    return device.device.device_type is DeviceType.BATTERY and has_serial(device)


def _record(device: DeviceData) -> Device:
    return device.device


# The readings of the device list's record (stale when the list failed).
_RECORD = Part[DeviceData, Device](_record, Feed.DEVICE_LIST)
_METER_RECORD = Part[DeviceData, Device](
    _record, Feed.DEVICE_LIST, exists_fn=_is_type(DeviceType.METER)
)
_WIFI = Part[DeviceData, WifiInfo](
    lambda device: device.wifi,
    Feed.WIFI,
    exists_fn=has_serial,
    presentation=Presentation(entity_category=EntityCategory.DIAGNOSTIC),
)
_BATTERY_PAGE = Part[DeviceData, BatteryPage](
    lambda device: device.battery, Feed.BATTERY, exists_fn=_is_titan
)
# A micro-inverter's temperature call (its value also depends on the device record).
_MICRO_INVERTER = Part[DeviceData, DeviceData](
    itself,
    Feed.TEMPERATURE,
    exists_fn=lambda device: (
        device.device.device_type is DeviceType.MICRO_INVERTER and has_serial(device)
    ),
)


_TEMPERATURE = measurement(SensorDeviceClass.TEMPERATURE, UnitOfTemperature.CELSIUS, 1)


def _cluster_mode(record: Device) -> str | None:
    mode = record.cluster_mode
    return None if mode is ClusterMode.NONE else mode.value


def _temperature(device: DeviceData) -> float | None:
    # The cloud keeps returning the day's last point after a unit goes offline;
    # showing it as current would be wrong.
    return None if device.device.online is False else device.temperature


def _battery_state(battery: BatteryPage) -> str | None:
    return None if battery.state is None else battery.state.value


def _battery_page_sensors(
    presentation: Presentation, *fields: str
) -> Iterator[EquipmentSensor]:
    """One sensor per battery-page field, keyed (and translated) by the field's name."""
    for name in fields:
        yield _BATTERY_PAGE.sensor(name, attrgetter(name), **presentation)


EQUIPMENT_SENSORS: tuple[EquipmentSensor, ...] = (
    # Noisy (it moves with every reading) and only useful when diagnosing a link.
    _WIFI.sensor(
        "wifi_rssi",
        lambda wifi: wifi.rssi,
        **measurement(
            SensorDeviceClass.SIGNAL_STRENGTH, SIGNAL_STRENGTH_DECIBELS_MILLIWATT, 0
        )
        | Presentation(entity_registry_enabled_default=False),
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
        **AGGREGATE_SOC,
    ),
    _RECORD.sensor(
        "cluster_mode",
        _cluster_mode,
        exists_fn=lambda device: device.device.cluster_mode is not ClusterMode.NONE,
        device_class=SensorDeviceClass.ENUM,
        options=[mode.value for mode in ClusterMode if mode is not ClusterMode.NONE],
        entity_category=EntityCategory.DIAGNOSTIC,
    ),
    _MICRO_INVERTER.sensor("temperature", _temperature, **_TEMPERATURE),
    _METER_RECORD.sensor(
        "grid_voltage",
        lambda meter: meter.grid_voltage,
        **measurement(SensorDeviceClass.VOLTAGE, UnitOfElectricPotential.VOLT, 1),
    ),
    _METER_RECORD.sensor(
        "grid_frequency",
        lambda meter: meter.grid_frequency,
        **measurement(SensorDeviceClass.FREQUENCY, UnitOfFrequency.HERTZ, 2),
    ),
    _METER_RECORD.sensor(
        "meter_import_total", lambda meter: meter.meter_import_total, **COUNTER
    ),
    _METER_RECORD.sensor(
        "meter_export_total", lambda meter: meter.meter_export_total, **COUNTER
    ),
    _BATTERY_PAGE.sensor("battery_soc", lambda battery: battery.soc, **SOC),
    _BATTERY_PAGE.sensor(
        "battery_energy", lambda battery: battery.energy, **STORED_ENERGY
    ),
    # Negative while charging, like the station's battery power.
    _BATTERY_PAGE.sensor("battery_power", lambda battery: battery.power, **POWER),
    # Newer cloud versions only: the entity appears once the page sends it.
    _BATTERY_PAGE.sensor(
        "battery_temperature",
        lambda battery: battery.temperature,
        exists_fn=lambda device: (
            _is_titan(device)
            and device.battery is not None
            and device.battery.temperature is not None
        ),
        **_TEMPERATURE,
    ),
    _BATTERY_PAGE.sensor(
        "battery_state",
        _battery_state,
        device_class=SensorDeviceClass.ENUM,
        options=[state.value for state in BatteryState],
    ),
    # The battery page's breakdown of where power flows; the field names are the keys.
    *_battery_page_sensors(
        POWER,
        "charge_from_grid_power",
        "charge_from_pv_power",
        "discharge_from_battery_power",
        "discharge_from_pv_power",
    ),
    *_battery_page_sensors(DURATION, "charging_time", "discharging_time"),
    *_battery_page_sensors(
        POWER,
        "consumption_need_power",
        "solar_surplus_power",
        "direct_solar_power",
        "backup_outlet_power",
    ),
)


def _input_power(
    key: str,
    placeholder: str,
    name: str,
    inputs: Callable[[DeviceData], Mapping[str, float | None] | None],
    feed: Feed,
) -> EquipmentSensor:
    """Live power of one named input of an equipment, read from a station-wide call.

    An input missing from this cycle's answer is unknown, not 0 W.
    """
    return Part[DeviceData, Mapping[str, float | None]](inputs, feed).sensor(
        f"{key}_{name}",
        lambda powers: powers.get(name),
        translation_key=key,
        translation_placeholders={placeholder: name},
        **POWER,
    )


@cache
def pv_string_power(name: str) -> EquipmentSensor:
    """Live power of one PV input ("PV1", "PV2", ...) of an equipment."""
    return _input_power(
        "pv_string_power",
        "pv_string",
        name,
        attrgetter("pv_strings"),
        Feed.PV_STRINGS,
    )


# ----- Link modules -------------------------------------------------------------------

# The whole Link module, found on its Titan's battery page (targets.py): no feed of
# its own.
_LINK = Part[LinkModule, LinkModule](itself, None)

LINK_SENSORS: tuple[LinkSensor, ...] = (
    _LINK.sensor("battery_soc", lambda link: link.soc, **SOC),
    _LINK.sensor("battery_energy", lambda link: link.energy, **STORED_ENERGY),
    # Newer cloud versions only: the entity appears once the page sends it.
    _LINK.sensor(
        "temperature",
        lambda link: link.temperature,
        exists_fn=lambda link: link.temperature is not None,
        **_TEMPERATURE,
    ),
)


@cache
def ct_power(name: str) -> EquipmentSensor:
    """Power through one current clamp ("CT2", "CT3", ...) of a smart meter.

    Signed by the cloud like the grid power, and shown as sent.
    """
    return _input_power("ct_power", "ct", name, attrgetter("ct_powers"), Feed.CT_POWER)


def input_sensors(device: DeviceData) -> Iterator[EquipmentSensor]:
    """One power sensor per PV input and per current clamp the equipment reported.

    None for the inputs of a call that failed: its entities stay, unavailable.
    """
    yield from map(pv_string_power, device.pv_strings or ())
    yield from map(ct_power, device.ct_powers or ())
