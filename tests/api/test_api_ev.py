"""An EV charger's settings: the four reads, the exact writes, unusable values."""

from collections.abc import Awaitable, Callable
from typing import Any

from aioresponses import aioresponses
import pytest

from custom_components.izypower_cloud.api import (
    EvControlMode,
    EvSettings,
    IzypowerClient,
    IzypowerError,
    IzypowerResponseError,
)

from .conftest import add_login, calls, load, url

CHARGER = "IZE24E000401"
STATION = 81234
EV = "/api/v2/device/ev/"

type Write = Callable[[IzypowerClient], Awaitable[None]]

# Write -> (path, exact body): docs/api.md §8 (one client only, the 1.0.11 beta).
WRITES: dict[str, tuple[Write, str, dict[str, Any]]] = {
    "start": (
        lambda c: c.set_ev_charging(CHARGER, True),
        f"{EV}state/{CHARGER}",
        {"value": True},
    ),
    "stop": (
        lambda c: c.set_ev_charging(CHARGER, False),
        f"{EV}state/{CHARGER}",
        {"value": False},
    ),
    "control_mode": (
        lambda c: c.set_ev_control_mode(CHARGER, EvControlMode.HYBRID),
        f"{EV}mode/{CHARGER}",
        {"value": 2},
    ),
    "charging_power": (
        lambda c: c.set_ev_charging_power(CHARGER, 3680.0),
        f"{EV}chargePower/{CHARGER}",
        {"value": 3680},
    ),
    "power_derate": (
        lambda c: c.set_ev_power_derate(CHARGER, 1500),
        f"{EV}powerDerate/{CHARGER}",
        {"value": 1500},
    ),
    "options": (
        lambda c: c.set_ev_options(CHARGER, start_with_grid=False, use_battery=True),
        f"{EV}intelligentValue/V2/{CHARGER}",
        {"enableGrid": False, "enableBattery": True},
    ),
    "priority": (
        lambda c: c.set_ev_priority(STATION, True),
        f"{EV}priority/V2/{STATION}",
        {"value": True},
    ),
}


@pytest.mark.parametrize("name", WRITES)
async def test_write_sends_exact_body(
    client: IzypowerClient, mock_cloud: aioresponses, name: str
) -> None:
    """Each write is one POST to its path with exactly this body."""
    write, path, body = WRITES[name]
    add_login(mock_cloud)
    mock_cloud.post(url(path), payload=load("writes/generic_ack.response.json"))

    await write(client)

    (call,) = calls(mock_cloud, "POST", path)
    assert call.kwargs["json"] == body
    assert client.request_count == 2


@pytest.mark.parametrize("name", WRITES)
async def test_write_refused_in_an_envelope(
    client: IzypowerClient, mock_cloud: aioresponses, name: str
) -> None:
    """An HTTP 200 with an error envelope is a refusal, for every write."""
    write, path, _ = WRITES[name]
    add_login(mock_cloud)
    mock_cloud.post(url(path), payload={"code": 500, "msg": "no"})
    with pytest.raises(IzypowerResponseError):
        await write(client)


async def test_impossible_power_is_never_sent(client: IzypowerClient) -> None:
    """A power no setting can take raises before any request."""
    with pytest.raises(IzypowerError):
        await client.set_ev_charging_power(CHARGER, -230)
    with pytest.raises(IzypowerError):
        await client.set_ev_power_derate(CHARGER, float("nan"))
    assert client.request_count == 0


def _ok(data: object) -> dict[str, Any]:
    return {"code": 0, "msg": "success", "data": data}


async def test_settings_are_four_reads(
    client: IzypowerClient, mock_cloud: aioresponses
) -> None:
    """The charger's cmd read, derate, options, then its station's priority."""
    add_login(mock_cloud)
    mock_cloud.get(
        url(f"/api/v2/device/cmd/{CHARGER}"),
        payload=_ok(
            {
                "open": True,
                "controlMode": "0",
                "hasMeter": 1,
                "power": "7360",
                "min_power": 1380,
                "max_power": 7360,
                "interval": 230,
            }
        ),
    )
    mock_cloud.get(url(f"{EV}powerDerate/{CHARGER}"), payload=_ok({"value": 500}))
    mock_cloud.get(
        url(f"{EV}intelligentValue/V2/{CHARGER}"),
        payload=_ok({"enableGrid": False, "enableBattery": True}),
    )
    mock_cloud.get(url(f"{EV}priority/V2/{STATION}"), payload=_ok({"value": True}))

    assert await client.get_ev_settings(CHARGER, STATION) == EvSettings(
        charging=True,
        control_mode=EvControlMode.INTELLIGENT,
        has_meter=True,
        charging_power=7360,
        min_power=1380,
        max_power=7360,
        power_step=230,
        power_derate=500,
        start_with_grid=False,
        use_battery=True,
        station_priority=True,
        station_id=STATION,
    )
    assert client.request_count == 5


@pytest.mark.parametrize(
    "payload",
    [
        {},
        "junk",
        {
            "open": "maybe",
            "controlMode": 7,
            "hasMeter": None,
            "power": "-",
            "min_power": [],
            "interval": 0,
        },
        {"interval": -10, "max_power": "x"},
    ],
)
def test_bad_settings_are_unknown(payload: object) -> None:
    """Missing or unusable settings are None, never an error or 0 (a 0 step too)."""
    settings = EvSettings.from_json(payload)
    assert settings == EvSettings()
    assert settings.with_power_derate("junk").with_options([]).with_priority(
        {"value": "?"}, STATION
    ) == EvSettings(station_id=STATION)
