"""The typed snapshot of an Izypower Cloud account that the coordinator publishes.

Entities only read from these objects: they never call the cloud and never parse JSON.
Each part of the snapshot says which of the calls feeding it failed this cycle in its
`failed` set of `Feed`s: the entities reading a failed feed are unavailable, and
nothing else is affected. A field that is `None` without its feed having failed is a
value the cloud did not send (the entity shows unknown).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

from .api import (
    BatteryPage,
    BatterySettings,
    Device,
    EnergyReport,
    EnergySeries,
    EvChargerPower,
    EvSettings,
    MeterChannel,
    MeterControl,
    Period,
    Station,
    StationInfo,
    WifiInfo,
)


class Feed(StrEnum):
    """One cloud call (or kind of call) that feeds a part of the snapshot."""

    # Station-wide calls, in `StationData.failed`; a device entity may read them too.
    STATION_INFO = "station_info"
    DAY_REPORT = "day_report"
    MONTH_REPORT = "month_report"
    YEAR_REPORT = "year_report"
    TOTAL_REPORT = "total_report"
    # The device list carries each device's record (online state, cluster mode,
    # `dataDtos` values).
    DEVICE_LIST = "device_list"
    PV_STRINGS = "pv_strings"
    # The layout-power call: the current clamps of the station's smart meters.
    CT_POWER = "ct_power"
    FIRMWARE = "firmware"
    # A device's own calls, in `DeviceData.failed`.
    WIFI = "wifi"
    # A Titan's battery page, which also lists its Link modules.
    BATTERY = "battery"
    TEMPERATURE = "temperature"
    # Slow reads of the controls' current values: a Titan's settings (by serial) and
    # a smart meter's export limitation (base info, by device id).
    SETTINGS = "settings"
    METER_CONTROL = "meter_control"
    # An EV charger's settings (four reads, docs/api.md §7.15): slow like the
    # others, but only while one of its controls is enabled (on_demand.py).
    EV_SETTINGS = "ev_settings"
    # Pages of newer cloud versions, read only while an entity shows them
    # (`ON_DEMAND_FEEDS`): a smart meter's channels, an EV charger's powers.
    METER_CHANNELS = "meter_channels"
    EV_CHARGER = "ev_charger"


# Feeds read at every refresh, but only for the devices where an entity that reads
# them is enabled: all their entities are disabled by default, and a call per device
# and refresh would otherwise cost every user requests for values nobody looks at.
ON_DEMAND_FEEDS: frozenset[Feed] = frozenset({Feed.METER_CHANNELS, Feed.EV_CHARGER})


REPORT_FEEDS: Mapping[Period, Feed] = {
    Period.DAY: Feed.DAY_REPORT,
    Period.MONTH: Feed.MONTH_REPORT,
    Period.YEAR: Feed.YEAR_REPORT,
    Period.TOTAL: Feed.TOTAL_REPORT,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceData:
    """One piece of equipment (Titan, micro-inverter, meter, charger) of a station."""

    # The record of this cycle's device list; when the list failed (`DEVICE_LIST` in
    # the station's `failed`), the record of the last successful one. The device's own
    # calls (battery page, temperature, ...) still ran and fill the other fields.
    device: Device
    # PV input name ("PV1", "PV2", ...) -> W; `None` when the PV-string call failed.
    pv_strings: Mapping[str, float | None] | None = None
    # A smart meter's clamp name ("CT2", "CT3", ...) -> W (signed by the cloud like
    # the grid power); `None` for other devices and when the layout-power call failed.
    ct_powers: Mapping[str, float | None] | None = None
    wifi: WifiInfo | None = None
    battery: BatteryPage | None = None
    temperature: float | None = None
    # `None` when the firmware list failed or does not mention this serial.
    firmware_update: bool | None = None
    # A Titan's settings and a meter's export limitation (slow cadence, and again
    # after a write); `None` for other devices and while the read fails.
    settings: BatterySettings | None = None
    meter_control: MeterControl | None = None
    # An EV charger's settings; `None` also while none of its controls is enabled.
    ev_settings: EvSettings | None = None
    # A smart meter's channels and an EV charger's powers, read on demand; `None`
    # while no enabled entity asks for them, and when their read failed.
    meter_channels: tuple[MeterChannel, ...] | None = None
    ev_charger: EvChargerPower | None = None
    # This device's own calls that failed this cycle. A call not made (an offline
    # micro-inverter's temperature) is no failure, except a Titan's battery page: a
    # Titan without one has not listed its Link modules (no evidence they are gone).
    failed: frozenset[Feed] = frozenset()


@dataclass(frozen=True, slots=True, kw_only=True)
class StationData:
    """One power station and everything fetched for it."""

    station: Station
    # `None` when station info failed this cycle.
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
    # The station-wide calls that failed this cycle.
    failed: frozenset[Feed] = frozenset()
    # The station has a battery: a Titan among its devices, or battery figures in its
    # info. Once seen, it stays (a glitch must not take battery entities away, nor book
    # the battery's discharge as solar consumption).
    has_battery: bool = False
    # The station has an EV charger: an `evse` device, or an EV figure other than 0
    # in its info or reports. Sticky like `has_battery`.
    has_ev: bool = False
    # EV charger energy of each period (the reports' `ev`), after the energy guard;
    # empty without a charger.
    ev_energy: Mapping[Period, float | None] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class IzypowerData:
    """The whole account: what one coordinator refresh produces."""

    stations: Mapping[int, StationData] = field(default_factory=dict)

    def device(self, station_id: int, device_id: int) -> DeviceData | None:
        """Return one device's part of the snapshot; `None` when it is gone."""
        station = self.stations.get(station_id)
        return None if station is None else station.devices.get(device_id)

    def with_device(self, station_id: int, device: DeviceData) -> IzypowerData:
        """Return a copy of the snapshot with one device's part replaced."""
        station = self.stations[station_id]
        devices = {**station.devices, device.device.device_id: device}
        return replace(
            self,
            stations={
                **self.stations,
                station_id: replace(station, devices=devices),
            },
        )
