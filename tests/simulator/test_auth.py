"""Login, tokens, expiry and 401s."""

import base64
import json
from typing import Any

import pytest

from .conftest import ACCOUNT_DIR, API, PASSWORD, USERNAME, Harness, HarnessFactory

INFO = f"{API}/api/v3/powerStations/info/81234"


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


async def test_login_issues_unsigned_jwt_with_exp(make_harness: HarnessFactory) -> None:
    """The token is a JWT (alg none) whose exp is now + the configured lifetime."""
    harness = await make_harness(token_lifetime_s=120)
    token = await harness.login()
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header == {"alg": "none", "typ": "JWT"}
    assert token.endswith(".")
    assert _claims(token)["exp"] == int(harness.wall.now + 120)
    response = await harness.client.post(
        f"{API}/api/login", json={"username": USERNAME.upper(), "password": PASSWORD}
    )
    body = await response.json()
    assert body["data"]["username"] == USERNAME
    assert body["data"]["userId"] == 500123
    assert body["data"]["token"] != token


async def test_bad_password_gets_the_fixture_error_envelope(harness: Harness) -> None:
    """HTTP 200 with the error envelope of login_bad_credentials.json, no token."""
    response = await harness.client.post(
        f"{API}/api/login", json={"username": USERNAME, "password": "wrong"}
    )
    assert response.status == 200
    expected = json.loads((ACCOUNT_DIR / "login_bad_credentials.json").read_text())
    assert await response.json() == expected


async def test_bad_credentials_in_french(harness: Harness) -> None:
    """The error message follows Accept-Language."""
    response = await harness.client.post(
        f"{API}/api/login",
        json={"username": "someone@example.org", "password": PASSWORD},
        headers={"Accept-Language": "fr"},
    )
    body = await response.json()
    assert body["code"] == 10001
    assert body["data"] is None
    assert body["msg"] == "Nom d'utilisateur ou mot de passe incorrect"


@pytest.mark.parametrize(
    "body", [None, [], {"username": USERNAME}, {"username": 1, "password": PASSWORD}]
)
async def test_malformed_login_is_400(harness: Harness, body: Any) -> None:
    """A body without string username and password is a bad request."""
    if body is None:
        response = await harness.client.post(f"{API}/api/login", data=b"not json")
    else:
        response = await harness.client.post(f"{API}/api/login", json=body)
    assert response.status == 400
    assert (await response.json())["code"] == 400


async def test_configured_credentials(make_harness: HarnessFactory) -> None:
    """Username and password can be overridden."""
    harness = await make_harness(username="demo@example.org", password="s3cret")
    response = await harness.client.post(
        f"{API}/api/login", json={"username": USERNAME, "password": PASSWORD}
    )
    assert (await response.json())["code"] == 10001
    await harness.login("demo@example.org", "s3cret")
    assert (await harness.get("/api/powerStations/page?page=1&limit=100")).status == 200


@pytest.mark.parametrize("token", [None, "", "not-a-token", "eyJhbGciOiJub25lIn0.e30."])
async def test_missing_or_unknown_token_is_401(
    harness: Harness, token: str | None
) -> None:
    """Every call but login needs a token this server issued."""
    headers = {} if token is None else {"x-tts-access-token": token}
    response = await harness.client.get(INFO, headers=headers)
    assert response.status == 401
    assert (await response.json())["code"] == 401


async def test_token_expires_after_its_lifetime(make_harness: HarnessFactory) -> None:
    """Valid until exp (wall clock), 401 from then on; a new login works again."""
    harness = await make_harness(token_lifetime_s=600)
    await harness.login()
    harness.wall.now += 599
    assert (await harness.get("/api/v3/powerStations/info/81234")).status == 200
    harness.wall.now += 1
    assert (await harness.get("/api/v3/powerStations/info/81234")).status == 401
    await harness.login()
    assert (await harness.get("/api/v3/powerStations/info/81234")).status == 200


async def test_token_expiry_ignores_simulated_time(harness: Harness) -> None:
    """Jumping the simulated clock a week ahead does not expire tokens (clients use real time)."""
    await harness.login()
    await harness.advance(7 * 86400)
    assert (await harness.get("/api/v3/powerStations/info/81234")).status == 200


async def test_password_change_and_revocation(harness: Harness) -> None:
    """The admin can change the password and revoke tokens (reauthentication scenarios)."""
    await harness.login()
    await harness.admin(
        "POST",
        "/state",
        {"account": {"password": "new-password", "revoke_tokens": True}},
    )
    assert (await harness.get("/api/v3/powerStations/info/81234")).status == 401
    response = await harness.client.post(
        f"{API}/api/login", json={"username": USERNAME, "password": PASSWORD}
    )
    assert (await response.json())["code"] == 10001
    await harness.login(password="new-password")
    assert (await harness.get("/api/v3/powerStations/info/81234")).status == 200
