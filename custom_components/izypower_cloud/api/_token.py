"""Reading the expiry of the cloud's JWT access token.

Only the ``exp`` claim is read and the signature is not checked: the token is opaque to
us and the server remains the judge of its validity. Knowing ``exp`` merely lets the
client renew it before the server starts answering 401.
"""

import base64
import json
import math

# Renew this long before `exp`, so a token never expires in flight or through a small
# clock difference with the server; at most half of the remaining life, so that a
# short-lived token still serves several calls instead of one login per call.
RENEW_MARGIN = 60.0
# When `exp` cannot be read, or is already past by our clock (a token the server just
# issued, so our clock runs ahead of the server's), assume a short life: an early
# renewal costs one login, a late one costs a failed call and a 401 round trip.
FALLBACK_LIFETIME = 600.0


def token_expiry(token: str) -> float | None:
    """Return the ``exp`` claim (seconds since the epoch) of a JWT, or ``None``."""
    parts = token.split(".")
    if len(parts) < 2:
        return None
    segment = parts[1]
    try:
        claims = json.loads(
            base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
        )
    # binascii.Error and UnicodeDecodeError are ValueErrors; deeply nested JSON
    # overflows the decoder's stack.
    except ValueError, RecursionError:
        return None
    if not isinstance(claims, dict):
        return None
    expiry = claims.get("exp")
    if isinstance(expiry, bool) or not isinstance(expiry, int | float):
        return None
    try:
        expiry = float(expiry)
    except OverflowError:
        return None
    return expiry if math.isfinite(expiry) else None


def renewal_deadline(token: str, now: float) -> float:
    """Return the time after which ``token``, received at ``now``, must be renewed.

    Always later than ``now``: a deadline already past would make every call log in
    again.
    """
    expiry = token_expiry(token)
    if expiry is None or expiry <= now:
        expiry = now + FALLBACK_LIFETIME
    return expiry - min(RENEW_MARGIN, (expiry - now) / 2)
