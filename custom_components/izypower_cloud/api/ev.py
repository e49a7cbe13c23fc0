"""The settings of an EV charger (``evse`` device): typed model of its four reads.

Seen in one client only, the community integration's 1.0.11 beta (docs/api.md §7.15):
the charger's own settings read (the same ``cmd`` endpoint as a Titan's), its power
derate, its "intelligent" options and its station's charging priority. Every field is
``None`` when the cloud did not send it or sent something unusable.
"""

from dataclasses import dataclass, replace
from typing import Self

from .enums import CloudCode
from .parsers import json_object, parse_bool, parse_number


class EvControlMode(CloudCode):
    """How an EV charger decides its charging power (``controlMode``).

    What *hybrid* does exactly is unknown (the app's name; probably solar and grid).
    """

    INTELLIGENT = 0
    MANUAL = 1
    HYBRID = 2


@dataclass(frozen=True, slots=True, kw_only=True)
class EvSettings:
    """An EV charger's settings; powers in W."""

    charging: bool | None = None
    control_mode: EvControlMode | None = None
    has_meter: bool | None = None
    charging_power: float | None = None
    # The charging power's range and step, as the charger sends them.
    min_power: float | None = None
    max_power: float | None = None
    power_step: float | None = None
    power_derate: float | None = None
    start_with_grid: bool | None = None
    use_battery: bool | None = None
    # A setting of the charger's station, read and written by that station's id.
    station_priority: bool | None = None
    station_id: int | None = None

    @classmethod
    def from_json(cls, payload: object) -> Self:
        """Parse the ``data`` object of the charger's settings (``cmd``) read."""
        data = json_object(payload)
        step = parse_number(data.get("interval"))
        return cls(
            charging=parse_bool(data.get("open")),
            control_mode=EvControlMode.from_code(data.get("controlMode")),
            has_meter=parse_bool(data.get("hasMeter")),
            charging_power=parse_number(data.get("power")),
            min_power=parse_number(data.get("min_power")),
            max_power=parse_number(data.get("max_power")),
            # A step of 0 (or less) is no step.
            power_step=step if step is not None and step > 0 else None,
        )

    def with_power_derate(self, payload: object) -> Self:
        """Add the power derate read (``data.value``, W)."""
        return replace(
            self, power_derate=parse_number(json_object(payload).get("value"))
        )

    def with_options(self, payload: object) -> Self:
        """Add the intelligent options read (``enableGrid``, ``enableBattery``)."""
        data = json_object(payload)
        return replace(
            self,
            start_with_grid=parse_bool(data.get("enableGrid")),
            use_battery=parse_bool(data.get("enableBattery")),
        )

    def with_priority(self, payload: object, station_id: int) -> Self:
        """Add the charging priority read (``data.value``) of the station named."""
        return replace(
            self,
            station_priority=parse_bool(json_object(payload).get("value")),
            station_id=station_id,
        )
