"""Tolerant parsers of the JSON values the Izypower Cloud sends.

The cloud has no public contract: numbers arrive as numbers, as strings, with units or
as placeholders such as ``"-"``, keys go missing and ids sometimes arrive as strings.
Every parser here accepts any JSON value and turns whatever it cannot understand into
``None`` (unknown) instead of raising, so one odd field never takes a whole refresh
down. A value the cloud did not send is ``None``, never ``0``.
"""

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, time, timedelta, timezone
import math
import re
from typing import Any

# A number, optionally signed, with "." or "," as decimal separator and an optional
# exponent, followed by an optional unit the cloud is known to use, in any case ("V",
# "kWh", "%", "°C", "dBm"...). Anything else (several numbers, thousands separators,
# words, unknown units) is rejected so that garbage reads as unknown rather than as a
# wrong number: "12 apples" is not 12.
_UNITS = (
    "kWh",
    "Wh",
    "kW",
    "W",
    "V",
    "A",
    "Hz",
    "%",
    "°C",
    "C",
    "min",
    "ms",
    "h",
    "s",
    "dBm",
)
_NUMBER_RE = re.compile(
    rf"""^\s*
    (?P<number>[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?)
    \s*
    (?i:{"|".join(map(re.escape, _UNITS))})?
    \s*$""",
    re.VERBOSE,
)

# "2026-07-14 13:39:00 UTC+02:00": the suffix is the real offset of the timestamp.
_LAST_UPDATE_RE = re.compile(
    r"""^\s*
    (?P<date>\d{4}-\d{2}-\d{2})[ T](?P<time>\d{2}:\d{2}(?::\d{2})?)
    \s*(?:UTC|GMT)
    (?:\s*(?P<sign>[+-])(?P<hours>\d{1,2})(?::?(?P<minutes>\d{2}))?)?
    \s*$""",
    re.VERBOSE,
)

# A time of day as the cloud writes it ("02:30", maybe "2:30").
_CLOCK_TIME_RE = re.compile(r"^\s*(?P<hour>\d{1,2}):(?P<minute>\d{2})\s*$")

# Timezone offsets Python accepts are strictly below one day; real ones stay within
# -12:00..+14:00, anything else is a corrupt value.
_MAX_OFFSET = timedelta(hours=14)


def parse_number(value: object) -> float | None:
    """Parse any numeric-looking JSON value the cloud sends; ``None`` when unusable.

    Accepts numbers, numeric strings with or without a known unit (``"231.4V"``,
    ``"2455.0kWh"``, ``"50.01Hz"``, ``"63.7 %"``, ``"25.6 °C"``; the units are listed in
    ``_UNITS``) and comma decimals (``"1,5"``). Returns ``None`` for ``None``, booleans,
    empty strings, placeholders (``"-"``, ``"--"``, ``"{}"``), NaN, infinities,
    containers, unknown units (``"12 apples"``, ``"1.5e"``) and any other garbage.
    """
    # bool is an int subclass; a flag is never a measurement.
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:  # JSON integers are unbounded
            return None
    elif isinstance(value, str):
        match = _NUMBER_RE.match(value)
        if match is None:
            return None
        number = float(match.group("number").replace(",", "."))
    else:
        return None
    return number if math.isfinite(number) else None


def parse_bool(value: object) -> bool | None:
    """Parse a flag sent as a boolean, ``0``/``1`` or a string; ``None`` when unclear."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text in {"true", "yes", "on"}:
            return True
        if text in {"false", "no", "off"}:
            return False
    number = parse_number(value)
    if number == 1:
        return True
    if number == 0:
        return False
    return None


def parse_clock_time(value: object) -> time | None:
    """Parse a time of day sent as ``"HH:MM"``; ``None`` when it is anything else."""
    if not isinstance(value, str) or (match := _CLOCK_TIME_RE.match(value)) is None:
        return None
    hour, minute = int(match["hour"]), int(match["minute"])
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def parse_int(value: object) -> int | None:
    """Parse an integral value (``1000``, ``"1000"``, ``1000.0``); ``None`` otherwise."""
    number = parse_number(value)
    if number is None or not number.is_integer():
        return None
    return int(number)


def parse_id(value: object) -> int | None:
    """Parse a cloud id, which may arrive as a number or a string (``"640101"``)."""
    number = parse_int(value)
    # A unit suffix would make no sense on an id: insist on bare digits for strings.
    if number is None or number < 0:
        return None
    if isinstance(value, str) and not value.strip().isdigit():
        return None
    return number


def parse_text(value: object) -> str | None:
    """Return a stripped non-empty string, or ``None``.

    Serials sometimes come back as bare numbers; they are converted to text.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        text = value.strip()
        return text or None
    return None


def parse_last_update(value: object) -> datetime | None:
    """Parse ``YYYY-MM-DD HH:MM:SS UTC±HH:MM`` into an aware datetime.

    The offset is the cloud's own statement of the time zone, so it is used as is
    rather than assuming the zone of whoever runs the client. A timestamp without an
    offset is ambiguous and reads as unknown.
    """
    if not isinstance(value, str):
        return None
    match = _LAST_UPDATE_RE.match(value)
    if match is None:
        return None
    offset = timedelta()
    if match.group("sign") is not None:
        offset = timedelta(
            hours=int(match.group("hours")), minutes=int(match.group("minutes") or 0)
        )
        if match.group("sign") == "-":
            offset = -offset
    if abs(offset) > _MAX_OFFSET:
        return None
    time_text = match.group("time")
    if time_text.count(":") == 1:
        time_text += ":00"
    try:
        naive = datetime.fromisoformat(f"{match.group('date')}T{time_text}")
    except ValueError:
        return None
    return naive.replace(tzinfo=timezone(offset))


def json_object(value: object) -> Mapping[str, Any]:
    """Return ``value`` when it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def json_array(value: object) -> list[Any]:
    """Return ``value`` when it is a JSON array, else an empty one."""
    return value if isinstance(value, list) else []


def parse_all[T](
    values: Iterable[object], parse: Callable[[object], T | None]
) -> list[T]:
    """Parse every record, skipping the ones that are unusable."""
    return [item for item in map(parse, values) if item is not None]
