"""Fixtures of the end-to-end tests."""

from collections.abc import Iterator
import os
import sys

import pytest

from devtools import ha_harness

from .ahead import HOME_SOURCE_RELEASE, Ahead, home_assistant_release, start_energy_demo

# The test whose Home Assistant starts ahead (tests/e2e/ahead.py).
EVERY_FIELD = "test_every_energy_field_on_the_newest_home_assistant"
# `hass`'s interpreter for a test without the --ha-next-python parameter.
DEFAULT_PYTHON = os.environ.get("IZYPOWER_HA_PYTHON") or sys.executable


@pytest.fixture
def stop_processes() -> Iterator[None]:
    """Stop every process the test started, whatever happened to the test.

    Their last lines are printed first: pytest shows them under the failure of a failing
    test (and swallows them otherwise).
    """
    try:
        yield
    finally:
        for process in ha_harness.running_processes():
            print(process.log_tail())  # noqa: T201
        ha_harness.stop_all()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the every-field Energy test last, its Home Assistant started the longest ago.

    The same order on every pytest-xdist worker (it depends on the collection only).
    """
    last = [item for item in items if getattr(item, "originalname", "") == EVERY_FIELD]
    items[:] = [item for item in items if item not in last] + last


@pytest.fixture(scope="session")
def started_ahead() -> Iterator[dict[str, Ahead]]:
    """Hold the processes started ahead, by `hass` interpreter; stop them at the end."""
    started: dict[str, Ahead] = {}
    yield started
    for ahead in started.values():
        ahead.helper.stop()


def _python_of(item: pytest.Item) -> str:
    callspec = getattr(item, "callspec", None)
    param = callspec.params.get("home_assistant_python") if callspec else None
    return str(param or DEFAULT_PYTHON)


@pytest.fixture(autouse=True)
def every_field_ahead(
    request: pytest.FixtureRequest,
    home_assistant_python: None,
    started_ahead: dict[str, Ahead],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """At an end-to-end test, start the every-field Energy test's processes ahead.

    When that test runs in this session on the same `hass` interpreter, later (the
    series runs on one worker), on a release where it runs. Its own fixture
    `energy_ahead` hands them over.
    """
    if request.node.get_closest_marker("e2e") is None:
        return
    python = ha_harness.home_assistant_python()
    if python in started_ahead:
        return
    if not any(
        item.originalname == EVERY_FIELD and _python_of(item) == python
        for item in request.session.items
        if isinstance(item, pytest.Function)
    ):
        return
    if home_assistant_release(python) < HOME_SOURCE_RELEASE:
        return
    started_ahead[python] = start_energy_demo(tmp_path_factory.mktemp("energy-ahead"))


@pytest.fixture
def energy_ahead(
    every_field_ahead: None, started_ahead: dict[str, Ahead]
) -> Iterator[Ahead]:
    """Hand the every-field Energy test its processes, started ahead; stop them after.

    Skips the test before Home Assistant 2026.11 (no whole-home source):
    tests/history/test_energy_dashboard_fields.py checks every other field in process.
    """
    python = ha_harness.home_assistant_python()
    if home_assistant_release(python) < HOME_SOURCE_RELEASE:
        pytest.skip(
            "before 2026.11: tests/history/test_energy_dashboard_fields.py checks "
            "every field in process"
        )
    ahead = started_ahead[python]
    try:
        yield ahead
    finally:
        print(ahead.helper.log_tail())  # noqa: T201 - shown under a failure
        ahead.helper.stop()
