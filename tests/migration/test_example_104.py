"""The community integration 1.0.4 as it left the example account, then ours loads."""

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.helpers.translation import async_get_translations
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.izypower_cloud import async_migrate_entry
from custom_components.izypower_cloud.api import DEFAULT_BASE_URL
from custom_components.izypower_cloud.const import (
    CONF_API_URL,
    DOMAIN,
    SECTION_ADVANCED_SETTINGS,
)
from custom_components.izypower_cloud.legacy.entry import duplicate_issue_id
from custom_components.izypower_cloud.legacy.ids import Retired, successor
from custom_components.izypower_cloud.legacy.registry import (
    failed_issue_id,
    retired_issue_id,
)
from tests.cloud_mock import (
    PASSWORD,
    USERNAME,
    Endpoint,
    MockCloud,
    advance_time,
    setup_integration,
)

from .legacy import (
    AREA_STATION,
    DISABLED,
    EXAMPLE_104,
    RENAMED,
    TITAN_WIFI,
    Legacy,
    add_legacy,
    legacy_entry,
    load_json,
)

pytest_plugins = ["tests.cloud_mock"]

pytestmark = pytest.mark.usefixtures("cloud_clock")

STORED = load_json(EXAMPLE_104, "entity")
# The account form, as the user submits it (the official cloud).
ACCOUNT_FORM = {
    CONF_USERNAME: USERNAME,
    CONF_PASSWORD: PASSWORD,
    SECTION_ADVANCED_SETTINGS: {CONF_API_URL: DEFAULT_BASE_URL},
}


def _registries(hass: HomeAssistant, entry_id: str) -> tuple[Any, ...]:
    """Everything the migration may change, comparable."""
    entities = er.async_entries_for_config_entry(er.async_get(hass), entry_id)
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry_id)
    return (
        sorted((e.id, e.entity_id, e.unique_id, e.disabled_by) for e in entities),
        sorted((d.id, sorted(d.identifiers), d.area_id) for d in devices),
    )


@pytest.fixture
async def migrated(
    hass: HomeAssistant, mock_cloud: MockCloud
) -> tuple[MockConfigEntry, Legacy]:
    """Load the 1.0.4 registries, then set up ours on its entry."""
    entry, legacy = add_legacy(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    return entry, legacy


async def test_entry_becomes_ours(
    migrated: tuple[MockConfigEntry, Legacy],
) -> None:
    """Unique id from the account, refresh period as our option, masked title."""
    entry, _ = migrated
    assert entry.unique_id == USERNAME
    assert (entry.version, entry.minor_version) == (1, 3)
    assert entry.title == "c•••e@example.org"
    assert entry.options == {"refresh_period": 5}
    assert entry.data == {CONF_USERNAME: USERNAME.upper(), CONF_PASSWORD: PASSWORD}
    assert entry.runtime_data.coordinator.update_interval.total_seconds() == 300


async def test_every_mapped_entity_keeps_its_entry(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    migrated: tuple[MockConfigEntry, Legacy],
) -> None:
    """Same entity id and registry id, our unique id; the rest removed and listed."""
    entry, legacy = migrated
    mapped = retired = 0
    for stored in STORED:
        entity = entity_registry.async_get(stored["entity_id"])
        outcome = successor(stored["entity_id"].split(".")[0], stored["unique_id"])
        if entity is None:
            retired += 1
            continue
        mapped += 1
        assert entity.id == legacy.entity_ids[stored["entity_id"]]
        assert outcome is not None
        assert not isinstance(outcome, Retired)
        assert entity.unique_id == outcome.unique_id
    assert (mapped, retired) == (136, 75)

    issue = ir.async_get(hass).async_get_issue(DOMAIN, retired_issue_id(entry.entry_id))
    assert issue is not None
    placeholders = issue.translation_placeholders or {}
    listed = "".join(placeholders[reason] for reason in Retired)
    assert listed.count("- `") == retired
    assert {reason: placeholders[reason].count("- `") for reason in Retired} == {
        Retired.BINARY_SENSOR: 12,
        Retired.STATISTICS: 6,
        Retired.NO_EQUIVALENT: 0,
        Retired.ABSENT: 57,
    }
    assert "titan_maitre_state`" in placeholders[Retired.BINARY_SENSOR]
    assert "81234_installed_capacity`" in placeholders[Retired.STATISTICS]
    # The station without a battery loses its battery figures.
    assert "81235_battery_total_charge`" in placeholders[Retired.ABSENT]
    # The station without a meter (it lists none and sends only zeros) loses its grid,
    # consumption and meter-based rate figures: 19 battery and 38 meter ones.
    for figure in (
        "grid_total_import",
        "grid_power",
        "consumption_total",
        "consumption_from_pv_total",
        "cover_rate_day",
        "energy_self_rate_total",
    ):
        assert f"81235_{figure}`" in placeholders[Retired.ABSENT]
    # Its solar figures stay.
    assert "81235_production_total`" not in listed
    assert placeholders[Retired.NO_EQUIVALENT] == "-"
    # Its grid source and battery source of the Energy dashboard now point at removed
    # sensors: the repair tells the user to remove such sources (never done for them).
    key = f"component.{DOMAIN}.issues.{issue.translation_key}.description"
    for language, words in (
        ("en", "remove the Energy dashboard sources that used them"),
        ("fr", "supprimez les sources du tableau de bord Énergie qui les utilisaient"),
    ):
        text = (await async_get_translations(hass, language, "issues", {DOMAIN}))[key]
        assert words in text
        assert "{absent}" in text


async def test_customisations_and_values_carry_over(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
    migrated: tuple[MockConfigEntry, Legacy],
) -> None:
    """Names, icons, areas and disabled state stay; the old entity ids show ours."""
    entry, legacy = migrated
    renamed = entity_registry.async_get(RENAMED)
    assert renamed is not None
    assert (renamed.name, renamed.icon) == ("Lifetime solar", "mdi:sun")
    state = hass.states.get(RENAMED)
    assert state is not None
    assert float(state.state) == pytest.approx(14021.7)
    disabled = entity_registry.async_get(DISABLED)
    assert disabled is not None
    assert disabled.disabled_by is er.RegistryEntryDisabler.USER
    station = device_registry.async_get_device_by_identifier(
        (DOMAIN, "station_81234"), entry.entry_id
    )
    assert station is not None
    assert station.area_id == legacy.area_id
    assert not device_registry.async_get_device_by_identifier(
        AREA_STATION, entry.entry_id
    )
    # Automations on its controls keep working: same entity ids, ours behind them.
    for entity_id, shown in (
        ("switch.izypower_cloud_injection_blocking", "on"),
        ("number.izypower_cloud_injection_limit", "600.0"),
        ("button.izypower_cloud_turn_on_lights_2", "unknown"),
    ):
        state = hass.states.get(entity_id)
        assert state is not None
        assert state.state == shown


async def test_no_device_twice_nor_empty(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
    migrated: tuple[MockConfigEntry, Legacy],
) -> None:
    """The 10 devices are its own, now with our identifiers, each with entities."""
    entry, _ = migrated
    devices = dr.async_entries_for_config_entry(device_registry, entry.entry_id)
    assert len(devices) == 10
    prefixes = {value.split("_")[0] for d in devices for _, value in d.identifiers}
    assert prefixes == {"station", "device", "link"}
    for device in devices:
        assert er.async_entries_for_device(entity_registry, device.id)
    # No entity of ours under an old entity id with a suffix.
    assert not [
        e.entity_id
        for e in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
        if e.entity_id.endswith("_2") and "izypower_cloud" not in e.entity_id
    ]


async def test_runs_twice_changes_nothing(
    hass: HomeAssistant, migrated: tuple[MockConfigEntry, Legacy]
) -> None:
    """A reload finds nothing of the old ids: nothing changes, no new repair."""
    entry, _ = migrated
    before = _registries(hass, entry.entry_id)
    ir.async_delete_issue(hass, DOMAIN, retired_issue_id(entry.entry_id))
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert _registries(hass, entry.entry_id) == before
    assert not ir.async_get(hass).async_get_issue(
        DOMAIN, retired_issue_id(entry.entry_id)
    )


async def test_reauth_and_reconfigure_work(
    hass: HomeAssistant, migrated: tuple[MockConfigEntry, Legacy]
) -> None:
    """The migrated entry has the account's unique id: its flows accept it."""
    entry, _ = migrated
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: PASSWORD}
    )
    await hass.async_block_till_done()
    assert (result["type"], result["reason"]) == (
        FlowResultType.ABORT,
        "reauth_successful",
    )
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], ACCOUNT_FORM
    )
    await hass.async_block_till_done()
    assert (result["type"], result["reason"]) == (
        FlowResultType.ABORT,
        "reconfigure_successful",
    )
    assert entry.state is ConfigEntryState.LOADED
    # A second entry for the same account is refused.
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], ACCOUNT_FORM
    )
    assert (result["type"], result["reason"]) == (
        FlowResultType.ABORT,
        "already_configured",
    )


async def test_account_already_has_our_entry(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The old entry is left as it was, does not load, and a repair says why."""
    await setup_integration(hass, mock_config_entry)
    entry, _ = add_legacy(hass)
    before = _registries(hass, entry.entry_id)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.MIGRATION_ERROR
    assert (entry.unique_id, entry.minor_version, entry.title) == (
        None,
        1,
        "Izypower Cloud",
    )
    assert entry.data["refresh_period"] == 5
    assert _registries(hass, entry.entry_id) == before
    issue = ir.async_get(hass).async_get_issue(
        DOMAIN, duplicate_issue_id(entry.entry_id)
    )
    assert issue is not None
    assert issue.translation_placeholders == {
        "entry": "Izypower Cloud",
        "other": mock_config_entry.title,
    }
    assert "already has the entry" in caplog.text
    assert mock_config_entry.state is ConfigEntryState.LOADED
    # The user deletes the old entry, as the repair says: the repair goes with it.
    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert not ir.async_get(hass).async_get_issue(
        DOMAIN, duplicate_issue_id(entry.entry_id)
    )
    assert mock_config_entry.state is ConfigEntryState.LOADED


def _taken_entity(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    # By another entry (a duplicate of ours in the same entry would be adopted).
    other = MockConfigEntry(domain=DOMAIN, unique_id="other@example.org")
    other.add_to_hass(hass)
    er.async_get(hass).async_get_or_create(
        "sensor",
        DOMAIN,
        "station_81234_production_total",
        config_entry=other,
        suggested_object_id="taken_production",
    )


def _taken_device(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    # Our identifier, but an entity of another integration on it.
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={(DOMAIN, "device_640101")},
        name="Titan (ours)",
    )
    er.async_get(hass).async_get_or_create(
        "sensor", "template", "titan_template", device_id=device.id
    )


def _both_spellings(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    # Its code writes "all" and "total": both would become the same sensor of ours.
    er.async_get(hass).async_get_or_create(
        "sensor",
        DOMAIN,
        "81234_cover_rate_total",
        config_entry=entry,
        suggested_object_id="cover_rate_total_spelling",
        unit_of_measurement="%",
        capabilities={"state_class": "measurement"},
    )


def _taken_link(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id,
        # Another identifier besides ours: not a device of ours alone.
        identifiers={(DOMAIN, "link_IZL24L000701"), ("other", "IZL24L000701")},
        # As DeviceSync describes a Link (devices.py).
        translation_key="link_module",
        translation_placeholders={"serial": "IZL24L000701"},
    )


def _taken_twice(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    _taken_entity(hass, entry)
    _taken_device(hass, entry)


@pytest.mark.parametrize(
    ("take", "clash"),
    [
        (_taken_entity, "- `sensor.taken_production`"),
        (_taken_device, "- `Titan (ours)`"),
        (_both_spellings, "- `sensor.cover_rate_total_spelling`"),
        # The repair names every one at once.
        (_taken_twice, "- `Titan (ours)`\n- `sensor.taken_production`"),
        (_taken_link, "- `Link IZL24L000701`"),
    ],
)
async def test_clash_changes_nothing(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    caplog: pytest.LogCaptureFixture,
    take: Any,
    clash: str,
) -> None:
    """An id already taken: nothing changes, one warning, a repair, no entry load."""
    entry, _ = add_legacy(hass)
    take(hass, entry)
    before = _registries(hass, entry.entry_id)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert _registries(hass, entry.entry_id) == before
    issue = ir.async_get(hass).async_get_issue(DOMAIN, failed_issue_id(entry.entry_id))
    assert issue is not None
    assert (issue.translation_placeholders or {})["clash"] == clash
    warnings = [r for r in caplog.records if "were not taken over" in r.getMessage()]
    assert len(warnings) == 1
    # A serial may name a Link in the repair, never in the logs.
    assert "IZL24L000701" not in caplog.text
    # The entry itself is adopted.
    assert entry.unique_id == USERNAME


async def test_reload_completes_once_the_clash_is_gone(
    hass: HomeAssistant, mock_cloud: MockCloud
) -> None:
    """The user deletes what took the id and reloads: the migration completes."""
    entry, _ = add_legacy(hass)
    _taken_entity(hass, entry)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    registry = er.async_get(hass)
    taken = registry.async_get_entity_id(
        "sensor", DOMAIN, "station_81234_production_total"
    )
    assert taken is not None
    registry.async_remove(taken)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert not ir.async_get(hass).async_get_issue(
        DOMAIN, failed_issue_id(entry.entry_id)
    )
    assert registry.async_get(RENAMED) is not None


async def test_failed_listing_removes_nothing_for_absence(
    hass: HomeAssistant, entity_registry: er.EntityRegistry, mock_cloud: MockCloud
) -> None:
    """A device list that failed is no evidence: its entities keep their entries."""
    mock_cloud.fail(Endpoint.DEVICE_PAGE, 81234, status=404)
    entry, _ = add_legacy(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    wifi = entity_registry.async_get(TITAN_WIFI)
    assert wifi is not None
    assert wifi.unique_id == "device_640101_wifi_rssi"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, retired_issue_id(entry.entry_id))
    assert issue is not None
    assert (issue.translation_placeholders or {})[Retired.ABSENT] == "-"


async def test_other_statistics_are_retired_and_alone_no_repair(
    hass: HomeAssistant, entity_registry: er.EntityRegistry, mock_cloud: MockCloud
) -> None:
    """A sensor recorded in another unit is retired; nothing removed, no repair."""
    entry = legacy_entry()
    entry.add_to_hass(hass)
    registry = er.async_get(hass)
    kept = registry.async_get_or_create(
        "sensor",
        DOMAIN,
        "81234_production_total",
        config_entry=entry,
        unit_of_measurement="kWh",
        capabilities={"state_class": "total_increasing"},
    )
    # A unit the user chose for display: ours shows it too, statistics continue.
    chosen = registry.async_get_or_create(
        "sensor",
        DOMAIN,
        "81234_production_year",
        config_entry=entry,
        unit_of_measurement="MWh",
        capabilities={"state_class": "total_increasing"},
    )
    registry.async_update_entity_options(
        chosen.entity_id, "sensor", {"unit_of_measurement": "MWh"}
    )
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    entity = entity_registry.async_get(kept.entity_id)
    assert entity is not None
    assert entity.unique_id == "station_81234_production_total"
    shown = hass.states.get(chosen.entity_id)
    assert shown is not None
    assert shown.attributes["unit_of_measurement"] == "MWh"
    assert not ir.async_get(hass).async_get_issue(
        DOMAIN, retired_issue_id(entry.entry_id)
    )

    # Another old sensor, recorded in Wh: ours would not continue its statistics.
    other = registry.async_get_or_create(
        "sensor",
        DOMAIN,
        "81234_production_day",
        config_entry=entry,
        unit_of_measurement="Wh",
        capabilities={"state_class": "total_increasing"},
    )
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entity_registry.async_get(other.entity_id) is None
    issue = ir.async_get(hass).async_get_issue(DOMAIN, retired_issue_id(entry.entry_id))
    assert issue is not None
    assert other.entity_id in (issue.translation_placeholders or {})[Retired.STATISTICS]
    # Retired here, it stays deleted: ours is no duplicate of it (created after).
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entity_registry.async_get(other.entity_id) is None


async def test_unreadable_refresh_period_is_dropped(hass: HomeAssistant) -> None:
    """A refresh period that is no number leaves ours at its default."""
    entry = legacy_entry(refresh_period="soon")
    entry.add_to_hass(hass)
    assert await async_migrate_entry(hass, entry)
    assert (entry.unique_id, entry.options, entry.minor_version) == (USERNAME, {}, 3)
    assert "refresh_period" not in entry.data


async def test_stale_device_cleanup_keeps_them(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    cloud_clock: FrozenDateTimeFactory,
    migrated: tuple[MockConfigEntry, Legacy],
) -> None:
    """Hours of refreshes later, the same 10 devices, area kept, none added."""
    entry, legacy = migrated
    before = _registries(hass, entry.entry_id)
    for _ in range(5):
        await advance_time(hass, cloud_clock, timedelta(minutes=31))
    assert _registries(hass, entry.entry_id) == before
    devices = dr.async_entries_for_config_entry(device_registry, entry.entry_id)
    assert len(devices) == 10
    assert [d.area_id for d in devices].count(legacy.area_id) == 1
