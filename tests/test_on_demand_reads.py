"""`OnDemandReads` on its own: which pages a refresh reads, and what it records."""

import asyncio
from collections.abc import Awaitable, Callable
from unittest.mock import AsyncMock

import pytest

from custom_components.izypower_cloud.api import (
    ChannelMode,
    Device,
    DeviceType,
    EvChargerPower,
    IzypowerClient,
    MeterChannel,
)
from custom_components.izypower_cloud.data import Feed
from custom_components.izypower_cloud.on_demand import OnDemandReads, Page, page_of

CHANNEL = MeterChannel(120.0, 130.0, 0.6, 230.0, ChannelMode.CONSUMPTION)


@pytest.mark.parametrize(
    ("unique_id", "page"),
    [
        ("device_640103_channel_2_power", (640103, Feed.METER_CHANNELS)),
        ("device_7_channel_1_mode", (7, Feed.METER_CHANNELS)),
        ("device_9_ev_charger_ac_power", (9, Feed.EV_CHARGER)),
        ("device_640103_grid_voltage", None),
        ("device_640103_ct_power_CT2", None),
        ("station_81234_ev_charging_power", None),
        ("station_81234_channel_1_power", None),
        ("device_x1_channel_1_power", None),
        ("link_IZL_channel_1_power", None),
    ],
)
def test_page_of_a_unique_id(unique_id: str, page: Page | None) -> None:
    """Only equipment entities with a page's key prefix read a page."""
    assert page_of(unique_id) == page


def _caller[T](
    what: str, call: Callable[[], Awaitable[T]]
) -> Callable[[], Awaitable[T | None]]:
    """Wrap a call like the fetcher, without limits: a failure is None."""

    async def made() -> T | None:
        try:
            return await call()
        except RuntimeError:
            return None

    return made


def _device(device_type: DeviceType, serial: str | None = "SN1") -> Device:
    device = Device.from_json(
        {"deviceId": 7, "sn": serial, "deviceType": device_type.value}
    )
    assert device is not None
    return device


async def _refresh(reads: OnDemandReads, wanted: set[Page], device: Device) -> None:
    reads.begin(wanted)
    async with asyncio.TaskGroup() as group:
        reads.schedule(group, device)


async def test_only_wanted_pages_of_the_right_device() -> None:
    """A page is read for the device and feed wanted, with a serial, once per refresh."""
    client = AsyncMock(spec=IzypowerClient)
    client.get_meter_channels.return_value = [CHANNEL]
    client.get_ev_charger.return_value = EvChargerPower(3700.0, 3500.0)
    reads = OnDemandReads(client, _caller)
    meter = _device(DeviceType.METER)

    await _refresh(reads, set(), meter)
    assert reads.state(meter) == (None, None, frozenset())
    # Wanted, but a meter has no charger page; a charger without serial no page at all.
    await _refresh(reads, {(7, Feed.EV_CHARGER)}, meter)
    await _refresh(reads, {(7, Feed.EV_CHARGER)}, _device(DeviceType.CHARGER, None))
    client.get_ev_charger.assert_not_awaited()
    client.get_meter_channels.assert_not_awaited()

    await _refresh(reads, {(7, Feed.METER_CHANNELS)}, meter)
    assert reads.state(meter) == ((CHANNEL,), None, frozenset())
    charger = _device(DeviceType.CHARGER)
    await _refresh(reads, {(7, Feed.EV_CHARGER)}, charger)
    assert reads.state(charger) == (None, EvChargerPower(3700.0, 3500.0), frozenset())
    # A new refresh forgets the last one's results.
    reads.begin(set())
    assert reads.state(charger) == (None, None, frozenset())


async def test_a_failed_read_is_a_failed_feed() -> None:
    """A failure blanks the page and names its feed; the next good read clears it."""
    client = AsyncMock(spec=IzypowerClient)
    client.get_meter_channels.side_effect = RuntimeError
    reads = OnDemandReads(client, _caller)
    meter = _device(DeviceType.METER)
    await _refresh(reads, {(7, Feed.METER_CHANNELS)}, meter)
    assert reads.state(meter) == (None, None, {Feed.METER_CHANNELS})
    client.get_meter_channels.side_effect = None
    client.get_meter_channels.return_value = []
    await _refresh(reads, {(7, Feed.METER_CHANNELS)}, meter)
    assert reads.state(meter) == ((), None, frozenset())
