"""A user who installed an earlier version of ours over the community integration.

That version loaded the old entry as it was (minor version 1.2, no unique id) and
created our devices and entities in it, beside the old, orphaned ones. The old registry
entries win; our duplicates are removed, what the user set on them carried over or
listed.
"""

from datetime import timedelta
from typing import Any
from unittest.mock import patch

import attr
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
    label_registry as lr,
)
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.izypower_cloud.const import DOMAIN
from custom_components.izypower_cloud.legacy.ids import Retired, successor
from custom_components.izypower_cloud.legacy.registry import (
    adopted_issue_id,
    failed_issue_id,
    retired_issue_id,
)
from tests.cloud_mock import USERNAME, MockCloud

from .legacy import (
    DISABLED,
    EXAMPLE_104,
    RENAMED,
    TITAN_WIFI,
    Legacy,
    add_legacy,
    load_json,
)

pytest_plugins = ["tests.cloud_mock"]

pytestmark = pytest.mark.usefixtures("cloud_clock")

STORED = load_json(EXAMPLE_104, "entity")
# Old entities the user left alone; their duplicates of ours get customised.
PRODUCTION_DAY = "sensor.izypower_cloud_maison_des_tilleuls_81234_production_day"
CONSUMPTION = "sensor.izypower_cloud_maison_des_tilleuls_81234_consumption_power"


def ours_of(hass: HomeAssistant, old_entity_id: str) -> str:
    """Return the entity id of our duplicate of an old entity."""
    registry = er.async_get(hass)
    old = registry.async_get(old_entity_id)
    assert old is not None
    outcome = successor(old.domain, old.unique_id)
    assert outcome is not None
    assert not isinstance(outcome, Retired)
    ours = registry.async_get_entity_id(old.domain, DOMAIN, outcome.unique_id)
    assert ours is not None
    return ours


def our_device(hass: HomeAssistant, entry_id: str, value: str) -> dr.DeviceEntry:
    """Return one of our devices by identifier value."""
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, value), entry_id
    )
    assert device is not None
    return device


def community(hass: HomeAssistant) -> tuple[MockConfigEntry, Legacy]:
    """Add the entry and registries the community integration 1.0.4 left."""
    return add_legacy(hass)


async def earlier_version(hass: HomeAssistant) -> tuple[MockConfigEntry, Legacy]:
    """Registries as the earlier version left them: old orphaned, ours beside them."""
    entry, legacy = community(hass)
    await run_earlier_version(hass, entry)
    return entry, legacy


async def run_earlier_version(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Set up the entry once as the earlier version did: no registry migration."""
    with patch("custom_components.izypower_cloud.async_migrate_registries"):
        await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    # That version only bumped the minor version (its title rule left this one).
    hass.config_entries.async_update_entry(
        entry,
        unique_id=None,
        title="Izypower Cloud",
        data={**entry.data, "refresh_period": 5},
        options={},
        minor_version=2,
    )


def customise(hass: HomeAssistant, entry_id: str, legacy: Legacy) -> None:
    """Set on our duplicates what a user may have since the switch."""
    entities = er.async_get(hass)
    devices = dr.async_get(hass)
    label = lr.async_get(hass).async_create("Solar").label_id
    # Carried: the old ones have none of it.
    entities.async_update_entity(
        ours_of(hass, PRODUCTION_DAY), name="Solar today", labels={label}
    )
    entities.async_update_entity(
        ours_of(hass, TITAN_WIFI),
        disabled_by=er.RegistryEntryDisabler.USER,
        hidden_by=er.RegistryEntryHider.USER,
    )
    kitchen = ar.async_get(hass).async_create("Kitchen").id
    devices.async_update_device(
        our_device(hass, entry_id, "device_640101").id,
        area_id=kitchen,
        name_by_user="My Titan",
    )
    # Not carried: the old ones have their own (name, icon; the station's area).
    entities.async_update_entity(
        ours_of(hass, RENAMED), name="Production (new)", icon="mdi:flash"
    )
    devices.async_update_device(
        our_device(hass, entry_id, "station_81234").id, area_id=kitchen
    )
    # The same value as the old one: nothing to say.
    entities.async_update_entity(
        ours_of(hass, DISABLED), disabled_by=er.RegistryEntryDisabler.USER
    )
    assert legacy.area_id != kitchen


@pytest.fixture
async def adopted(
    hass: HomeAssistant, mock_cloud: MockCloud
) -> tuple[MockConfigEntry, Legacy, dict[str, str]]:
    """Set up this version on what the earlier one left; our duplicates, by old id."""
    entry, legacy = await earlier_version(hass)
    customise(hass, entry.entry_id, legacy)
    duplicates = {
        stored["entity_id"]: ours_of(hass, stored["entity_id"])
        for stored in STORED
        if _has_duplicate(hass, stored)
    }
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    return entry, legacy, duplicates


def _has_duplicate(hass: HomeAssistant, stored: dict[str, Any]) -> bool:
    outcome = successor(stored["entity_id"].split(".")[0], stored["unique_id"])
    return isinstance(outcome, Retired) is False and bool(
        outcome
        and er.async_get(hass).async_get_entity_id(
            outcome.domain, DOMAIN, outcome.unique_id
        )
    )


def _state(hass: HomeAssistant, entry_id: str) -> tuple[Any, ...]:
    entities = er.async_entries_for_config_entry(er.async_get(hass), entry_id)
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry_id)
    return (
        sorted((e.id, e.entity_id, e.unique_id, e.device_id, e.name) for e in entities),
        sorted(
            (d.id, sorted(d.identifiers), d.area_id, d.via_device_id) for d in devices
        ),
    )


async def test_old_entries_win(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    adopted: tuple[MockConfigEntry, Legacy, dict[str, str]],
) -> None:
    """Every mapped old entity keeps its entity id and registry id; ours are gone."""
    entry, legacy, duplicates = adopted
    assert entry.unique_id == USERNAME
    kept = [s for s in STORED if entity_registry.async_get(s["entity_id"])]
    assert (len(kept), len(duplicates)) == (136, 136)
    for stored in kept:
        entity = entity_registry.async_get(stored["entity_id"])
        assert entity is not None
        assert entity.id == legacy.entity_ids[stored["entity_id"]]
        assert not entity.unique_id[:1].isdigit()
    for ours in duplicates.values():
        assert entity_registry.async_get(ours) is None
    state = hass.states.get(RENAMED)
    assert state is not None
    assert float(state.state) == pytest.approx(14021.7)
    assert not ir.async_get(hass).async_get_issue(
        DOMAIN, failed_issue_id(entry.entry_id)
    )
    # The old entities with no successor are retired as on a first migration.
    assert ir.async_get(hass).async_get_issue(DOMAIN, retired_issue_id(entry.entry_id))


async def test_one_device_each_with_ours_moved_in(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
    adopted: tuple[MockConfigEntry, Legacy, dict[str, str]],
) -> None:
    """10 devices, the old ones with our identifiers; ours without a pair moved in."""
    entry, legacy, _ = adopted
    devices = dr.async_entries_for_config_entry(device_registry, entry.entry_id)
    assert len(devices) == 10
    for device in devices:
        assert er.async_entries_for_device(entity_registry, device.id)
        (identifier,) = device.identifiers
        assert not identifier[1].startswith("izypower_cloud_")
    station = our_device(hass, entry.entry_id, "station_81234")
    assert station.area_id == legacy.area_id
    titan = our_device(hass, entry.entry_id, "device_640101")
    assert titan.via_device_id == station.id
    # Our Online sensor has no old counterpart (its text sensor was retired).
    online = [
        e
        for e in er.async_entries_for_device(entity_registry, titan.id)
        if e.domain == "binary_sensor"
    ]
    assert online
    entities = er.async_entries_for_config_entry(entity_registry, entry.entry_id)
    assert {e.device_id for e in entities} <= {d.id for d in devices}
    # 419 before (211 old, 208 ours): 136 old adopted, 72 of ours moved in (the 3 battery
    # mode hold sensors of the cluster master among them, issue 20).
    assert len(entities) == 205 + 3
    old = {stored["entity_id"] for stored in STORED}
    assert len([e for e in entities if e.entity_id not in old]) == 69 + 3


async def test_customisations_carried_or_listed(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    adopted: tuple[MockConfigEntry, Legacy, dict[str, str]],
) -> None:
    """Set on ours alone: carried over; the old one's own: kept, ours listed."""
    entry, legacy, duplicates = adopted
    day = entity_registry.async_get(PRODUCTION_DAY)
    assert day is not None
    assert day.name == "Solar today"
    assert day.labels == {"solar"}
    wifi = entity_registry.async_get(TITAN_WIFI)
    assert wifi is not None
    assert wifi.disabled_by is er.RegistryEntryDisabler.USER
    assert wifi.hidden_by is er.RegistryEntryHider.USER
    titan = our_device(hass, entry.entry_id, "device_640101")
    assert (titan.name_by_user, titan.area_id) == ("My Titan", "kitchen")
    renamed = entity_registry.async_get(RENAMED)
    assert renamed is not None
    assert (renamed.name, renamed.icon) == ("Lifetime solar", "mdi:sun")

    issue = ir.async_get(hass).async_get_issue(DOMAIN, adopted_issue_id(entry.entry_id))
    assert issue is not None
    assert issue.is_persistent
    placeholders = issue.translation_placeholders or {}
    assert placeholders["entry"] == entry.title
    assert placeholders["replaced"].count("\n") == len(duplicates) - 1
    assert f"- `{duplicates[RENAMED]}` → `{RENAMED}`" in placeholders["replaced"]
    assert placeholders["carried"] == "\n".join(
        sorted([f"- `{PRODUCTION_DAY}`", f"- `{TITAN_WIFI}`", "- My Titan"])
    )
    assert placeholders["not_carried"] == "\n".join(
        sorted(
            [
                f"- `{duplicates[RENAMED]}`: Production (new) · mdi:flash",
                "- Maison des Tilleuls: Kitchen",
            ]
        )
    )


async def test_second_run_changes_nothing(
    hass: HomeAssistant, adopted: tuple[MockConfigEntry, Legacy, dict[str, str]]
) -> None:
    """A reload finds no old id left: same registries, no new repair."""
    entry, _, _ = adopted
    before = _state(hass, entry.entry_id)
    ir.async_delete_issue(hass, DOMAIN, adopted_issue_id(entry.entry_id))
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert _state(hass, entry.entry_id) == before
    assert not ir.async_get(hass).async_get_issue(
        DOMAIN, adopted_issue_id(entry.entry_id)
    )


async def test_nothing_customised_lists_nothing(
    hass: HomeAssistant, mock_cloud: MockCloud
) -> None:
    """Without customisation on ours, the repair lists the replaced ids alone."""
    entry, _ = await earlier_version(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    issue = ir.async_get(hass).async_get_issue(DOMAIN, adopted_issue_id(entry.entry_id))
    assert issue is not None
    placeholders = issue.translation_placeholders or {}
    assert (placeholders["carried"], placeholders["not_carried"]) == ("-", "-")


def _other_entry_entity(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    # One of our unique ids moved to another entry of ours.
    other = MockConfigEntry(domain=DOMAIN, unique_id="other@example.org")
    other.add_to_hass(hass)
    registry = er.async_get(hass)
    ours = ours_of(hass, RENAMED)
    registry.async_update_entity(ours, config_entry_id=other.entry_id)
    return f"- `{ours}`"


def _foreign_entity_on_our_device(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    titan = our_device(hass, entry.entry_id, "device_640101")
    er.async_get(hass).async_get_or_create(
        "sensor", "template", "titan_template", device_id=titan.id
    )
    return "- `Titan Maître`"


@pytest.mark.parametrize("take", [_other_entry_entity, _foreign_entity_on_our_device])
async def test_any_other_clash_changes_nothing(
    hass: HomeAssistant, mock_cloud: MockCloud, take: Any
) -> None:
    """Ours in another entry, or another integration's entity on our device."""
    entry, _ = await earlier_version(hass)
    clash = take(hass, entry)
    before = _state(hass, entry.entry_id)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert _state(hass, entry.entry_id) == before
    issue = ir.async_get(hass).async_get_issue(DOMAIN, failed_issue_id(entry.entry_id))
    assert issue is not None
    assert clash in (issue.translation_placeholders or {})["clash"]
    assert not ir.async_get(hass).async_get_issue(
        DOMAIN, adopted_issue_id(entry.entry_id)
    )


def clean_up_old_devices(hass: HomeAssistant, entry_id: str) -> None:
    """Remove the old devices as the earlier version's clean-up did, an hour in."""
    devices = dr.async_get(hass)
    for device in dr.async_entries_for_config_entry(devices, entry_id):
        if any(value.startswith("izypower_cloud_") for _, value in device.identifiers):
            devices.async_remove_device(device.id)


async def test_deleted_old_entities_are_restored(
    hass: HomeAssistant, mock_cloud: MockCloud, cloud_clock: FrozenDateTimeFactory
) -> None:
    """Home Assistant kept the old entities as deleted entries: they come back.

    Each one with a duplicate of ours replaces it, with its registry id, entity id and
    name, on our device; the area and names of the old devices are gone with them.
    """
    entry, legacy = await earlier_version(hass)
    duplicate = ours_of(hass, RENAMED)
    our_entity = er.async_get(hass).async_get(duplicate)
    assert our_entity is not None
    cloud_clock.tick(timedelta(hours=1))
    clean_up_old_devices(hass, entry.entry_id)
    registry = er.async_get(hass)
    assert registry.async_get(RENAMED) is None
    # Its `total` spelling, deleted too: one old entity per entity of ours.
    registry.deleted_entities[("sensor", DOMAIN, "81234_cover_rate_total")] = (
        attr.evolve(
            registry.deleted_entities[("sensor", DOMAIN, "81234_cover_rate_all")],
            unique_id="81234_cover_rate_total",
            entity_id="sensor.cover_rate_total_spelling",
            id="spelling",
        )
    )
    # Old entity ids taken since: by another entity, by a state alone.
    registry.async_get_or_create(
        "sensor", "template", "wifi", suggested_object_id=TITAN_WIFI.split(".")[1]
    )
    hass.states.async_set(PRODUCTION_DAY, "1")
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    renamed = registry.async_get(RENAMED)
    assert renamed is not None
    assert (renamed.id, renamed.unique_id) == (
        legacy.entity_ids[RENAMED],
        "station_81234_production_total",
    )
    assert (renamed.name, renamed.device_id) == ("Lifetime solar", our_entity.device_id)
    assert registry.async_get(duplicate) is None
    restored = [
        s["entity_id"]
        for s in STORED
        if (e := registry.async_get(s["entity_id"])) and e.platform == DOMAIN
    ]
    # 136 mapped, less the two whose entity id was taken (they stay deleted).
    assert len(restored) == 134
    assert TITAN_WIFI not in restored
    assert PRODUCTION_DAY not in restored
    state = hass.states.get(RENAMED)
    assert state is not None
    assert float(state.state) == pytest.approx(14021.7)
    issue = ir.async_get(hass).async_get_issue(DOMAIN, adopted_issue_id(entry.entry_id))
    assert issue is not None
    assert (
        f"- `{duplicate}` → `{RENAMED}`"
        in (issue.translation_placeholders or {})["replaced"]
    )
    assert (
        len(dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)) == 10
    )

    # A second run: nothing changes (the other spelling stays deleted).
    before = _state(hass, entry.entry_id)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert _state(hass, entry.entry_id) == before
    for unique_id in (
        "81234_cover_rate_total",
        "izypower_cloud_device_640101_online_state",
    ):
        assert ("sensor", DOMAIN, unique_id) in registry.deleted_entities


async def test_retired_for_its_statistics_stays_retired(
    hass: HomeAssistant, mock_cloud: MockCloud, cloud_clock: FrozenDateTimeFactory
) -> None:
    """An old sensor in another unit is retired; later runs never bring it back."""
    entry, _ = await earlier_version(hass)
    registry = er.async_get(hass)
    registry.async_update_entity(PRODUCTION_DAY, unit_of_measurement="Wh")
    duplicate = ours_of(hass, PRODUCTION_DAY)
    # Retired an hour after ours was created: ours existed when it was deleted.
    cloud_clock.tick(timedelta(hours=1))
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert registry.async_get(PRODUCTION_DAY) is None
    assert registry.async_get(duplicate) is not None
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert registry.async_get(PRODUCTION_DAY) is None
    assert registry.async_get(duplicate) is not None
