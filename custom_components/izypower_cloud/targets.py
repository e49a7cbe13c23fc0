"""The devices of an account snapshot: stations, equipment and battery Link modules.

A target names one device and finds its part of any snapshot. `snapshot_targets` is the
one walk over a snapshot's devices: the entities are created from it and the stale-device
clean-up judges the registry against it, so the two can never disagree.
"""

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, override

from .api import LinkModule
from .data import DeviceData, IzypowerData, StationData
from .identifiers import device_identifier, link_identifier, station_identifier


@dataclass(frozen=True, slots=True)
class Target[SourceT](ABC):
    """A device of the account that entities attach to."""

    @property
    @abstractmethod
    def identifier(self) -> tuple[str, str]:
        """Device registry identifier (also the prefix of every unique id)."""

    @abstractmethod
    def station(self, data: IzypowerData) -> StationData | None:
        """Return the snapshot of the station the device belongs to."""

    @property
    def parent(self) -> Target[Any] | None:
        """The device this one is connected through (`via_device_id`)."""
        return None

    @abstractmethod
    def source(self, data: IzypowerData) -> SourceT | None:
        """Return the target's part of the snapshot; `None` when gone or failed."""


@dataclass(frozen=True, slots=True)
class StationTarget(Target[StationData]):
    """A power station."""

    station_id: int

    @override
    @property
    def identifier(self) -> tuple[str, str]:
        """Device registry identifier."""
        return station_identifier(self.station_id)

    @override
    def source(self, data: IzypowerData) -> StationData | None:
        """Return the station's snapshot."""
        return data.stations.get(self.station_id)

    @override
    def station(self, data: IzypowerData) -> StationData | None:
        """Return the station's snapshot."""
        return self.source(data)


@dataclass(frozen=True, slots=True)
class EquipmentTarget(Target[DeviceData]):
    """A device record of a station (Titan, micro-inverter, meter, charger)."""

    station_id: int
    device_id: int

    @override
    @property
    def identifier(self) -> tuple[str, str]:
        """Device registry identifier."""
        return device_identifier(self.device_id)

    @override
    @property
    def parent(self) -> StationTarget:
        """Equipment belongs to its station."""
        return StationTarget(self.station_id)

    @override
    def source(self, data: IzypowerData) -> DeviceData | None:
        """Return the equipment's snapshot."""
        station = self.station(data)
        return None if station is None else station.devices.get(self.device_id)

    @override
    def station(self, data: IzypowerData) -> StationData | None:
        """Return the snapshot of the equipment's station."""
        return data.stations.get(self.station_id)


@dataclass(frozen=True, slots=True)
class LinkTarget(Target[LinkModule]):
    """A battery Link module, listed on the battery page of its Titan."""

    titan: EquipmentTarget
    serial: str

    @override
    @property
    def identifier(self) -> tuple[str, str]:
        """Device registry identifier."""
        return link_identifier(self.serial)

    @override
    def station(self, data: IzypowerData) -> StationData | None:
        """Return the station of the module's Titan."""
        return self.titan.station(data)

    @override
    @property
    def parent(self) -> EquipmentTarget:
        """A Link module reaches the cloud through its Titan."""
        return self.titan

    @override
    def source(self, data: IzypowerData) -> LinkModule | None:
        """Return the module's entry on its Titan's battery page (`None` if it failed)."""
        titan = self.titan.source(data)
        if titan is None or titan.battery is None:
            return None
        return next(
            (link for link in titan.battery.links if link.serial == self.serial), None
        )


def snapshot_targets(data: IzypowerData) -> Iterator[tuple[Target[Any], Any]]:
    """Every device of the snapshot with its source.

    Stations come before their equipment and equipment before its Link modules, so a
    parent device is always met before the devices that point to it.
    """
    for station_id, station in data.stations.items():
        yield StationTarget(station_id), station
    for station_id, station in data.stations.items():
        for device_id, device in station.devices.items():
            equipment = EquipmentTarget(station_id, device_id)
            yield equipment, device
            if device.battery is not None:
                for link in device.battery.links:
                    yield LinkTarget(equipment, link.serial), link
