"""Sensors of a Titan's battery mode hold: its mode, its end time, its target level.

A hold (mode_holds.py) is what `set_battery_mode` with a `duration` or an `until_soc`
leaves on a cluster master or standalone unit. Automations can follow it (and end it
with `clear_battery_mode`): three separate sensors rather than attributes. With no
hold, the mode sensor shows `none` and the two others are unknown.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Unpack, override

from homeassistant.components.sensor import SensorDeviceClass, SensorEntity
from homeassistant.const import PERCENTAGE

from .controls import cluster_titan
from .data import DeviceData
from .entity import EntityTable, EntityTables, IzypowerEntity
from .modes import BatteryMode
from .sensor_description import (
    IzypowerSensorEntityDescription,
    Part,
    Presentation,
    SensorValue,
    itself,
)
from .targets import EquipmentTarget

if TYPE_CHECKING:
    from .mode_holds import Hold

NO_HOLD = "none"


@dataclass(frozen=True, kw_only=True)
class IzypowerHoldSensorDescription(IzypowerSensorEntityDescription[Any]):
    """A value of the device's hold (`None`: no hold)."""

    hold_fn: Callable[[Hold | None], SensorValue]


# Held in the runtime data, not read from a call: no feed.
_CLUSTER_TITAN = Part[DeviceData, DeviceData](itself, None, exists_fn=cluster_titan)


def _hold_sensor(
    key: str,
    hold_fn: Callable[[Hold | None], SensorValue],
    **presentation: Unpack[Presentation],
) -> IzypowerHoldSensorDescription:
    """Describe a sensor of the hold of a master or standalone Titan."""
    return _CLUSTER_TITAN.describe(
        IzypowerHoldSensorDescription,
        key,
        # The value is the hold's (`hold_fn`), which the snapshot does not carry.
        lambda _: None,
        hold_fn=hold_fn,
        **presentation,
    )


HOLD_SENSORS: tuple[IzypowerHoldSensorDescription, ...] = (
    _hold_sensor(
        "battery_mode_hold",
        lambda hold: NO_HOLD if hold is None else hold.mode.value,
        device_class=SensorDeviceClass.ENUM,
        options=[NO_HOLD, *BatteryMode],
    ),
    _hold_sensor(
        "battery_mode_hold_end",
        lambda hold: None if hold is None else hold.ends,
        device_class=SensorDeviceClass.TIMESTAMP,
    ),
    _hold_sensor(
        "battery_mode_hold_until_soc",
        lambda hold: None if hold is None else hold.until_soc,
        native_unit_of_measurement=PERCENTAGE,
    ),
)

HOLD_TABLES: EntityTables[IzypowerHoldSensorDescription] = (
    EntityTable(EquipmentTarget, HOLD_SENSORS),
)


class IzypowerHoldSensor(IzypowerEntity[SensorValue], SensorEntity):
    """A sensor of the hold of a Titan (updated with the coordinator's listeners)."""

    entity_description: IzypowerHoldSensorDescription
    _target: EquipmentTarget

    @override
    @property
    def native_value(self) -> SensorValue:
        """The hold's value; `None` (unknown) for an unset one."""
        holds = self.coordinator.config_entry.runtime_data.holds
        return self.entity_description.hold_fn(holds.get(self._target.device_id))
