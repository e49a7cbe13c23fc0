"""Fixtures shared by every test of the project."""

from collections.abc import Iterable, Iterator
import logging
from pathlib import Path
import re
from types import SimpleNamespace
from typing import Any
from unittest.mock import PropertyMock, patch

import aiohttp
import aioresponses.core
import pytest
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion

FIXTURES_DIR = Path(__file__).parent / "fixtures"
ACCOUNT_DIR = FIXTURES_DIR / "account"


class _CompatClientResponse(aiohttp.ClientResponse):
    """aioresponses 0.7.9 does not pass aiohttp >= 3.14's required `stream_writer`.

    Upstream issue pnuckowski/aioresponses#289; remove once a fixed release exists.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("stream_writer", SimpleNamespace(output_size=0))
        super().__init__(*args, **kwargs)


if "stream_writer" in aiohttp.ClientResponse.__init__.__code__.co_varnames:
    aioresponses.core.ClientResponse = _CompatClientResponse  # type: ignore[misc]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(request: pytest.FixtureRequest) -> None:
    """Let Home Assistant load custom_components/ in every test that runs Home Assistant.

    Tests of the API library and of the simulator do not start Home Assistant, so they do
    not pay for it.
    """
    if "hass" in request.fixturenames:
        request.getfixturevalue("enable_custom_integrations")


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Snapshot with Home Assistant's serializer (syrupy's own fixture would win otherwise)."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


@pytest.fixture
def entity_registry_enabled_by_default() -> Iterator[None]:
    """Create every entity enabled, including those disabled by default."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        new_callable=PropertyMock,
        return_value=True,
    ):
        yield


# Home Assistant reports a deprecated call of an integration in its log rather than as a
# Python warning: helpers/frame.py `report_usage` ("Detected that custom integration
# 'izypower_cloud' calls ...") and helpers/deprecation.py ("The deprecated function ...
# was used from izypower_cloud").
_DEPRECATION_REPORT = re.compile(
    r"integration 'izypower_cloud'|deprecated .* from izypower_cloud\b"
)


def deprecation_reports(records: Iterable[logging.LogRecord]) -> list[str]:
    """Return Home Assistant's reports of a deprecated call made by the integration."""
    return [
        message
        for record in records
        if record.levelno >= logging.WARNING
        and _DEPRECATION_REPORT.search(message := record.getMessage())
    ]


@pytest.fixture(autouse=True)
def no_deprecated_calls(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fail a test in which the integration called something Home Assistant deprecates.

    (A Python DeprecationWarning from our code fails it already: pyproject's pytest
    `filterwarnings`.)
    """
    yield
    reports = deprecation_reports(
        [*caplog.get_records("setup"), *caplog.get_records("call")]
    )
    assert not reports, f"deprecated calls: {reports}"
