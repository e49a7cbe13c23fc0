"""The integration is what Home Assistant's loader and HACS expect."""

import json
from pathlib import Path

from homeassistant.core import HomeAssistant
from homeassistant.loader import async_get_integration
from PIL import Image

from custom_components.izypower_cloud.const import DOMAIN

ROOT = Path(__file__).parent.parent
INTEGRATION_DIR = ROOT / "custom_components" / DOMAIN


async def test_loader_loads_the_integration(hass: HomeAssistant) -> None:
    """Home Assistant's loader accepts the manifest and imports every platform we ship."""
    integration = await async_get_integration(hass, DOMAIN)

    assert integration.name == "Izypower Cloud"
    assert integration.config_flow is True
    assert integration.integration_type == "hub"
    assert integration.iot_class == "cloud_polling"
    assert integration.version is not None
    assert integration.requirements == []
    # Importing the component and its flow is what setting up an entry needs first.
    await integration.async_get_component()
    await integration.async_get_platform("config_flow")


def test_manifest_keys() -> None:
    """The manifest holds every key a custom integration needs (hassfest and HACS)."""
    manifest = json.loads((INTEGRATION_DIR / "manifest.json").read_text())

    assert manifest["domain"] == DOMAIN
    for key in (
        "name",
        "codeowners",
        "config_flow",
        "documentation",
        "integration_type",
        "iot_class",
        "issue_tracker",
        "loggers",
        "requirements",
        "version",
    ):
        assert key in manifest, key
    assert manifest["codeowners"], "at least one code owner"
    assert manifest["documentation"].startswith("https://")
    assert manifest["issue_tracker"].startswith("https://")
    # hassfest wants sorted keys after domain and name.
    rest = list(manifest)[2:]
    assert list(manifest)[:2] == ["domain", "name"]
    assert rest == sorted(rest)


def test_hacs_json() -> None:
    """hacs.json names the integration and the oldest Home Assistant it supports."""
    hacs = json.loads((ROOT / "hacs.json").read_text())

    assert hacs["name"] == "Izypower Cloud"
    assert hacs["render_readme"] is True
    major, minor, *_ = (int(part) for part in hacs["homeassistant"].split("."))
    assert (major, minor) >= (2026, 10)


def test_brand_images() -> None:
    """The brand images have the sizes Home Assistant's brand guidelines ask for."""
    expected = {"icon.png": (256, 256), "icon@2x.png": (512, 512)}
    for name, size in expected.items():
        with Image.open(INTEGRATION_DIR / "brand" / name) as image:
            assert image.size == size, name
    with Image.open(INTEGRATION_DIR / "brand" / "logo.png") as logo:
        assert logo.height == 128
