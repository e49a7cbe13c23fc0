"""Sensors of a power station: live powers, guarded energy counters, rates."""

from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import PERCENTAGE, EntityCategory, UnitOfPower

from .api import EnergyReport, EnergySeries, Period, Rate, StationInfo
from .data import REPORT_FEEDS, Feed, StationData
from .entity import always
from .sensor_description import (
    AGGREGATE_SOC,
    COUNTER,
    POWER,
    IzypowerSensorEntityDescription,
    Part,
    Presentation,
    StationSensor,
)

_STATION_INFO = Part[StationData, StationInfo](
    lambda station: station.info, Feed.STATION_INFO
)


def _installed_capacity(station: StationData) -> float | None:
    if station.info is not None and station.info.installed_capacity is not None:
        return station.info.installed_capacity
    return station.station.installed_capacity


def _has_battery(station: StationData) -> bool:
    return station.has_battery


# What only a station with a battery has (data.py `StationData.has_battery`): without
# one, these would read 0 or 100 % forever and raise false low-battery alerts.
_BATTERY_SERIES = frozenset(
    {EnergySeries.BATTERY_CHARGE, EnergySeries.BATTERY_DISCHARGE}
)
_BATTERY_RATES = frozenset({Rate.BATTERY_CHARGE, Rate.BATTERY_DISCHARGE})
_STATION_BATTERY = Part[StationData, StationInfo](
    lambda station: station.info, Feed.STATION_INFO, exists_fn=_has_battery
)


def _energy(series: EnergySeries, period: Period) -> StationSensor:
    """Describe a guarded energy counter (never a mid-period dip), in kWh."""
    key = f"{series}_{period}"
    return IzypowerSensorEntityDescription[StationData](
        key=key,
        translation_key=key,
        value_fn=lambda station: station.energy.get((series, period)),
        exists_fn=_has_battery if series in _BATTERY_SERIES else always,
        # Guarded from the station info's counters.
        feed=Feed.STATION_INFO,
        **COUNTER,
    )


# Month and year percentages move slowly and repeat what the day and lifetime figures
# already tell; they stay one click away for users who want them.
_RATE_PERIODS_ENABLED = frozenset({Period.DAY, Period.TOTAL})


def _rate(rate: Rate, period: Period) -> StationSensor:
    """Describe a percentage the cloud computed for a period (needs its report)."""
    report = Part[StationData, EnergyReport](
        lambda station: station.reports.get(period),
        REPORT_FEEDS[period],
        exists_fn=_has_battery if rate in _BATTERY_RATES else always,
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
    _STATION_INFO.sensor("pv_power", lambda info: info.pv_power, **POWER),
    # Negative while exporting.
    _STATION_INFO.sensor("grid_power", lambda info: info.grid_power, **POWER),
    _STATION_INFO.sensor(
        "consumption_power", lambda info: info.consumption_power, **POWER
    ),
    # Negative while charging.
    _STATION_BATTERY.sensor("battery_power", lambda info: info.battery_power, **POWER),
    # Equals the PV power on every station seen so far; kept for installations where
    # it differs.
    _STATION_BATTERY.sensor(
        "battery_pv_power",
        lambda info: info.battery_pv_power,
        **POWER | Presentation(entity_registry_enabled_default=False),
    ),
    # The level of all the station's batteries together: not one battery, so not of
    # the battery class (Home Assistant lists each battery once, under its Titan).
    _STATION_BATTERY.sensor(
        "battery_soc", lambda info: info.battery_soc, **AGGREGATE_SOC
    ),
    _STATION_INFO.sensor(
        "last_update",
        lambda info: info.last_update,
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        # A new value at every refresh would fill the Activity feed of every station:
        # off by default, one click away for automations that watch the cloud.
        entity_registry_enabled_default=False,
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
