"""`OnDemandReads` on its own: who wants a page, and what a read records."""

from collections.abc import Awaitable, Callable
from unittest.mock import AsyncMock

from custom_components.izypower_cloud.api import (
    ChannelMode,
    Device,
    DeviceType,
    EvChargerPower,
    IzypowerClient,
    MeterChannel,
)
from custom_components.izypower_cloud.data import DeviceData, Feed
from custom_components.izypower_cloud.on_demand import OnDemandReads

CHANNEL = MeterChannel(120.0, 130.0, 0.6, 230.0, ChannelMode.CONSUMPTION)


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


def _reads() -> tuple[OnDemandReads, AsyncMock]:
    client = AsyncMock(spec=IzypowerClient)
    client.get_meter_channels.return_value = [CHANNEL]
    client.get_ev_charger.return_value = EvChargerPower(3700.0, 3500.0)
    return OnDemandReads(client, _caller), client


def _device(device_type: DeviceType, serial: str | None = "SN1") -> DeviceData:
    record = {"deviceId": 7, "sn": serial, "deviceType": device_type.value}
    device = Device.from_json(record)
    assert device is not None
    return DeviceData(device=device)


async def test_wanted_while_someone_wants_it() -> None:
    """Counted per entity; releasing twice does not release another's interest."""
    reads, client = _reads()
    meter = _device(DeviceType.METER)
    first, release_one = reads.want(7, Feed.METER_CHANNELS)
    second, release_two = reads.want(7, Feed.METER_CHANNELS)
    assert (first, second) == (True, False)
    release_one()
    release_one()
    read = await reads.reread(meter, Feed.METER_CHANNELS)
    assert read.meter_channels == (CHANNEL,)
    release_two()
    reads.begin()
    # Nobody wants it any more: no call, nothing shown, no failure.
    read = await reads.reread(meter, Feed.METER_CHANNELS)
    assert client.get_meter_channels.await_count == 1
    assert read.meter_channels is None
    assert Feed.METER_CHANNELS not in read.failed


async def test_only_the_kind_of_device_with_the_page() -> None:
    """A charger's page is not asked of a meter, nor of a device without serial."""
    reads, client = _reads()
    reads.want(7, Feed.EV_CHARGER)
    for device in (_device(DeviceType.METER), _device(DeviceType.CHARGER, None)):
        read = await reads.reread(device, Feed.EV_CHARGER)
        assert read.ev_charger is None
    client.get_ev_charger.assert_not_awaited()
    read = await reads.reread(_device(DeviceType.CHARGER), Feed.EV_CHARGER)
    assert read.ev_charger == EvChargerPower(3700.0, 3500.0)


async def test_a_failed_read_is_a_failed_feed() -> None:
    """A failure blanks the page and names its feed; the next good read clears it."""
    reads, client = _reads()
    client.get_ev_charger.side_effect = RuntimeError
    charger = _device(DeviceType.CHARGER)
    reads.want(7, Feed.EV_CHARGER)
    read = await reads.reread(charger, Feed.EV_CHARGER)
    assert read.failed == {Feed.EV_CHARGER}
    client.get_ev_charger.side_effect = None
    read = await reads.reread(read, Feed.EV_CHARGER)
    assert read.failed == frozenset()
    assert read.ev_charger is not None
