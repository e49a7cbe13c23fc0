"""Fixtures of the simulator tests: a simulator on a controllable clock, behind a test client."""

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer
import pytest

from izypower_simulator import (
    Account,
    SimClock,
    Simulator,
    SimulatorConfig,
    create_app,
    load_account,
)
from izypower_simulator.simulator import SIMULATOR_KEY

ACCOUNT_DIR = Path(__file__).parent.parent / "fixtures" / "account"
USERNAME = "camille.exemple@example.org"
PASSWORD = "izypower-demo"
API = "/photo_voltaic"


class FakeWall:
    """Wall clock the test moves by hand (token expiry, time scale)."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        """Start at `start` epoch seconds."""
        self.now = start

    def __call__(self) -> float:
        """Return the current wall time."""
        return self.now


@dataclass
class Harness:
    """A running simulator, its client and its clocks."""

    client: TestClient[Any, Any]
    simulator: Simulator
    wall: FakeWall
    token: str | None = None

    @property
    def clock(self) -> SimClock:
        """Return the simulated clock."""
        return self.simulator.clock

    @property
    def account(self) -> Account:
        """Return the live account."""
        return self.simulator.account

    async def login(self, username: str = USERNAME, password: str = PASSWORD) -> str:
        """Log in and keep the token."""
        response = await self.client.post(
            f"{API}/api/login", json={"username": username, "password": password}
        )
        body = await response.json()
        self.token = body["data"]["token"]
        return self.token

    def headers(self, lang: str = "en") -> dict[str, str]:
        """Return the headers the app sends."""
        assert self.token is not None
        return {
            "x-tts-access-token": self.token,
            "app-platform": "izy",
            "Accept-Language": lang,
        }

    async def get(self, path: str, lang: str = "en") -> ClientResponse:
        """GET an API path (logs in first if needed)."""
        if self.token is None:
            await self.login()
        return await self.client.get(API + path, headers=self.headers(lang))

    async def get_json(self, path: str, lang: str = "en") -> Any:
        """GET an API path that must answer 200; return its JSON."""
        response = await self.get(path, lang)
        assert response.status == 200, await response.text()
        return await response.json()

    async def post(self, path: str, body: Any) -> ClientResponse:
        """POST JSON to an API path."""
        if self.token is None:
            await self.login()
        return await self.client.post(API + path, json=body, headers=self.headers())

    async def admin(self, method: str, path: str, body: Any = None) -> Any:
        """Call an admin endpoint that must answer 200."""
        response = await self.client.request(method, f"/_simulator{path}", json=body)
        assert response.status == 200, await response.text()
        return await response.json()

    async def advance(self, seconds: float) -> None:
        """Move simulated time forward."""
        await self.admin("POST", "/clock", {"advance_seconds": seconds})


type HarnessFactory = Callable[..., Awaitable[Harness]]


@pytest.fixture
def fixture_account() -> Account:
    """Load a fresh copy of the fixture account."""
    return load_account(ACCOUNT_DIR)


@pytest.fixture
async def make_harness(socket_enabled: None) -> AsyncIterator[HarnessFactory]:
    """Start simulators; frozen clock at the account's snapshot unless told otherwise.

    `start` moves the fixture snapshot to that instant (see load_account).
    """
    clients: list[TestClient[Any, Any]] = []

    async def factory(
        account: Account | None = None,
        *,
        start: datetime | None = None,
        time_scale: float = 0.0,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        **config: Any,
    ) -> Harness:
        account = account or load_account(ACCOUNT_DIR, start=start)
        wall = FakeWall()
        clock = SimClock(account.time, time_scale=time_scale, wall=wall)
        kwargs: dict[str, Any] = {} if sleep is None else {"sleep": sleep}
        app = create_app(account, clock, SimulatorConfig(**config), **kwargs)
        client = TestClient(TestServer(app))
        await client.start_server()
        clients.append(client)
        return Harness(client, app[SIMULATOR_KEY], wall)

    yield factory
    for client in clients:
        await client.close()


@pytest.fixture
async def harness(make_harness: HarnessFactory) -> Harness:
    """Serve the fixture account on a frozen clock."""
    return await make_harness()
