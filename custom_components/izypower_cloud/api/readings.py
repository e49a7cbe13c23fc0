"""Typed models of the newer per-device live readings (meter channels, EV charger).

Seen in one client only (the original's 1.0.11 beta line, docs/api.md §7.13-7.14): every
field is read tolerantly, and one the cloud does not send is ``None``.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Self

from .parsers import json_array, json_object, parse_int, parse_number

# A meter has three channels (items 0..2 of its page).
METER_CHANNELS = 3


class ChannelMode(StrEnum):
    """What a meter channel measures (`mode` 0 or 1)."""

    CONSUMPTION = "consumption"
    PRODUCTION = "production"


_CHANNEL_MODES = {0: ChannelMode.CONSUMPTION, 1: ChannelMode.PRODUCTION}


@dataclass(frozen=True, slots=True)
class MeterChannel:
    """One channel of a smart meter: live power, apparent power, current, voltage."""

    power: float | None
    apparent_power: float | None
    current: float | None
    voltage: float | None
    mode: ChannelMode | None

    @classmethod
    def from_json(cls, record: object) -> Self:
        """Parse one ``items`` entry; an unknown `mode` code is ``None``."""
        data = json_object(record)
        code = parse_int(data.get("mode"))
        return cls(
            power=parse_number(data.get("power")),
            apparent_power=parse_number(data.get("apparent_power")),
            current=parse_number(data.get("current")),
            voltage=parse_number(data.get("voltage")),
            mode=None if code is None else _CHANNEL_MODES.get(code),
        )

    @classmethod
    def list_from_json(cls, payload: object) -> list[Self]:
        """Parse the meter page's ``data``: its first three ``items``, in order.

        The position is the channel's number, so a malformed item stays in place (all
        its readings unknown) rather than shifting the next ones.
        """
        items = json_array(json_object(payload).get("items"))[:METER_CHANNELS]
        return [cls.from_json(item) for item in items]


@dataclass(frozen=True, slots=True)
class EvChargerPower:
    """An EV charger's live AC input and charging power (W)."""

    ac_power: float | None
    power: float | None

    @classmethod
    def from_json(cls, payload: object) -> Self:
        """Parse the EV charger page's ``data``."""
        data = json_object(payload)
        return cls(
            ac_power=parse_number(data.get("ac_power")),
            power=parse_number(data.get("power")),
        )
