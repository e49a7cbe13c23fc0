"""Device registry identifiers (docs/design.md §3: a contract other tools rely on).

Every place that builds or recognises a device identifier goes through these
functions, so the device registry, the entities and the stale-device clean-up can
never disagree.
"""

from .const import DOMAIN

STATION_PREFIX = "station_"
DEVICE_PREFIX = "device_"
LINK_PREFIX = "link_"


def station_identifier(station_id: int) -> tuple[str, str]:
    """Return the identifier of a power station device."""
    return (DOMAIN, f"{STATION_PREFIX}{station_id}")


def device_identifier(device_id: int) -> tuple[str, str]:
    """Return the identifier of an equipment device (Titan, micro-inverter, meter, charger)."""
    return (DOMAIN, f"{DEVICE_PREFIX}{device_id}")


def link_identifier(serial: str) -> tuple[str, str]:
    """Return the identifier of a battery Link module."""
    return (DOMAIN, f"{LINK_PREFIX}{serial}")


def entry_title(username: str) -> str:
    """Return the title of an account's entry: its e-mail, masked.

    Home Assistant quotes entry titles in its own log records and task names, so the
    full address must not be one. The first and last characters of the local part and
    the domain still tell the accounts of a household or an installer apart:
    ``jean.dupont@example.com`` becomes ``j•••t@example.com``.
    """
    local, at, domain = username.strip().lower().rpartition("@")
    if not at:
        local, domain = domain, ""
    shown = local[:1] + "•••" + (local[-1:] if len(local) > 2 else "")
    return f"{shown}{at}{domain}"
