"""Station and device lists are read page after page until complete."""

from collections.abc import Callable
import logging
import re
from typing import Any

from aioresponses import CallbackResult, aioresponses
import pytest
from yarl import URL

from custom_components.izypower_cloud.api import IzypowerClient, IzypowerResponseError
from custom_components.izypower_cloud.api.paging import MAX_PAGES, PAGE_SIZE

from .conftest import add_login, calls, url

STATIONS_PATH = "/api/powerStations/page"
DEVICES_PATH = "/api/device/page"

type PageFn = Callable[[int, int], dict[str, Any]]


def _station(station_id: int | str) -> dict[str, Any]:
    return {"stationsId": station_id, "stationName": f"Station {station_id}"}


def _device(device_id: int | str) -> dict[str, Any]:
    return {"deviceId": device_id, "deviceType": "vm", "sn": f"SN{device_id}"}


def _serve(mock: aioresponses, path: str, page_fn: PageFn) -> None:
    """Answer every page request of ``path`` with ``page_fn(page, limit)`` as data."""

    def answer(request_url: URL, **_kwargs: Any) -> CallbackResult:
        page = int(request_url.query["page"])
        limit = int(request_url.query["limit"])
        return CallbackResult(payload={"code": 0, "data": page_fn(page, limit)})

    # The query string changes with every page: match the path, any query.
    pattern = re.compile(rf"^{re.escape(str(url(path)))}\?.*$")
    mock.get(pattern, callback=answer, repeat=True)


def _paged(
    total_records: int,
    make: Callable[[int], dict[str, Any]],
    *,
    page_size: int | None = None,
    counters: bool = True,
) -> PageFn:
    """Serve ``total_records`` records, ``page_size`` per page (default: limit)."""

    def page_fn(page: int, limit: int) -> dict[str, Any]:
        size = page_size or limit
        first = (page - 1) * size
        records = [
            make(1000 + n) for n in range(first, min(first + size, total_records))
        ]
        data: dict[str, Any] = {"records": records}
        if counters:
            data |= {"total": total_records, "size": size, "current": page}
        return data

    return page_fn


def _pages_requested(mock: aioresponses, path: str) -> list[int]:
    return sorted(
        int(key[1].query["page"])
        for key, requests in mock.requests.items()
        if key[1].path.endswith(path)
        for _ in requests
    )


async def test_stations_two_pages_with_total(
    client: IzypowerClient, mock_cloud: aioresponses
) -> None:
    """Pages are read until `total` records arrived."""
    add_login(mock_cloud)
    _serve(mock_cloud, STATIONS_PATH, _paged(150, _station))

    stations = await client.get_stations()

    assert len(stations) == 150
    assert stations[0].station_id == 1000
    assert stations[-1].station_id == 1149
    assert _pages_requested(mock_cloud, STATIONS_PATH) == [1, 2]


async def test_devices_two_pages_with_total(
    client: IzypowerClient, mock_cloud: aioresponses
) -> None:
    """The device list pages the same way, with the station filter on every page."""
    add_login(mock_cloud)
    _serve(mock_cloud, DEVICES_PATH, _paged(130, _device))

    devices = await client.get_devices(81234)

    assert [device.device_id for device in devices] == list(range(1000, 1130))
    for page in (1, 2):
        assert calls(
            mock_cloud,
            "GET",
            DEVICES_PATH,
            powerId=81234,
            deviceType="all",
            page=page,
            limit=PAGE_SIZE,
        )


async def test_full_pages_without_counters(
    client: IzypowerClient, mock_cloud: aioresponses
) -> None:
    """Without counters, a full page means there may be more."""
    add_login(mock_cloud)
    _serve(mock_cloud, DEVICES_PATH, _paged(200, _device, counters=False))

    devices = await client.get_devices(81234)

    assert len(devices) == 200
    # Page 3 came back empty: that is how a full last page is told apart.
    assert _pages_requested(mock_cloud, DEVICES_PATH) == [1, 2, 3]


async def test_server_ignoring_limit(
    client: IzypowerClient, mock_cloud: aioresponses
) -> None:
    """A server capping pages below `limit` is followed up to `total`."""
    add_login(mock_cloud)
    _serve(mock_cloud, STATIONS_PATH, _paged(7, _station, page_size=3))

    stations = await client.get_stations()

    assert len(stations) == 7
    assert _pages_requested(mock_cloud, STATIONS_PATH) == [1, 2, 3]


async def test_pages_counter_without_total(
    client: IzypowerClient, mock_cloud: aioresponses
) -> None:
    """`pages` is honoured when `total` is missing."""
    add_login(mock_cloud)

    def page_fn(page: int, _limit: int) -> dict[str, Any]:
        return {"records": [_station(page * 10 + n) for n in range(3)], "pages": 2}

    _serve(mock_cloud, STATIONS_PATH, page_fn)

    stations = await client.get_stations()

    assert len(stations) == 6
    assert _pages_requested(mock_cloud, STATIONS_PATH) == [1, 2]


async def test_server_ignoring_page(
    client: IzypowerClient, mock_cloud: aioresponses
) -> None:
    """A server repeating page 1 forever is noticed on page 2."""
    add_login(mock_cloud)
    first_page = _paged(PAGE_SIZE, _station, counters=False)
    _serve(mock_cloud, STATIONS_PATH, lambda _page, limit: first_page(1, limit))

    stations = await client.get_stations()

    assert len(stations) == PAGE_SIZE
    assert _pages_requested(mock_cloud, STATIONS_PATH) == [1, 2]


async def test_page_cap(
    client: IzypowerClient,
    mock_cloud: aioresponses,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An endless list stops at MAX_PAGES with a warning."""
    add_login(mock_cloud)
    _serve(mock_cloud, STATIONS_PATH, _paged(10**9, _station, counters=False))

    with caplog.at_level(logging.WARNING):
        stations = await client.get_stations()

    assert len(stations) == MAX_PAGES * PAGE_SIZE
    assert len(_pages_requested(mock_cloud, STATIONS_PATH)) == MAX_PAGES
    assert "may be incomplete" in caplog.text


async def test_records_without_id_skipped_and_string_ids_accepted(
    client: IzypowerClient, mock_cloud: aioresponses
) -> None:
    """Bad records are dropped, duplicates kept once, string ids parsed."""
    add_login(mock_cloud)
    records: list[Any] = [
        _device("640101"),
        {"deviceName": "no id"},
        _device("abc"),
        "not an object",
        None,
        _device(640102),
        _device(640101),
    ]
    _serve(
        mock_cloud,
        DEVICES_PATH,
        lambda page, _limit: {"records": records if page == 1 else [], "total": 7},
    )

    devices = await client.get_devices(81234)

    assert [device.device_id for device in devices] == [640101, 640102]


async def test_page_of_only_bad_records_ends_the_list(
    client: IzypowerClient,
    mock_cloud: aioresponses,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A page without any usable record ends the list, whatever `total` says."""
    add_login(mock_cloud)

    def page_fn(page: int, _limit: int) -> dict[str, Any]:
        if page == 1:
            return {"records": [_station(81234)], "total": 10_000}
        return {"records": [{"stationName": "no id"}], "total": 10_000}

    _serve(mock_cloud, STATIONS_PATH, page_fn)

    with caplog.at_level(logging.WARNING):
        stations = await client.get_stations()

    assert [station.station_id for station in stations] == [81234]
    assert _pages_requested(mock_cloud, STATIONS_PATH) == [1, 2]
    assert "may be incomplete" in caplog.text


async def test_list_of_only_records_without_id_is_a_response_error(
    client: IzypowerClient, mock_cloud: aioresponses
) -> None:
    """Records none of which has an id are a format we cannot read, not an empty list.

    One request, not MAX_PAGES, however large the announced total.
    """
    add_login(mock_cloud)
    _serve(
        mock_cloud,
        STATIONS_PATH,
        lambda _page, _limit: {"records": [{"x": 1}], "total": 10_000},
    )

    with pytest.raises(IzypowerResponseError, match="has an id"):
        await client.get_stations()

    assert _pages_requested(mock_cloud, STATIONS_PATH) == [1]


async def test_empty_list_is_an_empty_result(
    client: IzypowerClient, mock_cloud: aioresponses
) -> None:
    """An account without stations answers an empty `records` list, read once."""
    add_login(mock_cloud)
    mock_cloud.get(
        url(STATIONS_PATH, page=1, limit=PAGE_SIZE),
        payload={"code": 0, "data": {"records": [], "total": 0}},
    )

    assert await client.get_stations() == []
    assert client.request_count == 2


@pytest.mark.parametrize(
    "data",
    [
        {"total": 5},
        {"records": None},
        {"records": {"a": 1}},
        {"records": "[]"},
        [],
        [{"stationsId": 81234}],
        "records",
    ],
)
async def test_malformed_list_is_a_response_error(
    client: IzypowerClient, mock_cloud: aioresponses, data: object
) -> None:
    """A page without a `records` list is not an empty account: it raises, read once.

    Read as empty, it would make every known device look gone from the cloud.
    """
    add_login(mock_cloud)
    mock_cloud.get(
        url(STATIONS_PATH, page=1, limit=PAGE_SIZE), payload={"code": 0, "data": data}
    )

    with pytest.raises(IzypowerResponseError, match="no list of records"):
        await client.get_stations()
    assert client.request_count == 2


async def test_malformed_later_page_is_a_response_error(
    client: IzypowerClient, mock_cloud: aioresponses
) -> None:
    """A broken second page fails the whole list rather than truncate it."""
    add_login(mock_cloud)

    def page_fn(page: int, _limit: int) -> dict[str, Any]:
        if page == 1:
            return {"records": [_device(640101)], "total": 2}
        return {"records": None, "total": 2}

    _serve(mock_cloud, DEVICES_PATH, page_fn)

    with pytest.raises(IzypowerResponseError, match="no list of records"):
        await client.get_devices(81234)


async def test_short_page_without_counters_is_the_last(
    client: IzypowerClient, mock_cloud: aioresponses
) -> None:
    """Without counters, a page shorter than `limit` ends the list."""
    add_login(mock_cloud)
    _serve(mock_cloud, STATIONS_PATH, _paged(150, _station, counters=False))

    stations = await client.get_stations()

    assert len(stations) == 150
    assert _pages_requested(mock_cloud, STATIONS_PATH) == [1, 2]
