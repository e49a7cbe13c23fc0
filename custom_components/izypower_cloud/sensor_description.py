"""How a sensor is described: the description type, shared presentations, snapshot parts."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypedDict, Unpack

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    PERCENTAGE,
    EntityCategory,
    UnitOfEnergy,
    UnitOfPower,
    UnitOfTime,
)
from homeassistant.helpers.typing import StateType

from .api import LinkModule
from .data import DeviceData, Feed, StationData
from .entity import IzypowerEntityDescription, always

type SensorValue = StateType | datetime


@dataclass(frozen=True, kw_only=True)
class IzypowerSensorEntityDescription[SourceT](
    IzypowerEntityDescription[SourceT, SensorValue], SensorEntityDescription
):
    """A sensor of a station, an equipment or a Link module."""


type StationSensor = IzypowerSensorEntityDescription[StationData]
type EquipmentSensor = IzypowerSensorEntityDescription[DeviceData]
type LinkSensor = IzypowerSensorEntityDescription[LinkModule]


class Presentation(TypedDict, total=False):
    """The presentation fields shared by sensors of one kind."""

    device_class: SensorDeviceClass
    native_unit_of_measurement: str
    state_class: SensorStateClass
    suggested_display_precision: int
    entity_category: EntityCategory
    entity_registry_enabled_default: bool
    options: list[str]
    live: bool


def measurement(
    device_class: SensorDeviceClass, unit: str, precision: int
) -> Presentation:
    """Present a reading that goes up and down (a mean in statistics, not a counter)."""
    return Presentation(
        device_class=device_class,
        native_unit_of_measurement=unit,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=precision,
    )


# Live: unavailable while the station's reading is stale (freshness.py).
POWER = measurement(SensorDeviceClass.POWER, UnitOfPower.WATT, 0) | Presentation(
    live=True
)
# The level of one physical battery (a Titan's battery page, a Link module): the only
# sensors of the battery class, so Home Assistant's Maintenance view lists each once.
SOC = measurement(SensorDeviceClass.BATTERY, PERCENTAGE, 0)
# A level over several batteries (a station, a Titan cluster's average).
AGGREGATE_SOC = Presentation(
    native_unit_of_measurement=PERCENTAGE,
    state_class=SensorStateClass.MEASUREMENT,
    suggested_display_precision=0,
)
# Energy held in the battery right now: it goes up and down, so it is never a counter.
STORED_ENERGY = measurement(
    SensorDeviceClass.ENERGY_STORAGE, UnitOfEnergy.KILO_WATT_HOUR, 2
)
COUNTER = Presentation(
    device_class=SensorDeviceClass.ENERGY,
    native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
    state_class=SensorStateClass.TOTAL_INCREASING,
    suggested_display_precision=2,
)
DURATION = Presentation(
    device_class=SensorDeviceClass.DURATION,
    native_unit_of_measurement=UnitOfTime.MINUTES,
    suggested_display_precision=0,
    # The cloud's estimate jumps with every change of load; rarely worth recording.
    entity_registry_enabled_default=False,
)


@dataclass(frozen=True, slots=True)
class Part[SourceT, PartT]:
    """A part of a target's snapshot that one call (`feed`) fills.

    Its sensors read a value from the part and are unavailable while the call failed.
    """

    get: Callable[[SourceT], PartT | None]
    feed: Feed
    exists_fn: Callable[[SourceT], bool] = always
    presentation: Presentation = field(default_factory=Presentation)

    def sensor(
        self,
        key: str,
        value_fn: Callable[[PartT], SensorValue],
        *,
        exists_fn: Callable[[SourceT], bool] | None = None,
        **presentation: Unpack[Presentation],
    ) -> IzypowerSensorEntityDescription[SourceT]:
        """Describe the sensor `key` showing `value_fn` of this part."""
        get = self.get
        return IzypowerSensorEntityDescription[SourceT](
            key=key,
            translation_key=key,
            value_fn=lambda source: (
                None if (part := get(source)) is None else value_fn(part)
            ),
            exists_fn=self.exists_fn if exists_fn is None else exists_fn,
            feed=self.feed,
            **self.presentation | presentation,
        )
