"""Fixtures shared by every test of the project."""

from collections.abc import Iterator
from pathlib import Path
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
