"""A Titan in calendar mode (`ctr_mode` 2): accepted, shown, lagged like the others.

The schedule the Izypower app sets is unknown, so the simulated Titan does in calendar
mode what it does in intelligent mode (self-consumption: tests/simulator/
test_dispatch_modes.py); unlike intelligent mode it needs no smart meter.
"""

from izypower_simulator import load_account

from .conftest import ACCOUNT_DIR, Harness, HarnessFactory
from .test_controls import (
    BAD_REQUEST,
    BATTERY,
    FIXTURE_SETTINGS,
    MASTER,
    SLAVE,
    SLAVE_SETTINGS,
    cmd,
)

CALENDAR = {"ctr_mode": 2}


async def test_calendar_written_then_shown_after_the_lag(
    make_harness: HarnessFactory,
) -> None:
    """The write is accepted at once and shows once the cloud's lag has passed."""
    harness = await make_harness(refresh_interval_s=0)
    await harness.admin("POST", "/faults", {"write_lag_s": 60})

    response = await harness.post(f"{BATTERY}/mode/{MASTER}", CALENDAR)

    assert response.status == 200
    await harness.advance(59)
    assert (await cmd(harness))["mode"] == FIXTURE_SETTINGS["mode"]
    await harness.advance(1)
    assert await cmd(harness) == FIXTURE_SETTINGS | {"mode": CALENDAR}


async def test_calendar_needs_no_meter(make_harness: HarnessFactory) -> None:
    """Without a smart meter intelligent mode is refused, calendar mode is not."""
    account = load_account(ACCOUNT_DIR)
    found = account.device_by_serial(MASTER)
    assert found is not None
    battery = found[1].battery
    assert battery is not None
    battery.settings.has_meter = False
    harness = await make_harness(account)
    mode = f"{BATTERY}/mode/{MASTER}"

    assert await (await harness.post(mode, {"ctr_mode": 0})).json() == BAD_REQUEST
    assert (await harness.post(mode, CALENDAR)).status == 200
    assert (await cmd(harness))["mode"] == CALENDAR


async def test_calendar_refused_on_a_slave(harness: Harness) -> None:
    """A slave follows its master: HTTP 400 and nothing changes."""
    response = await harness.post(f"{BATTERY}/mode/{SLAVE}", CALENDAR)

    assert response.status == 400
    assert await response.json() == BAD_REQUEST
    assert await cmd(harness, SLAVE) == SLAVE_SETTINGS


async def test_calendar_set_in_the_app(harness: Harness) -> None:
    """The owner chooses calendar mode in the app: shown at once, manual kept."""
    await harness.admin(
        "POST", "/state", {"devices": {MASTER: {"app_settings": CALENDAR}}}
    )

    assert await cmd(harness) == FIXTURE_SETTINGS | {"mode": CALENDAR}
