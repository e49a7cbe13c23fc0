"""What a station has (a battery, a smart meter, an EV charger), remembered once seen.

Entities follow what a station has (docs/design.md §4): a station's battery, meter
(grid and consumption) or EV entities exist only once its data shows one. A glitch (zeros, a missing field, a device
list that failed) must neither remove those entities nor change how energy is booked,
so a feature, once seen, stays for the coordinator's life.
"""

from collections.abc import Iterable, Mapping
from enum import StrEnum

from .api import Device, DeviceType, EnergyReport, Period, StationInfo


class Feature(StrEnum):
    """Something a station may have."""

    BATTERY = "battery"
    METER = "meter"
    EV_CHARGER = "ev_charger"


def shows_battery(devices: Iterable[Device], info: StationInfo | None) -> bool:
    """Tell whether a Titan is listed or the info has a battery figure not 0."""
    return any(device.device_type is DeviceType.BATTERY for device in devices) or (
        info is not None and info.reports_battery
    )


def shows_meter(
    devices: Iterable[Device],
    info: StationInfo | None,
    reports: Mapping[Period, EnergyReport],
) -> bool:
    """Tell whether a smart meter is listed or a grid or consumption figure is not 0."""
    return (
        any(device.device_type is DeviceType.METER for device in devices)
        or (info is not None and info.reports_meter)
        or any(report.reports_meter for report in reports.values())
    )


def shows_ev_charger(
    devices: Iterable[Device],
    info: StationInfo | None,
    reports: Mapping[Period, EnergyReport],
) -> bool:
    """Tell whether an `evse` device is listed or an EV figure is not 0."""
    return (
        any(device.device_type is DeviceType.CHARGER for device in devices)
        or (info is not None and info.reports_ev)
        or any(report.reports_ev for report in reports.values())
    )


class StationFeatures:
    """The features each station has shown so far."""

    def __init__(self) -> None:
        """Nothing seen yet."""
        self._seen: dict[Feature, set[int]] = {feature: set() for feature in Feature}

    def has(self, feature: Feature, station_id: int, *, shown: bool) -> bool:
        """Record this refresh's evidence; tell whether the station has the feature."""
        if shown:
            self._seen[feature].add(station_id)
        return station_id in self._seen[feature]
