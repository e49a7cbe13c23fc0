"""The Energy dashboard's preferences that use a station's statistics.

Shared by the in-process and the end-to-end tests that save them and ask Home Assistant
to validate them.
"""

from typing import Any

from custom_components.izypower_cloud.const import DOMAIN


def station_statistic(station_id: int, series: str) -> str:
    """Return the id of a station's external statistic."""
    return f"{DOMAIN}:station_{station_id}_{series}"


def save_prefs_command(station_id: int) -> dict[str, Any]:
    """Return the `energy/save_prefs` command: grid, solar and battery of the station."""

    def stat(series: str) -> str:
        return station_statistic(station_id, series)

    return {
        "type": "energy/save_prefs",
        "energy_sources": [
            {
                "type": "grid",
                "stat_energy_from": stat("grid_import"),
                "stat_energy_to": stat("grid_export"),
                "stat_cost": None,
                "entity_energy_price": None,
                "number_energy_price": None,
                "stat_compensation": None,
                "entity_energy_price_export": None,
                "number_energy_price_export": None,
                "cost_adjustment_day": 0,
            },
            {
                "type": "solar",
                "stat_energy_from": stat("production"),
                "config_entry_solar_forecast": None,
            },
            {
                "type": "battery",
                "stat_energy_from": stat("battery_discharge"),
                "stat_energy_to": stat("battery_charge"),
            },
        ],
    }
