"""Tests of the write path's error mapping (entity actions and services)."""

import json
from pathlib import Path
from typing import Any

from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.izypower_cloud import sensor
from custom_components.izypower_cloud.api import (
    IzypowerAuthenticationError,
    IzypowerConnectionError,
    IzypowerResponseError,
)
from custom_components.izypower_cloud.const import DOMAIN
from custom_components.izypower_cloud.coordinator import IzypowerCoordinator
from custom_components.izypower_cloud.entity import IzypowerEntity
from custom_components.izypower_cloud.helpers import (
    IzypowerValidationError,
    cloud_errors,
    izypower_exception_handler,
)
from custom_components.izypower_cloud.targets import StationTarget

from .cloud_mock import MockCloud, setup_integration

pytest_plugins = ["tests.cloud_mock"]

pytestmark = pytest.mark.usefixtures("cloud_clock", "mock_cloud")

STRINGS = json.loads(
    (
        Path(__file__).parent.parent / "custom_components" / DOMAIN / "strings.json"
    ).read_text(encoding="utf-8")
)


class _Writer(IzypowerEntity[None]):
    """The smallest entity with an action: it fails with `error`, or echoes."""

    def __init__(
        self, coordinator: IzypowerCoordinator, error: Exception | None
    ) -> None:
        super().__init__(coordinator, StationTarget(81234), sensor.STATION_SENSORS[0])
        self.error = error
        self.hass = coordinator.hass

    @izypower_exception_handler
    async def async_write(self, value: int, *, twice: bool = False) -> int:
        if self.error is not None:
            raise self.error
        return 2 * value if twice else value


def _message(key: str, **placeholders: str) -> str:
    """Return the English text Home Assistant shows (it drops the final period)."""
    text = str(STRINGS["exceptions"][key]["message"]).format(**placeholders)
    return text.rstrip(".")


async def _writer(
    hass: HomeAssistant, entry: MockConfigEntry, error: Exception | None
) -> _Writer:
    await setup_integration(hass, entry)
    return _Writer(entry.runtime_data.coordinator, error)


def _reauth_flows(hass: HomeAssistant, entry: MockConfigEntry) -> list[Any]:
    return list(entry.async_get_active_flows(hass, {SOURCE_REAUTH}))


async def test_action_result_passes_through(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """Without an error the action runs with its arguments and returns its result."""
    writer = await _writer(hass, mock_config_entry, None)
    assert await writer.async_write(21, twice=True) == 42
    assert writer.async_write.__name__ == "async_write"


@pytest.mark.parametrize(
    ("error", "translation_key"),
    [
        (IzypowerConnectionError("timeout"), "action_connection_failed"),
        (IzypowerResponseError("HTTP 400", status=400), "action_rejected"),
    ],
)
async def test_cloud_failures_are_translated(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    error: Exception,
    translation_key: str,
) -> None:
    """An unreachable or refusing cloud gives a translated error, no reauth."""
    writer = await _writer(hass, mock_config_entry, error)

    with pytest.raises(HomeAssistantError) as raised:
        await writer.async_write(1)

    assert not isinstance(raised.value, ServiceValidationError)
    assert raised.value.translation_domain == DOMAIN
    assert raised.value.translation_key == translation_key
    assert raised.value.__cause__ is error
    assert str(raised.value) == _message(translation_key)
    assert _reauth_flows(hass, mock_config_entry) == []


async def test_refused_login_starts_reauth(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """Refused credentials ask the user to sign in again, and say so."""
    writer = await _writer(hass, mock_config_entry, IzypowerAuthenticationError())

    with pytest.raises(HomeAssistantError) as raised:
        await writer.async_write(1)
    await hass.async_block_till_done()

    assert raised.value.translation_key == "action_auth_failed"
    assert str(raised.value) == _message("action_auth_failed")
    assert len(_reauth_flows(hass, mock_config_entry)) == 1


async def test_validation_error_is_the_users(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """A value our checks refuse becomes a translated ServiceValidationError."""
    refusal = IzypowerValidationError("Charge limit", 120, "10-100")
    writer = await _writer(hass, mock_config_entry, refusal)

    with pytest.raises(ServiceValidationError) as raised:
        await writer.async_write(120)

    assert raised.value.translation_key == "invalid_value"
    placeholders = {"setting": "Charge limit", "value": "120", "allowed": "10-100"}
    assert raised.value.translation_placeholders == placeholders
    assert str(raised.value) == _message("invalid_value", **placeholders)
    assert _reauth_flows(hass, mock_config_entry) == []


async def test_services_use_the_same_mapping(
    hass: HomeAssistant, mock_cloud: MockCloud, mock_config_entry: MockConfigEntry
) -> None:
    """A service handler's block maps errors; other exceptions pass untouched."""
    await setup_integration(hass, mock_config_entry)

    with (
        pytest.raises(HomeAssistantError) as raised,
        cloud_errors(hass, mock_config_entry),
    ):
        raise IzypowerConnectionError("timeout")
    assert raised.value.translation_key == "action_connection_failed"

    with pytest.raises(KeyError), cloud_errors(hass, mock_config_entry):
        raise KeyError("not ours")


def test_every_mapped_key_is_translated() -> None:
    """The keys the mapping raises exist, with the placeholders it fills."""
    exceptions = STRINGS["exceptions"]
    for key in ("action_auth_failed", "action_connection_failed", "action_rejected"):
        assert "{" not in exceptions[key]["message"], key
    refusal = IzypowerValidationError("setting", "value", "allowed")
    assert _message("invalid_value", **refusal.placeholders)
    assert str(refusal) == "Invalid value for setting"
