"""`import_history` and days whose report lacks some series; statistic names (issue 25).

Such a day is booked with what its report has (no zeros for the rest), reported with
its missing series in the response and in one log line, and a later import completes
it without touching what is already there.
"""

from dataclasses import replace
from datetime import date, datetime
import importlib
from typing import Any
from zoneinfo import ZoneInfo

from homeassistant.components.recorder.statistics import list_statistic_ids
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.recorder import get_instance
import pytest

from custom_components.izypower_cloud.api import EnergyReport, EnergySeries
from custom_components.izypower_cloud.const import DOMAIN
from custom_components.izypower_cloud.history.statistics import statistic_id

from .conftest import (
    FIXTURE_IDS,
    CloudFactory,
    SimulatedCloud,
    import_history,
    report_totals,
    statistic_rows,
)

PARIS = ZoneInfo("Europe/Paris")
# The 1st of a month: setup imports no earlier day of it (a quicker setup).
START = datetime(2026, 10, 1, 10, 0, tzinfo=PARIS)
GAPPY_DAY = date(2026, 9, 10)
LACKING = (EnergySeries.GRID_IMPORT, EnergySeries.BATTERY_DISCHARGE)


@pytest.fixture
def gaps() -> dict[str, bool]:
    """Whether the day report of GAPPY_DAY lacks LACKING (on at first)."""
    return {"on": True}


@pytest.fixture
async def cloud(
    start_cloud: CloudFactory, monkeypatch: pytest.MonkeyPatch, gaps: dict[str, bool]
) -> SimulatedCloud:
    """Start the simulator; GAPPY_DAY's report lacks LACKING while `gaps` is on."""
    module = importlib.import_module("custom_components.izypower_cloud.history.entry")
    real = module._fetch_day_report  # noqa: SLF001

    async def fetch(coordinator: Any, station_id: int, day: date) -> EnergyReport:
        report = await real(coordinator, station_id, day)
        if day != GAPPY_DAY or not gaps["on"]:
            return report
        energy = {s: v for s, v in report.energy.items() if s not in LACKING}
        return replace(report, energy=energy)

    monkeypatch.setattr(module, "_fetch_day_report", fetch)
    return await start_cloud(START)


async def _day_change(hass: HomeAssistant, station_id: int) -> dict[str, float]:
    rows = await statistic_rows(hass, FIXTURE_IDS, "day", {"change"})
    changes: dict[str, float] = {}
    for stat_id, stat_rows in rows.items():
        for row in stat_rows:
            if datetime.fromtimestamp(row["start"], PARIS).date() == GAPPY_DAY:
                changes[stat_id] = row["change"]
    return {k: v for k, v in changes.items() if f"_{station_id}_" in k}


async def test_incomplete_day_reported_then_completed(
    hass: HomeAssistant,
    cloud: SimulatedCloud,
    gaps: dict[str, bool],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Reported with its missing series, booked without them, completed later."""
    entry = await cloud.set_up()
    day = GAPPY_DAY.isoformat()
    response = await import_history(
        hass, config_entry_id=entry.entry_id, start=day, end=day
    )
    tilleuls = response["stations"]["81234"]
    assert tilleuls["incomplete"] == {day: ["grid_import", "battery_discharge"]}
    assert tilleuls["imported"] == 1
    # The station without a meter or a battery has none of those series.
    assert response["stations"]["81235"]["incomplete"] == {}
    assert "1 incomplete" in response["message"]
    warnings = [r for r in caplog.records if "lacked some series" in r.getMessage()]
    assert len(warnings) == 1
    assert f"{day} (grid_import, battery_discharge)" in warnings[0].getMessage()

    truth = report_totals(cloud, 81234, day)
    booked = await _day_change(hass, 81234)
    # No zero invented: the missing series have no row that day.
    assert statistic_id(81234, EnergySeries.GRID_IMPORT) not in booked
    assert statistic_id(81234, EnergySeries.BATTERY_DISCHARGE) not in booked
    production = statistic_id(81234, EnergySeries.PRODUCTION)
    assert booked[production] == pytest.approx(truth["production"], abs=0.01)

    # Still missing from the cloud: nothing booked twice, still reported.
    again = await import_history(
        hass, config_entry_id=entry.entry_id, start=day, end=day
    )
    assert again["stations"]["81234"]["imported"] == 0
    assert again["stations"]["81234"]["incomplete"] == tilleuls["incomplete"]
    assert await _day_change(hass, 81234) == booked

    gaps["on"] = False
    caplog.clear()
    completed = await import_history(
        hass, config_entry_id=entry.entry_id, start=day, end=day
    )
    assert completed["stations"]["81234"]["imported"] == 1
    assert completed["stations"]["81234"]["incomplete"] == {}
    assert not [r for r in caplog.records if "lacked some series" in r.getMessage()]
    full = await _day_change(hass, 81234)
    for series in ("production", "grid_import", "battery_discharge", "consumption"):
        assert full[statistic_id(81234, EnergySeries(series))] == pytest.approx(
            truth[series], abs=0.01
        ), series

    # Complete now: left alone.
    last = await import_history(
        hass, config_entry_id=entry.entry_id, start=day, end=day
    )
    assert last["stations"]["81234"]["already_present"] == 1
    assert await _day_change(hass, 81234) == full


async def test_reversed_range_has_its_own_message(
    hass: HomeAssistant, cloud: SimulatedCloud
) -> None:
    """Start after end: said as such, not as a range reaching the current day."""
    entry = await cloud.set_up()
    with pytest.raises(ServiceValidationError) as caught:
        await hass.services.async_call(
            DOMAIN,
            "import_history",
            {
                "config_entry_id": entry.entry_id,
                "start": "2026-09-10",
                "end": "2026-09-01",
            },
            blocking=True,
        )
    assert caught.value.translation_key == "reversed_range"
    assert caught.value.translation_placeholders == {
        "start": "2026-09-10",
        "end": "2026-09-01",
    }


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            "Maison des Tilleuls Solar production since installation (hourly history)",
        ),
        (
            "fr",
            (
                "Maison des Tilleuls Production solaire depuis l'installation "
                "(historique horaire)"
            ),
        ),
    ],
)
async def test_statistics_are_named_apart_from_the_sensors(
    hass: HomeAssistant, cloud: SimulatedCloud, language: str, expected: str
) -> None:
    """The Energy pickers list the statistic and the sensor under different names."""
    hass.config.language = language
    await cloud.set_up()
    listed = await get_instance(hass).async_add_executor_job(
        list_statistic_ids, hass, {statistic_id(81234, EnergySeries.PRODUCTION)}
    )
    assert [item["name"] for item in listed] == [expected]
