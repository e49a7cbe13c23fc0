"""Pages of newer cloud versions: a meter's three channels, an EV charger's powers.

The client parses both (docs/api.md §7.13-7.14); the simulator serves them from the
same physics as the station's live figures, and "not found" (HTTP 200, error code)
for other devices.
"""

from datetime import UTC, datetime

from izypower_simulator import Layout, generate_account
from izypower_simulator.render import CODE_NOT_FOUND

from .conftest import Harness, HarnessFactory

NOON = datetime(2026, 7, 14, 10, 0, tzinfo=UTC)


async def _not_found(harness: Harness, path: str) -> bool:
    response = await harness.get(path)
    body = await response.json()
    return response.status == 200 and body["code"] == CODE_NOT_FOUND


async def test_meter_channels(harness: Harness) -> None:
    """The fixture meter: grid, solar and consumption, matching the station info."""
    page = await harness.get_json("/izy/v2/meter/IZM24M000301")
    grid, solar, use = page["data"]["items"]
    info = await harness.get_json("/api/v3/powerStations/info/81234")
    assert grid["mode"] == 0
    assert solar["mode"] == 1
    assert use["mode"] == 0
    assert grid["power"] == info["grid_power"]
    assert use["power"] == info["consumption"]
    for channel in (grid, solar, use):
        assert channel["apparent_power"] >= abs(channel["power"])
        assert 200 < channel["voltage"] < 260
        # Current x voltage is the apparent power (both rounded as the cloud does).
        volt_amperes = channel["current"] * channel["voltage"]
        assert abs(volt_amperes - channel["apparent_power"]) < 2
    # Not a meter, or no such device: not found.
    assert await _not_found(harness, "/izy/v2/meter/IZT24A000101")
    assert await _not_found(harness, "/izy/v2/meter/IZM00000000")


async def test_ev_charger(make_harness: HarnessFactory) -> None:
    """A generated charger draws its share of the consumption; AC input above it."""
    account = generate_account(
        1, 3, start=NOON, seed=14, layout=Layout.BATTERY, ev_charger=True
    )
    (station,) = account.stations
    charger = station.devices[-1]
    assert charger.type_code == "evse"
    harness = await make_harness(account)
    await harness.advance(1800)
    page = await harness.get_json(f"/izy/v2/ev/{charger.serial}")
    info = await harness.get_json(f"/api/v3/powerStations/info/{station.station_id}")
    data = page["data"]
    assert abs(data["power"] - info["ev_power"]) <= 1
    assert 0 < data["power"] < data["ac_power"]
    # The meter is not a charger; an account without one has no charger page.
    assert await _not_found(harness, f"/izy/v2/ev/{station.devices[2].serial}")
    assert await _not_found(harness, "/izy/v2/ev/IZT24A000101")
