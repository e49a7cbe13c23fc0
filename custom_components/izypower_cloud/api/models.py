"""Typed models of the station-level payloads of the Izypower Cloud.

Every ``from_json`` accepts any JSON value and reads what it cannot understand as
``None`` (see :mod:`.parsers`); device-level payloads are in :mod:`.equipment`.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
import re
from typing import Self

from .enums import EnergySeries, Period, Rate
from .parsers import (
    json_array,
    json_object,
    parse_all,
    parse_id,
    parse_last_update,
    parse_number,
    parse_text,
)

_PV_NAME_RE = re.compile(r"^\s*pv\s*[-_]?\s*(\d+)\s*$", re.IGNORECASE)
_CT_NAME_RE = re.compile(r"^\s*ct\s*[-_]?\s*(\d+)\s*$", re.IGNORECASE)


def _normalise_name(value: object, pattern: re.Pattern[str], prefix: str) -> str | None:
    """Normalise an input name such as ``pv1``/``PV 1`` to ``PV1``."""
    text = parse_text(value)
    if text is None:
        return None
    match = pattern.match(text)
    return f"{prefix}{int(match.group(1))}" if match else text.upper()


# Where each counter lives in the station info's `extraData`: category, then the key
# per period. Grid suffix 1 is export and 2 is import (docs/api.md §7.2).
_PERIOD_SUFFIX = {
    Period.DAY: "day",
    Period.MONTH: "month",
    Period.YEAR: "year",
    Period.TOTAL: "all",
}
_BATTERY_SERIES = frozenset(
    {EnergySeries.BATTERY_CHARGE, EnergySeries.BATTERY_DISCHARGE}
)
# What only a smart meter measures: a station without one sends them as 0 (or not).
METER_SERIES = frozenset(
    {
        EnergySeries.GRID_IMPORT,
        EnergySeries.GRID_EXPORT,
        EnergySeries.CONSUMPTION,
        EnergySeries.CONSUMPTION_FROM_PV,
    }
)
_EXTRA_DATA_KEYS: dict[EnergySeries, tuple[str, str]] = {
    EnergySeries.PRODUCTION: ("production", "{}"),
    EnergySeries.CONSUMPTION: ("consumption", "{}"),
    EnergySeries.GRID_EXPORT: ("grid", "{}1"),
    EnergySeries.GRID_IMPORT: ("grid", "{}2"),
    EnergySeries.BATTERY_CHARGE: ("battery", "{}_in"),
    EnergySeries.BATTERY_DISCHARGE: ("battery", "{}_out"),
}

# Report keys of each rate (docs/api.md §7.3).
_RATE_KEYS = {
    Rate.COVER: "cover_rate",
    Rate.BATTERY_CHARGE: "storage_in_rate",
    Rate.SELF_SUFFICIENCY: "energy_self_rate",
    Rate.GRID_EXPORT: "meter_energy_n_rate",
    Rate.BATTERY_DISCHARGE: "storage_out_rate",
    Rate.CONSUMPTION_FROM_PV: "consumption_rate",
    Rate.GRID_IMPORT: "meter_energy_p_rate",
}

# Report keys of each period total in kWh (docs/api.md §7.3); the cloud's own
# "consumption from PV" (`consumption`) is not a counter of ours.
_REPORT_ENERGY_KEYS = {
    EnergySeries.PRODUCTION: "energy",
    EnergySeries.CONSUMPTION: "total_consumption",
    EnergySeries.GRID_IMPORT: "meter_energy_p",
    EnergySeries.GRID_EXPORT: "meter_energy_n",
    EnergySeries.BATTERY_CHARGE: "storage_in",
    EnergySeries.BATTERY_DISCHARGE: "storage_out",
}


@dataclass(frozen=True, slots=True)
class Station:
    """A power station of the account."""

    station_id: int
    name: str
    installed_capacity: float | None
    address: str | None

    @classmethod
    def from_json(cls, record: object) -> Self | None:
        """Parse a station list record; ``None`` when it has no usable id."""
        data = json_object(record)
        station_id = parse_id(data.get("stationsId"))
        if station_id is None:
            return None
        # Some app versions spell it "stationsName"; names are free text, so the id is
        # the last resort to keep the name non-empty.
        name = (
            parse_text(data.get("stationName"))
            or parse_text(data.get("stationsName"))
            or str(station_id)
        )
        return cls(
            station_id=station_id,
            name=name,
            installed_capacity=parse_number(data.get("installedCapacity")),
            address=parse_text(data.get("address")),
        )


@dataclass(frozen=True, slots=True)
class StationInfo:
    """Live figures and energy counters of a station (station info endpoint)."""

    pv_power: float | None
    grid_power: float | None
    consumption_power: float | None
    battery_power: float | None
    battery_pv_power: float | None
    battery_soc: float | None
    installed_capacity: float | None
    last_update: datetime | None
    # W drawn by the station's EV charger; newer cloud versions only.
    ev_power: float | None
    # Every (series, period) pair the cloud sends is present (every series but the
    # derived CONSUMPTION_FROM_PV); plain dicts keep dataclasses.asdict and copying
    # working, callers must treat them as read-only.
    energy: Mapping[tuple[EnergySeries, Period], float | None]
    device_types: Mapping[str, str]

    def energy_value(self, series: EnergySeries, period: Period) -> float | None:
        """Return one energy counter in kWh, ``None`` when unknown."""
        return self.energy.get((series, period))

    @property
    def reports_battery(self) -> bool:
        """Whether these figures show a battery: any battery reading or counter not 0.

        A station without a battery may omit the `battery` category and readings, or
        send them all as 0 (docs/api.md §7.2): neither is evidence of a battery.
        """
        readings = (
            self.battery_soc,
            self.battery_power,
            *(
                value
                for (series, _), value in self.energy.items()
                if series in _BATTERY_SERIES
            ),
        )
        return any(value for value in readings)

    @property
    def reports_meter(self) -> bool:
        """Whether these figures show a meter: a grid or consumption figure not 0.

        A station without a smart meter sends its grid and consumption powers and
        counters as 0: no evidence of a meter.
        """
        readings = (
            self.grid_power,
            self.consumption_power,
            *(
                value
                for (series, _), value in self.energy.items()
                if series in METER_SERIES
            ),
        )
        return any(value for value in readings)

    @property
    def reports_ev(self) -> bool:
        """Whether these figures show an EV charger: an EV power other than 0."""
        return bool(self.ev_power)

    @classmethod
    def from_json(cls, body: object) -> Self:
        """Parse the whole response body (live fields sit at its top level)."""
        top = json_object(body)
        metadata = json_object(top.get("data"))
        extra = json_object(top.get("extraData"))
        energy: dict[tuple[EnergySeries, Period], float | None] = {}
        for period, suffix in _PERIOD_SUFFIX.items():
            for series, (category, key) in _EXTRA_DATA_KEYS.items():
                energy[series, period] = parse_number(
                    json_object(extra.get(category)).get(key.format(suffix))
                )
        device_types: dict[str, str] = {}
        for item in json_array(top.get("deviceTypes")):
            entry = json_object(item)
            if (code := parse_text(entry.get("value"))) is not None:
                device_types[code] = parse_text(entry.get("name")) or code
        return cls(
            pv_power=parse_number(top.get("power")),
            grid_power=parse_number(top.get("grid_power")),
            consumption_power=parse_number(top.get("consumption")),
            battery_power=parse_number(top.get("battery_power")),
            battery_pv_power=parse_number(top.get("battery_pv_power")),
            battery_soc=parse_number(top.get("battery_soc")),
            ev_power=parse_number(top.get("ev_power")),
            installed_capacity=parse_number(metadata.get("installedCapacity")),
            last_update=parse_last_update(top.get("lastUpdate"))
            or parse_last_update(metadata.get("lastUpdate")),
            energy=energy,
            device_types=device_types,
        )


@dataclass(frozen=True, slots=True)
class EnergyReport:
    """Percentages and energy totals of one period (energy report endpoint)."""

    period: Period
    rates: Mapping[Rate, float | None]
    # Newer cloud versions only: energy to the EV charger (kWh) over the period, and
    # its share of consumption (%). Not in `rates`: only stations with a charger.
    ev_energy: float | None = None
    ev_rate: float | None = None
    # kWh of the period per series (every series but the derived
    # CONSUMPTION_FROM_PV); for a past period these are its final totals.
    energy: Mapping[EnergySeries, float | None] = field(default_factory=dict)

    @property
    def reports_meter(self) -> bool:
        """Whether this report shows a meter: a grid or consumption total not 0."""
        return any(
            value for series, value in self.energy.items() if series in METER_SERIES
        )

    @property
    def reports_ev(self) -> bool:
        """Whether this report shows an EV charger: an EV figure other than 0."""
        return bool(self.ev_energy or self.ev_rate)

    @classmethod
    def from_json(cls, body: object, period: Period) -> Self:
        """Parse the whole response body (rates and totals sit at its top level)."""
        top = json_object(body)
        return cls(
            period=period,
            rates={
                rate: parse_number(top.get(key)) for rate, key in _RATE_KEYS.items()
            },
            ev_energy=parse_number(top.get("ev")),
            ev_rate=parse_number(top.get("ev_rate")),
            energy={
                series: parse_number(top.get(key))
                for series, key in _REPORT_ENERGY_KEYS.items()
            },
        )


@dataclass(frozen=True, slots=True)
class InputPower:
    """Power measured on one named input (a PV string, a current clamp) of a device."""

    serial: str
    name: str
    power: float | None


@dataclass(frozen=True, slots=True)
class PvString(InputPower):
    """Live power of one PV input of a device (component endpoint)."""

    @classmethod
    def from_json(cls, record: object) -> Self | None:
        """Parse one ``pvData`` entry; ``None`` without a serial or an input name."""
        data = json_object(record)
        serial = parse_text(data.get("sn"))
        name = _normalise_name(data.get("pv"), _PV_NAME_RE, "PV")
        if serial is None or name is None:
            return None
        return cls(serial=serial, name=name, power=parse_number(data.get("pvPower")))

    @classmethod
    def list_from_json(cls, body: object) -> list[Self]:
        """Parse the component response body (``pvData`` sits at its top level)."""
        return parse_all(json_array(json_object(body).get("pvData")), cls.from_json)


@dataclass(frozen=True, slots=True)
class CtPower(InputPower):
    """Power measured by one current clamp of a smart meter."""

    @classmethod
    def from_json(cls, record: object) -> Self | None:
        """Parse one ``extra`` item; ``None`` unless it is a ``ct*`` item with a serial."""
        data = json_object(record)
        serial = parse_text(data.get("deviceSn")) or parse_text(data.get("deviceSN"))
        name = _normalise_name(data.get("pv"), _CT_NAME_RE, "CT")
        if serial is None or name is None or not name.startswith("CT"):
            return None
        return cls(serial=serial, name=name, power=parse_number(data.get("dataVal")))

    @classmethod
    def list_from_json(cls, payload: object) -> list[Self]:
        """Parse the layout power ``data``: the last row of the day that has CT items."""
        for row in reversed(json_array(json_object(payload).get("data"))):
            if items := json_array(json_object(row).get("extra")):
                return parse_all(items, cls.from_json)
        return []
