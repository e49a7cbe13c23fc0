"""On a frozen clock the simulator serves the fixture account exactly as its files."""

import json

import pytest

from .conftest import ACCOUNT_DIR, Harness

READS: dict[str, str] = {
    "stations_page_1.json": "/api/powerStations/page?page=1&limit=100",
    "layout_power_81234.json": "/api/report/layoutPower/81234?searchTime=2026-07-14&isV2=true",
    "meter_base_info_640103.json": "/api/v2/device/baseInfo/640103",
    "meter_channels_IZM24M000301.json": "/izy/v2/meter/IZM24M000301",
}
for _sid in (81234, 81235):
    READS[f"station_info_{_sid}.json"] = f"/api/v3/powerStations/info/{_sid}"
    for _type, _search in (
        ("day", "2026-07-14"),
        ("month", "2026-07"),
        ("year", "2026"),
        ("all", "2026-07-14"),
    ):
        READS[f"report_{_sid}_{_type}.json"] = (
            f"/api/report/v2/powerStations/data/{_sid}"
            f"?timeType={_type}&dataFlag=energy&searchTime={_search}"
        )
    READS[f"component_{_sid}.json"] = f"/api/component/{_sid}?searchTime=2026-07-14"
    READS[f"device_page_{_sid}.json"] = (
        f"/api/device/page?powerId={_sid}&deviceType=all&page=1&limit=100"
    )
    READS[f"device_upgrade_{_sid}.json"] = f"/api/v3/device/upgrade/{_sid}"
for _sn in (
    "IZM24M000301",
    "IZT24A000101",
    "IZT24A000102",
    "IZV08B000501",
    "IZV08B000502",
):
    READS[f"device_wifi_{_sn}.json"] = f"/api/v3/device/wifi/{_sn}"
for _sn in ("IZT24A000101", "IZT24A000102"):
    READS[f"battery_links_{_sn}.json"] = f"/izy/v2/battery/{_sn}"
    READS[f"battery_cmd_{_sn}.json"] = f"/api/v2/device/cmd/{_sn}"
for _sn in ("IZV08B000501", "IZV08B000502"):
    READS[f"device_temp_{_sn}.json"] = (
        f"/api/report/device/data/{_sn}?searchTime=2026-07-14&timeType=day&dataFlag=temp"
    )


def test_every_read_fixture_is_covered() -> None:
    """Each GET fixture file has a call here (login and writes are tested elsewhere)."""
    files = {
        p.name for p in ACCOUNT_DIR.glob("*.json") if not p.name.startswith("login_")
    }
    assert files == set(READS)


@pytest.mark.parametrize(("fixture", "path"), sorted(READS.items()))
async def test_read_matches_fixture(harness: Harness, fixture: str, path: str) -> None:
    """Same values, same types, same key order as the file."""
    response = await harness.get(path)
    assert response.status == 200
    expected = json.loads((ACCOUNT_DIR / fixture).read_text(encoding="utf-8"))
    assert json.dumps(await response.json()) == json.dumps(expected)


async def test_frozen_clock_stays_frozen(harness: Harness) -> None:
    """A frozen clock serves the snapshot however much wall time passes."""
    first = await harness.get_json("/api/v3/powerStations/info/81234")
    harness.wall.now += 86400
    await harness.login()
    assert await harness.get_json("/api/v3/powerStations/info/81234") == first


async def test_device_type_labels_follow_language(harness: Harness) -> None:
    """French clients get French labels; the codes do not change."""
    body = await harness.get_json("/api/v3/powerStations/info/81234", lang="fr-FR")
    labels = {t["value"]: t["name"] for t in body["deviceTypes"]}
    assert labels == {
        "vm": "Micro-onduleur",
        "battery": "Batterie",
        "meter": "Compteur intelligent",
        "evse": "Borne de recharge",
    }


async def test_write_ack_matches_fixture(harness: Harness) -> None:
    """Writes answer the generic acknowledgement of the fixtures."""
    body = json.loads(
        (ACCOUNT_DIR / "writes" / "meter_control.request.json").read_text()
    )
    response = await harness.post("/api/v2/device/meter/control/IZM24M000301", body)
    expected = json.loads(
        (ACCOUNT_DIR / "writes" / "generic_ack.response.json").read_text()
    )
    assert await response.json() == expected
