"""Every read the integration makes for one station, as raw calls (the data export).

The client's endpoint methods parse their answers into models; a bug report about data
we do not understand needs the answers as the cloud sent them. :func:`station_reads`
lists the reads of one station and its devices; :meth:`IzypowerClient.get_raw` sends
each through the one request path and returns the decoded body, unparsed.
"""

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date

from .enums import DeviceType, Period
from .equipment import Device
from .paging import PAGE_SIZE

# An EV charger's settings reads (writes.py has the same prefix).
_EV = "/api/v2/device/ev/"
# `timeType` and `searchTime` format of the energy report for each period.
_REPORT_TIME = {
    Period.DAY: ("day", "%Y-%m-%d"),
    Period.MONTH: ("month", "%Y-%m"),
    Period.YEAR: ("year", "%Y"),
    Period.TOTAL: ("all", "%Y-%m-%d"),
}


def report_params(period: Period, day: date) -> dict[str, str | int]:
    """Query of the energy report of the ``period`` containing ``day``."""
    time_type, search_format = _REPORT_TIME[period]
    return {
        "timeType": time_type,
        "dataFlag": "energy",
        "searchTime": day.strftime(search_format),
    }


@dataclass(frozen=True, slots=True)
class RawRead:
    """One read call: a name for the export, the path template and its arguments."""

    name: str
    template: str
    path_args: tuple[object, ...] = ()
    params: Mapping[str, str | int] = field(default_factory=dict)


def station_reads(
    station_id: int, devices: Iterable[Device], day: date
) -> Iterator[RawRead]:
    """Every read endpoint of one station and its devices (first pages of lists)."""
    first_page = {"page": 1, "limit": PAGE_SIZE}
    yield RawRead("station_list", "/api/powerStations/page", params=first_page)
    yield RawRead("station_info", "/api/v3/powerStations/info/{}", (station_id,))
    for period in Period:
        yield RawRead(
            f"report_{period}",
            "/api/report/v2/powerStations/data/{}",
            (station_id,),
            report_params(period, day),
        )
    yield RawRead(
        "pv_strings",
        "/api/component/{}",
        (station_id,),
        {"searchTime": day.isoformat()},
    )
    yield RawRead(
        "device_list",
        "/api/device/page",
        params={"powerId": station_id, "deviceType": "all", **first_page},
    )
    yield RawRead("firmware", "/api/v3/device/upgrade/{}", (station_id,))
    yield RawRead(
        "layout_power",
        "/api/report/layoutPower/{}",
        (station_id,),
        {"searchTime": day.isoformat(), "isV2": "true"},
    )
    chargers = False
    for index, device in enumerate(devices, start=1):
        chargers = chargers or device.device_type is DeviceType.CHARGER
        yield from _device_reads(f"device_{index}", device, day)
    if chargers:
        yield RawRead("ev_priority", _EV + "priority/V2/{}", (station_id,))


def _device_reads(prefix: str, device: Device, day: date) -> Iterator[RawRead]:
    """List the reads of one device; names carry its position, never its serial."""
    if device.device_type is DeviceType.METER:
        yield RawRead(
            f"{prefix}_meter_base_info",
            "/api/v2/device/baseInfo/{}",
            (device.device_id,),
        )
    if (serial := device.serial) is None:
        return
    yield RawRead(f"{prefix}_wifi", "/api/v3/device/wifi/{}", (serial,))
    if device.device_type is DeviceType.BATTERY:
        yield RawRead(f"{prefix}_battery", "/izy/v2/battery/{}", (serial,))
        yield RawRead(f"{prefix}_settings", "/api/v2/device/cmd/{}", (serial,))
    if device.device_type is DeviceType.METER:
        yield RawRead(f"{prefix}_meter_channels", "/izy/v2/meter/{}", (serial,))
    if device.device_type is DeviceType.CHARGER:
        yield RawRead(f"{prefix}_ev_charger", "/izy/v2/ev/{}", (serial,))
        # Its settings (docs/api.md §7.15, one client only): what owners can send us.
        yield RawRead(f"{prefix}_ev_settings", "/api/v2/device/cmd/{}", (serial,))
        yield RawRead(f"{prefix}_ev_derate", _EV + "powerDerate/{}", (serial,))
        yield RawRead(f"{prefix}_ev_options", _EV + "intelligentValue/V2/{}", (serial,))
    if device.device_type is DeviceType.MICRO_INVERTER:
        yield RawRead(
            f"{prefix}_temperature",
            "/api/report/device/data/{}",
            (serial,),
            {"searchTime": day.isoformat(), "timeType": "day", "dataFlag": "temp"},
        )
