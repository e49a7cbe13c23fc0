"""How a reading entity is described: its description types, presentations, the builder.

Every sensor and binary sensor is described by `Part.describe` (or its typed shorthands
`Part.sensor` and `Part.binary_sensor`): a `Part` says which part of a target's
snapshot the value comes from, the feed whose failure makes it unavailable and which
targets have it; the builder adds the key (also the translation key, unless a family
shares one) and the value. docs/design.md "How an entity is described".
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypedDict, Unpack

from homeassistant.components.binary_sensor import BinarySensorEntityDescription

# The package imports the enum without re-exporting it (no `__all__`, no `as`), so
# `mypy --strict` only accepts it from where it is defined.
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
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


@dataclass(frozen=True, kw_only=True)
class IzypowerBinarySensorEntityDescription[SourceT](
    IzypowerEntityDescription[SourceT, bool], BinarySensorEntityDescription
):
    """A binary sensor of a station or an equipment."""


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


class BinaryPresentation(TypedDict, total=False):
    """The presentation fields of a binary sensor."""

    device_class: BinarySensorDeviceClass
    entity_category: EntityCategory
    entity_registry_enabled_default: bool


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


def itself[SourceT](source: SourceT) -> SourceT:
    """Return the target itself: the `get` of a `Part` that is a whole target.

    For values derived from several of a station's, a device's or a Link module's
    fields (the capacity sums, a temperature that depends on the record).
    """
    return source


@dataclass(frozen=True, slots=True)
class Part[SourceT, PartT]:
    """A part of a target's snapshot that one call (`feed`) fills.

    Its entities read a value from the part, are unknown while the part is missing,
    and are unavailable while the call failed (`None`: a value every snapshot of the
    target has). `exists_fn` says which targets have them; `presentation` is what all
    its sensors share.
    """

    get: Callable[[SourceT], PartT | None]
    feed: Feed | None
    exists_fn: Callable[[SourceT], bool] = always
    presentation: Presentation = field(default_factory=Presentation)

    def describe[DescriptionT: IzypowerEntityDescription[Any, Any]](
        self,
        kind: Callable[..., DescriptionT],
        key: str,
        value_fn: Callable[[PartT], object],
        *,
        exists_fn: Callable[[SourceT], bool] | None = None,
        translation_key: str | None = None,
        **fields: Any,
    ) -> DescriptionT:
        """Describe the entity `key` of class `kind` showing `value_fn` of this part.

        The one place a reading's description is made: the translation key is the key
        unless given (a family sharing one name with placeholders), `exists_fn`
        replaces the part's own when given, `fields` add to the part's presentation.
        """
        get = self.get
        return kind(
            key=key,
            translation_key=key if translation_key is None else translation_key,
            value_fn=lambda source: (
                None if (part := get(source)) is None else value_fn(part)
            ),
            exists_fn=self.exists_fn if exists_fn is None else exists_fn,
            feed=self.feed,
            **{**self.presentation, **fields},
        )

    def sensor(
        self,
        key: str,
        value_fn: Callable[[PartT], SensorValue],
        *,
        exists_fn: Callable[[SourceT], bool] | None = None,
        translation_key: str | None = None,
        translation_placeholders: Mapping[str, str] | None = None,
        **presentation: Unpack[Presentation],
    ) -> IzypowerSensorEntityDescription[SourceT]:
        """Describe the sensor `key` showing `value_fn` of this part."""
        return self.describe(
            IzypowerSensorEntityDescription[SourceT],
            key,
            value_fn,
            exists_fn=exists_fn,
            translation_key=translation_key,
            translation_placeholders=translation_placeholders,
            **presentation,
        )

    def binary_sensor(
        self,
        key: str,
        value_fn: Callable[[PartT], bool | None],
        *,
        exists_fn: Callable[[SourceT], bool] | None = None,
        **presentation: Unpack[BinaryPresentation],
    ) -> IzypowerBinarySensorEntityDescription[SourceT]:
        """Describe the binary sensor `key` showing `value_fn` of this part."""
        return self.describe(
            IzypowerBinarySensorEntityDescription[SourceT],
            key,
            value_fn,
            exists_fn=exists_fn,
            **presentation,
        )
