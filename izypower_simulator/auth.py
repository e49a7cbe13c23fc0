"""Unsigned JWTs (alg none) with an `exp` claim, and the server-side token registry."""

import base64
from collections.abc import Callable
import itertools
import json


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def make_jwt(claims: dict[str, object]) -> str:
    """Unsigned JWT with an empty signature segment, like the fixture tokens."""
    header = _b64url(
        json.dumps({"alg": "none", "typ": "JWT"}, separators=(",", ":")).encode()
    )
    payload = _b64url(json.dumps(claims, separators=(",", ":")).encode())
    return f"{header}.{payload}."


class TokenRegistry:
    """Tokens issued by this server; anything else, or anything past `exp`, is refused.

    Expiry is checked against the wall clock because clients read `exp` with theirs.
    """

    def __init__(self, wall: Callable[[], float], lifetime_s: float) -> None:
        """Issue tokens valid `lifetime_s` wall seconds."""
        self._wall = wall
        self.lifetime_s = lifetime_s
        self._expiries: dict[str, float] = {}
        self._ids = itertools.count(1)

    def issue(self, user_id: int, username: str) -> str:
        """Issue a new token for the account."""
        now = self._wall()
        expiry = now + self.lifetime_s
        token = make_jwt(
            {
                "userId": user_id,
                "username": username,
                "iat": int(now),
                "exp": int(expiry),
                "jti": next(self._ids),
            }
        )
        self._forget_expired(now)
        self._expiries[token] = expiry
        return token

    def is_valid(self, token: str | None) -> bool:
        """Whether `token` was issued here and has not expired."""
        if not token:
            return False
        expiry = self._expiries.get(token)
        return expiry is not None and self._wall() < expiry

    def revoke_all(self) -> None:
        """Invalidate every token (e.g. after a password change)."""
        self._expiries.clear()

    @property
    def active(self) -> int:
        """Number of tokens still valid."""
        now = self._wall()
        return sum(1 for expiry in self._expiries.values() if now < expiry)

    def _forget_expired(self, now: float) -> None:
        for token in [t for t, expiry in self._expiries.items() if expiry <= now]:
            del self._expiries[token]
