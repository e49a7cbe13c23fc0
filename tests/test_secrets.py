"""No password, token, e-mail, address, Wi-Fi name, IP address or serial in our logs.

One run through the life of an entry, with the integration's logger at DEBUG and every
kind of trouble the cloud can cause: a transport error, a server error with an HTML page,
a failing device call, an expired token, a refused password, and the reauthentication.
"""

from datetime import timedelta
import logging

import aiohttp
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from .cloud_mock import (
    TITAN_SLAVE_SN,
    Endpoint,
    MockCloud,
    advance_time,
    fixture_secrets,
    setup_integration,
)

pytest_plugins = ["tests.cloud_mock"]

OUR_LOGGERS = "custom_components.izypower_cloud"


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

    ours = [r for r in caplog.records if r.name.startswith(OUR_LOGGERS)]
    assert len(ours) > 5, "the scenario should make our code log"
    text = "\n".join(
        f"{record.getMessage()} {record.exc_text or ''}" for record in ours
    )
    leaked = sorted(secret for secret in fixture_secrets() if secret in text)
    assert leaked == []


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

    ours = [r for r in caplog.records if r.name.startswith(OUR_LOGGERS)]
    assert any(r.levelno == logging.WARNING for r in ours)
    text = "\n".join(
        f"{record.getMessage()} {record.exc_text or ''}" for record in ours
    )
    leaked = sorted(secret for secret in fixture_secrets() if secret in text)
    assert leaked == []
