"""What the cloud calls of one refresh returned (fetch.py makes them)."""

from collections.abc import Mapping
from dataclasses import dataclass

from .api import BatteryPage, CtPower, Device, EnergyReport, PvString, StationInfo
from .data import Feed


@dataclass(frozen=True, slots=True)
class StationCalls:
    """What a station's own calls of this refresh returned (None: failed)."""

    info: StationInfo | None
    day_report: EnergyReport | None
    pv_strings: list[PvString] | None
    devices: list[Device] | None

    def failed(self) -> frozenset[Feed]:
        """Return the feeds of the calls that failed."""
        return frozenset(
            feed
            for feed, result in (
                (Feed.STATION_INFO, self.info),
                (Feed.DAY_REPORT, self.day_report),
                (Feed.PV_STRINGS, self.pv_strings),
                (Feed.DEVICE_LIST, self.devices),
            )
            if result is None
        )

    def pv_by_serial(self) -> dict[str, dict[str, float | None]] | None:
        """Return the PV inputs' power by device serial, then input name."""
        if self.pv_strings is None:
            return None
        by_serial: dict[str, dict[str, float | None]] = {}
        for string in self.pv_strings:
            by_serial.setdefault(string.serial, {})[string.name] = string.power
        return by_serial


@dataclass(frozen=True, slots=True)
class DeviceCalls:
    """What the per-device calls of a station returned this refresh, by device id."""

    battery: Mapping[int, BatteryPage | None]
    temperature: Mapping[int, float | None]
    # Devices whose temperature was asked for and failed.
    temperature_failed: frozenset[int]
    # The station's current clamps; None when not asked for (no smart meter with a
    # serial) or when the call failed (`ct_failed`).
    ct_powers: list[CtPower] | None = None
    ct_failed: bool = False

    def ct_by_serial(self) -> dict[str, dict[str, float | None]]:
        """Return the clamps' power by meter serial, then clamp name."""
        by_serial: dict[str, dict[str, float | None]] = {}
        for clamp in self.ct_powers or ():
            by_serial.setdefault(clamp.serial, {})[clamp.name] = clamp.power
        return by_serial
