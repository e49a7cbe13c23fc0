"""Tests of the device registration: once per snapshot, parents first, only on change."""

from collections.abc import Iterator
import copy
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.izypower_cloud.const import SLOW_REFRESH_INTERVAL
from custom_components.izypower_cloud.identifiers import (
    device_identifier,
    link_identifier,
    station_identifier,
)

from .cloud_mock import Endpoint, MockCloud, advance_time, setup_integration

pytest_plugins = ["tests.cloud_mock"]

pytestmark = pytest.mark.usefixtures("cloud_clock")

# Stations, equipment and Link modules of the fixture account.
ACCOUNT_DEVICES = 2 + 5 + 3


@pytest.fixture
def registry_writes() -> Iterator[list[set[tuple[str, str]]]]:
    """Record the identifiers of every `async_get_or_create` call, in call order."""
    calls: list[set[tuple[str, str]]] = []
    original = dr.DeviceRegistry.async_get_or_create

    def spy(self: dr.DeviceRegistry, **kwargs: Any) -> dr.DeviceEntry:
        calls.append(kwargs["identifiers"])
        return original(self, **kwargs)

    with patch.object(dr.DeviceRegistry, "async_get_or_create", spy):
        yield calls


async def _refresh(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()


async def test_setup_registers_every_device_once_parents_first(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    registry_writes: list[set[tuple[str, str]]],
) -> None:
    """Setup writes each device once, for both platforms, before its children."""
    await setup_integration(hass, mock_config_entry)

    # Entities point at their device by identifier only: HA's own calls when it adds
    # them carry nothing else, so they never rewrite a device.
    described = registry_writes[:ACCOUNT_DEVICES]
    assert [len(identifiers) for identifiers in described] == [1] * ACCOUNT_DEVICES
    order = [next(iter(identifiers)) for identifiers in described]
    assert len(set(order)) == ACCOUNT_DEVICES
    assert order.index(station_identifier(81234)) < order.index(
        device_identifier(640101)
    )
    assert order.index(device_identifier(640101)) < order.index(
        link_identifier("IZL24L000701")
    )


async def test_steady_refresh_leaves_the_registry_alone(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    registry_writes: list[set[tuple[str, str]]],
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """Refreshes that change no device make no registry call (17 before devices.py)."""
    await setup_integration(hass, mock_config_entry)
    registry_writes.clear()

    await _refresh(hass, mock_config_entry)
    await advance_time(hass, cloud_clock, SLOW_REFRESH_INTERVAL)
    assert registry_writes == []

    # A firmware upgrade rewrites that device only.
    mock_cloud.device_record(81234, 640101)["softwareVersion"] = "V1.4.00"
    await _refresh(hass, mock_config_entry)
    assert registry_writes == [{device_identifier(640101)}]


async def test_failed_refresh_writes_nothing(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    registry_writes: list[set[tuple[str, str]]],
) -> None:
    """A failed refresh keeps the last snapshot, already registered."""
    await setup_integration(hass, mock_config_entry)
    registry_writes.clear()

    mock_cloud.fail(Endpoint.STATION_INFO, status=404)
    await _refresh(hass, mock_config_entry)
    assert not mock_config_entry.runtime_data.coordinator.last_update_success
    assert registry_writes == []


async def test_device_removed_behind_our_back_comes_back(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """A device still in the snapshot but gone from the registry is created again."""
    await setup_integration(hass, mock_config_entry)
    entry_id = mock_config_entry.entry_id
    link = device_registry.async_get_device_by_identifier(
        link_identifier("IZL24L000701"), entry_id
    )
    assert link is not None
    device_registry.async_remove_device(link.id)

    await _refresh(hass, mock_config_entry)
    again = device_registry.async_get_device_by_identifier(
        link_identifier("IZL24L000701"), entry_id
    )
    assert again is not None
    assert again.name == "Link IZL24L000701"
    titan = device_registry.async_get_device_by_identifier(
        device_identifier(640101), entry_id
    )
    assert titan is not None
    assert again.via_device_id == titan.id


async def test_device_leaving_the_snapshot_is_written_when_it_returns(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    registry_writes: list[set[tuple[str, str]]],
) -> None:
    """Targets gone from a snapshot are forgotten: their return is written again."""
    await setup_integration(hass, mock_config_entry)
    mock_cloud.fail(Endpoint.BATTERY, "IZT24A000101", status=404)
    await _refresh(hass, mock_config_entry)
    registry_writes.clear()

    mock_cloud.restore(Endpoint.BATTERY, "IZT24A000101")
    await _refresh(hass, mock_config_entry)
    assert registry_writes == [
        {link_identifier("IZL24L000701")},
        {link_identifier("IZL24L000702")},
    ]


async def test_device_appearing_later_is_described_before_its_entities(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """New equipment gets its full description and parent; its entities attach to it."""
    await setup_integration(hass, mock_config_entry)
    record = copy.deepcopy(mock_cloud.device_record(81235, 640201))
    record.update(deviceId=640299, deviceName="Micro-onduleur Sud")
    del record["sn"]
    mock_cloud.add_device(81235, record)

    await _refresh(hass, mock_config_entry)

    entry_id = mock_config_entry.entry_id
    device = device_registry.async_get_device_by_identifier(
        device_identifier(640299), entry_id
    )
    station = device_registry.async_get_device_by_identifier(
        station_identifier(81235), entry_id
    )
    assert device is not None and station is not None
    assert (device.name, device.model, device.via_device_id) == (
        "Micro-onduleur Sud",
        "Micro-inverter",
        station.id,
    )
    entities = er.async_entries_for_device(entity_registry, device.id)
    assert {entity.unique_id for entity in entities} == {"device_640299_online"}
