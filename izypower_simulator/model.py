"""Mutable state of a simulated account: stations, devices, batteries, counters.

Values keep the Python type they were loaded with (int or float) until the physics moves
them, so a freshly loaded fixture account renders back exactly as its files.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

type Number = int | float

SERIES = (
    "production",
    "consumption",
    "grid_export",
    "grid_import",
    "battery_charge",
    "battery_discharge",
)
PERIODS = ("day", "month", "year", "all")
# Where each counter sits in the station info's `extraData`: category, then the key
# with the period in place of "{}" (API §7.2: grid 1 is export, 2 is import). The
# renderer writes this layout and the fixture loader reads it back.
EXTRA_DATA_KEYS = {
    "production": ("production", "{}"),
    "consumption": ("consumption", "{}"),
    "grid_export": ("grid", "{}1"),
    "grid_import": ("grid", "{}2"),
    "battery_charge": ("battery", "{}_in"),
    "battery_discharge": ("battery", "{}_out"),
}
# Solar-noon shift (h) of the strings of one device, alternately east and west facing.
STRING_SHIFTS_H = (0.5, -0.5, 0.25, -0.25)

CLUSTER_MASTER = 1000
CLUSTER_SLAVE = 1001
CLUSTER_STANDALONE = 1002

DEFAULT_TIME_ZONE = "Europe/Paris"


def zero_counters() -> dict[tuple[str, str], Number]:
    """Return every (series, period) counter at 0."""
    return {(series, period): 0 for series in SERIES for period in PERIODS}


@dataclass(slots=True)
class PvString:
    """One MPPT input: its live power and the parameters of its daylight curve."""

    name: str
    power: Number
    peak_w: float = 400.0
    # Orientation: east-facing strings peak before solar noon, west-facing after.
    solar_shift_h: float = 0.0


@dataclass(slots=True)
class LinkModule:
    """A Link battery module stacked on a Titan."""

    serial: str
    soc: Number
    capacity_kwh: float = 2.0


@dataclass(slots=True)
class BatteryUnit:
    """Storage side of a Titan (its own cells plus its Link modules)."""

    soc: Number
    capacity_kwh: float
    links: list[LinkModule]
    # W; > 0 discharging, < 0 charging (cloud convention).
    power: Number
    min_soc: int
    settings: dict[str, Any]
    share: float = 0.9
    max_charge_w: float = 1200.0
    max_discharge_w: float = 800.0
    leds_on: bool | None = None

    def modules(self) -> list[tuple[Number, float]]:
        """(soc %, capacity kWh) of the unit and each Link module."""
        return [(self.soc, self.capacity_kwh)] + [
            (link.soc, link.capacity_kwh) for link in self.links
        ]


@dataclass(slots=True)
class MeterState:
    """Smart meter: injection control and grid measurements."""

    is_control: bool
    feed_threshold: int
    voltage: Number = 230.0
    frequency: Number = 50.0
    voltage_base: float = 230.0
    # CT clamp name -> fraction of the station consumption it measures.
    ct_ratios: dict[str, float] = field(default_factory=dict)


@dataclass(slots=True)
class WifiState:
    """What the Wi-Fi endpoint reports for a device."""

    rssi: int
    ssid: str
    ip: str


@dataclass(slots=True)
class TemperaturePoint:
    """One point of a micro-inverter's temperature series (local time string)."""

    time: str
    val: Number


@dataclass(slots=True)
class Device:
    """A device record of a station (Titan, micro-inverter, meter, charger)."""

    device_id: int
    serial: str
    name: str
    type_code: str
    software_version: str
    cluster_mode: int = 0
    online: bool = True
    need_upgrade: bool = False
    strings: list[PvString] = field(default_factory=list)
    battery: BatteryUnit | None = None
    meter: MeterState | None = None
    wifi: WifiState | None = None
    temperatures: list[TemperaturePoint] = field(default_factory=list)
    temperature_offset: float = 0.0


@dataclass(slots=True)
class Station:
    """A power station and its live state."""

    station_id: int
    name: str
    installed_capacity: Number
    address: str
    devices: list[Device]
    time_zone: ZoneInfo
    status: int = 1
    latitude: float = 46.0
    longitude: float = 2.35
    consumption: Number = 0
    consumption_base_w: float = 500.0
    counters: dict[tuple[str, str], Number] = field(default_factory=zero_counters)
    # Finished periods: (period, "2026-07-14" | "2026-07" | "2026") -> counters of that period.
    history: dict[tuple[str, str], dict[str, Number]] = field(default_factory=dict)
    # Values just before the last rollover, replayed by the "midnight lag" fault.
    rollover_at: datetime | None = None
    rollover_previous: dict[tuple[str, str], Number] = field(default_factory=dict)
    # Layout power rows of the current day: each row maps CT name -> W.
    ct_rows: list[list[dict[str, Any]]] = field(default_factory=list)
    # Values pinned through the admin endpoint ("pv_power", "consumption").
    pins: dict[str, float] = field(default_factory=dict)

    @property
    def meter(self) -> Device | None:
        """The station's smart meter, if any."""
        return next((d for d in self.devices if d.meter is not None), None)

    @property
    def batteries(self) -> list[Device]:
        """Titan devices (with a battery unit)."""
        return [d for d in self.devices if d.battery is not None]

    @property
    def primary_battery(self) -> Device | None:
        """The Titan that reports the station-wide flows (master or standalone)."""
        batteries = self.batteries
        for device in batteries:
            if device.cluster_mode != CLUSTER_SLAVE:
                return device
        return batteries[0] if batteries else None


@dataclass(slots=True)
class DeviceTypeLabel:
    """One entry of the station-info `deviceTypes` table."""

    code: str
    label_en: str
    label_fr: str


@dataclass(slots=True)
class Account:
    """The simulated cloud account."""

    username: str
    user_id: int
    stations: list[Station]
    device_types: list[DeviceTypeLabel]
    # Calendar instant the live state corresponds to (the cloud's `lastUpdate`).
    time: datetime
    # How far the physics (sun, load, batteries) are ahead of `time`: grows when the
    # simulator runs faster than real time (clock.py).
    sky_lead: timedelta = timedelta(0)
    bad_credentials_code: int = 10001
    bad_credentials_msg: str = "Incorrect username or password"
    # Indexes: generated accounts can hold thousands of devices.
    _stations: dict[int, Station] = field(default_factory=dict, repr=False)
    _serials: dict[str, tuple[Station, Device]] = field(
        default_factory=dict, repr=False
    )
    _device_ids: dict[int, tuple[Station, Device]] = field(
        default_factory=dict, repr=False
    )

    def __post_init__(self) -> None:
        """Index stations and devices, refusing duplicate ids or serials."""
        for station in self.stations:
            if station.station_id in self._stations:
                raise ValueError(f"duplicate station id {station.station_id}")
            self._stations[station.station_id] = station
            for device in station.devices:
                if (
                    device.serial in self._serials
                    or device.device_id in self._device_ids
                ):
                    raise ValueError(
                        f"duplicate device {device.device_id}/{device.serial}"
                    )
                self._serials[device.serial] = (station, device)
                self._device_ids[device.device_id] = (station, device)

    @property
    def sky_time(self) -> datetime:
        """Physics instant of the live state (the sun's position, the load profile)."""
        return self.time + self.sky_lead

    def station(self, station_id: int) -> Station | None:
        """Find a station by id."""
        return self._stations.get(station_id)

    def device_by_serial(self, serial: str) -> tuple[Station, Device] | None:
        """Find a device (and its station) by serial."""
        return self._serials.get(serial)

    def device_by_id(self, device_id: int) -> tuple[Station, Device] | None:
        """Find a device (and its station) by cloud device id."""
        return self._device_ids.get(device_id)
