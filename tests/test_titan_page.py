"""The Titan's page in Home Assistant (issue 25): readable names, boxes, kept ids.

Names must stay apart within what a card shows (about 17 characters) in both
languages; settings that need precision are boxes, not sliders; a renamed control keeps
the entity id an existing install has in its registry.
"""

import json
from pathlib import Path

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.izypower_cloud.const import DOMAIN

from .cloud_mock import MockCloud
from .test_controls_modes import setup

pytest_plugins = ["tests.cloud_mock"]

pytestmark = pytest.mark.usefixtures("cloud_clock")

TRANSLATIONS = Path(__file__).parent.parent / "custom_components" / DOMAIN
# What a card shows of a name before it cuts it ("Maximum charge po…").
CARD_CHARACTERS = 17
TITAN_CONTROLS = {
    "number": (
        "min_soc",
        "max_charge_power",
        "max_discharge_power",
        "calibration_interval",
        "manual_charge_power",
        "manual_discharge_power",
    ),
    "select": ("backup_outlet_mode", "control_mode", "manual_mode"),
    "switch": ("backup_outlet", "calibration"),
    "time": ("calibration_time",),
    "button": ("led_on", "led_off"),
}


@pytest.mark.parametrize("language", ["en", "fr"])
def test_names_apart_within_a_card(language: str) -> None:
    """No two controls of a Titan look the same once a card cuts their names."""
    path = TRANSLATIONS / "translations" / f"{language}.json"
    entity = json.loads(path.read_text(encoding="utf-8"))["entity"]
    names = [
        entity[platform][key]["name"]
        for platform, keys in TITAN_CONTROLS.items()
        for key in keys
    ]
    shown = [name[:CARD_CHARACTERS] for name in names]

    assert len(set(shown)) == len(shown), shown


@pytest.mark.parametrize(
    "entity_id",
    [
        "number.titan_maitre_discharge_floor",
        "number.titan_maitre_calibration_interval",
        "number.titan_maitre_max_charge_power",
        "number.titan_maitre_manual_charge_power",
    ],
)
async def test_precise_settings_are_boxes(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    entity_id: str,
) -> None:
    """A 20-step slider cannot be aimed at a level: a box is typed into."""
    await setup(hass, mock_cloud, mock_config_entry)

    state = hass.states.get(entity_id)
    assert state is not None
    assert state.attributes["mode"] == "box"


async def test_renamed_maximum_keeps_existing_entity_id(
    hass: HomeAssistant, mock_cloud: MockCloud, mock_config_entry: MockConfigEntry
) -> None:
    """*Max charge power* (was *Maximum charge power*) keeps an installed entity id."""
    mock_config_entry.add_to_hass(hass)
    registry = er.async_get(hass)
    registry.async_get_or_create(
        "number",
        DOMAIN,
        "device_640101_max_charge_power",
        suggested_object_id="titan_maitre_maximum_charge_power",
        config_entry=mock_config_entry,
    )

    await setup(hass, mock_cloud, mock_config_entry)

    assert hass.states.get("number.titan_maitre_max_charge_power") is None
    state = hass.states.get("number.titan_maitre_maximum_charge_power")
    assert state is not None
    assert state.attributes["friendly_name"] == "Titan Maître Max charge power"
    # A new install (the discharge one was not in the registry) gets the new id.
    assert hass.states.get("number.titan_maitre_max_discharge_power") is not None
