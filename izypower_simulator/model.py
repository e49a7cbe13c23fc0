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

# Control modes (`mode.ctr_mode`) and manual sub-modes (`manual.mode`) of a Titan.
CTR_INTELLIGENT, CTR_MANUAL, CTR_CALENDAR = 0, 1, 2
MANUAL_STANDBY, MANUAL_CHARGE, MANUAL_DISCHARGE = 0, 1, 2
# Largest charge or discharge power a Titan accepts as a setting (W per unit).
UNIT_MAX_POWER_W = 2400
# Keys of the battery settings read (`cmd`, besides `min_soc`), in the cloud's order:
# "group.key" for a nested value -> the BatterySettings attribute holding it. The two
# keys mapped to None are computed from the station (cluster bound, cluster members).
CMD_FIELDS: dict[str, str | None] = {
    "hasMeter": "has_meter",
    "mode.ctr_mode": "ctr_mode",
    "manual.mode": "manual_mode",
    "manual.power": "manual_power",
    "power.max_in_power": "max_in_power",
    "power.max_out_power": "max_out_power",
    "power.cluster_max_out_power": None,
    "allBatteries": None,
    "offGrid.open": "off_grid_open",
    "offGrid.value": "off_grid_value",
    "fullCharge.open": "full_charge_open",
    "fullCharge.days": "full_charge_days",
    "fullCharge.time": "full_charge_time",
}

DEFAULT_TIME_ZONE = "Europe/Paris"
# Where the stations' sun shines (latitude, longitude in degrees): central France.
DEFAULT_LOCATION = (46.0, 2.35)


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
    # °C as newer cloud versions send it (`items[].temp`); None: not sent.
    temperature: Number | None = None


@dataclass(slots=True)
class BatterySettings:
    """Settings of a Titan as the cloud stores them (read by `cmd`, set by writes).

    On a cluster, the master's mode, manual and power settings drive every unit.
    """

    has_meter: bool = True
    ctr_mode: int = CTR_INTELLIGENT
    manual_mode: int = MANUAL_STANDBY
    # W; 0 means the current max charge (or discharge) power.
    manual_power: int = 0
    # W for the whole cluster on a master; 0 means the bound (2,400 W per unit).
    max_in_power: int = UNIT_MAX_POWER_W
    max_out_power: int = UNIT_MAX_POWER_W
    off_grid_open: bool = False
    off_grid_value: int = 3
    full_charge_open: bool = True
    full_charge_days: int = 30
    full_charge_time: str = "02:30"
    # CMD_FIELDS keys the cloud sends for this unit, in its order (None: every key).
    # A fixture account sends only what its file holds; a write adds its key.
    shown: list[str] | None = None
    # Keys the simulator does not model (or a loaded `allBatteries`), served as loaded.
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class PendingWrite:
    """An accepted write the cloud does not show yet (see the `write_lag_s` fault).

    `changes` maps "meter.<attr>", "battery.<attr>" or "settings.<attr>" to the value.
    """

    due: datetime
    serial: str
    changes: dict[str, Any]


@dataclass(slots=True)
class BatteryUnit:
    """Storage side of a Titan (its own cells plus its Link modules)."""

    soc: Number
    capacity_kwh: float
    links: list[LinkModule]
    # W; > 0 discharging, < 0 charging (cloud convention).
    power: Number
    min_soc: int
    settings: BatterySettings
    share: float = 0.9
    max_charge_w: float = 1200.0
    max_discharge_w: float = 800.0
    leds_on: bool | None = None
    # °C as newer cloud versions send it (`socTemp`); None: not sent.
    temperature: Number | None = None
    # Newer cloud versions send a state code as the page's `onlineState` (1000
    # standby, 1001 charging, 1002 discharging) rather than 1 online / 0 offline.
    state_codes: bool = False
    # A faulty Titan: it accepts every mode (the cloud shows it) but stays idle.
    ignores_mode: bool = False

    def modules(self) -> list[tuple[Number, float]]:
        """(soc %, capacity kWh) of the unit and each Link module."""
        return [(self.soc, self.capacity_kwh)] + [
            (link.soc, link.capacity_kwh) for link in self.links
        ]


@dataclass(slots=True)
class EvSettings:
    """An EV charger's settings (ev.py: its reads, writes and charging power).

    Control mode 0 intelligent, 1 manual, 2 hybrid; powers in W. `priority` is a
    setting of the station, kept on each of its chargers.
    """

    open: bool = True
    control_mode: int = 1
    power: int = 3680
    min_power: int = 1380
    max_power: int = 7360
    interval: int = 230
    derate: int = 0
    enable_grid: bool = True
    enable_battery: bool = False
    priority: bool = False


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
    # An EV charger's settings; None: it charges a share of the use (`ev_share`).
    ev: EvSettings | None = None


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
    latitude: float = DEFAULT_LOCATION[0]
    longitude: float = DEFAULT_LOCATION[1]
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
    # What the cloud sends for the battery while the station has no Titan: zeros (like
    # fixture station 81235), or nothing (no `battery` category in `extraData`, null
    # battery readings), as on the micro-inverter stations of issue 11.
    battery_zeros_without_titan: bool = True
    # Devices installed later (a Titan added to a micro-inverter station): unknown to
    # the cloud until `arrival`, then listed like the others (`Account.install_arrivals`).
    arriving: list[Device] = field(default_factory=list)
    arrival: datetime | None = None
    # Share of the consumption drawn by an EV charger, as newer cloud versions report
    # it (`ev_power`, report `ev` and `ev_rate`); None: no EV figures are sent.
    ev_share: float | None = None

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
    # Accepted writes waiting for their lag to pass, oldest first.
    pending_writes: list[PendingWrite] = field(default_factory=list)
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
                self._index(station, device)

    def _index(self, station: Station, device: Device) -> None:
        """Make a device findable by serial and id, refusing duplicates."""
        if device.serial in self._serials or device.device_id in self._device_ids:
            raise ValueError(f"duplicate device {device.device_id}/{device.serial}")
        self._serials[device.serial] = (station, device)
        self._device_ids[device.device_id] = (station, device)

    def install_arrivals(self, station: Station) -> None:
        """Add the station's arriving devices to it: the cloud lists them from now on."""
        for device in station.arriving:
            self._index(station, device)
            station.devices.append(device)
        station.arriving = []
        station.arrival = None

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
