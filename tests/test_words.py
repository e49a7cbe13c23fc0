"""Messages in the user's words (issue 25): the form's names, numbers as written.

In French, an action's refusal names the fields as its form does (*Puissance*,
*Jusqu'au niveau de batterie*), writes numbers the French way (4 800, 63,7) and says
"par pas de 50"; a repair names modes and battery states with the entities' words.
"""

from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.translation import async_get_translations
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.izypower_cloud.const import DOMAIN
from custom_components.izypower_cloud.mode_effects import EFFECT_REFRESHES
from custom_components.izypower_cloud.words import format_number

from .cloud_mock import MockCloud, advance_time
from .test_battery_mode import set_mode
from .test_controls import STEP, control_entity, issues
from .test_controls_modes import manual, setup

pytest_plugins = ["tests.cloud_mock"]

pytestmark = pytest.mark.usefixtures("cloud_clock")

NARROW = "\u202f"


@pytest.mark.parametrize(
    ("value", "language", "written"),
    [
        (4800, "en", "4,800"),
        (4800, "fr", f"4{NARROW}800"),
        (63.7, "fr", "63,7"),
        (1234567.5, "en-GB", "1,234,567.5"),
        (0, "fr", "0"),
        (float("inf"), "fr", "inf"),
    ],
)
def test_numbers_as_the_language_writes_them(
    value: float, language: str, written: str
) -> None:
    """Thousands and decimals as each language writes them (English unless French)."""
    assert format_number(value, language) == written


@pytest.fixture
async def french(
    hass: HomeAssistant, mock_cloud: MockCloud, mock_config_entry: MockConfigEntry
) -> MockCloud:
    """Set the fixture account up in a French Home Assistant."""
    hass.config.language = "fr"
    await setup(hass, mock_cloud, mock_config_entry)
    return mock_cloud


async def french_message(hass: HomeAssistant, err: ServiceValidationError) -> str:
    """Return the message as the French frontend shows it."""
    found = await async_get_translations(hass, "fr", "exceptions", {DOMAIN})
    template = found[f"component.{DOMAIN}.exceptions.{err.translation_key}.message"]
    return template.format(**(err.translation_placeholders or {}))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"mode": "charge", "power": 4850},
            (
                f"4{NARROW}850 n'est pas une valeur valide pour Puissance : "
                f"de 0 à 4{NARROW}800, par pas de 50."
            ),
        ),
        (
            {"mode": "standby", "until_soc": 50},
            (
                "Le champ Jusqu'au niveau de batterie ne peut être indiqué qu'avec le mode charge "
                "ou décharge."
            ),
        ),
        (
            {"mode": "discharge", "until_soc": 70},
            (
                "La batterie de Titan Maître est déjà à 63,7 % : Décharge s'arrêterait "
                "aussitôt."
            ),
        ),
        (
            {"mode": "charge", "duration": {"days": 32}},
            "La durée doit aller de 1 seconde à 31 jours.",
        ),
    ],
)
async def test_action_refusals_in_french(
    hass: HomeAssistant, french: MockCloud, data: dict[str, Any], message: str
) -> None:
    """The form's words and French numbers; nothing sent."""
    with pytest.raises(ServiceValidationError) as raised:
        await set_mode(hass, **data)

    assert await french_message(hass, raised.value) == message
    assert french.count() == 0


async def test_control_refusal_in_french(
    hass: HomeAssistant, french: MockCloud
) -> None:
    """A control's range in French: its French name, "par pas de"."""
    with pytest.raises(ServiceValidationError) as raised:
        await control_entity(
            hass, "number.titan_maitre_seuil_de_decharge"
        ).async_set_native_value(12)

    assert await french_message(hass, raised.value) == (
        "12 n'est pas une valeur valide pour Seuil de décharge : de 5 à 100, "
        "par pas de 5."
    )


async def test_repair_words_in_french(
    hass: HomeAssistant, french: MockCloud, cloud_clock: FrozenDateTimeFactory
) -> None:
    """The ignored-mode repair names the battery states as its sensor does."""
    await set_mode(hass, mode="discharge")
    manual(french, 2, 0)
    for _ in range(EFFECT_REFRESHES + 1):
        await advance_time(hass, cloud_clock, STEP)

    (issue,) = issues(hass)
    assert issue.translation_placeholders == {
        "name": "Titan Maître",
        "expected": "En décharge",
        "state": "En charge",
    }
