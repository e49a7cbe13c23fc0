"""End to end: a Home Assistant that ran the community integration 1.0.4 starts with ours.

Its config directory holds, in `.storage`, the config entry, entity and device
registries and Energy preferences that 1.0.4 left on the example account
(tests/fixtures/migration/example-1.0.4), as after a HACS update replaced the folder.
The entry only gains the simulator's URL. Home Assistant starts once: the entry must load
and every entity with an equivalent keep its entity id, now with our unique id.
"""

import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from custom_components.izypower_cloud.legacy.ids import Retired, successor
from devtools import ha_harness
from devtools.ha_harness import HomeAssistantClient

from .started import FROZEN_TODAY, OWNER, SIMULATOR_LOGIN, assert_no_log_problems

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.timeout(ha_harness.FIRST_START_TIMEOUT + 240),
    pytest.mark.usefixtures("socket_enabled", "stop_processes"),
]

EXAMPLE = (
    Path(__file__).resolve().parent.parent / "fixtures" / "migration" / "example-1.0.4"
)
# The versions of the stores as Home Assistant 2026.10 writes them (later releases
# migrate them on load).
STORES = {
    "core.config_entries": (1, 5),
    "core.entity_registry": (1, 23),
    "core.device_registry": (3, 4),
    "energy": (1, 1),
}


def _example(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((EXAMPLE / f"{name}.json").read_text())
    return document


def write_legacy_storage(config_dir: Path, api_url: str) -> str:
    """Write the stores 1.0.4 left; return the entry id."""
    entities = _example("entity_registry")["entities"]
    entry_id: str = entities[0]["config_entry_id"]
    entry = {
        "created_at": "2026-12-07T02:11:30.000000+00:00",
        "data": {**SIMULATOR_LOGIN, "refresh_period": 5, "api_url": api_url},
        "discovery_keys": {},
        "disabled_by": None,
        "domain": ha_harness.DOMAIN,
        "entry_id": entry_id,
        "minor_version": 1,
        "modified_at": "2026-12-07T02:11:30.000000+00:00",
        "options": {},
        "pref_disable_new_entities": False,
        "pref_disable_polling": False,
        "source": "user",
        "subentries": [],
        "title": "Izypower Cloud",
        "unique_id": None,
        "version": 1,
    }
    data = {
        "core.config_entries": {"entries": [entry]},
        "core.entity_registry": {
            "entities": entities,
            "deleted_entities": [],
            "settings": {"entity_id_parts": None},
        },
        "core.device_registry": {
            "devices": _example("device_registry")["devices"],
            "child_devices": [],
            "deleted_devices": [],
        },
        "energy": _example("energy_prefs")["energy"],
    }
    storage = config_dir / ".storage"
    storage.mkdir(parents=True, exist_ok=True)
    for key, (major, minor) in STORES.items():
        path = storage / key
        path.write_text(
            json.dumps(
                {
                    "version": major,
                    "minor_version": minor,
                    "key": key,
                    "data": data[key],
                }
            ),
            encoding="utf-8",
        )
        path.chmod(0o600)
    return entry_id


async def test_community_entities_keep_their_ids(tmp_path: Path) -> None:
    """After the first start, the old entity ids carry our unique ids and values."""
    simulator_port, ha_port = ha_harness.free_port(), ha_harness.free_port()
    simulator = ha_harness.start_simulator(
        simulator_port, tmp_path / "simulator.log", extra_args=FROZEN_TODAY
    )
    config_dir = ha_harness.write_config(tmp_path / "config", ha_port)
    base_url = f"http://{ha_harness.LOOPBACK}:{ha_port}"
    async with aiohttp.ClientSession() as session:
        api_url = await ha_harness.wait_for_simulator(simulator)
        entry_id = write_legacy_storage(config_dir, api_url)
        hass = ha_harness.start_home_assistant(
            config_dir, tmp_path / "home-assistant.log"
        )
        await ha_harness.wait_for_home_assistant(session, base_url, hass)
        client = HomeAssistantClient(session, base_url)
        await client.create_owner(OWNER)
        await ha_harness.wait_until_running(client, hass)

        async def loaded() -> list[dict[str, Any]] | None:
            entries = await client.config_entries()
            return entries if entries and entries[0]["state"] == "loaded" else None

        entries = await ha_harness.poll_until(
            "the migrated entry to load", loaded, give_up_after=60, watch=[hass]
        )
        assert [entry["entry_id"] for entry in entries] == [entry_id]
        registry = {
            entry["entity_id"]: entry for entry in await client.registry_entries()
        }
        kept = retired = 0
        for stored in _example("entity_registry")["entities"]:
            outcome = successor(stored["entity_id"].split(".")[0], stored["unique_id"])
            found = registry.get(stored["entity_id"])
            if found is None:
                retired += 1
                continue
            kept += 1
            assert not isinstance(outcome, Retired)
            assert outcome is not None
            assert found["unique_id"] == outcome.unique_id
        assert (kept, retired) == (136, 75)
        states = await client.states()
        lifetime = "sensor.izypower_cloud_maison_des_tilleuls_81234_production_total"
        assert float(states[lifetime]["state"]) == pytest.approx(14021.7)
        issues = {issue["issue_id"] for issue in await client.repair_issues()}
        assert f"legacy_entities_retired_{entry_id}" in issues
    assert_no_log_problems(hass)
