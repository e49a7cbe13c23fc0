"""Reading the paged lists of the Izypower Cloud (stations, devices).

:func:`read_all_pages` asks for pages through a callback (which sends one call through
the client, token and retries included) and decides when the list ends: at the
server's ``total`` (else ``pages``), or without counters when a page comes back short,
with :data:`MAX_PAGES` as a cap against a server that keeps answering.
"""

from collections.abc import Awaitable, Callable, Mapping
import logging
from typing import Any

from .exceptions import IzypowerResponseError
from .parsers import parse_all, parse_int, parse_number

_LOGGER = logging.getLogger(__name__)

# Page size of the paged lists, and a cap so that a server which keeps answering
# (for example one ignoring `page`) can never keep us looping.
PAGE_SIZE = 100
MAX_PAGES = 50


def _records(payload: object, endpoint: str) -> tuple[Mapping[str, Any], list[Any]]:
    """Return the page object and its ``records``; raise when there is no such list."""
    if not isinstance(payload, dict) or not isinstance(
        records := payload.get("records"), list
    ):
        raise IzypowerResponseError(
            f"The response of {endpoint} has no list of records"
        )
    return payload, records


def _is_last_page(
    page_object: Mapping[str, Any], page: int, received: int, page_length: int
) -> bool:
    """Whether the counters of the page (else its length) say the list ends here."""
    total = parse_number(page_object.get("total"))
    if total is not None:
        return received >= total
    pages = parse_int(page_object.get("pages"))
    if pages is not None:
        return page >= pages
    return page_length < PAGE_SIZE


def _usable(
    parsed: list[Any], records: int, found_any: bool, template: str, page: int
) -> bool:
    """Whether a page's parsed records continue the list (see :func:`read_all_pages`)."""
    if len(parsed) < records:
        _LOGGER.debug(
            "Skipped %d records without id on %s page %d",
            records - len(parsed),
            template,
            page,
        )
    if parsed:
        return True
    # Whatever the counters promise, more pages of unreadable records would only
    # cost requests.
    if not found_any:
        raise IzypowerResponseError(
            f"No record in the response of GET {template} has an id"
        )
    _LOGGER.warning(
        "Stopped reading %s at page %d, whose records have no id; "
        "the list may be incomplete",
        template,
        page,
    )
    return False


async def read_all_pages[T](
    fetch_page: Callable[[int], Awaitable[object]],
    template: str,
    parse: Callable[[object], T | None],
    key: Callable[[T], int],
) -> list[T]:
    """Read every page of a paged list and parse its records.

    ``fetch_page(n)`` returns the payload of page ``n`` (from 1) of the list at
    ``template``. Records without an id are skipped. A page that is not an object with
    a ``records`` list raises :class:`IzypowerResponseError` (an empty list is a valid
    end): reading it as an empty list would make every known device look gone. So does
    a list whose first page has records but none with an id; a later such page ends
    the list.
    """
    endpoint = f"GET {template}"
    found: dict[int, T] = {}
    received = 0
    for page in range(1, MAX_PAGES + 1):
        page_object, records = _records(await fetch_page(page), endpoint)
        if not records:
            break
        received += len(records)
        parsed = parse_all(records, parse)
        if not _usable(parsed, len(records), bool(found), template, page):
            break
        new = [item for item in parsed if key(item) not in found]
        if not new:
            # The server ignores `page` and repeats what we already have.
            break
        for item in new:
            found.setdefault(key(item), item)
        if _is_last_page(page_object, page, received, len(records)):
            break
    else:
        _LOGGER.warning(
            "Stopped reading %s after %d pages; the list may be incomplete",
            template,
            MAX_PAGES,
        )
    return list(found.values())
