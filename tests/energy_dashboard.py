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


def every_field_prefs_command(
    station_id: int,
    station: str,
    capacity: float,
    *,
    home: bool = False,
    ev_charger: bool = True,
) -> dict[str, Any]:
    """Return `energy/save_prefs` with every field the README's table fills.

    `station` is the station's entity id prefix (`sensor.maison_des_tilleuls`),
    `capacity` its *Estimated usable capacity*. `home` adds Home Assistant 2026.11's
    whole-home consumption source; `ev_charger` the charger as an individual device.
    The station must have a battery.
    """
    command = save_prefs_command(station_id)
    grid, solar, battery = command["energy_sources"]
    grid["power_config"] = {"stat_rate": f"{station}_grid_power"}
    solar["stat_rate"] = f"{station}_solar_power"
    battery["power_config"] = {"stat_rate": f"{station}_battery_power"}
    battery["stat_soc"] = f"{station}_battery_level"
    battery["capacity"] = capacity
    if home:
        command["energy_sources"].append(
            {
                "type": "home",
                "stat_energy_to": station_statistic(station_id, "consumption"),
                "stat_rate": f"{station}_consumption_power",
            }
        )
    command["device_consumption"] = (
        [
            {
                "stat_consumption": station_statistic(station_id, "ev"),
                "stat_rate": f"{station}_ev_charging_power",
            }
        ]
        if ev_charger
        else []
    )
    return command
