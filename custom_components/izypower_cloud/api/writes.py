"""The setting writes of the Izypower Cloud: one method per control, one write path.

Every write is a ``POST`` with a small JSON object, addressed by the equipment's serial,
sent through the client's one request path (token, retries, decoding). A write needs
no payload back: an HTTP 200 whose body is an error envelope is a refusal and raises
:class:`~.exceptions.IzypowerResponseError` (see :func:`~.wire.decode`).

These writes are idempotent ("set X to V"), so the client's retries are harmless; the
cloud is minutes behind the equipment, so a read right after a write may still show
the old value (the caller decides when to read back). Paths and bodies: docs/api.md §8.
"""

from datetime import time
import math

from .enums import BackupOutletMode, ControlMode, ManualMode, PowerDirection
from .ev import EvControlMode
from .exceptions import IzypowerError

_BATTERY = "/api/v2/device/yz/battery/"
# An EV charger's reads and writes (docs/api.md §7.15 and §8, one client only).
EV_PATH = "/api/v2/device/ev/"


def _watts(value: float) -> int:
    """Return a power to send as whole watts; refuse what no setting can be."""
    if not math.isfinite(value) or value < 0:
        raise IzypowerError("A power must be a positive number of W")
    return round(value)


class SettingWrites:
    """The write methods of :class:`~.client.IzypowerClient` (a mixin; it sends `_write`)."""

    async def _write(self, template: str, serial: str, body: dict[str, object]) -> None:
        """Send one setting write through the client's one request path (client.py)."""
        raise NotImplementedError

    async def set_meter_control(
        self, serial: str, *, enabled: bool, limit: float
    ) -> None:
        """Set the export limitation of a smart meter; ``limit`` in positive watts.

        The cloud wants both fields at once and the threshold negated.
        """
        await self._write(
            "/api/v2/device/meter/control/{}",
            serial,
            {"isControl": enabled, "feedThreshold": -_watts(limit)},
        )

    async def set_battery_leds(self, serial: str, on: bool) -> None:
        """Switch the LEDs of a Titan unit on or off (the cloud keeps no state)."""
        await self._write(_BATTERY + "led/{}", serial, {"value": 1 if on else 0})

    async def set_battery_min_soc(self, serial: str, value: int) -> None:
        """Set the discharge floor (%) of a Titan unit."""
        await self._write(_BATTERY + "min_soc/{}", serial, {"value": int(value)})

    async def set_battery_max_power(
        self,
        serial: str,
        direction: PowerDirection,
        watts: float,
        *,
        is_cluster: bool,
    ) -> None:
        """Set the maximum charge or discharge power (W) of a Titan unit.

        ``is_cluster`` is sent true for a cluster master only (clients disagree about
        slaves, which the integration never writes to).
        """
        await self._write(
            _BATTERY + "power/{}",
            serial,
            {
                "type": direction.value,
                f"max_{direction.value}_power": _watts(watts),
                "isCluster": is_cluster,
            },
        )

    async def set_backup_outlet(self, serial: str, on: bool) -> None:
        """Switch the backup (off-grid) outlet of a Titan unit on or off."""
        await self._write(_BATTERY + "toggleOffGrid/{}", serial, {"value": on})

    async def set_backup_outlet_mode(self, serial: str, mode: BackupOutletMode) -> None:
        """Choose when the backup outlet is powered (only while it is on)."""
        await self._write(_BATTERY + "offGrid/{}", serial, {"value": mode.value})

    async def set_calibration(self, serial: str, on: bool) -> None:
        """Switch the periodic calibration (full charge) of a Titan on or off."""
        await self._write(_BATTERY + "toggleFullChargeDays/{}", serial, {"value": on})

    async def set_calibration_interval(self, serial: str, days: int) -> None:
        """Set the number of days between two calibrations (only while it is on)."""
        await self._write(_BATTERY + "fullChargeDays/{}", serial, {"value": int(days)})

    async def set_calibration_time(self, serial: str, at: time) -> None:
        """Set the time of day a calibration starts, sent as ``HH:MM``."""
        await self._write(
            _BATTERY + "fullChargeTime/{}", serial, {"value": at.strftime("%H:%M")}
        )

    async def set_control_mode(self, serial: str, mode: ControlMode) -> None:
        """Choose the control mode of a cluster master or standalone Titan."""
        await self._write(_BATTERY + "mode/{}", serial, {"ctr_mode": mode.value})

    async def set_manual_mode(
        self, serial: str, mode: ManualMode, power: float
    ) -> None:
        """Set the manual sub-mode and its power (W); standby always sends 0 W.

        Clients disagree whether the cloud switches to manual control by itself:
        callers set :attr:`ControlMode.MANUAL` first.
        """
        watts = 0 if mode is ManualMode.STANDBY else _watts(power)
        await self._write(
            _BATTERY + "manual_mode_value/{}",
            serial,
            {"mode": mode.value, "power": watts},
        )

    async def set_ev_charging(self, serial: str, on: bool) -> None:
        """Start (true) or stop (false) an EV charger's charging."""
        await self._write(EV_PATH + "state/{}", serial, {"value": on})

    async def set_ev_control_mode(self, serial: str, mode: EvControlMode) -> None:
        """Choose how an EV charger decides its power (intelligent needs a meter)."""
        await self._write(EV_PATH + "mode/{}", serial, {"value": mode.value})

    async def set_ev_charging_power(self, serial: str, watts: float) -> None:
        """Set an EV charger's charging power (W)."""
        await self._write(EV_PATH + "chargePower/{}", serial, {"value": _watts(watts)})

    async def set_ev_power_derate(self, serial: str, watts: float) -> None:
        """Set an EV charger's power derate (W)."""
        await self._write(EV_PATH + "powerDerate/{}", serial, {"value": _watts(watts)})

    async def set_ev_options(
        self, serial: str, *, start_with_grid: bool, use_battery: bool
    ) -> None:
        """Set an EV charger's intelligent options; the cloud wants both at once."""
        await self._write(
            EV_PATH + "intelligentValue/V2/{}",
            serial,
            {"enableGrid": start_with_grid, "enableBattery": use_battery},
        )

    async def set_ev_priority(self, station_id: int, on: bool) -> None:
        """Give a station's EV charging priority over its battery (by station id)."""
        await self._write(EV_PATH + "priority/V2/{}", str(station_id), {"value": on})
