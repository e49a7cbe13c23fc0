"""The API base URL: which URLs the client accepts, and which keep the password safe.

The wire layer (wire.py) sends every call to the normalized base URL; the config flow
checks a URL with the same two functions before it is stored.
"""

import ipaddress
from urllib.parse import urlsplit


def _is_usable_base_url(text: str) -> bool:
    if any(character.isspace() or character in "?#@" for character in text):
        return False
    try:
        parts = urlsplit(text)
        _ = parts.port  # reading the port is what validates it
    except ValueError:
        return False
    return parts.scheme.lower() in {"http", "https"} and bool(parts.hostname)


def is_encrypted_or_local(base_url: str) -> bool:
    """Tell whether a usable base URL keeps the password off the network in clear.

    True for https, and for plain http to a loopback address (a test server on the
    same machine: `localhost`, 127.0.0.0/8, ::1); false for plain http to any other
    host, which would send the password unencrypted.
    """
    parts = urlsplit(base_url)
    if parts.scheme.lower() == "https":
        return True
    host = parts.hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def normalize_base_url(base_url: str) -> str:
    """Return the API base URL as the client uses it; raise ``ValueError`` if unusable.

    Usable means an absolute http or https URL with a host name, optionally a port and
    a path, and nothing else: the client appends its paths to it, so a query or
    fragment would land in the middle of every request, and user info would put a
    secret into every logged URL. The characters are checked on the raw text because
    URL parsers silently drop an empty "?", "#" or "@". Surrounding blanks and trailing
    slashes are removed. The error message never quotes the URL, which may hold a
    password.
    """
    text = base_url.strip().rstrip("/")
    if not _is_usable_base_url(text):
        raise ValueError(
            "The Izypower API URL must be an http or https URL with a host name, "
            "without user info, query or fragment"
        )
    return text
