"""Parameters, pagination, unknown ids and the generated account."""

from collections import Counter

import pytest

from izypower_simulator import generate_account

from .conftest import Harness, HarnessFactory


@pytest.mark.parametrize(
    "path",
    [
        "/api/powerStations/page?page=0&limit=100",
        "/api/powerStations/page?page=1",
        "/api/powerStations/page?page=x&limit=10",
        "/api/report/v2/powerStations/data/81234?timeType=week&dataFlag=energy&searchTime=2026-07-14",
        "/api/report/v2/powerStations/data/81234?timeType=month&dataFlag=energy&searchTime=2026-07-14",
        "/api/report/v2/powerStations/data/81234?timeType=day&dataFlag=power&searchTime=2026-07-14",
        "/api/report/v2/powerStations/data/81234?timeType=day&dataFlag=energy&searchTime=2026-02-30",
        "/api/component/81234",
        "/api/device/page?powerId=81234&deviceType=all&page=1",
        "/api/device/page?powerId=81234&deviceType=fridge&page=1&limit=10",
        "/api/report/device/data/IZV08B000501?searchTime=2026-07-14&timeType=day&dataFlag=power",
        "/api/report/layoutPower/81234?searchTime=yesterday&isV2=true",
        "/api/report/layoutPower/81234?searchTime=2026-02-30&isV2=true",
    ],
)
async def test_bad_parameters_are_400(harness: Harness, path: str) -> None:
    """Missing or malformed query parameters: HTTP 400, error envelope code 400."""
    response = await harness.get(path)
    assert response.status == 400
    assert await response.json() == {
        "code": 400,
        "msg": "Invalid parameter",
        "data": None,
    }


@pytest.mark.parametrize(
    "path",
    [
        "/api/v3/powerStations/info/99999",
        "/api/device/page?powerId=99999&deviceType=all&page=1&limit=10",
        "/api/v3/device/wifi/NOPE",
        "/izy/v2/battery/IZM24M000301",
        "/api/v2/device/cmd/IZV08B000501",
        "/api/v2/device/baseInfo/640101",
        "/api/report/device/data/NOPE?searchTime=2026-07-14&timeType=day&dataFlag=temp",
    ],
)
async def test_unknown_resources_are_error_envelopes(
    harness: Harness, path: str
) -> None:
    """Unknown ids or serials of the wrong kind: HTTP 200 with code 10004 and no payload."""
    response = await harness.get(path)
    assert response.status == 200
    assert await response.json() == {
        "code": 10004,
        "msg": "Resource not found",
        "data": None,
    }


async def test_serial_as_station_id_is_500(harness: Harness) -> None:
    """Like the real cloud (API §5): a non-numeric station id breaks the server."""
    response = await harness.get("/api/v3/powerStations/info/IZT24A000101")
    assert response.status == 500


async def test_unknown_path_is_404(harness: Harness) -> None:
    """Paths the API does not have."""
    assert (await harness.get("/api/v9/nothing")).status == 404


async def test_error_messages_follow_language(harness: Harness) -> None:
    """French clients get French error texts."""
    response = await harness.get("/api/v3/device/wifi/NOPE", lang="fr")
    assert (await response.json())["msg"] == "Ressource introuvable"


async def test_temperature_of_other_devices_and_days(harness: Harness) -> None:
    """Non-vm devices have no series; another day has an empty one."""
    body = await harness.get_json(
        "/api/report/device/data/IZT24A000101?searchTime=2026-07-14&timeType=day&dataFlag=temp"
    )
    assert body["data"] == []
    body = await harness.get_json(
        "/api/report/device/data/IZV08B000501?searchTime=2026-07-13&timeType=day&dataFlag=temp"
    )
    assert body["data"] == [{"data": []}]


async def test_temperature_series_grows_every_five_minutes(harness: Harness) -> None:
    """Live micro-inverters add a point per 5-minute slot."""
    await harness.advance(30 * 60)
    body = await harness.get_json(
        "/api/report/device/data/IZV08B000501?searchTime=2026-07-14&timeType=day&dataFlag=temp"
    )
    points = body["data"][0]["data"]
    assert len(points) == 6 + 6
    assert points[-1]["time"] == "2026-07-14 14:05:00"
    assert 20 < points[-1]["val"] < 70


async def test_device_type_filter(harness: Harness) -> None:
    """A deviceType other than `all` filters the records."""
    body = await harness.get_json(
        "/api/device/page?powerId=81234&deviceType=meter&page=1&limit=10"
    )
    assert [r["sn"] for r in body["data"]["records"]] == ["IZM24M000301"]
    assert body["data"]["total"] == 1


async def test_generated_account_pagination(make_harness: HarnessFactory) -> None:
    """250 stations over pages of 100; limit clamped to 100; devices paged as well."""
    harness = await make_harness(generate_account(250, 7, seed=3))
    seen: list[int] = []
    page = 1
    while True:
        body = await harness.get_json(f"/api/powerStations/page?page={page}&limit=500")
        data = body["data"]
        assert data["size"] == 100
        assert data["total"] == 250
        assert data["pages"] == 3
        assert data["current"] == page
        seen += [r["stationsId"] for r in data["records"]]
        if not data["records"]:
            break
        page += 1
    assert page == 4
    assert len(seen) == len(set(seen)) == 250
    first = await harness.get_json(
        f"/api/device/page?powerId={seen[0]}&deviceType=all&page=1&limit=3"
    )
    second = await harness.get_json(
        f"/api/device/page?powerId={seen[0]}&deviceType=all&page=3&limit=3"
    )
    assert first["data"]["total"] == 7
    assert first["data"]["pages"] == 3
    assert len(first["data"]["records"]) == 3
    assert len(second["data"]["records"]) == 1


def test_generated_account_is_unique_and_mixed() -> None:
    """Unique ids and serials; Titans with Link modules, meters and micro-inverters."""
    account = generate_account(30, 5, seed=1)
    devices = [d for s in account.stations for d in s.devices]
    assert len(devices) == 150
    assert len({d.device_id for d in devices}) == 150
    serials = [d.serial for d in devices] + [
        link.serial for d in devices if d.battery for link in d.battery.links
    ]
    assert len(serials) == len(set(serials))
    kinds = Counter(d.type_code for d in devices)
    assert set(kinds) == {"battery", "meter", "vm"}
    assert any(d.battery.links for d in devices if d.battery)
    # Stations with batteries always have a meter (nothing else would drive them).
    assert all(s.meter is not None for s in account.stations if s.batteries)
    with pytest.raises(ValueError):
        generate_account(0, 3)


async def test_generated_account_serves_every_endpoint(
    make_harness: HarnessFactory,
) -> None:
    """Every read works on a generated station of each layout."""
    account = generate_account(3, 4, seed=2)
    harness = await make_harness(account)
    day = account.time.astimezone(account.stations[0].time_zone).strftime("%Y-%m-%d")
    for station in account.stations:
        sid = station.station_id
        info = await harness.get_json(f"/api/v3/powerStations/info/{sid}")
        assert info["data"]["deviceCount"] == 4
        await harness.get_json(f"/api/component/{sid}?searchTime={day}")
        await harness.get_json(f"/api/v3/device/upgrade/{sid}")
        layout = await harness.get_json(
            f"/api/report/layoutPower/{sid}?searchTime={day}&isV2=true"
        )
        assert len(layout["data"]["data"]) == (1 if station.meter else 0)
        for device in station.devices:
            await harness.get_json(f"/api/v3/device/wifi/{device.serial}")
            if device.battery:
                page = await harness.get_json(f"/izy/v2/battery/{device.serial}")
                assert len(page["data"]["items"]) == len(device.battery.links)
                await harness.get_json(f"/api/v2/device/cmd/{device.serial}")
            if device.meter:
                await harness.get_json(f"/api/v2/device/baseInfo/{device.device_id}")
            if device.type_code == "vm":
                body = await harness.get_json(
                    f"/api/report/device/data/{device.serial}?searchTime={day}&timeType=day&dataFlag=temp"
                )
                assert len(body["data"][0]["data"]) == 1


async def test_fast_data_is_acknowledged(harness: Harness) -> None:
    """The fast-data request only gets a success envelope; an unknown station not."""
    response = await harness.post("/api/v3/powerStations/fastData/81234", None)
    assert await response.json() == {"code": 0, "msg": "success", "data": None}
    response = await harness.post("/api/v3/powerStations/fastData/99999", None)
    assert (await response.json())["code"] == 10004
