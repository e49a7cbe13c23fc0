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
