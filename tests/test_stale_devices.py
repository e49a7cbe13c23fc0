"""Tests of the stale-device evidence: what the latest snapshot proves gone, or not."""

from datetime import timedelta

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
import homeassistant.util.dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.izypower_cloud.api import Station
from custom_components.izypower_cloud.const import DOMAIN
from custom_components.izypower_cloud.data import (
    DeviceData,
    Feed,
    IzypowerData,
    StationData,
)
from custom_components.izypower_cloud.identifiers import (
    device_identifier,
    link_identifier,
    station_identifier,
)
from custom_components.izypower_cloud.stale_devices import (
    STALE_AFTER,
    STALE_AFTER_SLOW_REFRESHES,
    StaleDevices,
)

from .test_entity import _device


def _snapshot(
    station_failed: frozenset[Feed] = frozenset(),
    titan_failed: frozenset[Feed] | None = None,
) -> IzypowerData:
    """One station; its Titan (without Link modules) unless `titan_failed` is None."""
    devices = (
        {}
        if titan_failed is None
        else {640101: DeviceData(device=_device(), failed=titan_failed)}
    )
    station = Station(
        station_id=81234, name="Home", installed_capacity=None, address=None
    )
    return IzypowerData(
        stations={
            81234: StationData(station=station, devices=devices, failed=station_failed)
        }
    )


def _register(
    hass: HomeAssistant, registry: dr.DeviceRegistry
) -> tuple[MockConfigEntry, dr.DeviceEntry, dr.DeviceEntry]:
    """Register a station, its Titan and the Titan's Link module; return the last two."""
    entry = MockConfigEntry(domain=DOMAIN)
    entry.add_to_hass(hass)
    station = registry.async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={station_identifier(81234)}
    )
    titan = registry.async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={device_identifier(640101)},
        via_device_id=station.id,
    )
    link = registry.async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={link_identifier("IZL1")},
        via_device_id=titan.id,
    )
    return entry, titan, link


async def test_failed_listing_is_no_evidence(
    hass: HomeAssistant, device_registry: dr.DeviceRegistry
) -> None:
    """Children of a parent whose listing failed may still exist; others may not."""
    _, titan, link = _register(hass, device_registry)
    stale = StaleDevices()
    assert not stale.may_still_exist(device_registry, titan)

    stale.observe(_snapshot(station_failed=frozenset({Feed.DEVICE_LIST})))
    assert stale.may_still_exist(device_registry, titan)
    # Through its parents: the Titan is not listed, so neither is its Link module.
    assert stale.may_still_exist(device_registry, link)

    # Another failed feed of the station is not a listing.
    stale.observe(_snapshot(station_failed=frozenset({Feed.FIRMWARE})))
    assert not stale.may_still_exist(device_registry, titan)

    stale.observe(_snapshot(titan_failed=frozenset({Feed.BATTERY})))
    assert stale.may_still_exist(device_registry, titan)
    assert stale.may_still_exist(device_registry, link)
    stale.observe(_snapshot(titan_failed=frozenset({Feed.WIFI})))
    assert not stale.may_still_exist(device_registry, link)


async def test_removed_after_enough_slow_refreshes_and_time(
    hass: HomeAssistant, device_registry: dr.DeviceRegistry
) -> None:
    """A missing device goes after N slow refreshes spanning `STALE_AFTER`, not before."""
    entry, titan, link = _register(hass, device_registry)
    stale = StaleDevices()
    stale.observe(_snapshot(titan_failed=frozenset()))
    forgotten: list[str] = []
    now = dt_util.utcnow()
    for index in range(STALE_AFTER_SLOW_REFRESHES):
        # Back to back: enough refreshes, not enough time.
        stale.remove_stale(
            device_registry,
            entry.entry_id,
            now + timedelta(seconds=index),
            forgotten.append,
        )
    assert device_registry.async_get(link.id) is not None
    stale.remove_stale(
        device_registry, entry.entry_id, now + STALE_AFTER, forgotten.append
    )
    assert device_registry.async_get(link.id) is None
    assert device_registry.async_get(titan.id) is not None
    assert forgotten == ["link_IZL1"]
