"""No password, token, e-mail, address, Wi-Fi name, IP address or serial in our logs.

One run through the life of an entry, with the integration's logger at DEBUG and every
kind of trouble the cloud can cause: a transport error, a server error with an HTML page,
a failing device call, an expired token, a refused password, and the reauthentication.
"""

import asyncio
from datetime import timedelta
import logging

import aiohttp
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_PASSWORD
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import homeassistant.util.dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from .cloud_mock import (
    TITAN_SLAVE_SN,
    Endpoint,
    MockCloud,
    advance_time,
    fixture_secrets,
    setup_integration,
)
from .sim_cloud import PASSWORD as SIM_PASSWORD, USERNAME as SIM_USERNAME, SimCloud

pytest_plugins = ["tests.cloud_mock", "tests.sim_cloud"]

NEW_SIM_PASSWORD = "changed-in-the-app"

OUR_LOGGERS = "custom_components.izypower_cloud"


def _our_records_without_secrets(
    caplog: pytest.LogCaptureFixture,
) -> list[logging.LogRecord]:
    """Return the records our code logged, once checked free of personal data."""
    ours = [r for r in caplog.records if r.name.startswith(OUR_LOGGERS)]
    text = "\n".join(
        f"{record.getMessage()} {record.exc_text or ''}" for record in ours
    )
    leaked = sorted(secret for secret in fixture_secrets() if secret in text)
    assert leaked == []
    return ours


async def test_logs_never_hold_personal_data(
    hass: HomeAssistant,
    cloud_clock: FrozenDateTimeFactory,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Every record our code logs, whatever went wrong, is free of personal data."""
    caplog.set_level(logging.DEBUG, logger=OUR_LOGGERS)
    await setup_integration(hass, mock_config_entry)
    assert mock_config_entry.state is ConfigEntryState.LOADED

    # Transport error, HTML 502 page, one device's battery page, the device list.
    mock_cloud.fail(
        Endpoint.STATION_INFO, 81234, exception=aiohttp.ClientConnectionError()
    )
    mock_cloud.fail(
        Endpoint.DEVICE_PAGE, 81235, status=502, body="<html>Bad gateway</html>"
    )
    mock_cloud.fail(Endpoint.BATTERY, TITAN_SLAVE_SN, status=404)
    await advance_time(hass, cloud_clock, timedelta(minutes=3))
    mock_cloud.restore()
    await advance_time(hass, cloud_clock, timedelta(minutes=3))
    # Every station fails: the refresh as a whole fails and recovers.
    mock_cloud.fail(Endpoint.STATION_INFO)
    await advance_time(hass, cloud_clock, timedelta(minutes=3))
    mock_cloud.restore()
    await advance_time(hass, cloud_clock, timedelta(minutes=3))
    # The password changed in the app: refused login, reauthentication started.
    mock_cloud.fail(Endpoint.STATION_INFO, status=401)
    mock_cloud.reject_login()
    await advance_time(hass, cloud_clock, timedelta(minutes=31))
    assert any(
        flow["context"]["source"] == "reauth"
        for flow in hass.config_entries.flow.async_progress()
    )

    ours = _our_records_without_secrets(caplog)
    assert len(ours) > 5, "the scenario should make our code log"


async def test_write_paths_never_log_personal_data(
    hass: HomeAssistant,
    cloud_clock: FrozenDateTimeFactory,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Writes accepted, refused, timed out, never confirmed: still no personal data."""
    caplog.set_level(logging.DEBUG, logger=OUR_LOGGERS)
    await setup_integration(hass, mock_config_entry)

    async def set_floor(value: float) -> None:
        await hass.services.async_call(
            "number",
            "set_value",
            {"entity_id": "number.titan_maitre_discharge_floor", "value": value},
            blocking=True,
        )

    await set_floor(20)  # accepted, never applied: warning and repair
    await advance_time(hass, cloud_clock, timedelta(minutes=11))
    write = (Endpoint.BATTERY_WRITE, ("min_soc", "IZT24A000101"))
    mock_cloud.fail(*write, status=200, body={"code": 7, "msg": "IZT24A000101"})
    with pytest.raises(HomeAssistantError):
        await set_floor(25)
    mock_cloud.fail(*write, exception=TimeoutError())
    with pytest.raises(HomeAssistantError):
        await set_floor(30)
    mock_cloud.restore()
    await hass.services.async_call(
        "switch",
        "turn_off",
        {"entity_id": "switch.compteur_linky_export_limitation"},
        blocking=True,
    )
    mock_cloud.reject_login()
    mock_cloud.fail(Endpoint.METER_BASE_INFO, status=401)
    await advance_time(hass, cloud_clock, timedelta(seconds=20))

    ours = _our_records_without_secrets(caplog)
    assert any(r.levelno == logging.WARNING for r in ours)


def _record_text(record: logging.LogRecord) -> str:
    """Everything a log record could show: message, raw args, traceback, stack."""
    parts = [str(record.msg), repr(record.args), record.getMessage()]
    if record.exc_info:
        parts.append(logging.Formatter().formatException(record.exc_info))
    parts.extend(filter(None, (record.exc_text, record.stack_info)))
    return "\n".join(parts)


async def test_home_assistant_logs_never_hold_credentials(
    hass: HomeAssistant,
    sim_cloud: SimCloud,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Home Assistant's own setup path, every logger at DEBUG: no e-mail, password, token.

    The cloud is down at startup (the entry is not ready and retried), comes back, then
    refuses the password (reauthentication with a new one), and the entry is reloaded.
    Home Assistant quotes the entry title in its records and task names: the title is
    the masked e-mail.
    """
    caplog.set_level(logging.DEBUG)
    issued: list[str] = []
    tokens = sim_cloud.simulator.tokens
    issue = tokens.issue

    def record_issue(user_id: int, username: str) -> str:
        issued.append(token := issue(user_id, username))
        return token

    tokens.issue = record_issue  # type: ignore[method-assign]
    task_names: set[str] = set()

    def note_tasks() -> None:
        task_names.update(task.get_name() for task in asyncio.all_tasks())

    entry = sim_cloud.entry()
    entry.add_to_hass(hass)
    sim_cloud.faults(html_error_rate=1.0)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    note_tasks()

    sim_cloud.clear_faults()
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=5))
    async with asyncio.timeout(10):
        while entry.state is not ConfigEntryState.LOADED:
            await hass.async_block_till_done(wait_background_tasks=True)
            await asyncio.sleep(0.05)
    note_tasks()

    # The password changed in the app: one refused login starts reauthentication.
    sim_cloud.simulator.password = NEW_SIM_PASSWORD
    sim_cloud.faults(force_401=1)
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    note_tasks()
    [flow] = hass.config_entries.flow.async_progress()
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_PASSWORD: NEW_SIM_PASSWORD}
    )
    assert result.get("reason") == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED

    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    note_tasks()
    assert entry.state is ConfigEntryState.LOADED

    assert issued, "the scenario should log in"
    secrets = {SIM_USERNAME, SIM_USERNAME.upper(), SIM_PASSWORD, NEW_SIM_PASSWORD}
    secrets.update(issued)
    assert len(caplog.records) > 50
    text = "\n".join(_record_text(record) for record in caplog.records)
    text += "\n".join(task_names)
    assert entry.title in text, "Home Assistant should quote the title"
    leaked = sorted(secret for secret in secrets if secret.lower() in text.lower())
    assert leaked == []
