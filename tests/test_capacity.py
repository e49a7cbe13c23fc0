"""Battery capacity (an estimate) and stored energy, per Titan and per station."""

import copy

from homeassistant.const import STATE_UNKNOWN, Platform
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.izypower_cloud.api import BatteryPage
from custom_components.izypower_cloud.capacity import (
    MIN_LEVEL_FOR_ESTIMATE,
    pile_capacity,
    pile_energy,
    station_capacity,
    station_energy,
)
from custom_components.izypower_cloud.data import StationData

from .cloud_mock import (
    TILLEULS,
    TITAN_MASTER_SN,
    TITAN_SLAVE_SN,
    VERGER,
    Endpoint,
    MockCloud,
    assert_states,
    load_fixture,
    only_platforms,
    setup_integration,
)

pytest_plugins = ["tests.cloud_mock"]
pytestmark = pytest.mark.usefixtures("cloud_clock")

load_sensors_only = only_platforms(Platform.SENSOR)

MASTER = "sensor.titan_maitre"
SLAVE = "sensor.titan_esclave"


def _page(sn: str) -> BatteryPage:
    return BatteryPage.from_json(load_fixture(f"battery_links_{sn}.json")["data"])


def test_fixture_figures() -> None:
    """Master: 1.32/66 %, Links 1.24/62 % and 1.26/63 %: 3 × 2.0 kWh, 3.82 stored."""
    master, slave = _page(TITAN_MASTER_SN), _page(TITAN_SLAVE_SN)
    assert pile_capacity(master) == 6.0
    assert pile_energy(master) == 3.82
    assert pile_capacity(slave) == 4.0
    assert pile_energy(slave) == 2.58


@pytest.mark.parametrize(
    ("soc", "kwh", "expected"),
    [
        # At the limit the estimate is still made.
        (MIN_LEVEL_FOR_ESTIMATE, 0.4, 2.0),
        (100, 2.0, 2.0),
        # Too low a level: the rounding would dominate.
        (MIN_LEVEL_FOR_ESTIMATE - 1, 0.38, None),
        (0, 0.0, None),
        # Nonsense or missing figures: unknown, never an exception or 0.
        (120, 2.0, None),
        (50, 0, None),
        (50, -1.0, None),
        (None, 1.0, None),
        (50, None, None),
    ],
)
def test_one_module(
    soc: float | None, kwh: float | None, expected: float | None
) -> None:
    """A unit without Link modules: its own energy ÷ level, within the limits."""
    page = BatteryPage.from_json({"soc": soc, "socKwh": kwh})
    assert pile_capacity(page) == expected


def test_a_link_below_the_limit_makes_the_pile_unknown() -> None:
    """A sum missing one module would be short: unknown instead."""
    data = copy.deepcopy(load_fixture(f"battery_links_{TITAN_MASTER_SN}.json")["data"])
    data["items"][1]["soc"] = 5
    data["items"][1]["kwh"] = 0.1
    page = BatteryPage.from_json(data)
    assert pile_capacity(page) is None
    assert pile_energy(page) == 2.66


def test_station_without_titan() -> None:
    """No Titan, no figure (the entities do not even exist then)."""
    station = StationData(station=None)  # type: ignore[arg-type]
    assert station_capacity(station) is None
    assert station_energy(station) is None


async def test_example_account(
    hass: HomeAssistant, mock_cloud: MockCloud, mock_config_entry: MockConfigEntry
) -> None:
    """The figures of the example account, per Titan and per station."""
    await setup_integration(hass, mock_config_entry)
    assert_states(
        hass,
        {
            f"{MASTER}_estimated_usable_capacity": "6.0",
            f"{SLAVE}_estimated_usable_capacity": "4.0",
            f"{TILLEULS}_estimated_usable_capacity": "10.0",
            f"{TILLEULS}_battery_stored_energy": "6.4",
        },
    )
    # A station without a battery has neither.
    assert hass.states.get(f"{VERGER}_estimated_usable_capacity") is None
    assert hass.states.get(f"{VERGER}_battery_stored_energy") is None


async def test_a_missing_page_makes_the_station_unknown(
    hass: HomeAssistant, mock_cloud: MockCloud, mock_config_entry: MockConfigEntry
) -> None:
    """The slave's page failed: its figures are unavailable, the sums unknown."""
    mock_cloud.fail(Endpoint.BATTERY, TITAN_SLAVE_SN)
    await setup_integration(hass, mock_config_entry)
    assert_states(
        hass,
        {
            f"{MASTER}_estimated_usable_capacity": "6.0",
            f"{SLAVE}_estimated_usable_capacity": "unavailable",
            f"{TILLEULS}_estimated_usable_capacity": STATE_UNKNOWN,
            f"{TILLEULS}_battery_stored_energy": STATE_UNKNOWN,
        },
    )
