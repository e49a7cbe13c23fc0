"""Newer per-device readings: a meter's three channels, an EV charger's powers."""

from aioresponses import aioresponses
import pytest

from custom_components.izypower_cloud.api import (
    ChannelMode,
    EvChargerPower,
    IzypowerClient,
    IzypowerConnectionError,
    MeterChannel,
)

from .conftest import add_login, url

METER = "IZM24M000301"
CHARGER = "IZE24E000401"


def _envelope(data: object) -> dict[str, object]:
    return {"code": 0, "msg": "success", "data": data}


async def test_get_meter_channels(
    client: IzypowerClient, mock_cloud: aioresponses
) -> None:
    """Three channels in order; a fourth item is ignored; bad values are unknown."""
    add_login(mock_cloud)
    mock_cloud.get(
        url(f"/izy/v2/meter/{METER}"),
        payload=_envelope(
            {
                "items": [
                    {
                        "power": -412.5,
                        "apparent_power": "430",
                        "current": 1.9,
                        "voltage": "231.4V",
                        "mode": 1,
                    },
                    {"power": 120, "mode": "0"},
                    "not an item",
                    {"power": 7, "mode": 0},
                ]
            }
        ),
    )

    assert await client.get_meter_channels(METER) == [
        MeterChannel(-412.5, 430, 1.9, 231.4, ChannelMode.PRODUCTION),
        MeterChannel(120, None, None, None, ChannelMode.CONSUMPTION),
        MeterChannel(None, None, None, None, None),
    ]


def test_meter_channels_tolerant() -> None:
    """No items, a bad shape or an unknown mode code give nothing or unknown."""
    assert MeterChannel.list_from_json(None) == []
    assert MeterChannel.list_from_json({"items": {"power": 1}}) == []
    assert MeterChannel.list_from_json({"items": [{"mode": 7}]}) == [
        MeterChannel(None, None, None, None, None)
    ]
    assert MeterChannel.list_from_json({"items": [{"mode": "--"}]})[0].mode is None


async def test_get_ev_charger(client: IzypowerClient, mock_cloud: aioresponses) -> None:
    """AC input and charging power in W; a missing field is unknown, not 0."""
    add_login(mock_cloud)
    mock_cloud.get(
        url(f"/izy/v2/ev/{CHARGER}"),
        payload=_envelope({"ac_power": "3680", "power": 3450.5}),
    )
    mock_cloud.get(url(f"/izy/v2/ev/{CHARGER}"), payload=_envelope({"power": None}))

    assert await client.get_ev_charger(CHARGER) == EvChargerPower(3680, 3450.5)
    assert await client.get_ev_charger(CHARGER) == EvChargerPower(None, None)
    assert EvChargerPower.from_json([]) == EvChargerPower(None, None)


async def test_live_pages_are_not_retried(
    client: IzypowerClient, mock_cloud: aioresponses
) -> None:
    """A failing page costs one request, where other reads are retried twice."""
    add_login(mock_cloud)
    for path in (f"/izy/v2/meter/{METER}", f"/izy/v2/ev/{CHARGER}"):
        mock_cloud.get(url(path), status=500, repeat=True)
    mock_cloud.get(url(f"/izy/v2/battery/{METER}"), status=500, repeat=True)

    with pytest.raises(IzypowerConnectionError, match="failed 1 times"):
        await client.get_meter_channels(METER)
    with pytest.raises(IzypowerConnectionError, match="failed 1 times"):
        await client.get_ev_charger(CHARGER)
    with pytest.raises(IzypowerConnectionError, match="failed 3 times"):
        await client.get_battery(METER)
    sent = {
        str(key[1]).removeprefix(str(url(""))): len(calls)
        for key, calls in mock_cloud.requests.items()
        if key[0] == "GET"
    }
    assert sent == {
        f"/izy/v2/meter/{METER}": 1,
        f"/izy/v2/ev/{CHARGER}": 1,
        f"/izy/v2/battery/{METER}": 3,
    }
