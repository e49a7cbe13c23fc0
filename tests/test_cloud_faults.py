"""Faults of the cloud, served over loopback by the simulator: what a refresh costs.

Each test sets up the entry against the simulated fixture account, switches one fault
on, and counts with the simulator what the next refreshes sent (docs/design.md §5,
"bounded cost of a failing cloud"). Time limits are shortened (tests/sim_cloud.py).
"""

from datetime import timedelta
import logging
import re

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.update_coordinator import UpdateFailed
import pytest

from custom_components.izypower_cloud import (
    coordinator as coordinator_module,
    fetch as fetch_module,
    refresh_guard,
)
from custom_components.izypower_cloud.const import DOMAIN, MAX_CONCURRENT_REQUESTS
from custom_components.izypower_cloud.coordinator import IzypowerCoordinator
from izypower_simulator import generate_account

from .sim_cloud import USERNAME, SimCloud, start_sim_cloud

pytest_plugins = ["tests.sim_cloud"]

# Requests of a steady refresh of the fixture account when the cloud is healthy (the
# simulator has no temperature sample for Home Assistant's date: both are asked each time).
STEADY_REQUESTS = 13


@pytest.fixture(autouse=True)
def cloud_samples_due(monkeypatch: pytest.MonkeyPatch) -> None:
    """Read the cloud's 5-minute data at every refresh, as one 5 minutes later does.

    These refreshes run back to back on the real clock; the day report and the CT
    clamps would otherwise be carried over (issue 25).
    """
    monkeypatch.setattr(fetch_module, "CLOUD_SAMPLE_INTERVAL", timedelta(0))


PRODUCTION = "station_81234_production_total"
# The generated account of the first-refresh deadline test.
STATIONS = 30


async def _set_up(hass: HomeAssistant, sim_cloud: SimCloud) -> IzypowerCoordinator:
    entry = sim_cloud.entry()
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    coordinator: IzypowerCoordinator = entry.runtime_data.coordinator
    sim_cloud.reset()
    return coordinator


def _state(hass: HomeAssistant, unique_id: str) -> str:
    entity_id = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, unique_id)
    assert entity_id is not None
    state = hass.states.get(entity_id)
    assert state is not None
    return state.state


def _why_not_answered(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Return why each call of the refresh got no answer, as the integration logs it."""
    reasons = []
    for record in caplog.records:
        if record.name != "custom_components.izypower_cloud":
            continue
        what, _, why = record.getMessage().partition(": ")
        if what.endswith((" not made", " unavailable")):
            reasons.append(why)
    return reasons


async def test_healthy_steady_refresh(hass: HomeAssistant, sim_cloud: SimCloud) -> None:
    """The reference: a steady refresh of the fixture account sends 13 requests (CT clamps included)."""
    coordinator = await _set_up(hass, sim_cloud)
    await coordinator.async_refresh()
    assert coordinator.last_update_success
    assert sim_cloud.requests() == STEADY_REQUESTS


@pytest.mark.parametrize("slow", [False, True])
async def test_full_outage_costs_a_handful_of_requests(
    hass: HomeAssistant,
    sim_cloud: SimCloud,
    caplog: pytest.LogCaptureFixture,
    slow: bool,
) -> None:
    """Every call 502 HTML: ≤ 6 requests a refresh, one ERROR, back at the first good one.

    Before the circuit breaker and the retry budget, each refresh sent 87 requests.
    """
    coordinator = await _set_up(hass, sim_cloud)
    sim_cloud.faults(html_error_rate=1.0)
    caplog.clear()
    for _ in range(3):
        coordinator._slow_requested = slow
        sim_cloud.reset()
        await coordinator.async_refresh()
        assert not coordinator.last_update_success
        assert sim_cloud.requests() <= 6
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert _state(hass, PRODUCTION) == STATE_UNAVAILABLE

    sim_cloud.clear_faults()
    await coordinator.async_refresh()
    assert coordinator.last_update_success
    assert _state(hass, PRODUCTION) != STATE_UNAVAILABLE


async def test_hanging_cloud_ends_the_refresh_early(
    hass: HomeAssistant, sim_cloud: SimCloud, caplog: pytest.LogCaptureFixture
) -> None:
    """A cloud that never answers: the refresh fails within a call's time budget.

    What ended each call is counted, not the time: the call budget (0.8 s here) and
    the circuit breaker, never 3 attempts of the request timeout nor the deadline.
    """
    coordinator = await _set_up(hass, sim_cloud)
    sim_cloud.faults(hang_rate=1.0, hang_seconds=60)
    caplog.set_level(logging.DEBUG, logger="custom_components.izypower_cloud")
    caplog.clear()
    await coordinator.async_refresh()
    assert not coordinator.last_update_success
    reasons = _why_not_answered(caplog)
    budget = [reason for reason in reasons if "gave no answer within 1 s" in reason]
    # Both station infos: one attempt each, cut by the budget while retrying.
    assert len(budget) == 2
    # Everything else after the two shared retries were spent: not sent at all.
    assert all(
        reason in budget or "failed 1 times" in reason or "not sent" in reason
        for reason in reasons
    ), reasons
    assert "refresh deadline" not in caplog.text
    # The first four calls in flight and the two retries of the budget.
    assert sim_cloud.requests() <= 6


async def test_one_hanging_endpoint_delays_nothing_else(
    hass: HomeAssistant, sim_cloud: SimCloud, caplog: pytest.LogCaptureFixture
) -> None:
    """Battery pages hang: the rest is published after that call's budget, not later.

    Each battery page is ended by its call budget (not by retries of the request
    timeout, nor by the refresh deadline): counted in the log, not timed.
    """
    coordinator = await _set_up(hass, sim_cloud)
    sim_cloud.faults(hanging_endpoints=["battery"], hang_seconds=60)
    caplog.set_level(logging.DEBUG, logger="custom_components.izypower_cloud")
    caplog.clear()
    await coordinator.async_refresh()
    assert coordinator.last_update_success
    assert (
        _why_not_answered(caplog)
        == ["battery page of device gave no answer within 1 s"] * 2
    )
    assert "refresh deadline" not in caplog.text
    # Each battery page: one hanging attempt and the start of its retry.
    assert sim_cloud.requests("battery") <= 4
    assert sim_cloud.requests("station_info") == 2
    stations = coordinator.data.stations.values()
    assert all(station.info is not None for station in stations)
    batteries = [
        device
        for station in stations
        for device in station.devices.values()
        if device.device.device_type.name == "BATTERY"
    ]
    assert batteries
    assert all(device.battery is None for device in batteries)
    assert _state(hass, PRODUCTION) != STATE_UNAVAILABLE


async def test_login_down_with_an_expired_token(
    hass: HomeAssistant, sim_cloud: SimCloud
) -> None:
    """Login answers 500 and the token is refused: ≤ 3 logins, then none (backoff)."""
    coordinator = await _set_up(hass, sim_cloud)
    sim_cloud.faults(failing_endpoints=["login"], force_401=10_000)
    await coordinator.async_refresh()
    assert not coordinator.last_update_success
    assert 1 <= sim_cloud.requests("login") <= 3
    # "Login paused" fails the calls: the refresh fails with a translated error.
    assert isinstance(coordinator.last_exception, UpdateFailed)
    assert coordinator.last_exception.translation_key == "no_station_answered"
    sim_cloud.reset()
    await coordinator.async_refresh()
    assert not coordinator.last_update_success
    assert sim_cloud.requests("login") == 0
    assert sim_cloud.requests() == 0


async def test_tokens_refused_after_login(
    hass: HomeAssistant, sim_cloud: SimCloud
) -> None:
    """Logins work but every token is refused: one login, then logins back off."""
    coordinator = await _set_up(hass, sim_cloud)
    sim_cloud.faults(force_401=10_000)
    await coordinator.async_refresh()
    assert not coordinator.last_update_success
    assert sim_cloud.requests("login") == 1
    sim_cloud.reset()
    await coordinator.async_refresh()
    assert sim_cloud.requests("login") == 0
    assert sim_cloud.requests() <= 6


async def test_refused_password_starts_reauth_after_one_login(
    hass: HomeAssistant, sim_cloud: SimCloud
) -> None:
    """The password changed in the cloud: one login, refused, then reauthentication."""
    coordinator = await _set_up(hass, sim_cloud)
    sim_cloud.simulator.password = "changed-elsewhere"
    sim_cloud.faults(force_401=1)
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert sim_cloud.requests("login") == 1
    flows = hass.config_entries.flow.async_progress()
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


async def test_large_account_setup_is_prompt(
    hass: HomeAssistant,
    socket_enabled: None,
    entity_registry: er.EntityRegistry,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """30 stations × 10 devices: the first refresh ends by its deadline.

    Station infos and device lists go first, so every station's devices and entities
    exist; what the deadline cut follows at the next refreshes. Counted, not timed:
    every other kind of call hangs here, so only the deadline can end the refresh, and
    the 60 infos and lists can only all be answered if they were sent before the
    others (a hanging call holds its request slot until the deadline). The size only
    costs the test time: what it holds for 30 stations holds for 100. How long a large
    account really takes: `python -m devtools.benchmark --stations 100`.
    """
    caplog.set_level(logging.DEBUG, logger="custom_components.izypower_cloud")
    # Far more than 60 quick answers take on a busy machine (well under 1 s idle), and
    # less than the client's request timeout (10 s): only the deadline cuts a call.
    deadline = timedelta(seconds=8)
    monkeypatch.setattr(coordinator_module, "FIRST_REFRESH_DEADLINE", deadline)
    # A hanging call's own budget must not end it before the deadline does.
    monkeypatch.setattr(refresh_guard, "CALL_BUDGET", timedelta(minutes=10))
    cloud = await start_sim_cloud(generate_account(STATIONS, 10, username=USERNAME))
    first = {"login", "stations", "station_info", "devices"}
    cloud.faults(hanging_endpoints=sorted(cloud.endpoints - first))
    entry = cloud.entry()
    try:
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        assert entry.state is ConfigEntryState.LOADED
        cut = re.findall(
            r"(\d+) cloud calls were not answered within the refresh deadline",
            caplog.text,
        )
        assert len(cut) == 1
        assert int(cut[0]) > STATIONS
        assert cloud.requests("station_info") == cloud.requests("devices") == STATIONS
        # The other calls in flight at the deadline: one per request slot.
        hung = cloud.requests() - sum(cloud.requests(kind) for kind in first)
        assert hung == MAX_CONCURRENT_REQUESTS
        stations = entry.runtime_data.coordinator.data.stations
        assert len(stations) == STATIONS
        assert all(len(station.devices) == 10 for station in stations.values())
        assert er.async_entries_for_config_entry(entity_registry, entry.entry_id)
    finally:
        cloud.clear_faults()
        await hass.config_entries.async_unload(entry.entry_id)
        await cloud.server.close()


def _our_records(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    """Return the integration's log lines at `level` exactly."""
    return [
        record.getMessage()
        for record in caplog.records
        if record.name.startswith("custom_components.izypower_cloud")
        and record.levelno == level
    ]


LOGIN_UNAVAILABLE = "cloud login unavailable: "


@pytest.mark.parametrize(
    ("faults", "infos"),
    [
        # Every token refused although logins work: the calls in flight are refused,
        # the others find logins backing off. Before: 13 INFO lines, one per call.
        ({"force_401": 10_000}, [LOGIN_UNAVAILABLE]),
        # Logins fail (HTTP 500): the circuit opens at once (one line for the
        # refresh); then logins are paused. Before: that line, then one per station
        # info probed at the next refresh (2).
        (
            {"failing_endpoints": ["login"], "force_401": 10_000},
            ["No cloud call of this refresh answered", LOGIN_UNAVAILABLE],
        ),
    ],
)
async def test_failing_login_is_logged_once(
    hass: HomeAssistant,
    sim_cloud: SimCloud,
    caplog: pytest.LogCaptureFixture,
    faults: dict[str, object],
    infos: list[str],
) -> None:
    """No usable token: the cause is logged once for every call, with one ERROR."""
    coordinator = await _set_up(hass, sim_cloud)
    sim_cloud.faults(**faults)
    caplog.clear()
    for _ in range(3):
        await coordinator.async_refresh()
        assert not coordinator.last_update_success
    logged = _our_records(caplog, logging.INFO)
    assert len(logged) == len(infos)
    assert all(
        line.startswith(start) for line, start in zip(logged, infos, strict=True)
    )
    assert len(_our_records(caplog, logging.ERROR)) == 1

    # Back to normal (an explicit login ignores the backoff, as a reload's would):
    # the first good refresh says so once.
    sim_cloud.clear_faults()
    await coordinator.client.login()
    caplog.clear()
    await coordinator.async_refresh()
    assert coordinator.last_update_success
    assert "cloud login available again" in _our_records(caplog, logging.INFO)


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_a_cloud_without_the_meter_page(
    hass: HomeAssistant, sim_cloud: SimCloud, caplog: pytest.LogCaptureFixture
) -> None:
    """An older cloud fails the meter page: its channels only are unavailable.

    With every entity enabled (the channels are read), one more request a refresh,
    logged once when it starts failing; the rest of the meter is unaffected.
    """
    coordinator = await _set_up(hass, sim_cloud)
    await coordinator.async_refresh()
    assert sim_cloud.requests("meter_channels") == 1
    assert _state(hass, "device_640103_channel_1_power") != STATE_UNAVAILABLE
    sim_cloud.faults(failing_endpoints=["meter_channels"])
    caplog.clear()
    sim_cloud.reset()
    for _ in range(3):
        await coordinator.async_refresh()
    assert coordinator.last_update_success
    # Not retried: one request a refresh, and the refresh keeps its retries.
    assert sim_cloud.requests() == 3 * (STEADY_REQUESTS + 1)
    assert _state(hass, "device_640103_channel_1_power") == STATE_UNAVAILABLE
    assert _state(hass, "device_640103_channel_3_mode") == STATE_UNAVAILABLE
    assert _state(hass, "device_640103_grid_voltage") != STATE_UNAVAILABLE
    assert _state(hass, "device_640103_meter_import_total") != STATE_UNAVAILABLE
    unavailable = [
        record
        for record in caplog.records
        if record.levelno >= logging.INFO and "meter channels" in record.getMessage()
    ]
    assert len(unavailable) == 1
    assert unavailable[0].levelno == logging.INFO
