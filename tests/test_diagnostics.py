"""Tests of the diagnostics download: useful, and without personal data."""

from datetime import timedelta
import json
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from .cloud_mock import (
    TITAN_MASTER_SN,
    MockCloud,
    advance_time,
    fixture_secrets,
    setup_integration,
)
from .test_battery_mode import set_mode

pytest_plugins = ["tests.cloud_mock"]


def assert_no_personal_data(diagnostics: dict[str, Any]) -> None:
    """No e-mail, password, token, address, SSID, IP or serial, even inside a value."""
    text = json.dumps(diagnostics, ensure_ascii=False)
    secrets = fixture_secrets()
    assert len(secrets) > 15
    leaked = sorted(secret for secret in secrets if secret in text)
    assert leaked == []
    # A serial would also leak as part of a longer value.
    assert "IZ" not in text.replace("izypower", "")


@pytest.fixture
async def loaded(
    hass: HomeAssistant,
    cloud_clock: FrozenDateTimeFactory,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
) -> MockConfigEntry:
    """Set up the diagnostics and the fixture account, at the frozen time.

    Ask for it before `hass_client`: the client's access token is then issued at the
    frozen time too, and stays valid when a test moves the clock on.
    """
    assert await async_setup_component(hass, "diagnostics", {})
    await setup_integration(hass, mock_config_entry)
    return mock_config_entry


async def test_diagnostics_are_complete_and_redacted(
    hass: HomeAssistant,
    loaded: MockConfigEntry,
    hass_client: ClientSessionGenerator,
    mock_config_entry: MockConfigEntry,
) -> None:
    """The snapshot is there; e-mail, password, token, addresses, network and serials are not."""

    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, mock_config_entry
    )
    assert_no_personal_data(diagnostics)

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


async def test_diagnostics_snapshot(
    hass: HomeAssistant,
    loaded: MockConfigEntry,
    hass_client: ClientSessionGenerator,
    mock_config_entry: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    """The whole download of the fixture account, so any change to it is reviewed."""

    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, mock_config_entry
    )
    assert diagnostics == snapshot


async def test_diagnostics_show_holds_and_pending_writes(
    hass: HomeAssistant,
    loaded: MockConfigEntry,
    hass_client: ClientSessionGenerator,
    mock_config_entry: MockConfigEntry,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """A timed battery mode and its unconfirmed writes are in the download, redacted."""
    await set_mode(hass, mode="charge", power=1200, duration={"hours": 2}, until_soc=90)
    # The cloud never shows the writes: they stay pending, 2 minutes old.
    await advance_time(hass, cloud_clock, timedelta(minutes=2))

    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, mock_config_entry
    )

    assert_no_personal_data(diagnostics)
    assert TITAN_MASTER_SN not in json.dumps(diagnostics)
    assert diagnostics["battery_mode_holds"] == [
        {
            "device": "device_640101",
            "mode": "charge",
            "until": "2026-07-14T13:42:00+00:00",
            "until_soc": 90.0,
            "restore": "intelligent",
            "restore_power": 0.0,
        }
    ]
    # The action's one write (settings of the master), not yet shown by the cloud.
    assert diagnostics["pending_writes"] == [
        {
            "control": "device_640101_battery_mode",
            "device": "device_640101",
            "feed": "settings",
            "fields": {"control_mode": 1, "manual_mode": 1, "manual_power": 1200.0},
            "age_seconds": 120,
            "deadline": "2026-07-14T11:52:00+00:00",
        }
    ]
