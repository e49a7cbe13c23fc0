"""The account's devices in Home Assistant's device registry.

One place describes a station, an equipment or a battery Link module to the registry
(`build_device_info`) and one object writes them (`DeviceSync`): once per snapshot for
every platform, parents before children, and only the devices whose description
changed. Entities only point at their device by identifier (`device_link`), so no
entity can carry a stale name or firmware version.

The identifiers themselves (docs/design.md §3) are built in `identifiers.py`, the
low-level part that the targets and the stale-device clean-up share without needing
the registry.
"""

from collections import Counter
from collections.abc import Mapping
from typing import Any

from homeassistant.core import callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceInfo

from .api import Device, DeviceType
from .const import MANUFACTURER
from .data import IzypowerData, StationData
from .runtime import IzypowerConfigEntry
from .targets import (
    EquipmentTarget,
    LinkTarget,
    StationTarget,
    Target,
    snapshot_targets,
)

# Device registry models. The registry cannot translate a model, and the cloud's own
# labels follow the request language and need the station info: fixed English names
# keep a device's model the same for every user and on every refresh.
STATION_MODEL = "Power station"
LINK_MODEL = "Link"
EQUIPMENT_MODELS: Mapping[DeviceType, str] = {
    DeviceType.BATTERY: "Titan",
    DeviceType.MICRO_INVERTER: "Micro-inverter",
    DeviceType.METER: "Smart meter",
    DeviceType.CHARGER: "EV charger",
    DeviceType.UNKNOWN: "Equipment",
}
# `device` translation keys that name equipment the user left unnamed in the app.
EQUIPMENT_NAME_KEYS: Mapping[DeviceType, str] = {
    DeviceType.BATTERY: "titan",
    DeviceType.MICRO_INVERTER: "micro_inverter",
    DeviceType.METER: "smart_meter",
    DeviceType.CHARGER: "ev_charger",
    DeviceType.UNKNOWN: "equipment",
}


def station_device_name(data: IzypowerData, station: StationData) -> str:
    """Station name, with its id when another station of the account has the same name."""
    names = Counter(other.station.name for other in data.stations.values())
    name = station.station.name
    return f"{name} ({station.station.station_id})" if names[name] > 1 else name


def build_device_info(
    data: IzypowerData, target: Target[Any], via_device_id: str | None
) -> DeviceInfo:
    """Describe a station, equipment or Link module device to the device registry."""
    match target:
        case StationTarget():
            station = data.stations[target.station_id]
            info = DeviceInfo(
                identifiers={target.identifier},
                name=station_device_name(data, station),
                manufacturer=MANUFACTURER,
                model=STATION_MODEL,
            )
        case EquipmentTarget():
            device = data.stations[target.station_id].devices[target.device_id].device
            info = _equipment_device_info(target, device)
        case LinkTarget():
            info = DeviceInfo(
                identifiers={target.identifier},
                translation_key="link_module",
                translation_placeholders={"serial": target.serial},
                manufacturer=MANUFACTURER,
                model=LINK_MODEL,
                serial_number=target.serial,
            )
        case _:
            raise NotImplementedError(target)
    if via_device_id is not None:
        info["via_device_id"] = via_device_id
    return info


def _equipment_device_info(target: EquipmentTarget, device: Device) -> DeviceInfo:
    """Describe an equipment device (a unit without a name: a translated one)."""
    info = DeviceInfo(
        identifiers={target.identifier},
        manufacturer=MANUFACTURER,
        model=EQUIPMENT_MODELS[device.device_type],
        # The model in words only: Home Assistant shows a model id beside it,
        # and the cloud's code ("vm", "meter") would read as noise. Only an
        # unknown kind keeps its code, the one word that says what it is.
        model_id=(
            device.type_code if device.device_type is DeviceType.UNKNOWN else None
        ),
        serial_number=device.serial,
        sw_version=device.software_version,
    )
    if device.name:
        info["name"] = device.name
    else:
        # Translated, so an unnamed unit reads "Micro-onduleur ..." in French.
        info["translation_key"] = EQUIPMENT_NAME_KEYS[device.device_type]
        info["translation_placeholders"] = {
            "serial": device.serial or str(device.device_id)
        }
    return info


def device_link(target: Target[Any]) -> DeviceInfo:
    """Return the device info an entity carries: its device's identifier only.

    `DeviceSync` has registered the device with its full description before any
    entity of the snapshot is added, so the entity only needs to point at it.
    """
    return DeviceInfo(identifiers={target.identifier})


class DeviceSync:
    """Keep the registry's devices of one config entry in step with the snapshots.

    Firmware versions, names and the disambiguation of same-named stations change
    while entities stay, so every snapshot is checked, but a device is only written
    when its description differs from the one last written (or the device is no longer
    in the registry), and each snapshot is handled once whatever the number of
    platforms.
    """

    def __init__(self, entry: IzypowerConfigEntry) -> None:
        """Prepare to register the devices of `entry`'s snapshots."""
        self._entry = entry
        self._registry = dr.async_get(entry.runtime_data.coordinator.hass)
        self._synced: IzypowerData | None = None
        # Per target: the description last written and the registry device id.
        self._written: dict[Target[Any], tuple[DeviceInfo, str]] = {}

    @callback
    def async_sync(self) -> None:
        """Register the devices of the coordinator's latest snapshot."""
        data = self._entry.runtime_data.coordinator.data
        if data is self._synced:
            # A failed refresh keeps the last snapshot: nothing new to write.
            return
        self._synced = data
        written: dict[Target[Any], tuple[DeviceInfo, str]] = {}
        # `snapshot_targets` yields every parent before its children, so a child's
        # `via_device_id` always names a device written in this pass or kept.
        for target, _ in snapshot_targets(data):
            parent = target.parent
            via_device_id = None if parent is None else written[parent][1]
            info = build_device_info(data, target, via_device_id)
            written[target] = self._write(target, info)
        # Devices of targets gone from the snapshot may be removed from the registry
        # (stale-device clean-up, the user): forget them so a return writes them again.
        self._written = written

    def _write(self, target: Target[Any], info: DeviceInfo) -> tuple[DeviceInfo, str]:
        """Create or update `target`'s device unless the registry already has `info`."""
        if (
            (last := self._written.get(target)) is not None
            and last[0] == info
            and self._registry.async_get(last[1]) is not None
        ):
            return last
        device = self._registry.async_get_or_create(
            config_entry_id=self._entry.entry_id, **info
        )
        return info, device.id


@callback
def async_setup_devices(entry: IzypowerConfigEntry) -> None:
    """Register the devices of the first snapshot now, and of every later one.

    Called before the platforms are set up, so every device exists before the first
    entity points at it; later snapshots are handled by the coordinator listener.
    """
    devices = DeviceSync(entry)
    devices.async_sync()
    entry.async_on_unload(
        entry.runtime_data.coordinator.async_add_listener(devices.async_sync)
    )
