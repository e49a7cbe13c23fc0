"""Enumerations of the Izypower Cloud models (periods, series, device kinds...)."""

from enum import StrEnum

from .parsers import parse_int


class Period(StrEnum):
    """Energy accounting period."""

    DAY = "day"
    MONTH = "month"
    YEAR = "year"
    TOTAL = "total"


class EnergySeries(StrEnum):
    """Energy counter kind."""

    PRODUCTION = "production"
    GRID_IMPORT = "grid_import"
    GRID_EXPORT = "grid_export"
    CONSUMPTION = "consumption"
    # Not sent by the cloud: derived by its users from the other counters (consumption
    # - battery discharge - grid import), so it is absent from `StationInfo.energy`.
    CONSUMPTION_FROM_PV = "consumption_from_pv"
    BATTERY_CHARGE = "battery_charge"
    BATTERY_DISCHARGE = "battery_discharge"


class Rate(StrEnum):
    """Percentage computed by the cloud for a period (never recomputed here)."""

    COVER = "cover_rate"
    BATTERY_CHARGE = "battery_charge_rate"
    SELF_SUFFICIENCY = "self_sufficiency_rate"
    GRID_EXPORT = "grid_export_rate"
    BATTERY_DISCHARGE = "battery_discharge_rate"
    CONSUMPTION_FROM_PV = "consumption_from_pv_rate"
    GRID_IMPORT = "grid_import_rate"


class DeviceType(StrEnum):
    """Kind of equipment, from the cloud's type code."""

    MICRO_INVERTER = "vm"
    BATTERY = "battery"
    METER = "meter"
    CHARGER = "evse"
    UNKNOWN = "unknown"

    @classmethod
    def from_code(cls, code: str) -> DeviceType:
        """Map a type code; codes this library does not know give ``UNKNOWN``."""
        try:
            return cls(code.strip().lower())
        except ValueError:
            return cls.UNKNOWN


class ClusterMode(StrEnum):
    """Role of a Titan unit in a master/slave cluster."""

    MASTER = "master"
    SLAVE = "slave"
    STANDALONE = "standalone"
    NONE = "none"

    @classmethod
    def from_code(cls, code: object) -> ClusterMode:
        """Map ``1000``/``1001``/``1002`` (number or string); anything else is NONE."""
        return _CLUSTER_CODES.get(parse_int(code) or 0, cls.NONE)


_CLUSTER_CODES = {
    1000: ClusterMode.MASTER,
    1001: ClusterMode.SLAVE,
    1002: ClusterMode.STANDALONE,
}


class BatteryState(StrEnum):
    """Direction of the battery power flow."""

    CHARGING = "charging"
    DISCHARGING = "discharging"
    STANDBY = "standby"

    @classmethod
    def from_code(cls, code: object) -> BatteryState | None:
        """Map the battery page's state code ``1000``/``1001``/``1002``; else ``None``.

        The same field reads ``0``/``1`` (offline/online) in older answers: those are
        no state, so the caller falls back to the power sign.
        """
        return _BATTERY_STATE_CODES.get(parse_int(code) or 0)


_BATTERY_STATE_CODES = {
    1000: BatteryState.STANDBY,
    1001: BatteryState.CHARGING,
    1002: BatteryState.DISCHARGING,
}
