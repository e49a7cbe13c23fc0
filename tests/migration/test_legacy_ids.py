"""The community integration's ids and what they become here (pure rules)."""

import ast
from pathlib import Path
from typing import Any

import pytest

from custom_components.izypower_cloud.legacy import ids as legacy_ids
from custom_components.izypower_cloud.legacy.ids import (
    Retired,
    Successor,
    device_identifier,
    is_legacy_entry,
    is_legacy_unique_id,
    legacy_refresh_period,
    successor,
)


@pytest.mark.parametrize(
    ("data", "options", "expected"),
    [
        ({"refresh_period": 5}, {}, 5),
        # Its options flow wins over its setup form.
        ({"refresh_period": 5}, {"refresh_period": 10}, 10),
        # Clamped to our range, rounded to whole minutes.
        ({"refresh_period": 1}, {}, 3),
        ({"refresh_period": 120}, {}, 60),
        ({"refresh_period": "7.4"}, {}, 7),
        # Not a number: the next source, then none.
        ({"refresh_period": 8}, {"refresh_period": "soon"}, 8),
        ({"refresh_period": True}, {}, None),
        ({"refresh_period": None}, {}, None),
        ({"refresh_period": float("inf")}, {}, None),
        ({}, {}, None),
    ],
)
def test_refresh_period(
    data: dict[str, Any], options: dict[str, Any], expected: int | None
) -> None:
    """Its refresh period becomes our whole minutes in our range."""
    assert legacy_refresh_period(data, options, (3, 60)) == expected


def test_legacy_entry() -> None:
    """Its entries have no unique id and a refresh period in their data."""
    assert is_legacy_entry(1, None, {"refresh_period": 3})
    assert not is_legacy_entry(1, "a@b.c", {"refresh_period": 3})
    assert not is_legacy_entry(1, None, {})
    assert not is_legacy_entry(2, None, {"refresh_period": 3})


@pytest.mark.parametrize(
    ("legacy", "ours"),
    [
        ("izypower_cloud_station_81234", "station_81234"),
        ("izypower_cloud_device_640101", "device_640101"),
        ("izypower_cloud_battery_link_IZL24L000701", "link_IZL24L000701"),
        ("izypower_cloud_station_", None),
        ("station_81234", None),
    ],
)
def test_device_identifier(legacy: str, ours: str | None) -> None:
    """Its device identifiers map prefix for prefix."""
    assert device_identifier(legacy) == ours


@pytest.mark.parametrize(
    ("domain", "unique_id", "outcome"),
    [
        (
            "sensor",
            "81234_production_all",
            Successor("sensor", "station_81234_production_total"),
        ),
        (
            "sensor",
            "81234_grid_all_export",
            Successor("sensor", "station_81234_grid_export_total"),
        ),
        (
            "sensor",
            "81234_battery_day_charge",
            Successor("sensor", "station_81234_battery_charge_day"),
        ),
        (
            "sensor",
            "81234_consumption_from_pv_year",
            Successor("sensor", "station_81234_consumption_from_pv_year"),
        ),
        (
            "sensor",
            "90001_ev_total",
            Successor("sensor", "station_90001_ev_energy_total"),
        ),
        (
            "sensor",
            "81234_meter_energy_n_rate_all",
            Successor("sensor", "station_81234_grid_export_rate_total"),
        ),
        (
            "sensor",
            "90001_ev_rate_day",
            Successor("sensor", "station_90001_ev_rate_day"),
        ),
        (
            "sensor",
            "izypower_cloud_station_81234_production_power",
            Successor("sensor", "station_81234_pv_power"),
        ),
        ("sensor", "izypower_cloud_station_81234_device", Retired.STATISTICS),
        ("sensor", "izypower_cloud_station_81234_upgrade", Retired.BINARY_SENSOR),
        ("switch", "izypower_cloud_station_81234_live_mode", Retired.NO_EQUIVALENT),
        (
            "sensor",
            "izypower_cloud_device_640101_pv_PV2",
            Successor("sensor", "device_640101_pv_string_power_PV2"),
        ),
        (
            "sensor",
            "izypower_cloud_device_640103_ct2",
            Successor("sensor", "device_640103_channel_2_power"),
        ),
        (
            "sensor",
            "izypower_cloud_device_640103_ct3_mode",
            Successor("sensor", "device_640103_channel_3_mode"),
        ),
        (
            "sensor",
            "izypower_cloud_device_640101_off_grid_power",
            Successor("sensor", "device_640101_backup_outlet_power"),
        ),
        ("sensor", "izypower_cloud_device_640101_online_state", Retired.BINARY_SENSOR),
        (
            "number",
            "izypower_cloud_device_700004_evse_power_derate",
            Retired.NO_EQUIVALENT,
        ),
        (
            "sensor",
            "izypower_cloud_battery_link_IZL24L000701_kwh",
            Successor("sensor", "link_IZL24L000701_battery_energy"),
        ),
        (
            "sensor",
            "izypower_cloud_battery_link_IZL24L000701_temperature",
            Successor("sensor", "link_IZL24L000701_temperature"),
        ),
        (
            "number",
            "640101_battery_min_soc",
            Successor("number", "device_640101_min_soc"),
        ),
        (
            "select",
            "640101_battery_offgrid_mode",
            Successor("select", "device_640101_backup_outlet_mode"),
        ),
        ("select", "640101_battery_calibration_time", Retired.NO_EQUIVALENT),
        (
            "button",
            "640101_battery_led_off",
            Successor("button", "device_640101_led_off"),
        ),
        # Not its patterns: unknown names, flows that do not exist, another platform.
        ("sensor", "81234_grid_day_charge", None),
        ("sensor", "izypower_cloud_station_81234_something", None),
        ("sensor", "izypower_cloud_device_640101_something", None),
        ("number", "640101_something", None),
        ("sensor", "640101_battery_min_soc", None),
        ("sensor", "station_81234_production_total", None),
    ],
)
def test_successor(
    domain: str, unique_id: str, outcome: Successor | Retired | None
) -> None:
    """Each of its unique ids maps to ours or is retired with a reason."""
    assert successor(domain, unique_id) == outcome


def test_legacy_unique_id_shape() -> None:
    """Its unique ids start with a number or its prefix; ours never do."""
    assert is_legacy_unique_id("81234_production_day")
    assert is_legacy_unique_id("izypower_cloud_station_81234_upgrade")
    assert not is_legacy_unique_id("station_81234_production_day")
    assert not is_legacy_unique_id("")


def test_rules_import_no_home_assistant() -> None:
    """The rules are data: their module and what it imports of ours need no Home Assistant."""
    package = Path(legacy_ids.__file__).parent.parent
    names = ("legacy/__init__.py", "legacy/ids.py", "identifiers.py", "const.py")
    for name in names:
        tree = ast.parse((package / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [node.module or ""] if node.level == 0 else []
            else:
                continue
            assert not [m for m in modules if m.startswith("homeassistant")], name
