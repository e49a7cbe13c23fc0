"""The optimiser contract: what README.md and docs/automation.md name exists.

Every entity id of the example account and every `izypower_cloud` action that the
documented blocks name (README's fenced blocks, all of docs/automation.md: its tables
and its Predbat, EMHASS and automation blocks) must exist once the example account is
set up with every entity enabled.
"""

from pathlib import Path
import re

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.izypower_cloud.const import DOMAIN

from .cloud_mock import MockCloud, setup_integration

pytest_plugins = ["tests.cloud_mock"]
pytestmark = pytest.mark.usefixtures(
    "cloud_clock", "entity_registry_enabled_by_default"
)

ROOT = Path(__file__).parent.parent
# The example account's devices, as their entity ids start (other ids in the docs are
# other integrations' or placeholders such as `sensor.<station>_…`).
OURS = (
    "maison_des_tilleuls",
    "atelier_du_verger",
    "titan_maitre",
    "titan_esclave",
    "compteur_linky",
    "micro_onduleur",
    "link_izl",
)
ENTITY_ID = re.compile(
    r"\b(?:sensor|binary_sensor|number|switch|select|button|time)"
    rf"\.(?:{'|'.join(OURS)})[a-z0-9_]*"
)
ACTION = re.compile(rf"\b{DOMAIN}\.([a-z_]+)\b")
FENCE = re.compile(r"^```[a-z]*\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _documented() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    automation = (ROOT / "docs" / "automation.md").read_text(encoding="utf-8")
    return "\n".join([*FENCE.findall(readme), automation])


def test_the_blocks_are_there() -> None:
    """The contract names the Predbat and EMHASS settings it fills."""
    automation = (ROOT / "docs" / "automation.md").read_text(encoding="utf-8")
    blocks = FENCE.findall(automation)
    predbat = next(block for block in blocks if block.startswith("pred_bat:"))
    for setting in ("soc_kw:", "soc_max:", "grid_power_invert:", "reserve:"):
        assert setting in predbat
    assert "sensor.p_batt_forecast" in automation


async def test_every_named_entity_and_action_exists(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
) -> None:
    """Set up the example account: each documented id and action is there."""
    await setup_integration(hass, mock_config_entry)
    text = _documented()
    entity_ids = set(ENTITY_ID.findall(text))
    actions = set(ACTION.findall(text))
    # The documents do name them (a broken pattern would check nothing).
    assert len(entity_ids) >= 15, entity_ids
    assert "set_battery_mode" in actions

    missing = {
        entity_id
        for entity_id in entity_ids
        if entity_registry.async_get(entity_id) is None
    }
    assert not missing
    assert {
        action for action in actions if not hass.services.has_service(DOMAIN, action)
    } == set()
