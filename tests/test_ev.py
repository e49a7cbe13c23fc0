"""EV figures: only on a station that shows an EV charger, and guarded like counters.

The example account has no charger: its stations get no EV entity until their info
or a report shows an EV figure other than 0 (zeros are no evidence); once seen, the
entities stay.
"""

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from .cloud_mock import (
    VERGER,
    Endpoint,
    MockCloud,
    advance_time,
    entity_state,
    setup_integration,
    station_keys,
)

pytest_plugins = ["tests.cloud_mock"]
pytestmark = pytest.mark.usefixtures("cloud_clock")

EV_KEYS = {
    "ev_power",
    *(
        f"{kind}_{period}"
        for kind in ("ev_energy", "ev_rate")
        for period in ("day", "month", "year", "total")
    ),
}


def _ev_keys(entity_registry: er.EntityRegistry, station_id: int) -> set[str]:
    return station_keys(entity_registry, station_id) & EV_KEYS


async def _refresh(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Refresh twice: the day report is read again once the cloud renewed it (5 min)."""
    for _ in range(2):
        await advance_time(hass, freezer, timedelta(minutes=3))


async def test_zeros_are_no_charger(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
) -> None:
    """A cloud that sends the EV fields as 0 shows no EV entity."""
    mock_cloud.payload(Endpoint.STATION_INFO, 81235)["ev_power"] = 0
    mock_cloud.payload(Endpoint.REPORT, (81235, "day")).update(ev=0, ev_rate="0.00%")
    await setup_integration(hass, mock_config_entry)
    assert not _ev_keys(entity_registry, 81235)
    assert not _ev_keys(entity_registry, 81234)


async def test_ev_power_shows_a_charger_for_good(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """EV power appears with its station's EV entities, which then stay."""
    await setup_integration(hass, mock_config_entry)
    info = mock_cloud.payload(Endpoint.STATION_INFO, 81235)
    info["ev_power"] = 3680
    await _refresh(hass, cloud_clock)
    assert _ev_keys(entity_registry, 81235) == EV_KEYS
    assert entity_state(hass, f"{VERGER}_ev_charging_power") == "3680.0"
    # The reports send no EV figure: unknown, not 0.
    assert entity_state(hass, f"{VERGER}_ev_charging_today") == "unknown"

    info["ev_power"] = 0
    await _refresh(hass, cloud_clock)
    assert _ev_keys(entity_registry, 81235) == EV_KEYS
    assert entity_state(hass, f"{VERGER}_ev_charging_power") == "0.0"
    assert not _ev_keys(entity_registry, 81234)


async def test_ev_energy_passes_the_guard(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """A report's EV figure shows a charger; a dip mid-day keeps the last value."""
    report = mock_cloud.payload(Endpoint.REPORT, (81235, "day"))
    report.update(ev=2.5, ev_rate="18.50%")
    await setup_integration(hass, mock_config_entry)
    assert entity_state(hass, f"{VERGER}_ev_charging_today") == "2.5"
    assert entity_state(hass, f"{VERGER}_ev_share_today") == "18.5"

    report["ev"] = 3.25
    await _refresh(hass, cloud_clock)
    assert entity_state(hass, f"{VERGER}_ev_charging_today") == "3.25"
    report["ev"] = 0
    await _refresh(hass, cloud_clock)
    assert entity_state(hass, f"{VERGER}_ev_charging_today") == "3.25"
    del report["ev"]
    await _refresh(hass, cloud_clock)
    assert entity_state(hass, f"{VERGER}_ev_charging_today") == "3.25"
