"""Generate a synthetic account of N stations x M devices for scale tests."""

from datetime import UTC, datetime, timedelta
from enum import StrEnum
import random
from zoneinfo import ZoneInfo

from . import physics
from .model import (
    CLUSTER_MASTER,
    CLUSTER_SLAVE,
    CLUSTER_STANDALONE,
    DEFAULT_LOCATION,
    DEFAULT_TIME_ZONE,
    STRING_SHIFTS_H,
    UNIT_MAX_POWER_W,
    Account,
    BatterySettings,
    BatteryUnit,
    Device,
    DeviceTypeLabel,
    EvSettings,
    LinkModule,
    MeterState,
    PvString,
    Station,
    WifiState,
    zero_counters,
)
from .render import DEVICE_TYPE_LABELS_FR

FIRST_STATION_ID = 90001
DEFAULT_USERNAME = "camille.exemple@example.org"
DEVICE_TYPES = (
    DeviceTypeLabel("vm", "Micro inverter", DEVICE_TYPE_LABELS_FR["vm"]),
    DeviceTypeLabel("battery", "Battery", DEVICE_TYPE_LABELS_FR["battery"]),
    DeviceTypeLabel("meter", "Smart meter", DEVICE_TYPE_LABELS_FR["meter"]),
    DeviceTypeLabel("evse", "Charger", DEVICE_TYPE_LABELS_FR["evse"]),
)
# Station layouts cycle through: Titan cluster + meter, micro-inverters only,
# Titan + micro-inverters + meter.
KIND_TITANS, KIND_MICRO, KIND_HYBRID = range(3)
# When the Titan of a `Layout.LATE_BATTERY` station is installed, after the start.
DEFAULT_BATTERY_AFTER = timedelta(hours=1)


class Layout(StrEnum):
    """What every generated station holds."""

    # The three kinds above in turn (the default).
    MIXED = "mixed"
    # A meter and micro-inverters (one micro-inverter alone for one device): no Titan
    # and no battery data at all (no `battery` category, null battery readings).
    MICRO = "micro"
    # A meter and Titans, no micro-inverter.
    BATTERY = "battery"
    # `MICRO`, then a Titan installed `battery_after` the start: the battery data
    # (the device, the `battery` category, the readings) appear then.
    LATE_BATTERY = "late-battery"


class _Builder:
    """Allocates unique ids and serials across the account."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.next_device_id = 700001

    def device(
        self, station_index: int, slot: int, type_code: str, name: str
    ) -> Device:
        prefix = {"battery": "IZT", "meter": "IZM", "vm": "IZV", "evse": "IZE"}[
            type_code
        ]
        device_id = self.next_device_id
        self.next_device_id += 1
        return Device(
            device_id=device_id,
            serial=f"{prefix}26S{station_index:05d}{slot:03d}",
            name=name,
            type_code=type_code,
            software_version={
                "battery": "V1.3.08",
                "meter": "V2.0.11",
                "vm": "V3.2.1",
                "evse": "V1.0.4",
            }[type_code],
            wifi=WifiState(
                rssi=self.rng.randint(-85, -45),
                ssid=f"Maison-{station_index:05d}",
                ip=f"10.{station_index // 250 % 250}.{station_index % 250}.{slot + 10}",
            ),
        )

    def strings(self, count: int, peak_range: tuple[float, float]) -> list[PvString]:
        return [
            PvString(
                f"pv{i + 1}",
                0.0,
                self.rng.uniform(*peak_range),
                STRING_SHIFTS_H[i % len(STRING_SHIFTS_H)],
            )
            for i in range(count)
        ]


def _titan(
    builder: _Builder, station_index: int, slot: int, cluster_mode: int
) -> Device:
    device = builder.device(station_index, slot, "battery", f"Titan {slot + 1}")
    device.cluster_mode = cluster_mode
    device.strings = builder.strings(2, (300.0, 500.0))
    soc = builder.rng.randint(20, 90)
    device.battery = BatteryUnit(
        soc=soc,
        capacity_kwh=2.0,
        links=[
            LinkModule(f"IZL26S{station_index:05d}{slot:03d}{k}", soc, 2.0)
            for k in range(builder.rng.randint(0, 2))
        ],
        power=0,
        min_soc=10,
        settings=BatterySettings(),
    )
    return device


def _newer_cloud(builder: _Builder, station: Station, ev_charger: bool) -> None:
    """Give a station what newer cloud versions send (docs/api.md §7.2, §7.7).

    Temperatures, battery state codes, and the EV figures with an `evse` device
    when `ev_charger`: the charger's settings set its power, the reports' EV energy
    is a share of the station's consumption.
    """
    rng = builder.rng
    for titan in station.batteries:
        assert titan.battery is not None
        titan.battery.temperature = round(rng.uniform(22.0, 31.0), 1)
        titan.battery.state_codes = True
        for link in titan.battery.links:
            link.temperature = round(rng.uniform(21.0, 30.0), 1)
    if ev_charger:
        slot = len(station.devices)
        index = station.station_id - FIRST_STATION_ID
        charger = builder.device(index, slot, "evse", "Borne VE")
        # Charging in manual mode at 16 A (ev.py: its power follows its settings).
        charger.ev = EvSettings()
        station.devices.append(charger)
        station.ev_share = round(rng.uniform(0.15, 0.35), 2)


def _kind(layout: Layout, station_index: int, count: int) -> int:
    """Return the station kind a layout gives a station of `count` devices."""
    if layout is Layout.BATTERY:
        if count < 2:
            raise ValueError(
                "a battery station needs a meter and a Titan: devices >= 2"
            )
        return KIND_TITANS
    if layout is Layout.MIXED:
        return station_index % 3 if count >= 2 else KIND_MICRO
    return KIND_MICRO


def _devices(
    builder: _Builder, station_index: int, count: int, layout: Layout
) -> list[Device]:
    kind = _kind(layout, station_index, count)
    devices: list[Device] = []
    # A micro-inverter station of the other layouts has a meter (what consumption from
    # solar needs); the mixed layout's has none, as it always had.
    if kind != KIND_MICRO or (layout is not Layout.MIXED and count >= 2):
        meter = builder.device(station_index, 0, "meter", "Compteur")
        meter.meter = MeterState(
            is_control=False, feed_threshold=-300, ct_ratios={"ct2": 0.3}
        )
        devices.append(meter)
    titans = count - 1 if kind == KIND_TITANS else (1 if kind == KIND_HYBRID else 0)
    for slot in range(len(devices), len(devices) + titans):
        mode = (
            CLUSTER_STANDALONE
            if titans == 1
            else (CLUSTER_MASTER if slot == 1 else CLUSTER_SLAVE)
        )
        devices.append(_titan(builder, station_index, slot, mode))
    for device in devices:
        if device.battery is not None and device.cluster_mode == CLUSTER_MASTER:
            # A master's power settings are the cluster's: 2,400 W per unit at most.
            cluster_w = UNIT_MAX_POWER_W * titans
            device.battery.settings.max_in_power = cluster_w
            device.battery.settings.max_out_power = cluster_w
    for slot in range(len(devices), count):
        vm = builder.device(station_index, slot, "vm", f"Micro-onduleur {slot + 1}")
        vm.strings = builder.strings(2, (220.0, 380.0))
        devices.append(vm)
    # A meter-side Titan list puts the master first, like the fixture account.
    devices.sort(key=lambda d: d.type_code != "battery")
    return devices


def generate_account(
    stations: int,
    devices: int,
    *,
    start: datetime | None = None,
    seed: int = 0,
    username: str = DEFAULT_USERNAME,
    time_zone: str = DEFAULT_TIME_ZONE,
    layout: Layout = Layout.MIXED,
    battery_after: timedelta = DEFAULT_BATTERY_AFTER,
    newer_cloud: bool = False,
    ev_charger: bool = False,
    location: tuple[float, float] = DEFAULT_LOCATION,
) -> Account:
    """Account with `stations` stations of `devices` devices each, unique ids and serials.

    Counters start from plausible lifetime values; the live state is computed for `start`
    (default: the real current time). `layout` says what the stations hold;
    `battery_after` is when a `Layout.LATE_BATTERY` station gets its Titan.
    `newer_cloud` serves the fields of newer cloud versions (temperatures, battery
    state codes); `ev_charger` (implies `newer_cloud`) adds an EV charger to every
    station, one device more than `devices`, with the EV figures.
    """
    if stations < 1 or devices < 1:
        raise ValueError("stations and devices must be >= 1")
    rng = random.Random(seed)
    builder = _Builder(rng)
    when = (start or datetime.now(UTC)).astimezone(UTC)
    tz = ZoneInfo(time_zone)
    built: list[Station] = []
    for index in range(stations):
        station_devices = _devices(builder, index, devices, layout)
        capacity = (
            round(sum(s.peak_w for d in station_devices for s in d.strings) / 100) * 100
        )
        station = Station(
            station_id=FIRST_STATION_ID + index,
            name=f"Centrale {index + 1:05d}",
            installed_capacity=capacity,
            address=f"{index + 1} rue de l'Exemple, 99999 Exempleville",
            devices=station_devices,
            time_zone=tz,
            consumption_base_w=rng.uniform(350.0, 900.0),
            counters=zero_counters(),
            battery_zeros_without_titan=layout is Layout.MIXED,
            latitude=location[0],
            longitude=location[1],
        )
        if newer_cloud or ev_charger:
            _newer_cloud(builder, station, ev_charger)
        if layout is Layout.LATE_BATTERY:
            # A new Titan: its own serial after the station's devices, empty counters.
            station.arriving = [_titan(builder, index, devices, CLUSTER_STANDALONE)]
            station.arrival = when + battery_after
        years = rng.uniform(0.5, 4.0)
        lifetime = capacity * 1.1 * years
        station.counters["production", "all"] = round(lifetime, 1)
        if station.meter is not None:
            station.counters["consumption", "all"] = round(lifetime * 0.8, 1)
            station.counters["grid_import", "all"] = round(lifetime * 0.2, 1)
            station.counters["grid_export", "all"] = round(lifetime * 0.35, 1)
            if station.batteries:
                station.counters["battery_charge", "all"] = round(lifetime * 0.2, 1)
                station.counters["battery_discharge", "all"] = round(lifetime * 0.15, 1)
        physics.dispatch(station, when)
        physics.record_samples(station, when)
        built.append(station)
    return Account(
        username=username,
        user_id=600000 + seed,
        stations=built,
        device_types=list(DEVICE_TYPES),
        time=when,
    )
