"""Tolerant reading of loaded JSON values: the simulator loads what the integration reads.

The real cloud sends numbers as numbers, as strings (`"3600"`, `"231.4V"`, `"1,5"`), as
placeholders (`"--"`) or not at all; the integration's parsers (its `api/parsers.py`)
turn anything unusable into unknown. The simulator, which never imports the
integration, reads the same values here the same way, and falls back to a default: a
loaded account must serve something, and a number the cloud did not send is served as
that default. Numbers keep their JSON type, so a fixture renders back exactly.
"""

from collections.abc import Mapping
import math
import re
from typing import Any

from .model import Number

# A number with "." or "," decimals and an optional unit, like the integration's parser.
_NUMBER = re.compile(
    r"^\s*(?P<number>[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?)\s*"
    r"(?i:kWh|Wh|kW|W|V|A|Hz|%|°C|C|min|ms|h|s|dBm)?\s*$"
)


def number_or_none(value: object) -> Number | None:
    """Return the number `value` holds (its own type when a JSON number), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str) and (match := _NUMBER.match(value)) is not None:
        parsed = float(match["number"].replace(",", "."))
        if not math.isfinite(parsed):
            return None
        return int(parsed) if parsed.is_integer() and "." not in value else parsed
    return None


def number(value: object, default: Number) -> Number:
    """Return the number `value` holds, else `default`."""
    parsed = number_or_none(value)
    return default if parsed is None else parsed


def integer(value: object, default: int) -> int:
    """Return the whole number `value` holds, else `default`."""
    parsed = number_or_none(value)
    return int(parsed) if parsed is not None and float(parsed).is_integer() else default


def flag(value: object, default: bool) -> bool:
    """Return a flag sent as a boolean, 0/1 or "true"/"false", else `default`."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "false"}:
        return value.strip().lower() == "true"
    parsed = number_or_none(value)
    return default if parsed not in (0, 1) else parsed == 1


def text(value: object, default: str = "") -> str:
    """Return a non-empty text (numbers written out), else `default`."""
    if isinstance(value, bool) or value is None:
        return default
    if isinstance(value, int | float | str) and str(value).strip():
        return str(value).strip()
    return default


def obj(value: object) -> Mapping[str, Any]:
    """Return `value` if it is a JSON object, else an empty one."""
    return value if isinstance(value, Mapping) else {}


def array(value: object) -> list[Any]:
    """Return `value` if it is a JSON array, else an empty one."""
    return value if isinstance(value, list) else []


def data(body: object) -> Any:
    """Return the `data` of an answer body (None when absent)."""
    return obj(body).get("data")
