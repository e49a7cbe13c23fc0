"""A generated account with an EV charger and a clustered pair of Titans.

The integration talks real HTTP over loopback to the simulator (in this process),
which serves the fields of newer cloud versions: Titan and Link temperatures, the
battery page's state code, the station's EV power and the reports' EV figures. The
snapshots of such a station are in tests/platforms/ (tests/fixtures/ev_station).
"""

from collections.abc import AsyncIterator
from datetime import UTC, datetime
import json
from typing import Any, cast

from aiohttp.test_utils import TestServer
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.izypower_cloud.const import CONF_API_URL, DOMAIN
from izypower_simulator import (
    Account,
    Layout,
    SimClock,
    SimulatorConfig,
    create_app,
    generate_account,
)
from izypower_simulator.generator import DEFAULT_USERNAME
from izypower_simulator.simulator import DEFAULT_PASSWORD

from .cloud_mock import entity_state, only_platforms, setup_integration

# A summer noon: the car charges from a busy house.
NOON = datetime(2026, 7, 14, 10, 0, tzinfo=UTC)
STATION = "sensor.centrale_00001"

load_sensors_only = only_platforms(Platform.SENSOR)


@pytest.fixture
def account() -> Account:
    """One station: meter, master/slave Titans (a Link each), EV charger."""
    return generate_account(
        1, 3, start=NOON, seed=14, layout=Layout.BATTERY, ev_charger=True
    )


@pytest.fixture
async def entry(
    hass: HomeAssistant,
    account: Account,
    socket_enabled: None,
    freezer: FrozenDateTimeFactory,
) -> AsyncIterator[MockConfigEntry]:
    """Serve `account` on loopback and set up an entry that reads it."""
    # Home Assistant's clock at the simulator's: its readings are fresh (freshness.py).
    freezer.move_to(account.time)
    app = create_app(account, SimClock(account.time, time_scale=0.0), SimulatorConfig())
    server = TestServer(app)
    await server.start_server()
    config_entry = MockConfigEntry(
        domain=DOMAIN,
        title=DEFAULT_USERNAME,
        unique_id=DEFAULT_USERNAME,
        data={
            CONF_USERNAME: DEFAULT_USERNAME,
            CONF_PASSWORD: DEFAULT_PASSWORD,
            CONF_API_URL: str(server.make_url("/photo_voltaic")),
        },
    )
    await setup_integration(hass, config_entry)
    yield config_entry
    await hass.config_entries.async_unload(config_entry.entry_id)
    await server.close()


async def test_ev_figures_follow_the_cloud(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
    account: Account,
    entry: MockConfigEntry,
) -> None:
    """EV power and energy are the simulator's; the Titans' state is their code."""
    station = account.stations[0]
    assert station.ev_share is not None
    consumption_w = float(station.consumption)
    assert consumption_w > 0
    ev_power = hass.states.get(f"{STATION}_ev_charging_power")
    assert ev_power is not None
    # The charger's generated settings: manual mode at 16 A.
    assert float(ev_power.state) == 3680
    ev_today = hass.states.get(f"{STATION}_ev_charging_today")
    assert ev_today is not None
    assert float(ev_today.state) == round(
        float(station.counters["consumption", "day"]) * station.ev_share, 2
    )
    assert ev_today.attributes["state_class"] == "total_increasing"
    # Month and year shares are one click away, like the other rates.
    for key, enabled in (("today", True), ("this_month", False)):
        entity = entity_registry.async_get(f"{STATION}_ev_share_{key}")
        assert entity is not None
        assert (entity.disabled_by is None) is enabled

    titans = [d for d in station.devices if d.battery is not None]
    assert len(titans) == 2
    for titan in titans:
        assert titan.battery is not None
        (device,) = device_registry.async_get_devices(
            identifiers={(DOMAIN, f"device_{titan.device_id}")}
        )
        entities = {
            e.translation_key: e.entity_id
            for e in er.async_entries_for_device(entity_registry, device.id)
        }
        temperature = hass.states.get(entities["battery_temperature"])
        assert temperature is not None
        assert float(temperature.state) == titan.battery.temperature
        state = hass.states.get(entities["battery_state"])
        assert state is not None
        power = float(titan.battery.power)
        expected = (
            "discharging" if power > 0 else "charging" if power < 0 else "standby"
        )
        assert state.state == expected
        (link,) = titan.battery.links
        (link_device,) = device_registry.async_get_devices(
            identifiers={(DOMAIN, f"link_{link.serial}")}
        )
        (link_temperature,) = [
            e.entity_id
            for e in er.async_entries_for_device(entity_registry, link_device.id)
            if e.translation_key == "temperature"
        ]
        assert float(entity_state(hass, link_temperature)) == link.temperature
    (charger,) = device_registry.async_get_devices(
        identifiers={(DOMAIN, f"device_{station.devices[-1].device_id}")}
    )
    assert charger.model == "EV charger"


async def test_export_has_the_charger_page(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    account: Account,
    entry: MockConfigEntry,
) -> None:
    """The export reads the EV charger's page too, with its serial replaced."""
    station = account.stations[0]
    (station_device,) = device_registry.async_get_devices(
        identifiers={(DOMAIN, f"station_{station.station_id}")}
    )
    response = await hass.services.async_call(
        DOMAIN,
        "export_data",
        {"device_id": station_device.id},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    reads = cast("dict[str, Any]", response["reads"])
    (charger_read,) = [name for name in reads if name.endswith("_ev_charger")]
    answer = reads[charger_read]["answer"]["data"]
    assert answer["power"] > 0
    assert answer["ac_power"] > answer["power"]
    # Its settings too (what owners can send us to confirm the EV controls).
    prefix = charger_read.removesuffix("_ev_charger")
    assert reads[f"{prefix}_ev_settings"]["answer"]["data"]["power"] == 3680
    assert reads[f"{prefix}_ev_derate"]["answer"]["data"] == {"value": 0}
    assert reads[f"{prefix}_ev_options"]["answer"]["data"] == {
        "enableGrid": True,
        "enableBattery": False,
    }
    assert reads["ev_priority"]["answer"]["data"] == {"value": False}
    text = json.dumps(response)
    assert all(device.serial not in text for device in station.devices)
