"""The simulator's energy follows the date, the hour and the season (issue 23).

The example account is a July afternoon snapshot of a 3.6 kWp station; moved to a
December night with `counters="season"` (the command line's default), its counters,
past days and live hours must look like December's. Time is the simulator's own.
"""

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from izypower_simulator import SimClock, Simulator, SimulatorConfig, load_account
from izypower_simulator.cli import _account, build_parser
from izypower_simulator.history import PastReports
from izypower_simulator.model import SERIES, Account, Station
from izypower_simulator.physics import advance_account
from izypower_simulator.season import DayModel, Ratios, split

from .conftest import ACCOUNT_DIR

PARIS = ZoneInfo("Europe/Paris")
# A December night, three hours before dawn.
DECEMBER_NIGHT = datetime(2026, 12, 7, 4, 45, tzinfo=PARIS)
# A few kWh a day in December for the example account's 3.6 kWp station.
DECEMBER_DAY_KWH = (0.5, 8.0)


def _december(start: datetime = DECEMBER_NIGHT) -> tuple[Account, Station]:
    account = load_account(ACCOUNT_DIR, start=start, counters="season")
    station = account.station(81234)
    assert station is not None
    return account, station


def _balance(values: dict[str, Any]) -> float:
    return (
        float(values["production"])
        + float(values["grid_import"])
        + float(values["battery_discharge"])
        - float(values["consumption"])
        - float(values["grid_export"])
        - float(values["battery_charge"])
    )


def test_a_december_night_has_produced_nothing_today() -> None:
    """Moved to 04:45 in December: no sun yet today, the night's load counted."""
    _, station = _december()

    assert station.counters["production", "day"] == 0
    assert 0 < station.counters["consumption", "day"] < 5
    assert all(s.power == 0 for d in station.devices for s in d.strings)
    assert _balance({s: station.counters[s, "day"] for s in SERIES}) == pytest.approx(
        0, abs=1e-6
    )


def test_the_days_before_the_start_are_december_days() -> None:
    """December 1-6 give a few kWh each (not 29-52), and every day balances."""
    account, station = _december()
    past = PastReports(account)

    days = [past.totals(station, "day", f"2026-12-0{n}") for n in range(1, 7)]

    for values in days:
        assert DECEMBER_DAY_KWH[0] < values["production"] < DECEMBER_DAY_KWH[1]
        assert _balance(values) == pytest.approx(0, abs=1e-6)
    month = sum(float(values["production"]) for values in days)
    assert month == pytest.approx(float(station.counters["production", "month"]))


def test_summer_days_give_several_times_winter_days() -> None:
    """The same station's June is several times its December, past years too."""
    account, station = _december()
    past = PastReports(account)

    june = past.totals(station, "month", "2026-06")["production"]
    november = past.totals(station, "month", "2026-11")["production"]
    last_december = past.totals(station, "month", "2025-12")["production"]
    last_june = past.totals(station, "month", "2025-06")["production"]

    assert june > 3 * november
    assert last_june > 3 * last_december > 0
    # The lifetime before this year is the owner's, as loaded.
    loaded = load_account(ACCOUNT_DIR)
    loaded_station = loaded.station(81234)
    assert loaded_station is not None
    before = float(loaded_station.counters["production", "all"]) - float(
        loaded_station.counters["production", "year"]
    )
    assert float(station.counters["production", "all"]) - float(
        station.counters["production", "year"]
    ) == pytest.approx(before)


def test_a_first_simulated_week_from_december() -> None:
    """Seven December days lived by the physics: a few kWh each, none at night."""
    start = datetime(2026, 12, 1, 0, 30, tzinfo=PARIS)
    account, station = _december(start)
    night_production = 0.0
    when = start
    while when < start + timedelta(days=7):
        before = float(station.counters["production", "all"])
        when += timedelta(hours=1)
        advance_account(account, when)
        local_hour = when.astimezone(PARIS).hour
        if local_hour <= 7 or local_hour >= 19:
            night_production += float(station.counters["production", "all"]) - before

    lived = [station.history["day", f"2026-12-0{n}"] for n in range(1, 8)]
    for values in lived:
        assert DECEMBER_DAY_KWH[0] < values["production"] < DECEMBER_DAY_KWH[1]
        assert _balance(values) == pytest.approx(0, abs=1e-6)
    assert night_production == 0


def test_a_winter_afternoon_counts_the_morning_sun() -> None:
    """Moved to 15:00: today holds the morning's sun, at most a December day's."""
    _, station = _december(datetime(2026, 12, 7, 15, 0, tzinfo=PARIS))

    assert 0.2 < station.counters["production", "day"] < DECEMBER_DAY_KWH[1]


def test_snapshot_counters_are_kept_on_request() -> None:
    """`counters="snapshot"` moves the powers only, as before."""
    account = load_account(ACCOUNT_DIR, start=DECEMBER_NIGHT, counters="snapshot")
    station = account.station(81234)
    assert station is not None

    assert station.counters["production", "day"] == 9.84
    assert station.counters["production", "month"] == 248.6
    with pytest.raises(ValueError, match="counters must be"):
        load_account(ACCOUNT_DIR, start=DECEMBER_NIGHT, counters="other")


def test_the_command_line_moves_counters_to_the_season_by_default() -> None:
    """`--start now` alone gives the date's counters; `--counters snapshot` keeps them."""
    parser = build_parser()

    assert parser.parse_args(["--account", "x"]).counters == "season"
    assert (
        parser.parse_args(["--account", "x", "--counters", "snapshot"]).counters
        == "snapshot"
    )


async def test_the_simulator_serves_december_past_days(make_harness: Any) -> None:
    """The report endpoint answers December's past days with December energy."""
    account, _ = _december()
    harness = await make_harness(account)

    body = await harness.get_json(
        "/api/report/v2/powerStations/data/81234"
        "?timeType=day&dataFlag=energy&searchTime=2026-12-03"
    )

    assert DECEMBER_DAY_KWH[0] < body["energy"] < DECEMBER_DAY_KWH[1]


def test_a_station_without_meter_or_sun_spreads_evenly() -> None:
    """No meter: production only; a period without any sun spreads its total evenly."""
    account, _ = _december()
    station = account.station(81235)
    assert station is not None
    ratios = Ratios.learn(station, station.counters)
    assert not ratios.metered
    model = DayModel(station, ratios)
    for device in station.devices:
        device.online = False
    dark = DayModel(station, ratios)
    days = [date(2026, 12, 1), date(2026, 12, 2)]
    totals = dict.fromkeys(SERIES, 0.0) | {"production": 4.0}

    assert model.expected(days[0])["consumption"] == 0
    assert [v["production"] for v in split(dark, days, totals).values()] == [2.0, 2.0]


def test_learned_shares_of_a_new_or_odd_station() -> None:
    """Empty counters give default shares; export + charge above production is scaled."""
    _, station = _december()
    empty = dict.fromkeys(((s, p) for s in SERIES for p in ("day", "all")), 0)
    assert Ratios.learn(station, empty) == Ratios(True, 0.3, 0.2, 0.9)
    odd = empty | {
        ("production", "all"): 10,
        ("grid_export", "all"): 10,
        ("battery_charge", "all"): 10,
    }
    assert Ratios.learn(station, odd) == Ratios(True, 0.5, 0.5, 0.0)


def test_a_clock_started_in_december_keeps_december(make_harness: Any) -> None:
    """A Simulator built on the moved account agrees with its clock's date."""
    account, station = _december()
    simulator = Simulator(
        account, SimClock(account.time, time_scale=0), SimulatorConfig()
    )

    simulator.sync()

    assert account.time == DECEMBER_NIGHT
    assert simulator.past.first_day(station) < date(2026, 1, 1)


def test_the_sun_is_that_of_the_configured_location() -> None:
    """Noon in New York is dark in France: `--location` moves the sun with the zone."""
    parser = build_parser()
    noon = "2026-12-07T12:00:00-05:00"
    in_new_york = parser.parse_args(
        [
            *("--account", str(ACCOUNT_DIR), "--start", noon),
            *("--time-zone", "America/New_York", "--location", "40.7,-74.0"),
        ]
    )
    default = parser.parse_args(
        [
            "--account",
            str(ACCOUNT_DIR),
            "--start",
            noon,
            "--time-zone",
            "America/New_York",
        ]
    )

    def pv(args: Any) -> float:
        account = _account(args, datetime.fromisoformat(args.start))
        station = account.station(81234)
        assert station is not None
        return sum(float(s.power) for d in station.devices for s in d.strings)

    assert pv(in_new_york) > 100
    assert pv(default) == 0
    generated = parser.parse_args(["--stations", "1", "--location", "-33.9,151.2"])
    (station,) = _account(generated, DECEMBER_NIGHT).stations
    assert (station.latitude, station.longitude) == (-33.9, 151.2)
    for wrong in ("north", "91,0", "1,2,3"):
        with pytest.raises(SystemExit):
            parser.parse_args(["--stations", "1", "--location", wrong])
