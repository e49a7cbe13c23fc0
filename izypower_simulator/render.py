"""JSON bodies of the cloud's answers, built from the live state.

Key order and number formatting follow the fixture files, so a fresh fixture account
renders back identically.
"""

from collections.abc import Mapping
from datetime import datetime
import json
import math
from typing import Any
from zoneinfo import ZoneInfo

from . import ev, physics
from .model import (
    CMD_FIELDS,
    EXTRA_DATA_KEYS,
    PERIODS,
    Account,
    BatteryUnit,
    Device,
    Number,
    Station,
)

type Json = dict[str, Any]
type Counters = Mapping[tuple[str, str], Number | None]

_NO_DATA: Any = object()

# Cloud error codes used by the simulator (the real values are unknown).
CODE_BAD_REQUEST = 400
CODE_UNAUTHORIZED = 401
CODE_NOT_FOUND = 10004
CODE_SERVER_ERROR = 500

MESSAGES: dict[str, tuple[str, str]] = {
    "not_found": ("Resource not found", "Ressource introuvable"),
    "bad_request": ("Invalid parameter", "Paramètre invalide"),
    "unauthorized": (
        "Token expired, please log in again",
        "Jeton expiré, veuillez vous reconnecter",
    ),
    "server_error": ("Internal server error", "Erreur interne du serveur"),
    "bad_credentials": (
        "Incorrect username or password",
        "Nom d'utilisateur ou mot de passe incorrect",
    ),
}

DEVICE_TYPE_LABELS_FR = {
    "vm": "Micro-onduleur",
    "battery": "Batterie",
    "meter": "Compteur intelligent",
    "evse": "Borne de recharge",
}


def dumps(data: Any) -> str:
    """JSON encoder of every answer (accents kept readable)."""
    return json.dumps(data, ensure_ascii=False)


def language(accept_language: str | None) -> str:
    """`fr` when the client asks for French, else `en` (like the app)."""
    return "fr" if (accept_language or "").strip().lower().startswith("fr") else "en"


def message(key: str, lang: str) -> str:
    """Localised error text."""
    english, french = MESSAGES[key]
    return french if lang == "fr" else english


def success(*, data: Any = _NO_DATA, **fields: Any) -> Json:
    """Success envelope; some endpoints have no `data`, their payload is top level."""
    body: Json = {"code": 0, "msg": "success"}
    if data is not _NO_DATA:
        body["data"] = data
    body.update(fields)
    return body


def error(code: int, msg: str) -> Json:
    """Error envelope (shape of login_bad_credentials.json)."""
    return {"code": code, "msg": msg, "data": None}


def format_last_update(when: datetime, tz: ZoneInfo) -> str:
    """`YYYY-MM-DD HH:MM:SS UTC±HH:MM` with the station's offset at that instant."""
    local = when.astimezone(tz)
    offset = local.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"{local:%Y-%m-%d %H:%M:%S} UTC{sign}{hours:02d}:{mins:02d}"


def _round(value: Number | None, digits: int = 2) -> Number | None:
    return None if value is None else round(value, digits)


def _power(value: float) -> int:
    return round(value)


def _page(records: list[Json], page: int, limit: int) -> Json:
    start = (page - 1) * limit
    return {
        "records": records[start : start + limit],
        "total": len(records),
        "size": limit,
        "current": page,
        "pages": math.ceil(len(records) / limit),
    }


def login(account: Account, token: str) -> Json:
    """Successful login."""
    return success(
        data={"token": token, "userId": account.user_id, "username": account.username}
    )


def stations_page(account: Account, page: int, limit: int) -> Json:
    """Station list page."""
    records = [
        {
            "stationsId": s.station_id,
            "stationName": s.name,
            "installedCapacity": s.installed_capacity,
            "address": s.address,
        }
        for s in account.stations
    ]
    return success(data=_page(records, page, limit))


def _mean_soc(station: Station) -> float:
    socs = [
        float(soc)
        for d in station.batteries
        if d.battery
        for soc, _ in d.battery.modules()
    ]
    return sum(socs) / len(socs) if socs else 0


def station_info(
    account: Account, station: Station, counters: Counters, lang: str
) -> Json:
    """Station info (v3): live powers and counters at the top level, metadata in `data`."""
    current = physics.flows(station)
    last_update = format_last_update(account.time, station.time_zone)

    battery_data = bool(station.batteries) or station.battery_zeros_without_titan
    extra_data: dict[str, dict[str, Number | None]] = {}
    for period in PERIODS:
        for series, (category, key) in EXTRA_DATA_KEYS.items():
            if category == "battery" and not battery_data:
                continue
            extra_data.setdefault(category, {})[key.format(period)] = _round(
                counters[series, period]
            )
    return success(
        data={
            "installedCapacity": station.installed_capacity,
            "deviceCount": len(station.devices),
            "status": station.status,
            "lastUpdate": last_update,
        },
        power=_power(current.pv),
        grid_power=_power(current.grid),
        consumption=_power(current.consumption),
        battery_power=_power(current.battery) if battery_data else None,
        battery_pv_power=_power(current.battery_pv) if battery_data else None,
        battery_soc=round(_mean_soc(station)) if battery_data else None,
        **_ev_power(station, current),
        lastUpdate=last_update,
        extraData=extra_data,
        deviceTypes=[
            {
                "value": t.code,
                "name": DEVICE_TYPE_LABELS_FR.get(t.code, t.label_fr)
                if lang == "fr"
                else t.label_en,
            }
            for t in account.device_types
        ],
    )


def _rate(numerator: float, denominator: float) -> str:
    return f"{numerator / denominator * 100:.2f}%" if denominator > 0 else "0.00%"


def _ev_figures(consumption: Number | None, ev_share: float | None) -> Json:
    """Return a report's EV energy and rate (newer cloud versions, with a charger)."""
    if ev_share is None:
        return {}
    return {
        "ev": _round(float(consumption or 0) * ev_share),
        "ev_rate": f"{ev_share * 100:.2f}%" if consumption else "0.00%",
    }


def report(
    period_counters: Mapping[str, Number | None], ev_share: float | None = None
) -> Json:
    """Energy report of one period, with the rates of API §7.3 (and EV figures)."""
    values = {series: _round(v) for series, v in period_counters.items()}
    known = {series: float(v or 0) for series, v in values.items()}
    production = known["production"]
    consumption = known["consumption"]
    pv_direct = max(
        0.0, consumption - known["battery_discharge"] - known["grid_import"]
    )
    return success(
        data=[],
        energy=values["production"],
        total_consumption=values["consumption"],
        consumption=round(pv_direct, 2),
        meter_energy_p=values["grid_import"],
        meter_energy_n=values["grid_export"],
        storage_in=values["battery_charge"],
        storage_out=values["battery_discharge"],
        consumption_rate=_rate(pv_direct, consumption),
        storage_out_rate=_rate(known["battery_discharge"], consumption),
        meter_energy_p_rate=_rate(known["grid_import"], consumption),
        cover_rate=_rate(consumption - known["grid_import"], consumption),
        storage_in_rate=_rate(known["battery_charge"], production),
        meter_energy_n_rate=_rate(known["grid_export"], production),
        energy_self_rate=_rate(production - known["grid_export"], production),
        **_ev_figures(values["consumption"], ev_share),
    )


def component(station: Station) -> Json:
    """PV strings of a station."""
    return success(
        pvData=[
            {"sn": d.serial, "pv": s.name, "pvPower": round(s.power, 1)}
            for d in station.devices
            for s in d.strings
        ]
    )


def _data_dtos(station: Station, device: Device, counters: Counters) -> list[Json]:
    if device.battery is not None:
        return [{"key": "6002", "value": f"{_pile_average(device):.1f}%"}]
    if device.meter is not None:
        imported = counters["grid_import", "all"]
        exported = counters["grid_export", "all"]
        return [
            {"key": "v_ac_all", "value": f"{device.meter.voltage:.1f}V"},
            {"key": "freq", "value": f"{device.meter.frequency:.2f}Hz"},
            {
                "key": "energy_p_all",
                "value": f"{imported:.1f}kWh" if imported is not None else None,
            },
            {
                "key": "energy_n_all",
                "value": f"{exported:.1f}kWh" if exported is not None else None,
            },
        ]
    return []


def device_page(
    station: Station,
    page: int,
    limit: int,
    counters: Counters,
    device_type: str = "all",
) -> Json:
    """Device list page of a station, optionally only one device type."""
    records = [
        {
            "deviceId": d.device_id,
            "deviceName": d.name,
            "deviceType": d.type_code,
            "sn": d.serial,
            "onlineState": 1 if d.online else 0,
            "softwareVersion": d.software_version,
            "clusterMode": d.cluster_mode,
            "connectInfoJson": {"clusterMode": str(d.cluster_mode)}
            if d.cluster_mode
            else {},
            "dataDtos": _data_dtos(station, d, counters),
        }
        for d in station.devices
        if device_type in ("all", d.type_code)
    ]
    return success(data=_page(records, page, limit))


def wifi(device: Device) -> Json | None:
    """Wi-Fi details (top level), None when the device reports none."""
    if device.wifi is None:
        return None
    return success(rssi=device.wifi.rssi, wifi=device.wifi.ssid, ip=device.wifi.ip)


def _pile_average(device: Device) -> float:
    assert device.battery is not None
    modules = device.battery.modules()
    return sum(float(soc) for soc, _ in modules) / len(modules)


def _minutes(energy_kwh: float, power_w: float) -> int | str:
    if power_w <= 0:
        return "-"
    return round(energy_kwh * physics.WH_PER_KWH / power_w * 60)


def _online_state(unit: BatteryUnit, online: bool) -> int:
    """Return 1/0 (online/offline), or the state code of newer cloud versions."""
    if not unit.state_codes or not online:
        return 1 if online else 0
    if unit.power > 0:
        return 1002
    return 1001 if unit.power < 0 else 1000


def battery_page(station: Station, device: Device) -> Json:
    """Battery page of one Titan: its pile, its flows and its Link modules."""
    unit = device.battery
    assert unit is not None
    current = physics.flows(station)
    power = float(unit.power)
    charge = max(0.0, -power)
    discharge = max(0.0, power)
    own_pv = sum((float(s.power) for s in device.strings), 0.0)
    is_primary = station.primary_battery is device
    pile_kwh = sum(float(soc) / 100 * cap for soc, cap in unit.modules())
    charge_from_pv = min(charge, own_pv)
    return success(
        data={
            "soc": round(unit.soc),
            "socKwh": round(float(unit.soc) / 100 * unit.capacity_kwh, 2),
            "avgSoc": round(_pile_average(device), 1),
            "avgSocKwh": round(pile_kwh, 2),
            "batteryPower": _power(unit.power),
            "consumptionPower": _power(current.consumption) if is_primary else 0,
            "solarPower": _power(max(0.0, -current.grid)) if is_primary else 0,
            "pvPower": _power(max(0.0, own_pv - charge)),
            "offGridPower": 0,
            "onlineState": _online_state(unit, device.online),
            **({} if unit.temperature is None else {"socTemp": unit.temperature}),
            "chargeData": {
                "power1": _power(charge - charge_from_pv),
                "power2": _power(charge_from_pv),
                "remainingTime": _minutes(physics.battery_room_kwh(unit), charge),
            },
            "dischargeData": {
                "power1": _power(discharge),
                "power2": 0,
                "remainingTime": _minutes(
                    physics.battery_available_kwh(unit), discharge
                ),
            },
            "pvList": [{"power": round(s.power, 1)} for s in device.strings],
            "items": [
                {
                    "sn": link.serial,
                    "soc": round(link.soc),
                    "kwh": round(float(link.soc) / 100 * link.capacity_kwh, 2),
                    **({} if link.temperature is None else {"temp": link.temperature}),
                }
                for link in unit.links
            ],
        }
    )


def _cmd_value(station: Station, device: Device, key: str) -> Any:
    assert device.battery is not None
    settings = device.battery.settings
    if key in settings.raw:
        return settings.raw[key]
    attribute = CMD_FIELDS[key]
    if attribute is not None:
        return getattr(settings, attribute)
    if key == "allBatteries":
        return [{"sn": d.serial} for d in physics.cluster_units(station, device)]
    # power.cluster_max_out_power: the cluster's bound.
    return physics.power_bound_w(station, device)


def battery_settings(station: Station, device: Device) -> Json:
    """Battery settings as `cmd` shows them: the live minimum SOC, then the keys sent."""
    assert device.battery is not None
    settings = device.battery.settings
    data: Json = {"min_soc": device.battery.min_soc}
    for key in CMD_FIELDS if settings.shown is None else settings.shown:
        value = _cmd_value(station, device, key)
        group, _, sub = key.partition(".")
        if sub:
            data.setdefault(group, {})[sub] = value
        else:
            data[group] = value
    return data


def battery_cmd(station: Station, device: Device) -> Json:
    """Battery settings read (`cmd`)."""
    return success(data=battery_settings(station, device))


def temperature(device: Device, day: str) -> Json:
    """Temperature series of a micro-inverter for one local day."""
    points = [
        {"time": p.time, "val": p.val}
        for p in device.temperatures
        if device.online and p.time.startswith(day)
    ]
    return success(data=[{"data": points}])


def upgrade(station: Station) -> Json:
    """Firmware-update flags of a station's devices."""
    return success(
        data=[{"sn": d.serial, "needUpgrade": d.need_upgrade} for d in station.devices]
    )


def meter_base_info(device: Device) -> Json:
    """Injection-control state of a meter."""
    assert device.meter is not None
    return success(
        data={
            "meter_extra": {
                "isControl": device.meter.is_control,
                "feedThreshold": device.meter.feed_threshold,
            }
        }
    )


def layout_power(station: Station) -> Json:
    """CT clamp rows of the current day."""
    return success(data={"data": [{"extra": list(row)} for row in station.ct_rows]})


# Power factor of the meter channels' loads and efficiency of an EV charger: plausible
# constants, so apparent power and AC input differ from the active power as they do.
_POWER_FACTOR = 0.95
_CHARGER_EFFICIENCY = 0.94


def _channel(power: float, voltage: float, mode: int) -> Json:
    """One meter channel: active and apparent power, current at the grid voltage."""
    apparent = abs(power) / _POWER_FACTOR
    return {
        "power": _power(power),
        "apparent_power": _power(apparent),
        "current": round(apparent / voltage, 2) if voltage else 0,
        "voltage": round(voltage, 1),
        "mode": mode,
    }


def meter_channels(station: Station, device: Device) -> Json:
    """Return a meter's three channels (newer cloud versions): grid, solar, use."""
    meter = device.meter
    assert meter is not None
    current = physics.flows(station)
    voltage = float(meter.voltage)
    return success(
        data={
            "items": [
                _channel(current.grid, voltage, 0),
                _channel(current.pv, voltage, 1),
                _channel(current.consumption, voltage, 0),
            ]
        }
    )


def _ev_power(station: Station, current: physics.Flows) -> Json:
    """Return the station's EV power: its chargers' settings, else a share of the use."""
    charging = ev.station_power(station)
    if charging is not None:
        return {"ev_power": _power(charging)}
    if station.ev_share is None:
        return {}
    return {"ev_power": _power(current.consumption * station.ev_share)}


def ev_charger(station: Station, device: Device) -> Json:
    """Return an EV charger's charging power and AC input (ev.py)."""
    power = (
        physics.flows(station).consumption * (station.ev_share or 0.0)
        if device.ev is None
        else ev.charging_power(station, device.ev)
    )
    return success(
        data={"power": _power(power), "ac_power": _power(power / _CHARGER_EFFICIENCY)}
    )
