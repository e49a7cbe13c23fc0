"""Sensors of a power station: live powers, guarded energy counters, rates."""

from collections.abc import Callable, Mapping

from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import PERCENTAGE, EntityCategory, UnitOfPower

from .api import METER_SERIES, EnergyReport, EnergySeries, Period, Rate, StationInfo
from .data import REPORT_FEEDS, Feed, StationData
from .entity import always
from .sensor_description import (
    AGGREGATE_SOC,
    COUNTER,
    POWER,
    Part,
    Presentation,
    StationSensor,
    itself,
)

_STATION_INFO = Part[StationData, StationInfo](
    lambda station: station.info, Feed.STATION_INFO
)
# The whole station, for what it always has (from the station list).
_STATION = Part[StationData, StationData](itself, None)


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


def _has_meter(station: StationData) -> bool:
    return station.has_meter


# What only a station with a smart meter has (data.py `StationData.has_meter`):
# without one, the cloud sends its grid and consumption figures as 0 and the rates
# that are not the battery's (shares of consumption or of the grid) as 0 or 100 %,
# which would be made-up values.
_STATION_METER = Part[StationData, StationInfo](
    lambda station: station.info, Feed.STATION_INFO, exists_fn=_has_meter
)


def _series_exists(series: EnergySeries) -> Callable[[StationData], bool]:
    """Return the rule that tells whether a station has a series' counters."""
    if series in _BATTERY_SERIES:
        return _has_battery
    return _has_meter if series in METER_SERIES else always


# The guarded energy counters (never a mid-period dip), from the station info's.
_ENERGY = Part[StationData, Mapping[tuple[EnergySeries, Period], float | None]](
    lambda station: station.energy, Feed.STATION_INFO
)


def _energy(series: EnergySeries, period: Period) -> StationSensor:
    """Describe a guarded energy counter, in kWh."""
    return _ENERGY.sensor(
        f"{series}_{period}",
        lambda energy: energy.get((series, period)),
        exists_fn=_series_exists(series),
        **COUNTER,
    )


# A percentage the cloud computed for a period.
_PERCENT = Presentation(
    native_unit_of_measurement=PERCENTAGE,
    state_class=SensorStateClass.MEASUREMENT,
    suggested_display_precision=1,
)
# Month and year percentages move slowly and repeat what the day and lifetime figures
# already tell; they stay one click away for users who want them.
_RATE_PERIODS_ENABLED = frozenset({Period.DAY, Period.TOTAL})


def _percentage(
    key: str,
    period: Period,
    value_fn: Callable[[EnergyReport], float | None],
    exists_fn: Callable[[StationData], bool],
) -> StationSensor:
    """Describe a percentage the cloud computed for a period (needs its report)."""
    report = Part[StationData, EnergyReport](
        lambda station: station.reports.get(period),
        REPORT_FEEDS[period],
        exists_fn=exists_fn,
    )
    return report.sensor(
        key,
        value_fn,
        **_PERCENT
        | Presentation(entity_registry_enabled_default=period in _RATE_PERIODS_ENABLED),
    )


def _rate(rate: Rate, period: Period) -> StationSensor:
    """Describe one of the report's rates."""
    return _percentage(
        f"{rate}_{period}",
        period,
        lambda report: report.rates.get(rate),
        _has_battery if rate in _BATTERY_RATES else _has_meter,
    )


def _has_ev(station: StationData) -> bool:
    return station.has_ev


# EV figures (docs/api.md §7.2, §7.3): only on a station seen with an EV charger
# (data.py `StationData.has_ev`), experimental (one client reads them).
_STATION_EV = Part[StationData, StationInfo](
    lambda station: station.info, Feed.STATION_INFO, exists_fn=_has_ev
)


def _ev_energy(period: Period) -> StationSensor:
    """Describe the EV charger's energy over a period (report `ev`, guarded), in kWh."""
    ev_energy = Part[StationData, Mapping[Period, float | None]](
        lambda station: station.ev_energy, REPORT_FEEDS[period], exists_fn=_has_ev
    )
    return ev_energy.sensor(
        f"ev_energy_{period}", lambda energy: energy.get(period), **COUNTER
    )


def _ev_rate(period: Period) -> StationSensor:
    """Describe the EV charger's share of a period (report `ev_rate`)."""
    return _percentage(
        f"ev_rate_{period}", period, lambda report: report.ev_rate, _has_ev
    )


STATION_SENSORS: tuple[StationSensor, ...] = (
    _STATION_INFO.sensor("pv_power", lambda info: info.pv_power, **POWER),
    # Negative while exporting.
    _STATION_METER.sensor("grid_power", lambda info: info.grid_power, **POWER),
    _STATION_METER.sensor(
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
    _STATION.sensor(
        "installed_capacity",
        _installed_capacity,
        device_class=SensorDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.WATT,
        entity_category=EntityCategory.DIAGNOSTIC,
        suggested_display_precision=0,
    ),
    *(_energy(series, period) for series in EnergySeries for period in Period),
    *(_rate(rate, period) for rate in Rate for period in Period),
    _STATION_EV.sensor("ev_power", lambda info: info.ev_power, **POWER),
    *(_ev_energy(period) for period in Period),
    *(_ev_rate(period) for period in Period),
)
