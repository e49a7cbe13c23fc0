"""What a loaded config entry keeps: its coordinator and the objects built on it.

`entry.runtime_data` is one `IzypowerRuntimeData`, built by `async_setup_entry` once
the first refresh has succeeded and dropped with the entry. Platforms and entities read
its coordinator only; the actions, registered once in `async_setup`, find the energy
history (`import_history`) and the battery mode holds (`set_battery_mode`) through the
entry of the device they target (action_targets.py).

The parts are named for type checking only. They are built on the coordinator, and the
coordinator (like every module given the entry) names `IzypowerConfigEntry`: at run time
this module imports nothing of the integration, so every import still points down.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry

if TYPE_CHECKING:
    from .coordinator import IzypowerCoordinator
    from .history.entry import EnergyHistory
    from .mode_holds import BatteryModeHolds


@dataclass(frozen=True, slots=True)
class IzypowerRuntimeData:
    """The runtime objects of one loaded config entry."""

    coordinator: IzypowerCoordinator
    # The statistic writers (history/entry.py), for `import_history`.
    history: EnergyHistory
    # The battery mode holds (mode_holds.py), for `set_battery_mode`.
    holds: BatteryModeHolds


type IzypowerConfigEntry = ConfigEntry[IzypowerRuntimeData]
