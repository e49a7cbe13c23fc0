"""The typed snapshot of an Izypower Cloud account that the coordinator publishes.

Entities only read from these objects: they never call the cloud and never parse JSON.
A field that is `None` means "this call failed or the cloud did not send it this cycle";
the entities fed by it become unavailable (a whole source missing) or unknown (one value
missing), and nothing else is affected.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from .api import (
    BatteryPage,
    BatterySettings,
    Device,
    EnergyReport,
    EnergySeries,
    MeterControl,
    Period,
    Station,
    StationInfo,
    WifiInfo,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceData:
    """One piece of equipment (Titan, micro-inverter, meter, charger) of a station."""

    device: Device
    # False when this cycle's device list failed: `device` is then the record of the
    # last successful list, and the entities fed by the list itself (online state,
    # cluster mode, `dataDtos` values) should be unavailable. The device's own calls
    # (battery page, temperature, ...) still ran and fill the other fields.
    listed: bool = True
    # PV input name ("PV1", "PV2", ...) -> W. `None` when the PV-string call failed.
    pv_strings: Mapping[str, float | None] | None = None
    wifi: WifiInfo | None = None
    battery: BatteryPage | None = None
    battery_settings: BatterySettings | None = None
    meter_control: MeterControl | None = None
    temperature: float | None = None
    # True when this cycle's temperature call failed (its entity is then unavailable);
    # an offline micro-inverter is not asked, which is no failure.
    temperature_failed: bool = False
    # `None` when the firmware list failed or does not mention this serial.
    firmware_update: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StationData:
    """One power station and everything fetched for it."""

    station: Station
    # `None` when station info failed this cycle (its entities become unavailable).
    info: StationInfo | None = None
    # Energy counters after the energy guard (never a mid-period dip); this is what the
    # energy sensors show, not `info.energy`.
    energy: Mapping[tuple[EnergySeries, Period], float | None] = field(
        default_factory=dict
    )
    # One report per period; a period whose report failed is absent.
    reports: Mapping[Period, EnergyReport] = field(default_factory=dict)
    # By device id.
    devices: Mapping[int, DeviceData] = field(default_factory=dict)
    # Any device of this station (own serials only) needs a firmware upgrade;
    # `None` when the firmware list failed.
    firmware_update: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class IzypowerData:
    """The whole account: what one coordinator refresh produces."""

    stations: Mapping[int, StationData] = field(default_factory=dict)
