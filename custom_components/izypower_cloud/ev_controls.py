"""What an EV charger's controls share: reading, writing and checking its settings.

Experimental (docs/api.md §7.15, one client only): every EV control is disabled by
default, and its settings are read only while one of them is enabled (control_reads.py).
The platforms (switch.py, select.py, number.py) describe the entities with these
pieces; the write path is the one of every control (controls.py).
"""

from collections.abc import Callable, Mapping
from typing import Any

from .api import DeviceType, EvControlMode, IzypowerClient
from .controls import IzypowerControlDescription, Rule, requires_state, serial
from .data import DeviceData, Feed, StationData

# The range of the charging power while the charger sends none: single-phase 6 A to
# three-phase 32 A; the beta offers the power derate in 0–64,000 W, step 10.
FALLBACK_MIN_POWER = 1380.0
FALLBACK_MAX_POWER = 22000.0
FALLBACK_POWER_STEP = 1.0
DERATE_MAX = 64000
DERATE_STEP = 10


def charger(device: DeviceData) -> bool:
    """Whether the device is an EV charger whose settings can be read and written."""
    return device.device.device_type is DeviceType.CHARGER and bool(
        device.device.serial
    )


def ev_control[DescriptionT: IzypowerControlDescription[Any]](
    description_class: type[DescriptionT], key: str, **description: Any
) -> DescriptionT:
    """Describe a control of one field of a charger's settings (experimental).

    Named `evse_<field>`, disabled by default, on chargers only; it reads and is
    confirmed by that field. `description` adds to (or replaces) these.
    """
    shared: dict[str, Any] = {
        "key": f"evse_{key}",
        "translation_key": f"evse_{key}",
        "entity_registry_enabled_default": False,
        "exists_fn": charger,
        "feed": Feed.EV_SETTINGS,
        "value_fn": ev_value(key),
        "fields_fn": ev_fields(key),
    }
    return description_class(**(shared | description))


def ev_value(attribute: str) -> Callable[[DeviceData], Any]:
    """Return a `value_fn` reading one field of a charger's settings (None if unread)."""

    def value(device: DeviceData) -> Any:
        settings = device.ev_settings
        return None if settings is None else getattr(settings, attribute)

    return value


def ev_fields(attribute: str) -> Callable[[DeviceData, Any], Mapping[str, object]]:
    """Return a `fields_fn`: a write sets this one field of the charger's settings."""
    return lambda _, value: {attribute: value}


def ev_control_mode(device: DeviceData) -> str | None:
    """Return the charger's control mode as a select option."""
    mode: EvControlMode | None = ev_value("control_mode")(device)
    return None if mode is None else mode.option


def ev_control_options(device: DeviceData, station: StationData | None) -> list[str]:
    """Intelligent mode only with a smart meter (`hasMeter`, else one in the station).

    A charger shown in intelligent mode keeps the option, so that its state shows.
    """
    settings = device.ev_settings
    has_meter = None if settings is None else settings.has_meter
    if has_meter is None:
        has_meter = station is not None and any(
            other.device.device_type is DeviceType.METER
            for other in station.devices.values()
        )
    return [
        mode.option
        for mode in EvControlMode
        if mode is not EvControlMode.INTELLIGENT
        or has_meter
        or ev_control_mode(device) == mode.option
    ]


def power_bound(attribute: str, fallback: float) -> Callable[[DeviceData], float]:
    """Return the charging power's bound or step as the charger sends it."""

    def bound(device: DeviceData) -> float:
        value: float | None = ev_value(attribute)(device)
        return fallback if value is None else value

    return bound


# The two intelligent options go together: a write of one sends the other as shown.
OPTIONS = ("start_with_grid", "use_battery")


def other_option(option: str) -> str:
    """Return the intelligent option written along with `option`."""
    first, second = OPTIONS
    return second if option == first else first


def other_option_known(option: str) -> Rule[Any]:
    """Refuse a write of an option while the other one is unknown (never guessed)."""
    return requires_state(
        lambda device: ev_value(other_option(option))(device) is not None,
        "evse_options_unknown",
    )


def write_option(option: str) -> Callable[[IzypowerClient, DeviceData, bool], Any]:
    """Return the write of one intelligent option, with the other as shown."""

    async def write(client: IzypowerClient, device: DeviceData, on: bool) -> None:
        values = {
            option: on,
            other_option(option): ev_value(other_option(option))(device),
        }
        await client.set_ev_options(
            serial(device),
            start_with_grid=values["start_with_grid"] is True,
            use_battery=values["use_battery"] is True,
        )

    return write


async def write_priority(client: IzypowerClient, device: DeviceData, on: bool) -> None:
    """Write the station's charging priority (addressed by its station id)."""
    settings = device.ev_settings
    station_id = None if settings is None else settings.station_id
    # Controls write only once their settings were read, which names the station.
    assert station_id is not None
    await client.set_ev_priority(station_id, on)
