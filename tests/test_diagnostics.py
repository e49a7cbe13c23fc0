"""Tests of the diagnostics download: useful, and without personal data."""

import json

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from .cloud_mock import MockCloud, fixture_secrets, setup_integration

pytest_plugins = ["tests.cloud_mock"]


@pytest.mark.usefixtures("cloud_clock")
async def test_diagnostics_are_complete_and_redacted(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
) -> None:
    """The snapshot is there; e-mail, password, token, addresses, network and serials are not."""
    assert await async_setup_component(hass, "diagnostics", {})
    await setup_integration(hass, mock_config_entry)

    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, mock_config_entry
    )
    text = json.dumps(diagnostics, ensure_ascii=False)

    secrets = fixture_secrets()
    assert len(secrets) > 15
    leaked = sorted(secret for secret in secrets if secret in text)
    assert leaked == []
    # A serial would also leak as part of a longer value.
    assert "IZ" not in text.replace("izypower", "")

    assert diagnostics["entry"]["data"] == {
        "username": "**REDACTED**",
        "password": "**REDACTED**",
    }
    assert diagnostics["entry"]["options"] == {"refresh_period": 3}
    assert diagnostics["last_update_success"] is True
    station = diagnostics["data"]["stations"]["81234"]
    assert station["station"]["name"] == "Maison des Tilleuls"
    assert station["station"]["address"] == "**REDACTED**"
    assert station["energy"]["production/day"] == 9.84
    assert station["info"]["last_update"] == "2026-07-14T13:39:00+02:00"
    master = station["devices"]["640101"]
    assert master["device"]["serial"] == "**REDACTED**"
    assert master["device"]["device_type"] == "battery"
    assert master["wifi"] == {
        "rssi": -58.0,
        "ssid": "**REDACTED**",
        "ip_address": "**REDACTED**",
    }
    assert master["battery"]["links"][0]["serial"] == "**REDACTED**"
    assert master["pv_strings"] == {"PV1": 612.4, "PV2": 587.9}
    counters = {
        (counter["owner"], counter["counter"], counter["period"]): counter["value"]
        for counter in diagnostics["energy_guard"]["counters"]
    }
    assert counters[("station_81234", "production", "day")] == 9.84
    assert counters[("station_81234", "consumption_from_pv", "total")] == (
        pytest.approx(5170.3)
    )
    assert counters[("device_640103", "meter_import", "total")] == 2455.0


@pytest.mark.usefixtures("cloud_clock")
async def test_diagnostics_snapshot(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    """The whole download of the fixture account, so any change to it is reviewed."""
    assert await async_setup_component(hass, "diagnostics", {})
    await setup_integration(hass, mock_config_entry)

    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, mock_config_entry
    )
    assert diagnostics == snapshot
