"""Fixtures of the API library tests: an aiohttp session, HTTP mocks, fake time."""

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
import json
from pathlib import Path
from typing import Any

import aiohttp
from aioresponses import aioresponses
from aioresponses.core import RequestCall, merge_params, normalize_url  # type: ignore[attr-defined]  # helpers not re-exported
import pytest
from yarl import URL

from custom_components.izypower_cloud.api import DEFAULT_BASE_URL, IzypowerClient

ACCOUNT_DIR = Path(__file__).parents[1] / "fixtures" / "account"

USERNAME = "camille.exemple@example.org"
PASSWORD = "Tilleuls-Secret-2026!"
# The fixtures' snapshot moment: 2026-07-14 13:42 Europe/Paris.
SNAPSHOT = datetime(2026, 7, 14, 11, 42, tzinfo=UTC).timestamp()
LOGIN_PATH = "/api/login"


def load(name: str) -> Any:
    """Return the decoded JSON of a fixture file of the synthetic account."""
    return json.loads((ACCOUNT_DIR / name).read_text(encoding="utf-8"))


def token_of(name: str) -> str:
    """Return the token a login fixture hands out."""
    token: str = load(name)["data"]["token"]
    return token


def url(path: str, **params: str | int) -> URL:
    """Return the normalised URL aioresponses records for ``path`` + ``params``."""
    return normalize_url(merge_params(URL(DEFAULT_BASE_URL + path), params or None))


def calls(
    mock: aioresponses, method: str, path: str, **params: str | int
) -> list[RequestCall]:
    """Return the requests the mock received for one method and URL."""
    return mock.requests.get((method, url(path, **params)), [])


def add_login(
    mock: aioresponses, fixture: str = "login_ok.json", *, repeat: bool = False
) -> None:
    """Answer the next login (or every login) with a fixture body."""
    mock.post(url(LOGIN_PATH), payload=load(fixture), repeat=repeat)


class FakeClock:
    """Wall clock under the test's control (seconds since the epoch)."""

    def __init__(self, now: float) -> None:
        """Start at ``now``."""
        self.now = now

    def __call__(self) -> float:
        """Return the current fake time."""
        return self.now


class RecordedSleeps(list[float]):
    """Replacement of ``asyncio.sleep`` that records delays and returns at once."""

    async def __call__(self, delay: float) -> None:
        """Record ``delay`` without waiting."""
        self.append(delay)


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """Yield an aiohttp session closed after the test."""
    async with aiohttp.ClientSession() as client_session:
        yield client_session


@pytest.fixture
def mock_cloud() -> Iterator[aioresponses]:
    """Intercept every HTTP request of the test."""
    with aioresponses() as mock:
        yield mock


@pytest.fixture
def clock() -> FakeClock:
    """Return a clock stopped at the fixtures' snapshot moment."""
    return FakeClock(SNAPSHOT)


@pytest.fixture
def sleeps() -> RecordedSleeps:
    """Return the recorder of the backoff delays the client asks for."""
    return RecordedSleeps()


@pytest.fixture
def client(
    session: aiohttp.ClientSession, clock: FakeClock, sleeps: RecordedSleeps
) -> IzypowerClient:
    """Return a client of the account with instant backoff and a fake clock."""
    return IzypowerClient(session, USERNAME, PASSWORD, sleep=sleeps, clock=clock)
