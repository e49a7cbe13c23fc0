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

from devtools import ha_harness

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


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add `--timing`: also run the tests that assert on wall-clock time."""
    parser.addoption(
        "--timing",
        action="store_true",
        help="run the tests marked `timing` (wall-clock bounds a busy machine can "
        "fail; run them with -s on an idle machine to read their figures)",
    )
    parser.addoption(
        "--ha-next-python",
        metavar="PYTHON",
        help="run every end-to-end test a second time with `hass` from this "
        "interpreter (scripts/test: .venv-ha-next's, the newest Home Assistant)",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """With --ha-next-python, run each end-to-end test once per Home Assistant release.

    In one pytest run, so that pytest-xdist can run the two series side by side.
    """
    ha_next = metafunc.config.getoption("--ha-next-python")
    if ha_next and metafunc.definition.get_closest_marker("e2e") is not None:
        metafunc.parametrize(
            "home_assistant_python",
            [None, ha_next],
            ids=["ha", "ha-next"],
            indirect=True,
        )


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Mark the slow kinds by what the tests use, before `-m` selects.

    - `recorder`: every test that starts Home Assistant's real recorder;
    - `e2e` tests (marked in their modules; `e2e_marked` below refuses a Home
      Assistant process to a test without the mark) run one after the other on one
      pytest-xdist worker (`--dist loadgroup`), each starting `hass`, which takes a
      core; those with `hass` from --ha-next-python on another;
    - `timing` tests are skipped unless pytest gets `--timing`.
    """
    run_timing = config.getoption("--timing")
    for item in items:
        if "recorder_mock" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.recorder)
        if item.get_closest_marker("e2e") is not None:
            callspec = getattr(item, "callspec", None)
            ha_next = callspec is not None and callspec.params["home_assistant_python"]
            item.add_marker(pytest.mark.xdist_group("e2e-next" if ha_next else "e2e"))
        if item.get_closest_marker("timing") is not None and not run_timing:
            item.add_marker(
                pytest.mark.skip(reason="wall-clock bounds: run with --timing")
            )


@pytest.fixture(autouse=True)
def home_assistant_python(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Start `hass` with the interpreter of the test's parameter, if it has one.

    The harness reads $IZYPOWER_HA_PYTHON (`ha_harness.home_assistant_python`); without
    the parameter (and without --ha-next-python) the environment decides, as for
    `scripts/test --ha-next`.
    """
    python = getattr(request, "param", None)
    if python is not None:
        monkeypatch.setenv("IZYPOWER_HA_PYTHON", python)


@pytest.fixture(autouse=True)
def e2e_marked(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse a Home Assistant process to a test not marked `e2e`.

    So that `-m "not e2e"` (`scripts/test --quick`) really leaves out every test that
    starts one, and the full run keeps them on one worker.
    """
    if request.node.get_closest_marker("e2e") is not None:
        return

    def refuse(*_: object, **__: object) -> None:
        pytest.fail(
            "this test starts Home Assistant as a process: mark it "
            "@pytest.mark.e2e (or `pytestmark`)",
            pytrace=False,
        )

    monkeypatch.setattr(ha_harness, "start_home_assistant", refuse)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """On a pytest-xdist worker, hand the Home Assistant versions seen to the controller."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["home_assistant_versions"] = sorted(ha_harness.VERSIONS_SEEN)


def pytest_testnodedown(node: Any, error: object) -> None:
    """On the pytest-xdist controller, collect what a worker's end-to-end tests saw."""
    output = getattr(node, "workeroutput", {})
    ha_harness.VERSIONS_SEEN.update(output.get("home_assistant_versions", ()))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Name the Home Assistant version(s) the end-to-end tests really ran against.

    Read from the running instances' /api/config, so the line proves which release
    served the tests, whatever venv pytest itself runs in (with pytest-xdist, the
    workers report them: `pytest_testnodedown`).
    """
    config = terminalreporter.config
    if ha_harness.VERSIONS_SEEN and not hasattr(config, "workerinput"):
        pythons = [ha_harness.home_assistant_python()]
        if ha_next := config.getoption("--ha-next-python"):
            pythons.append(ha_next)
        terminalreporter.write_line(
            "end-to-end tests ran against Home Assistant "
            f"{', '.join(sorted(ha_harness.VERSIONS_SEEN))} ({', '.join(pythons)})"
        )


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
