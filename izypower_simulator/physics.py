"""Time evolution of a simulated account.

Powers come from simple, deterministic curves (sun elevation per PV string, a daily
consumption profile); batteries absorb surplus or cover deficit within their SOC limits;
the meter's injection limit curtails PV; counters integrate the powers, so the energy
balance production = consumption + export + charge - import - discharge holds by
construction, and they roll over at local midnight of each station.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
import math
from typing import Any
from zoneinfo import ZoneInfo

from . import weather
from .model import (
    CLUSTER_MASTER,
    CLUSTER_SLAVE,
    CTR_MANUAL,
    MANUAL_CHARGE,
    MANUAL_DISCHARGE,
    PERIODS,
    UNIT_MAX_POWER_W,
    Account,
    BatterySettings,
    BatteryUnit,
    Device,
    LinkModule,
    PvString,
    Station,
    TemperaturePoint,
)

# Integration step; long clock jumps use coarser steps so they stay cheap.
BASE_STEP_S = 60.0
MAX_STEPS_PER_ADVANCE = 20_000
# Station-steps per advance: keeps clock jumps on large generated accounts to seconds.
STATION_STEP_BUDGET = 200_000
# Micro-inverter temperatures and CT clamp rows are sampled on this grid.
SAMPLE_PERIOD_S = 300
# Archived days: the report of any past day stays answerable (20 years of them).
DAY_HISTORY_KEPT = 20 * 366
WH_PER_KWH = 1000.0
S_PER_H = 3600.0


@dataclass(frozen=True, slots=True)
class Flows:
    """Instantaneous station-level powers in W (cloud sign conventions)."""

    pv: float
    battery_pv: float
    consumption: float
    # > 0 discharging, < 0 charging.
    battery: float
    # > 0 import, < 0 export; 0 without a meter (nothing measures it).
    grid: float


def flows(station: Station) -> Flows:
    """Station powers derived from the per-device state."""
    pv = sum((s.power for d in station.devices for s in d.strings), 0.0)
    battery_pv = sum((s.power for d in station.batteries for s in d.strings), 0.0)
    battery = sum((d.battery.power for d in station.batteries if d.battery), 0.0)
    consumption = float(station.consumption)
    grid = consumption - pv - battery if station.meter is not None else 0.0
    return Flows(pv, battery_pv, consumption, battery, grid)


def period_keys(when: datetime, tz: ZoneInfo) -> dict[str, str]:
    """Search keys of the day, month and year containing `when` in local time."""
    local = when.astimezone(tz)
    return {
        "day": local.strftime("%Y-%m-%d"),
        "month": local.strftime("%Y-%m"),
        "year": local.strftime("%Y"),
    }


def next_local_midnight(when: datetime, tz: ZoneInfo) -> datetime:
    """First local midnight strictly after `when` (DST-aware), in UTC."""
    local_date = when.astimezone(tz).date() + timedelta(days=1)
    return datetime.combine(local_date, time(0), tz).astimezone(UTC)


@cache
def _year_start_ordinal(year: int) -> int:
    return date(year, 1, 1).toordinal()


def sun_sin(when: datetime, station: Station, shift_h: float = 0.0) -> float:
    """Sine of the sun elevation (approximate solar geometry, good enough for a curve)."""
    utc = when.astimezone(UTC)
    day_of_year = utc.toordinal() - _year_start_ordinal(utc.year) + 1
    declination = math.radians(23.44) * math.sin(
        2 * math.pi * (284 + day_of_year) / 365
    )
    hours = utc.hour + utc.minute / 60 + utc.second / 3600 + station.longitude / 15
    hour_angle = math.radians(15 * (hours + shift_h - 12))
    latitude = math.radians(station.latitude)
    return math.sin(latitude) * math.sin(declination) + math.cos(latitude) * math.cos(
        declination
    ) * math.cos(hour_angle)


def _weather(when: datetime, station: Station) -> float:
    """Model passing clouds: a smooth deterministic factor in [0.75, 1]."""
    ts = when.timestamp()
    phase = station.station_id % 17
    wave = (
        0.5
        + 0.25 * math.sin(2 * math.pi * ts / 5400 + phase)
        + 0.25 * math.sin(2 * math.pi * ts / 1900 + 2 * phase)
    )
    return 0.75 + 0.25 * wave


def pv_factor(station: Station, string: PvString, when: datetime) -> float:
    """Fraction of its peak a string delivers now; exactly 0 while the sun is down."""
    return _string_factor(string, when, station, _daylight(when, station))


def _daylight(when: datetime, station: Station) -> float:
    """Weather factor while the sun is up, 0 at night (shared by all strings)."""
    if sun_sin(when, station) <= 0:
        return 0.0
    local_day = when.astimezone(station.time_zone).date()
    return _weather(when, station) * weather.day_sky(station, local_day)


def _string_factor(
    string: PvString, when: datetime, station: Station, daylight: float
) -> float:
    if daylight <= 0:
        return 0.0
    return max(0.0, sun_sin(when, station, string.solar_shift_h)) * daylight


def consumption_profile(station: Station, when: datetime) -> float:
    """Household load relative to its base: night floor, morning, lunch, evening peaks.

    Scaled by the day's load (`day_load`: the season and the day's habits).
    """
    local = when.astimezone(station.time_zone)
    hour = local.hour + local.minute / 60 + local.second / 3600
    ts = when.timestamp()
    ripple = 0.08 * math.sin(2 * math.pi * ts / 900 + station.station_id % 7)
    return weather.day_load(station, local.date()) * (
        0.45
        + 0.35 * math.exp(-(((hour - 7.5) / 1.2) ** 2))
        + 0.30 * math.exp(-(((hour - 12.5) / 1.5) ** 2))
        + 0.70 * math.exp(-(((hour - 19.5) / 2.0) ** 2))
        + ripple
    )


def _voltage_wiggle(when: datetime, station: Station) -> float:
    return 1.5 * math.sin(
        2 * math.pi * when.timestamp() / 3700 + station.station_id % 5
    )


def _temperature_model(station: Station, device: Device, when: datetime) -> float:
    device_pv = sum((float(s.power) for s in device.strings), 0.0)
    return 16.0 + 10.0 * max(0.0, sun_sin(when, station)) + 0.02 * device_pv


def _cells(unit: BatteryUnit) -> list[BatteryUnit | LinkModule]:
    return [unit, *unit.links]


def battery_room_kwh(unit: BatteryUnit) -> float:
    """Energy the pile can still absorb."""
    return sum(max(0.0, (100 - c.soc) / 100 * c.capacity_kwh) for c in _cells(unit))


def battery_available_kwh(unit: BatteryUnit) -> float:
    """Energy the pile can deliver before reaching its minimum SOC."""
    return sum(
        max(0.0, (c.soc - unit.min_soc) / 100 * c.capacity_kwh) for c in _cells(unit)
    )


def _move_energy(unit: BatteryUnit, energy_kwh: float) -> None:
    """Charge (> 0) or discharge (< 0) the pile, spreading it by each cell's headroom."""
    cells = _cells(unit)
    if energy_kwh > 0:
        weights = [max(0.0, (100 - c.soc) / 100 * c.capacity_kwh) for c in cells]
    else:
        weights = [
            max(0.0, (c.soc - unit.min_soc) / 100 * c.capacity_kwh) for c in cells
        ]
    total = sum(weights)
    if total <= 0:
        return
    for cell, weight in zip(cells, weights, strict=True):
        delta_soc = energy_kwh * weight / total / cell.capacity_kwh * 100
        cell.soc = min(100.0, max(0.0, cell.soc + delta_soc))


def _scale_strings(station: Station, target_w: float) -> None:
    """Make the station's PV total `target_w`, keeping the strings' proportions."""
    strings = [s for d in station.devices if d.online for s in d.strings]
    if not strings:
        return
    natural = sum((float(s.power) for s in strings), 0.0)
    for string in strings:
        if natural > 0:
            string.power = string.power * target_w / natural
        else:
            string.power = target_w / len(strings)


def cluster_units(station: Station, device: Device) -> list[Device]:
    """Return the Titans sharing `device`'s settings: its cluster, or the unit alone."""
    if device.cluster_mode not in (CLUSTER_MASTER, CLUSTER_SLAVE):
        return [device]
    return _cluster_members(station.batteries)


def _cluster_members(batteries: list[Device]) -> list[Device]:
    return [d for d in batteries if d.cluster_mode in (CLUSTER_MASTER, CLUSTER_SLAVE)]


def controller(station: Station, device: Device) -> Device:
    """Return the Titan whose mode and power settings drive `device` (a slave's master)."""
    if device.cluster_mode != CLUSTER_SLAVE:
        return device
    return next(
        (d for d in station.batteries if d.cluster_mode == CLUSTER_MASTER), device
    )


def power_bound_w(station: Station, device: Device) -> int:
    """Largest max charge/discharge setting: 2,400 W per unit of the cluster."""
    return UNIT_MAX_POWER_W * len(cluster_units(station, device))


def _per_unit_w(setting_w: float, units: int) -> float:
    """One unit's part of a cluster-wide power setting; 0 or less means the bound."""
    return (setting_w if setting_w > 0 else UNIT_MAX_POWER_W * units) / units


def _unit_power(
    unit: BatteryUnit,
    settings: BatterySettings,
    units: int,
    surplus: float,
    hours: float,
) -> float:
    """Battery power of one Titan under the control settings driving it.

    `settings` are its master's on a cluster of `units` Titans (powers are cluster-wide).
    """
    max_in = _per_unit_w(settings.max_in_power, units)
    max_out = _per_unit_w(settings.max_out_power, units)
    if settings.ctr_mode == CTR_MANUAL:
        # Manual: the requested power (0 = the max setting), from/to PV and grid alike.
        if settings.manual_mode == MANUAL_CHARGE:
            want = _per_unit_w(settings.manual_power or max_in * units, units)
            return -_charge_w(unit, min(want, max_in), hours)
        if settings.manual_mode == MANUAL_DISCHARGE:
            want = _per_unit_w(settings.manual_power or max_out * units, units)
            return _discharge_w(unit, min(want, max_out), hours)
        return 0.0
    # Intelligent, and calendar (its schedule is unknown): self-consumption.
    if surplus > 0:
        return -_charge_w(unit, min(surplus * unit.share, max_in), hours)
    return _discharge_w(unit, min(-surplus * unit.share, max_out), hours)


def _charge_w(unit: BatteryUnit, want_w: float, hours: float) -> float:
    """Charge power within the hardware and what the pile can absorb in `hours`."""
    return min(want_w, unit.max_charge_w, battery_room_kwh(unit) * WH_PER_KWH / hours)


def _discharge_w(unit: BatteryUnit, want_w: float, hours: float) -> float:
    """Discharge power within the hardware and the energy above the minimum SOC."""
    available_w = battery_available_kwh(unit) * WH_PER_KWH / hours
    return min(want_w, unit.max_discharge_w, available_w)


def _limit_battery_export(station: Station, excess_w: float) -> float:
    """Cut discharging batteries first to keep export within the limit; return the rest."""
    discharging = [
        d.battery
        for d in station.batteries
        if d.battery is not None and float(d.battery.power) > 0
    ]
    total = sum((float(unit.power) for unit in discharging), 0.0)
    if total <= 0:
        return excess_w
    cut = min(excess_w, total)
    for unit in discharging:
        unit.power = float(unit.power) * (1 - cut / total)
    return excess_w - cut


def dispatch(station: Station, when: datetime, dt_s: float = BASE_STEP_S) -> None:
    """Set every instantaneous power of the station for the instant `when`.

    `dt_s` is the step the powers will be held for, so batteries never overshoot
    their SOC limits during it.
    """
    daylight = _daylight(when, station)
    for device in station.devices:
        for string in device.strings:
            string.power = (
                string.peak_w * _string_factor(string, when, station, daylight)
                if device.online
                else 0.0
            )
    if "pv_power" in station.pins:
        _scale_strings(station, station.pins["pv_power"])
    meter_device = station.meter
    if meter_device is None:
        # Without a meter the cloud measures neither consumption nor grid exchange.
        station.consumption = 0
    else:
        station.consumption = station.pins.get(
            "consumption",
            station.consumption_base_w * consumption_profile(station, when),
        )
    pv = sum((float(s.power) for d in station.devices for s in d.strings), 0.0)
    surplus = pv - float(station.consumption)
    hours = dt_s / S_PER_H
    batteries = station.batteries
    members = _cluster_members(batteries)
    for device in batteries:
        unit = device.battery
        assert unit is not None
        if meter_device is None or not device.online or unit.ignores_mode:
            # Without a meter nothing measures the house: the Titans stay idle (and
            # a faulty one ignores its mode).
            unit.power = 0
            continue
        units = len(members) if device in members else 1
        driver = controller(station, device).battery
        assert driver is not None
        unit.power = _unit_power(unit, driver.settings, units, surplus, hours)
    if meter_device is not None and meter_device.meter is not None:
        meter = meter_device.meter
        grid = flows(station).grid
        limit = abs(meter.feed_threshold)
        if meter.is_control and -grid > limit:
            excess = _limit_battery_export(station, -grid - limit)
            if excess > 0:
                _scale_strings(station, max(0.0, pv - excess))
        meter.voltage = meter.voltage_base + _voltage_wiggle(when, station)
        meter.frequency = 50.0 + 0.03 * math.sin(2 * math.pi * when.timestamp() / 610)


def _add(station: Station, series: str, energy_kwh: float) -> None:
    if energy_kwh <= 0:
        return
    for period in PERIODS:
        station.counters[series, period] += energy_kwh


def integrate(station: Station, dt_s: float) -> None:
    """Accumulate the current powers over `dt_s` seconds into counters and SOCs."""
    current = flows(station)
    kwh_per_w = dt_s / S_PER_H / WH_PER_KWH
    _add(station, "production", current.pv * kwh_per_w)
    _add(station, "consumption", current.consumption * kwh_per_w)
    _add(station, "grid_import", current.grid * kwh_per_w)
    _add(station, "grid_export", -current.grid * kwh_per_w)
    for device in station.batteries:
        unit = device.battery
        assert unit is not None
        energy = -float(unit.power) * kwh_per_w
        _add(station, "battery_charge", energy)
        _add(station, "battery_discharge", -energy)
        _move_energy(unit, energy)


def _sample(station: Station, start: datetime, end: datetime) -> None:
    """Record samples when a sampling slot is crossed."""
    slot = math.floor(end.timestamp() / SAMPLE_PERIOD_S) * SAMPLE_PERIOD_S
    if slot > start.timestamp():
        record_samples(station, datetime.fromtimestamp(slot, UTC))


def record_samples(station: Station, at: datetime) -> None:
    """Append a temperature point per online micro-inverter and a CT row for the meter."""
    local = at.astimezone(station.time_zone).strftime("%Y-%m-%d %H:%M:%S")
    for device in station.devices:
        if device.type_code == "vm" and device.online:
            value = _temperature_model(station, device, at) + device.temperature_offset
            device.temperatures.append(TemperaturePoint(local, round(value, 1)))
            del device.temperatures[: -24 * 3600 // SAMPLE_PERIOD_S]
    meter_device = station.meter
    if meter_device is not None and meter_device.meter is not None:
        row = [
            {
                "pv": name,
                "deviceSn": meter_device.serial,
                "dataVal": round(ratio * float(station.consumption)),
            }
            for name, ratio in meter_device.meter.ct_ratios.items()
        ]
        station.ct_rows.append(row)
        del station.ct_rows[: -24 * 3600 // SAMPLE_PERIOD_S]


def rollover(station: Station, midnight: datetime) -> None:
    """Close the periods ending at `midnight` (local): archive, then restart at 0."""
    local = midnight.astimezone(station.time_zone)
    rolled = ["day"]
    if local.day == 1:
        rolled.append("month")
        if local.month == 1:
            rolled.append("year")
    closed = period_keys(midnight - timedelta(seconds=1), station.time_zone)
    station.rollover_at = midnight
    station.rollover_previous = {}
    for period in rolled:
        station.history[period, closed[period]] = {
            series: station.counters[series, period]
            for series in {key[0] for key in station.counters}
        }
        for key, value in station.counters.items():
            if key[1] == period:
                station.rollover_previous[key] = value
                station.counters[key] = 0.0
    day_keys = [key for key in station.history if key[0] == "day"]
    for key in day_keys[:-DAY_HISTORY_KEPT]:
        del station.history[key]
    for device in station.devices:
        device.temperatures.clear()
    station.ct_rows.clear()


@dataclass(frozen=True, slots=True)
class _Sky:
    """Where the physics stand during one advance: calendar instant -> sky instant.

    The sky lead grows linearly over the advance, so the physics run `rate` times
    faster than the calendar (1 in real time, 60 for a day in 24 minutes).
    """

    start: datetime
    lead: timedelta
    rate: float

    def at(self, calendar: datetime) -> datetime:
        """Return the physics instant at `calendar` (within the advance)."""
        elapsed = (calendar - self.start).total_seconds()
        return calendar + self.lead + timedelta(seconds=elapsed * (self.rate - 1))


def _advance_station(
    station: Station, start: datetime, target: datetime, step_s: float, sky: _Sky
) -> None:
    """Integrate calendar time from `start` to `target` in calendar steps of `step_s`.

    Energy accrues over physics time (`sky.rate` x the calendar step); the periods
    close at the calendar's local midnights, the day the data are dated with.
    """
    step = timedelta(seconds=step_s)
    now = start
    while now < target:
        midnight = next_local_midnight(now, station.time_zone)
        boundary = min(target, midnight)
        while now < boundary:
            nxt = min(boundary, now + step)
            dt_s = (nxt - now).total_seconds() * sky.rate
            dispatch(station, sky.at(now), dt_s)
            integrate(station, dt_s)
            _sample(station, now, nxt)
            now = nxt
        if boundary == midnight:
            rollover(station, midnight)
    dispatch(station, sky.at(target), step_s * sky.rate)


def run_station(station: Station, start: datetime, end: datetime) -> None:
    """Live one station's hours from `start` to `end` in real time (counters, samples)."""
    _advance_station(station, start, end, BASE_STEP_S, _Sky(start, timedelta(0), 1.0))


def advance_account(
    account: Account, target: datetime, sky_lead: timedelta | None = None
) -> None:
    """Move every station from `account.time` to calendar `target` (no-op if not later).

    `sky_lead` is the physics' lead over the calendar at `target` (default: unchanged,
    real-time physics); it never shrinks, as energy already counted stays counted.
    """
    if target <= account.time:
        return
    lead = account.sky_lead if sky_lead is None else max(sky_lead, account.sky_lead)
    span_s = (target - account.time).total_seconds()
    rate = 1 + (lead - account.sky_lead).total_seconds() / span_s
    sky_span_s = span_s * rate
    sky_step_s = max(
        BASE_STEP_S,
        sky_span_s / MAX_STEPS_PER_ADVANCE,
        sky_span_s * len(account.stations) / STATION_STEP_BUDGET,
    )
    sky = _Sky(account.time, account.sky_lead, rate)
    for station in account.stations:
        start = account.time
        if station.arrival is not None and station.arrival <= target:
            # Devices installed in this span take part from their installation on.
            arrival = max(start, station.arrival)
            _advance_station(station, start, arrival, sky_step_s / rate, sky)
            account.install_arrivals(station)
            start = arrival
        _advance_station(station, start, target, sky_step_s / rate, sky)
    account.time = target
    account.sky_lead = lead


def default_peak_w(device: Device) -> float:
    """Peak power of a string when nothing better is known."""
    return 320.0 if device.type_code == "vm" else 450.0


def calibrate(station: Station, when: datetime, *, clear_day: bool = False) -> None:
    """Fit the curves' parameters so that the model reproduces the loaded values at `when`.

    This keeps the first simulated minutes continuous with a loaded snapshot. With
    `clear_day` (a snapshot moved to another date), its PV powers are taken as a clear
    day's, so the strings' peaks stay those of the panels whatever that day's weather.
    """
    sky = weather.day_sky(station, when.astimezone(station.time_zone).date())
    for device in station.devices:
        for string in device.strings:
            factor = pv_factor(station, string, when) / (sky if clear_day else 1.0)
            if factor > 0.2 and float(string.power) > 0:
                string.peak_w = float(string.power) / factor
            else:
                string.peak_w = default_peak_w(device)
        if device.type_code == "vm" and device.temperatures:
            device.temperature_offset = float(
                device.temperatures[-1].val
            ) - _temperature_model(station, device, when)
        if device.meter is not None:
            device.meter.voltage_base = float(device.meter.voltage) - _voltage_wiggle(
                when, station
            )
            if float(station.consumption) > 0 and station.ct_rows:
                last_row: list[dict[str, Any]] = next(
                    (row for row in reversed(station.ct_rows) if row), []
                )
                device.meter.ct_ratios = {
                    str(item["pv"]): float(item["dataVal"]) / float(station.consumption)
                    for item in last_row
                }
    if float(station.consumption) > 0:
        station.consumption_base_w = float(station.consumption) / consumption_profile(
            station, when
        )
    _calibrate_shares(station)


def _calibrate_shares(station: Station) -> None:
    units = [d.battery for d in station.batteries if d.battery is not None]
    if not units:
        return
    current = flows(station)
    surplus = current.pv - current.consumption
    for unit in units:
        power = float(unit.power)
        if surplus > 1 and power < 0:
            unit.share = -power / surplus
        elif surplus < -1 and power > 0:
            unit.share = power / -surplus
        else:
            unit.share = 0.9 / len(units)
    total = sum(unit.share for unit in units)
    if total > 1:
        for unit in units:
            unit.share /= total
