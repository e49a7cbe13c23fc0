"""The shipped blueprints: valid for Home Assistant's blueprint loader, bilingual."""

from pathlib import Path

from homeassistant.components.automation.config import AUTOMATION_BLUEPRINT_SCHEMA
from homeassistant.components.blueprint.models import Blueprint
from homeassistant.util.yaml import load_yaml_dict
import pytest

BLUEPRINTS = (
    Path(__file__).parent.parent / "blueprints" / "automation" / "izypower_cloud"
)
NAMES = ("offpeak_charge", "keep_reserve", "negative_price_export")


def test_every_blueprint_is_listed() -> None:
    """No blueprint ships without its tests."""
    assert sorted(path.stem for path in BLUEPRINTS.glob("*.yaml")) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_blueprint_loads(name: str) -> None:
    """Home Assistant's loader accepts it as an automation blueprint."""
    path = BLUEPRINTS / f"{name}.yaml"
    blueprint = Blueprint(
        load_yaml_dict(path),
        path=str(path),
        expected_domain="automation",
        schema=AUTOMATION_BLUEPRINT_SCHEMA,
    )
    assert blueprint.domain == "automation"
    assert blueprint.name.startswith("Izypower: ")
    description = blueprint.metadata["description"]
    assert "**English.**" in description
    assert "**Français.**" in description
    for key, spec in blueprint.inputs.items():
        # Every input is named in both languages, or is a proper noun ("Titan").
        assert "/" in spec["name"] or spec["name"] == "Titan", key
