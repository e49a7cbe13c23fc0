"""Registries as the community integration left them, loaded into a test Home Assistant.

`tests/fixtures/migration/example-1.0.4/` holds what Home Assistant stored after the
community integration 1.0.4 ran on the fixture account; `beta-1.0.11/` a hand-made
registry of its 1.0.11 beta (selects, numbers, switches, EV charger and meter channels).
"""

from dataclasses import dataclass
import json
from pathlib import Path
from typing import Any

from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
)
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.izypower_cloud.const import DOMAIN
from tests.cloud_mock import PASSWORD, USERNAME
from tests.conftest import FIXTURES_DIR

MIGRATION_DIR = FIXTURES_DIR / "migration"
EXAMPLE_104 = MIGRATION_DIR / "example-1.0.4"
BETA_1011 = MIGRATION_DIR / "beta-1.0.11"
# The station device the user put in an area, and entities the user customised.
AREA_STATION = ("izypower_cloud", "izypower_cloud_station_81234")
RENAMED = "sensor.izypower_cloud_maison_des_tilleuls_81234_production_total"
DISABLED = "sensor.izypower_cloud_maison_des_tilleuls_81234_grid_power"
TITAN_WIFI = "sensor.izypower_cloud_maison_des_tilleuls_81234_titan_maitre_wi_fi_signal"


def legacy_entry(**data: Any) -> MockConfigEntry:
    """Return a config entry as the community integration stored it (not added)."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Izypower Cloud",
        unique_id=None,
        version=1,
        minor_version=1,
        source="user",
        data={
            CONF_USERNAME: USERNAME.upper(),
            CONF_PASSWORD: PASSWORD,
            "refresh_period": 5,
        }
        | data,
        options={},
    )


def add_legacy(
    hass: HomeAssistant, directory: Path = EXAMPLE_104, **data: Any
) -> tuple[MockConfigEntry, Legacy]:
    """Add the entry and the registries the community integration left (not set up)."""
    entry = legacy_entry(**data)
    entry.add_to_hass(hass)
    return entry, load_registries(hass, entry, directory)


def load_json(directory: Path, name: str) -> list[dict[str, Any]]:
    """Return the stored entries of one registry file."""
    document = json.loads((directory / f"{name}_registry.json").read_text())
    entries: list[dict[str, Any]] = document[
        "devices" if name == "device" else "entities"
    ]
    return entries


@dataclass
class Legacy:
    """What was loaded: stored entity id -> registry id, and the area."""

    entity_ids: dict[str, str]
    area_id: str


def load_registries(
    hass: HomeAssistant, entry: MockConfigEntry, *directories: Path
) -> Legacy:
    """Create the devices and entities of `directories` for `entry`, as stored.

    On the 1.0.4 example, the user put the first station in an area, renamed its
    lifetime production and gave it an icon, and disabled its grid power.
    """
    devices = dr.async_get(hass)
    entities = er.async_get(hass)
    area = ar.async_get(hass).async_create("Garage")
    device_ids: dict[str, str] = {}
    entity_ids: dict[str, str] = {}
    for directory in directories:
        stored = load_json(directory, "device")
        # Parents first, so that `via_device` finds them.
        stored.sort(key=lambda device: device["via_device_id"] is not None)
        for device in stored:
            created = devices.async_get_or_create(
                config_entry_id=entry.entry_id,
                identifiers={tuple(item) for item in device["identifiers"]},
                name=device["name"],
                manufacturer=device["manufacturer"],
                model=device["model"],
                serial_number=device["serial_number"],
                sw_version=device["sw_version"],
                via_device_id=device_ids.get(device["via_device_id"] or ""),
            )
            device_ids[device["id"]] = created.id
        for stored_entity in load_json(directory, "entity"):
            entity_ids[stored_entity["entity_id"]] = _create_entity(
                entities, entry, stored_entity, device_ids
            )
    if EXAMPLE_104 in directories:
        station = devices.async_get_device_by_identifier(AREA_STATION, entry.entry_id)
        assert station is not None
        devices.async_update_device(station.id, area_id=area.id)
        entities.async_update_entity(RENAMED, name="Lifetime solar", icon="mdi:sun")
        entities.async_update_entity(
            DISABLED, disabled_by=er.RegistryEntryDisabler.USER
        )
    return Legacy(entity_ids, area.id)


def _create_entity(
    entities: er.EntityRegistry,
    entry: MockConfigEntry,
    stored: dict[str, Any],
    device_ids: dict[str, str],
) -> str:
    domain, object_id = stored["entity_id"].split(".", 1)
    created = entities.async_get_or_create(
        domain,
        stored["platform"],
        stored["unique_id"],
        suggested_object_id=object_id,
        config_entry=entry,
        device_id=device_ids[stored["device_id"]],
        capabilities=stored["capabilities"],
        unit_of_measurement=stored["unit_of_measurement"],
        original_name=stored["original_name"],
        original_device_class=stored["original_device_class"],
        translation_key=stored["translation_key"],
        has_entity_name=stored["has_entity_name"],
    )
    assert created.entity_id == stored["entity_id"]
    return created.id
