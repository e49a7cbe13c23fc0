"""Number controls: export limit, discharge floor, powers, calibration interval."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, override

from homeassistant.components.number import (
    NumberDeviceClass,
    NumberEntity,
    NumberEntityDescription,
    NumberMode,
)
from homeassistant.const import PERCENTAGE, UnitOfPower, UnitOfTime
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import ClusterMode, IzypowerClient, ManualMode, PowerDirection
from .controls import (
    IzypowerControlDescription,
    IzypowerControlEntity,
    Rule,
    check_range,
    cluster_titan,
    master_or_standalone,
    meter,
    requires,
    requires_state,
    serial,
    setting_on,
    settings_value,
    titan,
)
from .data import DeviceData, Feed
from .entity import EntityTable, EntityTables, async_add_entities_dynamically
from .ev_controls import (
    DERATE_MAX,
    DERATE_STEP,
    FALLBACK_MAX_POWER,
    FALLBACK_MIN_POWER,
    FALLBACK_POWER_STEP,
    ev_control,
    power_bound,
)
from .helpers import IzypowerValidationError
from .modes import manual_active, manual_fields, manual_mode, write_manual
from .runtime import IzypowerConfigEntry
from .targets import EquipmentTarget

# One control at a time: each is a cloud write.
PARALLEL_UPDATES = 1

# The hardware maximum of one Titan unit; a master sets its whole cluster's power.
# (800 W is the French plug-in limit: staying under it is the user's responsibility.)
UNIT_MAX_POWER = 2400


@dataclass(frozen=True, kw_only=True)
class IzypowerNumberDescription(
    IzypowerControlDescription[float], NumberEntityDescription
):
    """A number control; `*_fn` give bounds and step that depend on the device."""

    max_fn: Callable[[DeviceData], float] | None = None
    min_fn: Callable[[DeviceData], float] | None = None
    step_fn: Callable[[DeviceData], float] | None = None


def max_power(device: DeviceData) -> float:
    """Return 2,400 W per unit of the cluster on a master, 2,400 W standalone."""
    settings = device.settings
    units = 1
    if device.device.cluster_mode is ClusterMode.MASTER and settings is not None:
        units = settings.unit_count or 1
    return float(UNIT_MAX_POWER * units)


def manual_power_limit(device: DeviceData, mode: ManualMode) -> float:
    """Return the highest manual power (W) the Titan applies in `mode`.

    Its maximum charge (or discharge) power setting bounds a manual power: above it
    the Titan silently applies the maximum. 0 or unread: the hardware bound.
    """
    maximum = (
        settings_value("max_charge_power")(device)
        if mode is ManualMode.CHARGE
        else _discharge_value(device)
    )
    return float(maximum) if maximum else max_power(device)


def within_max_power(mode: ManualMode) -> Rule[float]:
    """Return a rule refusing a manual power above the maximum power of `mode`.

    Refused, not capped: the user asked for a power the Titan would not give.
    """

    def rule(device: DeviceData, value: float, setting: str) -> None:
        limit = manual_power_limit(device, mode)
        if value > limit:
            raise IzypowerValidationError(
                setting,
                f"{value:g}",
                f"{limit:g}",
                translation_key=f"manual_{mode.option}_power_above_max",
                numbers={"value": value, "allowed": limit},
            )

    return rule


def discharge_field(device: DeviceData) -> str:
    """Return the settings field of the maximum discharge power shown for this unit.

    A master's write sets its cluster's power: its cluster value, when the cloud sends
    one, is the one to show and to confirm a write against.
    """
    settings = device.settings
    if (
        device.device.cluster_mode is ClusterMode.MASTER
        and settings is not None
        and settings.cluster_max_discharge_power is not None
    ):
        return "cluster_max_discharge_power"
    return "max_discharge_power"


def _max_power_write(
    direction: PowerDirection,
) -> Callable[[IzypowerClient, DeviceData, float], Awaitable[None]]:
    async def write(client: IzypowerClient, device: DeviceData, value: float) -> None:
        await client.set_battery_max_power(
            serial(device),
            direction,
            value,
            is_cluster=device.device.cluster_mode is ClusterMode.MASTER,
        )

    return write


def _meter_limit(device: DeviceData) -> float | None:
    control = device.meter_control
    return None if control is None else control.limit


async def _write_meter_limit(
    client: IzypowerClient, device: DeviceData, value: float
) -> None:
    # Both fields go together: the switch's state as shown (read, or pending), so a
    # limit change never undoes it; unknown counts as on, like the app's own ports.
    control = device.meter_control
    await client.set_meter_control(
        serial(device),
        enabled=control is None or control.enabled is not False,
        limit=value,
    )


def _discharge_value(device: DeviceData) -> float | None:
    value: float | None = settings_value(discharge_field(device))(device)
    return value


def _cluster_power(key: str, **description: Any) -> IzypowerNumberDescription:
    """Describe a power (W) of a master or standalone unit, bounded by its cluster."""
    return IzypowerNumberDescription(
        key=key,
        translation_key=key,
        device_class=NumberDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.WATT,
        native_min_value=0,
        native_max_value=UNIT_MAX_POWER,
        native_step=50,
        mode=NumberMode.BOX,
        max_fn=max_power,
        exists_fn=cluster_titan,
        feed=Feed.SETTINGS,
        **description,
    )


def _max_power(
    direction: PowerDirection,
    value_fn: Callable[[DeviceData], float | None],
    field: Callable[[DeviceData], str],
) -> IzypowerNumberDescription:
    """Describe the maximum charge or discharge power of a master or standalone unit."""
    return _cluster_power(
        f"max_{direction.name.lower()}_power",
        value_fn=value_fn,
        fields_fn=lambda device, value: {field(device): value},
        rules=(master_or_standalone,),
        write_fn=_max_power_write(direction),
    )


def _manual_power(mode: ManualMode) -> IzypowerNumberDescription:
    """Describe the power of manual charge or discharge (0 W: the current maximum)."""
    key = f"manual_{mode.option}_power"
    active = manual_active(mode)
    return _cluster_power(
        key,
        # Not a configuration: what automations change most.
        entity_category=None,
        # Available in every mode: the power the unit keeps for this sub-mode (unknown
        # while it keeps another's); a write is refused, and explained, unless it runs.
        value_fn=lambda device: (
            settings_value("manual_power")(device)
            if manual_mode(device) is mode
            else None
        ),
        fields_fn=lambda _, value: manual_fields((mode, value)),
        rules=(
            master_or_standalone,
            requires_state(active, f"{key}_inactive"),
            within_max_power(mode),
        ),
        write_fn=lambda client, device, value: write_manual(
            client, device, (mode, value)
        ),
        read_first=True,
    )


NUMBERS: tuple[IzypowerNumberDescription, ...] = (
    IzypowerNumberDescription(
        key="injection_limit",
        translation_key="injection_limit",
        device_class=NumberDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.WATT,
        native_min_value=0,
        native_max_value=36000,
        native_step=50,
        mode=NumberMode.BOX,
        exists_fn=meter,
        feed=Feed.METER_CONTROL,
        value_fn=_meter_limit,
        fields_fn=lambda _, value: {"limit": value},
        write_fn=_write_meter_limit,
    ),
    IzypowerNumberDescription(
        key="min_soc",
        translation_key="min_soc",
        native_unit_of_measurement=PERCENTAGE,
        native_min_value=5,
        native_max_value=100,
        native_step=5,
        # A box: a 20-step slider is too coarse to aim at a level.
        mode=NumberMode.BOX,
        exists_fn=titan,
        feed=Feed.SETTINGS,
        value_fn=settings_value("min_soc"),
        fields_fn=lambda _, value: {"min_soc": value},
        write_fn=lambda client, device, value: client.set_battery_min_soc(
            serial(device), round(value)
        ),
    ),
    _max_power(
        PowerDirection.CHARGE,
        settings_value("max_charge_power"),
        lambda _: "max_charge_power",
    ),
    _max_power(PowerDirection.DISCHARGE, _discharge_value, discharge_field),
    IzypowerNumberDescription(
        key="calibration_interval",
        translation_key="calibration_interval",
        native_unit_of_measurement=UnitOfTime.DAYS,
        native_min_value=5,
        native_max_value=60,
        native_step=1,
        mode=NumberMode.BOX,
        exists_fn=titan,
        feed=Feed.SETTINGS,
        available_fn=setting_on("calibration"),
        value_fn=settings_value("calibration_interval"),
        fields_fn=lambda _, value: {"calibration_interval": round(value)},
        rules=(requires("calibration", "calibration_off"),),
        write_fn=lambda client, device, value: client.set_calibration_interval(
            serial(device), round(value)
        ),
    ),
    _manual_power(ManualMode.CHARGE),
    _manual_power(ManualMode.DISCHARGE),
)


def _ev_power(key: str, **description: Any) -> IzypowerNumberDescription:
    """Describe a power (W) of an EV charger (experimental: disabled by default)."""
    return ev_control(
        IzypowerNumberDescription,
        key,
        device_class=NumberDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.WATT,
        mode=NumberMode.BOX,
        **description,
    )


EV_NUMBERS: tuple[IzypowerNumberDescription, ...] = (
    _ev_power(
        "charging_power",
        # Not a configuration: what automations change most.
        entity_category=None,
        # The charger's own range and step (fallbacks while it sends none).
        native_min_value=FALLBACK_MIN_POWER,
        native_max_value=FALLBACK_MAX_POWER,
        native_step=FALLBACK_POWER_STEP,
        min_fn=power_bound("min_power", FALLBACK_MIN_POWER),
        max_fn=power_bound("max_power", FALLBACK_MAX_POWER),
        step_fn=power_bound("power_step", FALLBACK_POWER_STEP),
        write_fn=lambda client, device, value: client.set_ev_charging_power(
            serial(device), value
        ),
    ),
    _ev_power(
        "power_derate",
        native_min_value=0,
        native_max_value=DERATE_MAX,
        native_step=DERATE_STEP,
        write_fn=lambda client, device, value: client.set_ev_power_derate(
            serial(device), value
        ),
    ),
)

TABLES: EntityTables[IzypowerNumberDescription] = (
    EntityTable(EquipmentTarget, NUMBERS + EV_NUMBERS),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: IzypowerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the number controls of every Titan and smart meter, now and later."""
    async_add_entities_dynamically(entry, async_add_entities, TABLES, IzypowerNumber)


class IzypowerNumber(NumberEntity, IzypowerControlEntity[float]):
    """A setting shown and changed as a number."""

    entity_description: IzypowerNumberDescription

    @override
    @property
    def native_value(self) -> float | None:
        """The setting as shown (pending value included)."""
        return self.shown_value

    def _bound[StaticT: float | None](
        self, bound_fn: Callable[[DeviceData], float] | None, static: StaticT
    ) -> float | StaticT:
        device = self.device_data
        return static if bound_fn is None or device is None else bound_fn(device)

    @override
    @property
    def native_max_value(self) -> float:
        """The upper bound: the device's own when it depends on it."""
        return self._bound(self.entity_description.max_fn, super().native_max_value)

    @override
    @property
    def native_min_value(self) -> float:
        """The lower bound: the device's own when it depends on it."""
        return self._bound(self.entity_description.min_fn, super().native_min_value)

    @override
    @property
    def native_step(self) -> float | None:
        """The step: the device's own when it depends on it."""
        return self._bound(self.entity_description.step_fn, super().native_step)

    @override
    def validate(self, device: DeviceData, value: float) -> None:
        """Refuse a value out of range or off the step, then the control's rules."""
        check_range(
            self.setting_name,
            value,
            self.native_min_value,
            self.native_max_value,
            # Every control here has a step (1 would be Home Assistant's own).
            self.native_step or 1,
        )
        super().validate(device, value)

    @override
    async def async_set_native_value(self, value: float) -> None:
        """Write the new value (validated first)."""
        await self.async_write(value)
