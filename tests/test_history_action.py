"""The actions without a recorder: nothing to write to, said in the user's language."""

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.izypower_cloud.const import DOMAIN
from custom_components.izypower_cloud.words import format_number

from .cloud_mock import MockCloud, setup_integration

pytest_plugins = ["tests.cloud_mock"]


async def test_import_history_needs_the_recorder(
    hass: HomeAssistant, mock_cloud: MockCloud, mock_config_entry: MockConfigEntry
) -> None:
    """Without the recorder the action refuses, and refreshes write nothing."""
    await setup_integration(hass, mock_config_entry)
    assert hass.services.has_service(DOMAIN, "import_history")
    with pytest.raises(ServiceValidationError) as caught:
        await hass.services.async_call(
            DOMAIN,
            "import_history",
            {"config_entry_id": mock_config_entry.entry_id, "start": "2026-07-01"},
            blocking=True,
        )
    assert caught.value.translation_key == "recorder_not_running"


def test_counts_are_written_as_the_language_writes_them() -> None:
    """7 320 in French (narrow no-break space), 7,320 in English (issue 25)."""
    assert format_number(7320, "fr") == "7\u202f320"
    assert format_number(7320, "en") == "7,320"
    assert format_number(12, "fr") == "12"
