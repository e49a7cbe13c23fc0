"""Battery capacity and stored energy, from what the battery pages give.

The cloud sends no capacity field (docs/api.md §7.7, "Usable battery capacity"): each
Titan's battery page gives the unit's own level (%) and stored energy (kWh), and the
same for each of its Link modules. A module's capacity is its energy ÷ its level; the
figure is an *estimate* (the cloud rounds the level to 1 % and the energy to 0.01 kWh),
so it is only made at levels where the division is meaningful
(`MIN_LEVEL_FOR_ESTIMATE`), and named as an estimate wherever it is shown.

A "pile" is one Titan unit with its own Link modules (one battery page). A station's
figures are the sums over its Titans; one missing page (or one module below the
level) makes the sum unknown rather than short.
"""

from collections.abc import Iterable, Iterator

from .api import BatteryPage, DeviceType
from .data import StationData

# Below this level the rounding of the cloud's figures (±0.5 % of level, ±0.005 kWh)
# makes energy ÷ level too coarse: at 20 % of a 2 kWh module the error is under 4 %,
# at 5 % it would be 15 %.
MIN_LEVEL_FOR_ESTIMATE = 20.0
# kWh: finer than the estimate's own precision would be noise.
_DECIMALS = 2


def _module_capacity(level: float | None, energy: float | None) -> float | None:
    """Return one module's capacity (kWh) from its level and stored energy."""
    if level is None or energy is None or energy <= 0:
        return None
    if not MIN_LEVEL_FOR_ESTIMATE <= level <= 100:
        return None
    return energy * 100 / level


def _modules(page: BatteryPage) -> Iterator[tuple[float | None, float | None]]:
    """Yield the (level, stored energy) of the unit and of each of its Link modules."""
    yield page.soc, page.energy
    for link in page.links:
        yield link.soc, link.energy


def _total(values: Iterable[float | None]) -> float | None:
    """Return the rounded sum; unknown as soon as one term is (it would be short)."""
    total = 0.0
    for value in values:
        if value is None:
            return None
        total += value
    return round(total, _DECIMALS)


def pile_capacity(page: BatteryPage) -> float | None:
    """Estimated capacity (kWh) of one Titan and its Link modules."""
    return _total(_module_capacity(level, energy) for level, energy in _modules(page))


def pile_energy(page: BatteryPage) -> float | None:
    """Energy stored (kWh) in one Titan and its Link modules."""
    return _total(energy for _, energy in _modules(page))


def _titan_pages(station: StationData) -> list[BatteryPage | None]:
    """Return each Titan's battery page of the station (`None` where missing)."""
    return [
        device.battery
        for device in station.devices.values()
        if device.device.device_type is DeviceType.BATTERY
    ]


def station_capacity(station: StationData) -> float | None:
    """Estimated capacity (kWh) of all the station's batteries; unknown without any."""
    pages = _titan_pages(station)
    if not pages:
        return None
    return _total(None if page is None else pile_capacity(page) for page in pages)


def station_energy(station: StationData) -> float | None:
    """Energy stored (kWh) in all the station's batteries; unknown without any."""
    pages = _titan_pages(station)
    if not pages:
        return None
    return _total(None if page is None else pile_energy(page) for page in pages)
