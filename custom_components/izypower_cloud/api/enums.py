"""Enumerations of the Izypower Cloud models (periods, series, device kinds...)."""

from enum import IntEnum, StrEnum
from typing import Self

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


class CloudCode(IntEnum):
    """A setting the cloud reads and writes as a small integer code.

    The member's value is the code; its ``option`` (the lower-case name) is the state
    Home Assistant shows and the translation key of that state.
    """

    @property
    def option(self) -> str:
        """The member's name as an option of a select entity."""
        return self.name.lower()

    @classmethod
    def from_code(cls, value: object) -> Self | None:
        """Map a code (number or numeric string); anything else is unknown (``None``)."""
        code = parse_int(value)
        return next((member for member in cls if member.value == code), None)

    @classmethod
    def from_option(cls, option: str) -> Self:
        """Return the member of an option; ``KeyError`` for an unknown one."""
        return cls[option.upper()]


class ControlMode(CloudCode):
    """How a Titan decides to charge and discharge (``mode.ctr_mode``)."""

    INTELLIGENT = 0
    MANUAL = 1
    CALENDAR = 2


class ManualMode(CloudCode):
    """What a Titan in manual control mode does (``manual.mode``)."""

    STANDBY = 0
    CHARGE = 1
    DISCHARGE = 2


class BackupOutletMode(CloudCode):
    """When a Titan's backup (off-grid) outlet is powered (``offGrid.value``)."""

    # The app's label reads "Invester": probably driven by the inverter (meaning unknown).
    INVERTER = 1
    ALWAYS_ON = 2
    ON_POWER_CUT = 3


class PowerDirection(StrEnum):
    """Which maximum power of a Titan a write sets; the value is the body's ``type``."""

    CHARGE = "in"
    DISCHARGE = "out"
