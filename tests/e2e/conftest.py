"""Fixtures of the end-to-end tests."""

from collections.abc import Iterator

import pytest

from devtools import ha_harness


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


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Name the Home Assistant version(s) the end-to-end tests really ran against.

    Read from the running instances' /api/config, so the line proves which release
    served the tests, whatever venv pytest itself runs in.
    """
    if ha_harness.VERSIONS_SEEN:
        terminalreporter.write_line(
            "end-to-end tests ran against Home Assistant "
            f"{', '.join(sorted(ha_harness.VERSIONS_SEEN))} "
            f"({ha_harness.home_assistant_python()})"
        )
